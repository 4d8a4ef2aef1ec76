"""Locations as written and how directive values are inherited between blocks.

Inheritance follows nginx's merge functions: a block that does not set a directive takes
the value of the nearest enclosing block that does (http → server → location → nested
location → `if`). Array directives (`index`, `error_page`, `allow`/`deny`, ...) are taken
as a whole from the nearest level that has any. Some directives act only where written.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from nglint.load.tree import Directive

MODIFIERS = ("=", "^~", "~", "~*", "@")


class LocationMatch(NamedTuple):
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
    cached = loc._match  # computed once per directive (see Directive._match)
    if cached is not None:
        return cached  # type: ignore[return-value]
    args = loc.args
    if not args:
        return None
    loc._match = match = _parse_match(args[0].value, args[1].value if len(args) >= 2 else None)
    return match


@lru_cache(maxsize=4096)  # one shared object per distinct match: configs repeat `/static/` per server
def _parse_match(first: str, second: str | None) -> LocationMatch:
    if second is not None and first in ("=", "^~", "~", "~*"):
        return LocationMatch(first, second)
    if first.startswith("@"):
        return LocationMatch("@", first)
    # nginx accepts the modifier glued to the pattern: `location =/x`, `location ~*\.css$`
    if first.startswith(("^~", "~", "=")):
        for mod in ("^~", "~*", "=", "~"):
            if first.startswith(mod) and len(first) > len(mod):
                return LocationMatch(mod, first[len(mod):])
    return LocationMatch("", first)


def owner_match(d: Directive) -> LocationMatch | None:
    """The match of the location ``d`` sits in directly (None outside a location): an
    `alias` replaces that location's prefix, `proxy_pass` with a URI part likewise."""
    parent = d.parent
    return location_match(parent) if parent is not None and parent.name == "location" else None


def duplicate_location(a: LocationMatch, b: LocationMatch) -> bool:
    """Two locations `nginx -t` refuses at one level (`duplicate location`): the same
    pattern, both exact or both prefix (`/x` and `^~ /x` share one table)."""
    return a.pattern == b.pattern and ((a.is_exact and b.is_exact) or (a.is_prefix and b.is_prefix))


# Directives that act only in the block that holds them (no merge in nginx).
LOCAL = frozenset({
    "try_files", "rewrite", "return", "set", "break", "if", "location", "limit_except",
    "server_name", "listen",
})
# Handlers that pass the request upstream; with one, a prefix location ending in "/" answers
# its slash-less URI with a 301 (nginx's auto_redirect).
UPSTREAM_HANDLERS = ("proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass")
# Content handlers, in the order the simulator looks for them: not inherited by nested
# locations, but an `if` or `limit_except` block inside a location runs its location's
# handler (nginx merges them into "noname" blocks).
HANDLERS = UPSTREAM_HANDLERS + ("empty_gif", "stub_status")
# `root` and `alias` share one slot: an alias in a location hides an outer root and the
# other way round; nested locations inherit either (alias keeps its owner's prefix length).
PATH_SLOT = ("root", "alias")
_ANSWERS = HANDLERS + ("return",)
_HANDLER_NAMES, _ANSWER_NAMES = frozenset(HANDLERS), frozenset(_ANSWERS)  # for isdisjoint() tests
_NONAME = ("if", "limit_except")


def _levels(block: Directive):
    node: Directive | None = block
    while node is not None:
        yield node
        node = node.parent


class BlockIndex:
    """Inherited lookups (:func:`effective_all`, :func:`path_directive`, ...) remembered
    per block: the simulator asks a location for its `root`/`alias` several times per
    request. Child directives by name come from the tree itself (:meth:`Directive.named`)."""

    def __init__(self) -> None:
        self._nearest: dict[tuple[int, tuple[str, ...]], list[Directive]] = {}
        self._blocks: list[Directive] = []  # keeps ids stable while the index lives

    def nearest(self, block: Directive, names: tuple[str, ...]) -> list[Directive]:
        """:func:`_nearest`, remembered per block."""
        key = (id(block), names)
        found = self._nearest.get(key)
        if found is None:
            found = self._nearest[key] = _nearest(block, names)
            self._blocks.append(block)
        return found


def _nearest(block: Directive, names: tuple[str, ...]) -> list[Directive]:
    """The ``names`` directives of the nearest level, from ``block`` outwards, that has any."""
    level: Directive | None = block
    while level is not None:
        own = level.named(*names)
        if own:
            return own
        level = level.parent
    return []


def _inherited(block: Directive, names: tuple[str, ...], index: BlockIndex | None) -> list[Directive]:
    return index.nearest(block, names) if index is not None else _nearest(block, names)


def effective_all(block: Directive, name: str, index: BlockIndex | None = None) -> list[Directive]:
    """Every ``name`` directive that applies in ``block``: those of the nearest level that
    has any (arrays such as `index` or `error_page` are replaced as a whole, not merged)."""
    if name in LOCAL:
        return block.named(name)
    if name in HANDLERS:
        for level in _levels(block):
            own = level.named(name)
            if own or level.name not in _NONAME:
                return own
        return []
    if name in PATH_SLOT:
        d = path_directive(block, index)
        return [d] if d is not None and d.name == name else []
    return _inherited(block, (name,), index)


def effective(block: Directive, name: str, index: BlockIndex | None = None) -> Directive | None:
    """The ``name`` directive that applies in ``block`` (its own or an inherited one), or
    None. For array directives this is the first of the applying level; see
    :func:`effective_all`."""
    found = effective_all(block, name, index)
    return found[0] if found else None


def content_handler(block: Directive) -> Directive | None:
    """The content handler in effect in ``block``: the first of HANDLERS, in that order,
    found in the block itself or, for an `if`/`limit_except` block, in the blocks around
    it up to its location (what ``effective(block, name)`` gives for each name in turn)."""
    levels = []
    for level in _levels(block):
        levels.append(level)
        if level.name not in _NONAME:
            break
    if all(_HANDLER_NAMES.isdisjoint(level.child_names()) for level in levels):
        return None  # the usual case: files, not a handler
    for name in HANDLERS:
        for level in levels:
            found = level.find(name)
            if found is not None:
                return found
    return None


def own_handler(block: Directive) -> Directive | None:
    """The block's own content handler or `return`: with one, the block answers without
    reading files."""
    if _ANSWER_NAMES.isdisjoint(block.child_names()):
        return None
    found = block.named(*_ANSWERS)
    return found[0] if found else None


def path_directive(block: Directive, index: BlockIndex | None = None) -> Directive | None:
    """The `root` or `alias` that maps URIs to files in ``block`` (None: nginx's default
    `root html`)."""
    # not through _inherited(): one call less for the rules, which ask without an index
    found = _nearest(block, PATH_SLOT) if index is None else index.nearest(block, PATH_SLOT)
    return found[0] if found else None


def access_rules(block: Directive, index: BlockIndex | None = None) -> list[Directive]:
    """`allow`/`deny` rules in effect, in order (one array in nginx, inherited as a whole)."""
    return _inherited(block, ("allow", "deny"), index)


def flag(block: Directive, name: str, default: bool, index: BlockIndex | None = None) -> bool:
    """An on/off directive's effective value."""
    d = effective(block, name, index)
    if d is None or not d.args:
        return default
    return d.args[0].value.lower() == "on"
