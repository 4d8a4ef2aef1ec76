"""Shared by the route-based rules (NGL020-NGL023): what counts as a location serving
static or media files, sample asset URLs, and a reader for the literal part of a location
regex. The routing tables themselves come from nglint.route.compile_config (cached on the
config)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterator, TypeVar

from nglint.nginx.model import owner_match, own_handler, path_directive
from nglint.route import CompiledConfig, CompiledServer, Loc

T = TypeVar("T")

# Path segments that name static or uploaded files in web deployments.
_STATIC_SEGMENT = re.compile(r"(?:^|/)(?:static|staticfiles|media|uploads?|assets|public|dist|build|files|"
                             r"images?|img|css|js|fonts?)(?:/|$)", re.I)
# Asset names tried under a static prefix, the common extensions first; uploads under a
# media prefix.
SAMPLE_FILES = ("app.css", "app.js", "img/logo.png", "photo.jpg", "icon.svg", "font.woff2", "favicon.ico",
                "app.js.map", "anim.gif", "image.webp", "doc.pdf")
MEDIA_FILES = ("uploads/example.jpg", "example.png", "report.pdf", "video.mp4")
_MEDIA_SEGMENT = re.compile(r"(?:^|/)(?:media|uploads?|files)(?:/|$)", re.I)


_FILE_SETTINGS = frozenset({"root", "alias", "try_files"})


def per_layout(cc: CompiledConfig,
               decide: Callable[[CompiledServer], list[T]]) -> Iterator[tuple[CompiledServer, list[T]]]:
    """(server, ``decide(server)``) for each server where it is not empty, ``decide`` run
    once per location layout: its answer must depend only on :attr:`CompiledServer.layout`
    (and name locations by their positions in ``all_locations()``). Servers generated from
    one template share their layout, so thousands of servers cost a few decisions."""
    cc.build_locations()
    decided: dict[tuple, list[T]] = {}
    for server in cc.servers:
        found = decided.get(server.layout)
        if found is None:
            found = decided[server.layout] = decide(server)
        if found:
            yield server, found


def looks_static(pattern: str) -> bool:
    return bool(_STATIC_SEGMENT.search(pattern))


def serves_files(loc: Loc) -> bool:
    """A location that answers from disk: no handler or `return` of its own, and its own
    `root`/`alias`/`try_files` or a static-looking path."""
    d = loc.directive
    if own_handler(d) is not None:
        return False
    return not _FILE_SETTINGS.isdisjoint(d.child_names()) or looks_static(loc.match.pattern)


def samples(prefix: str) -> list[str]:
    """Sample asset URLs under ``prefix`` (uploads first for a media-like prefix)."""
    base = prefix if prefix.endswith("/") else prefix + "/"
    names = MEDIA_FILES + SAMPLE_FILES if _MEDIA_SEGMENT.search(prefix) else SAMPLE_FILES + MEDIA_FILES
    return [base + name for name in names]


def inside(loc: Loc, outer: Loc) -> bool:
    """``loc`` is ``outer`` or nested somewhere inside it."""
    node: Loc | None = loc
    while node is not None:
        if node is outer:
            return True
        node = node.parent
    return False


def file_for(loc: Loc, uri: str, prefix_dir: str) -> str | None:
    """The file a prefix location would open for ``uri`` (None when variables decide it)."""
    d = path_directive(loc.directive)
    if d is None:
        return f"{prefix_dir.rstrip('/')}/html{uri}"
    value = d.args[0].value if d.args else ""
    if "$" in value:
        return None
    if not value.startswith("/"):
        value = f"{prefix_dir.rstrip('/')}/{value}"
    if d.name == "root":
        return value.rstrip("/") + uri
    owner = owner_match(d)
    if owner is None or owner.is_regex:
        return None
    return value + uri[len(owner.pattern):]


# -- regex structure ---------------------------------------------------------------------------
_META = set(".^$*+?()[]{}|\\")
_ESCAPED_LITERAL = set("./-_~:@!,;=&%#'\"<> ")


def _top_level_alternation(pattern: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


@lru_cache(maxsize=4096)  # thousands of servers repeat the same few regexes
def literal_prefix(pattern: str) -> tuple[str, str] | None:
    """(literal text every match starts with, the rest of the pattern) for a regex anchored
    with `^`; None when the pattern is not anchored or has a top-level `|`."""
    if not pattern.startswith("^") or _top_level_alternation(pattern):
        return None
    out: list[str] = []
    i = 1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in _ESCAPED_LITERAL:
            ch, step = pattern[i + 1], 2
        elif c not in _META:
            ch, step = c, 1
        else:
            break
        nxt = pattern[i + step:i + step + 1]
        if nxt in ("*", "?", "{"):
            break  # the character may be absent: it is not part of every match
        out.append(ch)
        i += step
    return "".join(out), pattern[i:]


# Regex bodies that match every URI (every URI starts with "/" and is not empty).
_CATCH_ALL = {"", "^", ".*", "^.*", ".*$", "^.*$", "/", "^/", "/.*", "^/.*", "^/.*$", "/.*$", ".", "^.", ".+",
              "^.+", ".+$", "^.+$"}


def catch_all(pattern: str) -> bool:
    """The regex matches every URI (`~ .`, `~ ^/`, `~* ^(.*)$`, ...)."""
    if "|" in pattern or "(?" in pattern:
        return False
    return pattern.replace("(", "").replace(")", "") in _CATCH_ALL
