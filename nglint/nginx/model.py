"""Small, shared pieces of nginx semantics used by rules and the route simulator."""

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


# Directives whose value is inherited from outer blocks when a location does not set them.
INHERITED = frozenset({"root", "alias", "index", "autoindex", "disable_symlinks", "expires", "error_page",
                       "merge_slashes", "absolute_redirect", "port_in_redirect", "server_name_in_redirect",
                       "open_file_cache", "log_not_found", "internal"})
# Not inherited: they act only in the block that holds them.
NOT_INHERITED = frozenset({"try_files", "proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass", "grpc_pass",
                           "memcached_pass", "return", "rewrite", "internal", "alias"})


def effective(block: Directive, name: str) -> Directive | None:
    """The directive ``name`` that applies in ``block``: its own, else the nearest enclosing
    block's for inheritable directives (``root`` and ``alias`` share one slot: a location's
    alias shadows an outer root)."""
    node: Directive | None = block
    while node is not None:
        own = node.find(name)
        if own is not None:
            return own
        if name == "root" and node.find("alias") is not None:
            return None
        if name in NOT_INHERITED and name != "alias":
            return None
        if name == "alias" and node.name != "location":
            return None
        node = node.parent
        if name == "alias" and node is not None and node.name != "location":
            return None
    return None
