"""Compile a Config once into what request routing needs: address groups with their
server-name tables, and per-server location tables (built lazily, on first use).

Problems nginx itself would refuse at startup (`nginx -t` fails) are collected in
``CompiledConfig.errors``; routing still works on a best-effort basis.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from nglint.load import Config, Directive
from nglint._gc import gc_paused
from nglint.nginx.model import UPSTREAM_HANDLERS, BlockIndex, LocationMatch, flag, location_match
from nglint.nginx.regex import Pcre, RegexError, compile_pcre
from nglint.nginx.servers import (AddrKey, Listen, NameTable, ServerName, declared_names, format_address,
                                  server_listens, server_names)

_CACHE_ATTR = "_nglint_route_compiled"
_UPSTREAM = frozenset(UPSTREAM_HANDLERS)
_REGEX = ("~", "~*")
_IF_BLOCKS = frozenset(("if", "limit_except"))  # blocks where a `location` is an error
_NESTING = _IF_BLOCKS | {"location"}  # blocks _build_level() looks into


# Plain classes and NamedTuples, not @dataclass: creating a dataclass costs ~1 ms at every
# start, and cold start matters (a 30-line vhost is checked in ~100 ms).
class Problem(NamedTuple):
    directive: Directive
    message: str

    def __str__(self) -> str:
        return f"{self.directive.location}: {self.message}"


class Level:
    """The locations directly inside a server or a location."""

    __slots__ = ("exact", "prefix", "lengths", "regexes", "redirect")

    def __init__(self) -> None:
        self.exact: dict[str, Loc] = {}
        self.prefix: dict[str, Loc] = {}
        self.lengths: list[int] = []  # prefix lengths, longest first
        self.regexes: list[Loc] = []  # config order
        self.redirect: dict[str, Loc] = {}  # "/api/" → loc answering "/api" with 301

    @property
    def empty(self) -> bool:
        return not (self.exact or self.prefix or self.regexes)


class Loc:
    __slots__ = ("directive", "match", "parent", "level", "regex", "regex_error", "auto_redirect")

    def __init__(self, directive: Directive, match: LocationMatch, parent: Loc | None) -> None:
        self.directive = directive
        self.match = match
        self.parent = parent
        self.level = _NO_LOCATIONS  # its nested locations, set once they are built
        self.regex: Pcre | None = None
        self.regex_error: str | None = None
        self.auto_redirect = False

    @property
    def text(self) -> str:
        """The match as written in the config: `^~ /static/`, `~* \\.css$`, `@app`."""
        return str(self.match)

    @property
    def path(self) -> str:
        """Nested locations as `outer > inner`."""
        return self.text if self.parent is None else f"{self.parent.path} > {self.text}"

    @property
    def noregex(self) -> bool:
        return self.match.modifier == "^~"

    def __repr__(self) -> str:
        return f"<Loc {self.path} @{self.directive.location}>"


_NO_LOCATIONS = Level()  # shared by every block without locations; never modified
# See CompiledServer.layout: per location, (match, answers its slash-less URI with a 301,
# position of the location it is nested in or -1).
Layout = tuple[tuple[LocationMatch, bool, int], ...]


class CompiledServer:
    # Slots: an instance dict outgrows its compact shared-keys form past ten attributes
    # (~330 bytes more per server).
    __slots__ = ("index", "directive", "names", "listens", "declared", "_root", "_named", "_errors", "_layouts",
                 "_all", "_layout")

    def __init__(self, index: int, directive: Directive, names: list[str], listens: list[Listen],
                 declared: list[ServerName], layouts: dict[Layout, Layout] | None = None) -> None:
        self.index = index  # 1-based, load order of http server blocks
        self.directive = directive
        self.names = names
        self.listens = listens
        self.declared = declared  # the server_name arguments, as written
        self._root: Level | None = None
        self._named: dict[str, Loc] = {}
        self._errors: list[Problem] = []
        # The config's layouts so far: servers with equal layouts share one tuple (memory).
        self._layouts: dict[Layout, Layout] = {} if layouts is None else layouts

    def __repr__(self) -> str:
        return f"<CompiledServer {self.label} @{self.directive.location}>"

    @property
    def name(self) -> str:
        """The primary name (`$server_name`): the first server_name."""
        return self.names[0].lstrip("~") if self.names else ""

    @property
    def label(self) -> str:
        return f"#{self.index} {self.name or '(no server_name)'}"

    def locations(self) -> Level:
        if self._root is None:
            self._build()
        assert self._root is not None
        return self._root

    def named(self, name: str) -> Loc | None:
        self.locations()
        return self._named.get(name)

    def all_locations(self) -> list[Loc]:
        """Every location of the server (named ones included), in config order."""
        self.locations()
        return list(self._all)

    @property
    def layout(self) -> Layout:
        """Everything nginx's location search in this server depends on: per location of
        :meth:`all_locations`, its match, whether it answers its slash-less URI with a 301,
        and the position of the location it is nested in (-1: none). Servers with equal
        layouts pick the location at the same position for every URI, so rules can decide
        a question once per layout (servers generated from one template share theirs)."""
        self.locations()
        return self._layout

    @property
    def errors(self) -> list[Problem]:
        self.locations()
        return self._errors

    def _build(self) -> None:
        self._all: list[Loc] = []  # pre-order, as all_locations() lists them
        shape: list[tuple[LocationMatch, bool, int]] = []  # the layout, as it is built
        self._root = self._build_level(self.directive, None, -1, shape)
        layout = tuple(shape)
        self._layout = self._layouts.setdefault(layout, layout)

    def _build_level(self, block: Directive, parent: Loc | None, parent_at: int,
                     shape: list[tuple[LocationMatch, bool, int]]) -> Level:
        """The locations of ``block`` (the server or a location), nested ones built on the
        way; a `location` inside an `if` or `limit_except` of ``block`` is an error."""
        names = block.child_names()
        if not _IF_BLOCKS.isdisjoint(names):
            self._locations_in_if(block)
        if "location" not in names:
            return _NO_LOCATIONS  # most locations: one shared empty level, not five new containers
        level = Level()
        redirects: list[Loc] = []  # prefix and exact locations answering their slash-less URI with a 301
        built = self._all
        for d in block.named("location"):
            inner = d.child_names()
            loc = self._make(d, inner, parent)
            if loc is None:
                self._check_if_blocks(d)  # not built, but nginx refuses what is below it too
                continue
            at = len(built)
            built.append(loc)
            m = loc.match
            shape.append((m, loc.auto_redirect, parent_at))
            modifier = m.modifier  # compared directly: LocationMatch's is_* properties cost a call each
            if modifier == "@":
                if parent is not None:
                    self._errors.append(Problem(d, f'named location "{m.pattern}" can be on the server level only'))
                else:
                    self._named.setdefault(m.pattern, loc)  # nginx uses the first of duplicates
            elif modifier in _REGEX:
                level.regexes.append(loc)
            else:
                table = level.exact if modifier == "=" else level.prefix
                if m.pattern in table:
                    self._errors.append(Problem(d, f'duplicate location "{m.pattern}"'))
                else:
                    table[m.pattern] = loc
                    if loc.auto_redirect:
                        redirects.append(loc)
            if not _NESTING.isdisjoint(inner):  # most locations: no nested location, no `if`
                loc.level = self._build_level(d, loc, at, shape)
        if level.prefix:
            level.lengths = sorted(set(map(len, level.prefix)), reverse=True)
        # A prefix ending in "/" whose location passes upstream answers its slash-less URI
        # with a 301; the exact location of the same pattern is the one that answers.
        for loc in redirects:
            pattern = loc.match.pattern
            if pattern not in level.redirect:
                level.redirect[pattern] = level.exact.get(pattern) or loc
        return level

    def _make(self, d: Directive, names: tuple[str, ...], parent: Loc | None) -> Loc | None:
        """The Loc of location ``d`` (its child directives are called ``names``), or None
        when nginx refuses it."""
        args = d.args
        n = len(args)
        if n != 1 and (n != 2 or args[0].value not in ("=", "^~", "~", "~*")):  # one test for the usual `location /x`
            msg = (f'invalid location modifier "{args[0].value}"' if n == 2
                   else "invalid number of arguments in \"location\" directive")
            self._errors.append(Problem(d, msg))
            return None
        m = location_match(d)
        assert m is not None
        modifier = m.modifier
        if parent is not None:
            pm = parent.match
            if pm.modifier in ("=", "@"):
                kind = "exact" if pm.modifier == "=" else "named"
                self._errors.append(Problem(d, f'location "{m.pattern}" cannot be inside the {kind} location '
                                               f'"{pm.pattern}"'))
                return None
            if modifier not in ("~", "~*", "@") and not m.pattern.startswith(pm.pattern):
                self._errors.append(Problem(d, f'location "{m.pattern}" is outside location "{pm.pattern}"'))
                return None
        loc = Loc(d, m, parent)
        if modifier in _REGEX:
            try:
                loc.regex = compile_pcre(m.pattern, caseless=modifier == "~*")
            except RegexError as e:
                loc.regex_error = str(e)
        elif modifier != "@" and m.pattern.endswith("/"):  # prefix or exact
            loc.auto_redirect = not _UPSTREAM.isdisjoint(names)
        return loc

    def _locations_in_if(self, block: Directive) -> None:
        for d in block.named("if", "limit_except"):
            for inner in d.walk():
                if inner is not d and inner.name == "location":
                    self._errors.append(Problem(inner, f'"location" directive is not allowed here '
                                                       f'(inside "{d.name}")'))

    def _check_if_blocks(self, block: Directive) -> None:
        """:meth:`_locations_in_if` for ``block`` and every location below it."""
        self._locations_in_if(block)
        for d in block.named("location"):
            self._check_if_blocks(d)


class AddressGroup:
    def __init__(self, key: AddrKey, default: CompiledServer, default_listen: Listen) -> None:
        self.key = key
        self.servers: list[CompiledServer] = []
        self.listens: list[Listen] = []  # per server, the listen it joined with (a second one on the key is an error)
        self.default = default
        self.default_listen = default_listen
        self.names: NameTable[CompiledServer] = NameTable()
        self.ssl = default_listen.ssl
        self.merge_slashes = True  # the default server's, set once every server has joined

    def __repr__(self) -> str:
        return f"<AddressGroup {self.label}: {len(self.servers)} servers>"

    @property
    def label(self) -> str:
        return format_address(self.key)


class CompiledConfig:
    def __init__(self, config: Config, servers: list[CompiledServer], groups: dict[AddrKey, AddressGroup],
                 errors: list[Problem], warnings: list[Problem], hostname: str, maps: dict[str, Directive]) -> None:
        self.config = config
        self.servers = servers
        self.groups = groups
        self._errors = errors
        self.warnings = warnings
        self.hostname = hostname
        self.maps = maps  # `map` blocks by the variable they set
        self.index = BlockIndex()
        self._built = False  # build_locations() ran

    def __repr__(self) -> str:
        return f"<CompiledConfig {self.config.main.display}: {len(self.servers)} servers>"

    def build_locations(self) -> None:
        """Build every server's location tables now, in one go; for callers about to visit
        every server (the route command builds only the servers its URLs reach).

        The cyclic GC is paused meanwhile and the tables are filed with the oldest
        generation, as the loader does with the tree: they live as long as the config, and
        left young they would be traversed again by later collections and count towards
        the next full one, which traverses the whole tree. Measured on a lint of 10k
        servers: two full collections (3.2 s of GC) without, one with."""
        if self._built:
            return
        with gc_paused():
            for s in self.servers:
                s.locations()
        self._built = True

    @property
    def errors(self) -> list[Problem]:
        """Everything nginx would refuse at startup, in config order (builds every
        server's location table)."""
        out = list(self._errors)
        for s in self.servers:
            out.extend(s.errors)
        return sorted(out, key=lambda p: (p.directive.file.display, p.directive.start))

    def user(self) -> tuple[str, str | None, Directive | None]:
        """The worker `user` and group (nginx's compiled-in default is `nobody`/`nogroup`)."""
        d = self.config.main_directive("user")
        if d is None or not d.args:
            return "nobody", "nogroup", None
        vals = d.values
        return vals[0], (vals[1] if len(vals) > 1 else None), d


def _hostname() -> str:
    """What `$hostname` and a `server_name $hostname` stand for: this machine's name. os.uname()
    gives what socket.gethostname() does on POSIX without importing socket (~5 ms at start)."""
    uname = getattr(os, "uname", None)
    if uname is None:  # Windows
        import socket

        return socket.gethostname().lower()
    return uname().nodename.lower()


def compile_config(config: Config) -> CompiledConfig:
    """The routing tables of ``config``, built once and cached on the Config object."""
    cached = getattr(config, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    hostname = _hostname()
    servers: list[CompiledServer] = []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    groups: dict[AddrKey, AddressGroup] = {}
    layouts: dict[Layout, Layout] = {}
    # Servers, listens and names live as long as the config: built with the collector paused
    # and filed with the oldest generation, as the location tables are (see build_locations).
    with gc_paused():
        for i, d in enumerate(config.servers(), 1):
            listens, bad = server_listens(d)
            if bad:
                errors.extend(Problem(x, m) for x, m in bad)
            declared = declared_names(d)
            srv = CompiledServer(i, d, server_names(d, hostname, declared), listens, declared, layouts)
            servers.append(srv)
            for lst in listens:
                group = groups.get(lst.key)
                if group is None:
                    group = groups[lst.key] = AddressGroup(lst.key, srv, lst)
                elif group.servers[-1] is srv:  # the server joined this group with an earlier listen
                    errors.append(Problem(lst.directive or d, f"a duplicate listen {lst}"))
                    continue
                elif lst.default_server:
                    if group.default_listen.default_server:
                        errors.append(Problem(lst.directive or d, f"a duplicate default server for {lst}"))
                    else:
                        group.default, group.default_listen = srv, lst
                if lst.ssl:
                    group.ssl = True
                group.servers.append(srv)
                group.listens.append(lst)
                for name in srv.names:
                    warn = group.names.add(name, srv)
                    if warn:
                        sn = d.find("server_name") or d
                        warnings.append(Problem(sn, f"{warn} on {lst}, ignored"))
    for group in groups.values():
        # Every request URI on the address is parsed with it: read once, not per request.
        group.merge_slashes = flag(group.default.directive, "merge_slashes", True)
    maps: dict[str, Directive] = {}
    scopes = config.http_blocks() if config.context == "main" else [None]
    for scope in scopes:
        for d in scope.directives("map") if scope is not None else config.top("map"):
            if len(d.args) >= 2:
                maps.setdefault(d.args[1].value.lstrip("$"), d)
    cc = CompiledConfig(config, servers, groups, errors, warnings, hostname, maps)
    setattr(config, _CACHE_ATTR, cc)
    return cc
