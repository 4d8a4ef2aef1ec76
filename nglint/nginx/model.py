"""Locations as written and how directive values are inherited between blocks.

Inheritance follows nginx's merge functions: a block that does not set a directive takes
the value of the nearest enclosing block that does (http → server → location → nested
location → `if`). Array directives (`index`, `error_page`, `allow`/`deny`, ...) are taken
as a whole from the nearest level that has any. Some directives act only where written.
"""

from __future__ import annotations

from dataclasses import dataclass

from nglint.load.tree import Directive

MODIFIERS = ("=", "^~", "~", "~*", "@")


@dataclass(frozen=True, slots=True)
class LocationMatch:
    """A location's match as written: ``modifier`` is "", "=", "^~", "~", "~*" or "@"."""

    modifier: str
    pattern: str

    @property
    def is_prefix(self) -> bool:
        return self.modifier in ("", "^~")

    @property
    def is_regex(self) -> bool:
        return self.modifier in ("~", "~*")

    @property
    def is_exact(self) -> bool:
        return self.modifier == "="

    @property
    def is_named(self) -> bool:
        return self.modifier == "@"

    def __str__(self) -> str:
        if self.modifier == "@":
            return self.pattern
        return f"{self.modifier} {self.pattern}" if self.modifier else self.pattern


def location_match(loc: Directive) -> LocationMatch | None:
    """Parse `location [modifier] pattern` the way nginx does (`~*\\.php` and `=/x` included)."""
    args = loc.values
    if not args:
        return None
    if len(args) >= 2 and args[0] in ("=", "^~", "~", "~*"):
        return LocationMatch(args[0], args[1])
    first = args[0]
    if first.startswith("@"):
        return LocationMatch("@", first)
    # nginx accepts the modifier glued to the pattern: `location =/x`, `location ~*\.css$`
    for mod in ("^~", "~*", "=", "~"):
        if first.startswith(mod) and len(first) > len(mod):
            return LocationMatch(mod, first[len(mod):])
    return LocationMatch("", first)


# Directives that act only in the block that holds them (no merge in nginx).
LOCAL = frozenset({
    "try_files", "rewrite", "return", "set", "break", "if", "location", "limit_except",
    "server_name", "listen",
})
# Content handlers: not inherited by nested locations, but an `if` or `limit_except` block
# inside a location runs its location's handler (nginx merges them into "noname" blocks).
HANDLERS = frozenset({
    "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass",
    "empty_gif", "stub_status",
})
# `root` and `alias` share one slot: an alias in a location hides an outer root and the
# other way round; nested locations inherit either (alias keeps its owner's prefix length).
PATH_SLOT = ("root", "alias")
_NONAME = ("if", "limit_except")


def _levels(block: Directive):
    node: Directive | None = block
    while node is not None:
        yield node
        node = node.parent


def effective_all(block: Directive, name: str) -> list[Directive]:
    """Every ``name`` directive that applies in ``block``: those of the nearest level that
    has any (arrays such as `index` or `error_page` are replaced as a whole, not merged)."""
    if name in LOCAL:
        return list(block.directives(name))
    if name in HANDLERS:
        for level in _levels(block):
            own = list(level.directives(name))
            if own or level.name not in _NONAME:
                return own
        return []
    if name in PATH_SLOT:
        for level in _levels(block):
            own = [d for d in level.directives() if d.name in PATH_SLOT]
            if own:
                return [d for d in own if d.name == name]
        return []
    for level in _levels(block):
        own = list(level.directives(name))
        if own:
            return own
    return []


def effective(block: Directive, name: str) -> Directive | None:
    """The ``name`` directive that applies in ``block`` (its own or an inherited one), or
    None. For array directives this is the first of the applying level; see
    :func:`effective_all`."""
    found = effective_all(block, name)
    return found[0] if found else None


def path_directive(block: Directive) -> Directive | None:
    """The `root` or `alias` that maps URIs to files in ``block`` (None: nginx's default
    `root html`)."""
    for level in _levels(block):
        for d in level.directives():
            if d.name in PATH_SLOT:
                return d
    return None


def flag(block: Directive, name: str, default: bool) -> bool:
    """An on/off directive's effective value."""
    d = effective(block, name)
    if d is None or not d.args:
        return default
    return d.args[0].value.lower() == "on"
