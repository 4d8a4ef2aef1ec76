"""Shared by the filesystem rules (NGL050-NGL053): the directories and files a config
serves, the identity nginx's workers run as, and a bounded look inside served directories.

Paths are as nginx sees them; ``project.fs`` (an ``FsView``) maps them onto this machine.
Without a view (no ``--fs``/``--fs-root``) the filesystem rules do nothing, so a plain
``nglint check`` never reads the host's files.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import Any, NamedTuple

from nglint.load import Config, Directive, ParseError, SourceFile, parse_file
from nglint.nginx.model import effective, location_match, path_directive
from nglint.route import CompiledConfig, FsView, compile_config
from nglint.route.fs import Identity, Probe

# nginx's content handlers, plus `return`: a location with one of them serves no files.
HANDLERS = frozenset({"proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass",
                      "empty_gif", "stub_status", "return"})
# Existence and symlink checks run as root, so that permissions (NGL051's business) play no part.
SUPERUSER = Identity("root", 0, frozenset({0}))
# Entries looked at inside one served directory (breadth first): enough to catch uploads
# saved 0600 or a broken link among the assets, cheap on a media directory of 100k files.
SAMPLE = 200


class Served(NamedTuple):
    """A path nginx opens files from, and the directive that makes it so."""

    path: str  # absolute, normalised, no trailing slash (except "/")
    want: str  # "dir": files are looked up inside it; "file": it is the file; "any": either
    directive: Directive  # the root/alias that gives the path
    block: Directive  # the location (or server) whose requests use it
    label: str  # "location /static/", "server example.org"

    @property
    def shown(self) -> str:
        """The path as messages print it: directories with a trailing slash."""
        return self.path if self.want != "dir" or self.path == "/" else self.path + "/"

    def span(self) -> dict[str, int]:
        """report() arguments that underline the path argument."""
        arg = self.directive.args[0] if self.directive.args else None
        return {"start": arg.start, "end": arg.end} if arg is not None else {}


class CachedView:
    """An FsView whose probes and link reads are remembered for one config: thousands of
    server blocks often serve the same few directories."""

    def __init__(self, fs: FsView) -> None:
        self.fs = fs
        self.root = fs.root
        self._probes: dict[tuple, Probe] = {}
        self._links: dict[str, str | None] = {}

    def probe(self, path: str, ident: Identity, *, read: bool, symlinks: str = "off", free_prefix: int = 0) -> Probe:
        key = (path, ident, read, symlinks, free_prefix)
        if key not in self._probes:
            self._probes[key] = self.fs.probe(path, ident, read=read, symlinks=symlinks, free_prefix=free_prefix)
        return self._probes[key]

    def link(self, path: str) -> str | None:
        if path not in self._links:
            self._links[path] = self.fs.link(path)
        return self._links[path]

    def host_path(self, path: str) -> str:
        return self.fs.host_path(path)

    def owner(self, st: os.stat_result) -> str:
        return self.fs.owner(st)

    def identity(self, user: str, group: str | None) -> Identity:
        return self.fs.identity(user, group)


def view(ctx: Any) -> CachedView | None:
    """The filesystem view of the run (None without --fs/--fs-root), cached per config."""
    fs = getattr(ctx.project, "fs", None)
    if fs is None:
        return None
    if "fs:view" not in ctx.cache:
        ctx.cache["fs:view"] = CachedView(fs)
    return ctx.cache["fs:view"]


def served_paths(config: Config, cache: dict[str, Any]) -> list[Served]:
    """Every path a file-serving block of ``config`` reads from, once per (path, directive)."""
    key = "fs:served"
    if key not in cache:
        cache[key] = _served(config)
    return cache[key]


def _served(config: Config) -> list[Served]:
    cc = compile_config(config)
    out: list[Served] = []
    seen: set[tuple[str, str, int]] = set()

    def add(item: Served | None) -> None:
        if item is not None and (item.path, item.want, id(item.directive)) not in seen:
            seen.add((item.path, item.want, id(item.directive)))
            out.append(item)

    cc.build_locations()
    for server in cc.servers:
        locs = server.all_locations()
        for loc in locs:
            if _serves_files(loc.directive):
                add(_target(config, loc.directive, f"location {loc.text}", cc))
        # Requests no location matches use the server's own root.
        catch_all = any(loc.parent is None and loc.match.is_prefix and loc.match.pattern == "/" for loc in locs)
        if not catch_all and server.directive.find("root") is not None and _serves_files(server.directive):
            add(_target(config, server.directive, f"server {server.name or '(no server_name)'}", cc))
    return out


def _serves_files(block: Directive) -> bool:
    own = [d for d in block.directives() if d.name in HANDLERS or d.name in ("allow", "deny")]
    if any(d.name in HANDLERS for d in own):
        return False
    access = [d for d in own if d.name in ("allow", "deny")]
    return not (access and access[0].name == "deny" and access[0].values == ["all"])


def _target(config: Config, block: Directive, label: str, cc: CompiledConfig) -> Served | None:
    d = path_directive(block, cc.index)
    if d is None or not d.args or not d.args[0].value:
        return None  # nginx's default `root html`: nobody meant to serve files from there
    value = d.args[0].value
    literal = value.split("$", 1)[0]
    variable = "$" in value
    if variable:
        # only the directory before the first variable is known
        literal = literal[:literal.rfind("/") + 1]
        if literal in ("", "/"):
            return None
    if not literal.startswith("/"):
        literal = f"{str(config.prefix).rstrip('/')}/{literal}"
    m = location_match(block) if block.name == "location" else None
    if variable:
        return Served(_norm(literal), "dir", d, block, label)
    if d.name == "alias":
        owner = location_match(d.parent) if d.parent is not None and d.parent.name == "location" else None
        if owner is None or not owner.is_prefix:
            return Served(_norm(literal), "any", d, block, label)
        rest = ""
        if m is not None and m.is_prefix and m.pattern.startswith(owner.pattern):
            rest = m.pattern[len(owner.pattern):]  # a nested location below the aliased one
            rest = rest[:rest.rfind("/") + 1]
        if rest or literal.endswith("/"):
            return Served(_norm(literal + rest), "dir", d, block, label)
        return Served(_norm(literal), "any", d, block, label)
    base = literal.rstrip("/")
    if m is not None and m.is_exact:
        return Served(_norm(base + m.pattern), "dir" if m.pattern.endswith("/") else "file", d, block, label)
    if m is not None and m.is_prefix:
        return Served(_norm(base + m.pattern[:m.pattern.rfind("/") + 1]), "dir", d, block, label)
    return Served(_norm(base + "/"), "dir", d, block, label)


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path != "/" else "/"


# -- the worker's identity ---------------------------------------------------------------------

class Worker(NamedTuple):
    ident: Identity
    directive: Directive | None  # the `user` directive of the config, when it has one
    how: str  # where the user comes from, for messages ("" when from the config itself)


def worker(config: Config, fs: CachedView, settings: dict[str, Any], cache: dict[str, Any]) -> Worker:
    """Who nginx's workers run as: the config's `user`; for a snippet, the `user` of the
    nginx.conf in the filesystem view (the file that will include it); else nginx's
    compiled-in default, nobody (Debian's and the official image's nginx.conf set
    www-data and nginx, but the binary's default is nobody: `nginx -V` shows no --user)."""
    key = "fs:worker"
    if key in cache:
        return cache[key]
    user, group, d = compile_config(config).user()
    how = ""
    if d is None:
        conf = posixpath.join(settings.get("conf-root") or "/etc/nginx", "nginx.conf")
        found = _user_of(fs.host_path(conf)) if config.context != "main" else None
        if found is not None:
            user, group = found
            how = f"{user} from the `user` directive of {conf}"
        else:
            how = f"{user} is nginx's compiled-in default user: the config has no `user` directive"
    ident = fs.identity(user, group)
    if ident.note:
        how = f"{how}; {ident.note}" if how else ident.note
    cache[key] = Worker(ident, d, how)
    return cache[key]


def _user_of(path: str) -> tuple[str, str | None] | None:
    """The `user` of a main config file, or None when there is no such file or directive."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        nodes = parse_file(SourceFile(Path(path), data, data.decode("utf-8", "replace")))
    except (OSError, ParseError):  # a missing or broken nginx.conf there is not our input
        return None
    for node in nodes:
        if isinstance(node, Directive) and node.name == "user" and node.args:
            vals = node.values
            return vals[0], (vals[1] if len(vals) > 1 else None)
    return None


# -- looking at files ---------------------------------------------------------------------------

def lstat(fs: CachedView, path: str) -> os.stat_result | None:
    try:
        return os.lstat(fs.host_path(path))
    except OSError:
        return None


def ls(fs: CachedView, path: str, st: os.stat_result | None = None) -> str:
    """`drwx------ deploy:deploy /home/deploy`, as `namei -l` shows a component."""
    st = st or lstat(fs, path)
    if st is None:
        return path
    return f"{stat.filemode(st.st_mode)} {fs.owner(st)} {path}"


def prefixes(path: str) -> list[str]:
    """`/a/b/c` → [`/a`, `/a/b`, `/a/b/c`]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


class Step(NamedTuple):
    """One component of a path walked as root: ``path`` as written, ``real`` the same
    entry with every link before it resolved, ``link`` its target when it is a symlink."""

    path: str
    real: str
    link: str | None
    probe: Probe  # the whole prefix up to this component, links followed


def walk(fs: CachedView, path: str) -> list[Step]:
    """The components of ``path`` down to the first one that does not resolve (included).
    readlink() happens only on paths with no link before the last component, so in an
    image export an absolute link is followed inside the export, never on this machine."""
    out: list[Step] = []
    parent = "/"
    for prefix in prefixes(path):
        real = parent.rstrip("/") + "/" + prefix.rsplit("/", 1)[1]
        probe = fs.probe(prefix, SUPERUSER, read=False)
        out.append(Step(prefix, real, fs.link(real), probe))
        if not probe.ok:
            break
        parent = probe.at
    return out


def sample(fs: CachedView, resolved_dir: str, limit: int = SAMPLE) -> list[tuple[str, os.stat_result]]:
    """Up to ``limit`` entries below a directory (breadth first, sorted by name), each
    with its lstat. ``resolved_dir`` must have no symlink in it (a probe's ``at``), so
    that an absolute link in an image export never leads the walk onto this machine's
    own files; links found inside are listed, never followed."""
    out: list[tuple[str, os.stat_result]] = []
    queue = [resolved_dir]
    while queue and len(out) < limit:
        here = queue.pop(0)
        try:
            with os.scandir(fs.host_path(here)) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            path = here.rstrip("/") + "/" + e.name
            out.append((path, st))
            if stat.S_ISDIR(st.st_mode):
                queue.append(path)
            if len(out) >= limit:
                break
    return out


def symlink_policy(served: Served) -> tuple[str, int]:
    """nginx's `disable_symlinks` for the block (`off`, `on`, `if_not_owner`) and the length
    of the leading part `from=` exempts (for `$document_root`, the root/alias itself)."""
    d = effective(served.block, "disable_symlinks")
    if d is None or not d.args or d.args[0].value == "off":
        return "off", 0
    free = 0
    for a in d.args[1:]:
        if a.value.startswith("from="):
            start = a.value[5:]
            if start in ("$document_root", "$realpath_root"):
                start = served.directive.args[0].value if served.directive.args else ""
            if "$" in start:
                continue
            start = start.rstrip("/")
            if served.path == start:
                return "off", 0
            if served.path.startswith(start + "/"):
                free = len(start)
    return d.args[0].value, free


def who(ident: Identity, st: os.stat_result) -> str:
    """Which permission class applies to the worker: `owner`, `group` or `others`."""
    if st.st_uid == ident.uid:
        return "owner"
    return "group" if st.st_gid in ident.gids else "others"
