"""The request simulator: URL → address → server → location → content, as nginx does it.

The phases follow nginx's request processing (ngx_http_core_module):

1. the connection's listen address picks the address group; the Host header (or the host
   of an absolute URL) picks the server among that group's names, else its default server;
2. the URI is normalised with the `merge_slashes` of the address's default server;
3. server-level rewrite directives (`rewrite`, `return`, `if`, `set`) run;
4. location search: `=` exact, longest prefix (`^~` stops here; the automatic 301 of a
   `*_pass` prefix ending in `/`), nested locations, then regexes in config order;
5. `internal` check, location rewrite directives (`rewrite ... last` searches again),
   `allow`/`deny`, `try_files`, then the content handler (`*_pass`) or the static modules
   (index, autoindex, static file);
6. error statuses go through `error_page`; internal redirects and rewrites are limited to
   10 URI changes (the 11th answers 500).

Without a filesystem view, file tests cannot be decided: nglint assumes a tested file
exists (a candidate whose name ends in `/` is assumed to be a directory) and reports the
status as unknown (None), noting the fallback nginx would take otherwise.
"""

from __future__ import annotations

import re

from nglint.load import Config, Directive
from nglint.nginx.model import (UPSTREAM_HANDLERS, access_rules, content_handler, effective, effective_all, flag,
                                owner_match, path_directive)
from nglint.nginx.regex import PcreMatch, RegexError, compile_pcre
from nglint.nginx.servers import ListenError, normalize_host, parse_address
from nglint.nginx.uri import BadRequest, escape_uri, normalize_path, split_request_target
from nglint.route.compile import AddressGroup, CompiledConfig, CompiledServer, Loc, Level, compile_config
from nglint.route.fs import FsView, Identity, Probe
from nglint.route.result import RouteResult, Step

MAX_URI_CHANGES = 10
REDIRECT_CODES = (301, 302, 303, 307, 308)
ALIAS_REGEX = -1  # alias length marker: alias in a regex location is the whole path
_VAR = re.compile(r"\$(?:\{(\w+)\}|([1-9])|(\w+))")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)

OK, DONE, AGAIN, DECLINED = "ok", "done", "again", "declined"


class RouteError(ValueError):
    """Bad input to route() itself (not something nginx would answer)."""


# -- control flow between phases ---------------------------------------------------------
# Plain slotted classes, not dataclasses: creating one costs ~1 ms at every start.
class _Final:
    __slots__ = ("action", "status", "special", "redirect")

    def __init__(self, action: str, status: int | None, special: bool = False, redirect: str | None = None) -> None:
        self.action = action
        self.status = status
        self.special = special  # an nginx-generated status (goes through error_page)
        self.redirect = redirect


class _Internal:  # internal redirect to a URI (server rewrite + location search again)
    __slots__ = ("uri", "args")

    def __init__(self, uri: str, args: str | None) -> None:
        self.uri = uri
        self.args = args


class _Named:
    __slots__ = ("name", "via")

    def __init__(self, name: str, via: Directive | None) -> None:
        self.name = name
        self.via = via


class _Research:  # `rewrite ... last`: search the location again
    pass


class _Request:
    __slots__ = ("cc", "server", "group", "result", "fs", "ident", "prefix", "host", "raw_host", "port", "addr_ip",
                 "uri", "args", "request_uri", "quoted_uri", "internal", "valid_unparsed", "valid_location",
                 "add_uri_to_alias", "uri_changes", "error_page_done", "err_status", "captures", "variables", "conf",
                 "loc", "unknown", "assumed", "evaluating", "_path_conf", "_path")

    def __init__(self, cc: CompiledConfig, server: CompiledServer, group: AddressGroup, result: RouteResult,
                 fs: FsView | None, ident: Identity | None, prefix: str, host: str | None, raw_host: str | None,
                 port: int, addr_ip: str, uri: str, args: str | None, request_uri: str, quoted_uri: bool) -> None:
        self.cc = cc
        self.server = server
        self.group = group
        self.result = result
        self.fs = fs
        self.ident = ident
        self.prefix = prefix
        self.host = host  # normalised Host (None: no Host header)
        self.raw_host = raw_host
        self.port = port
        self.addr_ip = addr_ip
        self.uri = uri
        self.args = args
        self.request_uri = request_uri
        self.quoted_uri = quoted_uri
        self.internal = False
        self.valid_unparsed = True
        self.valid_location = True
        self.add_uri_to_alias = False
        self.uri_changes = MAX_URI_CHANGES + 1
        self.error_page_done = False
        self.err_status: int | None = None
        self.captures: dict[str, str] = {}
        self.variables: dict[str, str] = {}
        self.conf: Directive | None = None  # the block whose settings apply (location, `if`, server)
        self.loc: Loc | None = None
        self.unknown: set[str] = set()
        self.assumed = False  # a file test was assumed (no filesystem view): status unknowable
        self.evaluating: set[str] = set()  # map variables being computed
        self._path_conf: Directive | None = None  # the conf whose path_setting() is _path
        self._path: tuple[Directive | None, int] = (None, 0)

    # -- bookkeeping ---------------------------------------------------------------------
    def step(self, kind: str, text: str, directive: Directive | None = None) -> None:
        self.result.steps.append(Step(kind, text, directive))

    def uri_change(self, kind: str, why: str) -> _Final | None:
        """Count one URI change (internal redirect, `rewrite ... last`, named location);
        past MAX_URI_CHANGES nginx answers 500."""
        self.uri_changes -= 1
        if self.uri_changes != 0:
            return None
        self.step(kind, why)
        return _Final("error", 500, True)

    # -- variables -------------------------------------------------------------------------
    def var(self, name: str) -> str | None:
        if name.isdigit():
            return self.captures.get(name, "")
        if name in self.variables:
            return self.variables[name]
        if name in self.captures:
            return self.captures[name]
        if name in ("uri", "document_uri"):
            return self.uri
        if name == "request_uri":
            return self.request_uri
        if name in ("args", "query_string"):
            return self.args or ""
        if name == "is_args":
            return "?" if self.args else ""
        if name.startswith("arg_"):  # raw (not decoded), name compared case-insensitively
            for pair in (self.args or "").split("&"):
                k, _, v = pair.partition("=")
                if k.lower() == name[4:].lower():
                    return v
            return ""
        if name == "host":
            return self.host or self.server.name
        if name == "http_host":
            return self.raw_host or ""
        if name == "hostname":
            return self.cc.hostname
        if name == "server_name":
            return self.server.name
        if name == "server_port":
            return str(self.port)
        if name == "server_addr":
            return self.addr_ip
        if name == "scheme":
            return "https" if self.group.ssl else "http"
        if name == "https":
            return "on" if self.group.ssl else ""
        if name == "request_method":
            return "GET"
        if name == "server_protocol":
            return "HTTP/1.1" if self.host is not None else "HTTP/1.0"
        if name == "document_root":
            return self.root_part()
        if name == "realpath_root":
            return self.fs.realpath(self.root_part()) if self.fs is not None else self.root_part()
        if name == "request_filename":
            try:
                return self.map_path(self.uri)[1]
            except _AliasRewritten:
                return ""
        block = self.cc.maps.get(name)
        if block is not None and name not in self.evaluating:
            return self.map_value(name, block)
        if name.startswith(("http_", "cookie_", "sent_http_")) or name in ("content_type", "content_length",
                                                                           "request_body", "http_cookie"):
            return ""  # the simulated request carries no header but Host, no cookie, no body
        return None

    def map_value(self, name: str, block: Directive) -> str | None:
        """A `map` variable: exact keys (case-insensitive), then regexes in order, then
        `default`."""
        self.evaluating.add(name)
        try:
            before = set(self.unknown)
            source = self.expand(block.args[0].value) if block.args else ""
            if self.unknown - before:
                return None
            default: str | None = ""
            regexes: list[tuple[str, str]] = []
            for d in block.directives():
                key, value = d.name, (d.args[0].value if d.args else "")
                if key == "default":
                    default = value
                elif key.startswith("~"):
                    regexes.append((key, value))
                elif key not in ("hostnames", "volatile", "include") and key.lower() == source.lower():
                    return self.expand(value)
            for key, value in regexes:
                caseless = key.startswith("~*")
                try:
                    m = compile_pcre(key[2:] if caseless else key[1:], caseless).search(source)
                except RegexError:
                    return None
                if m:
                    _set_captures(self, m)
                    return self.expand(value)
            return self.expand(default) if default is not None else ""
        finally:
            self.evaluating.discard(name)

    def expand(self, text: str) -> str:
        if "$" not in text:
            return text

        def sub(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2) or m.group(3)
            value = self.var(name)
            if value is None:
                self.unknown.add(name)
                return m.group(0)
            return value

        return _VAR.sub(sub, text)

    # -- paths -------------------------------------------------------------------------------
    def full_name(self, path: str) -> str:
        return path if path.startswith("/") else f"{self.prefix.rstrip('/')}/{path}"

    def path_setting(self) -> tuple[Directive | None, int]:
        """The root/alias directive in effect and nginx's alias length (0: root,
        ALIAS_REGEX: alias in a regex location, else the owner location's prefix length)."""
        conf = self.conf
        assert conf is not None
        if conf is self._path_conf:
            return self._path  # asked two or three times per file lookup, and the conf rarely changes
        d = path_directive(conf, self.cc.index)
        if d is None or d.name == "root":
            found = d, 0
        else:
            m = owner_match(d)
            found = (d, 0) if m is None else (d, ALIAS_REGEX if m.is_regex else len(m.pattern))
        self._path_conf, self._path = conf, found
        return found

    def root_part(self) -> str:
        """The evaluated root or alias value (the part a URI or try_files name is appended to)."""
        d, alias = self.path_setting()
        if d is None:
            return self.full_name("html")
        value = d.args[0].value if d.args else ""
        if d.name == "root" and value.endswith("/"):
            value = value[:-1]  # `root /srv/;` is `root /srv;` (and `root /;` is "")
        if value == "" and d.name == "root":
            return ""
        return self.full_name(self.expand(value))

    def map_path(self, uri: str) -> tuple[str, str]:
        """(root part, file path) of ``uri`` as ngx_http_map_uri_to_path builds it."""
        d, alias = self.path_setting()
        if alias and not self.valid_location:
            raise _AliasRewritten()
        root = self.root_part()
        if alias == ALIAS_REGEX:
            return root, root + (uri if self.add_uri_to_alias else "")
        return root, root + uri[alias:]

    def probe(self, path: str, *, read: bool, test_dir: bool = False) -> Probe:
        """What nginx's open (``read``) or existence test of ``path`` gives. A test opens
        the file too (so it needs `r`) under disable_symlinks, and under open_file_cache
        unless it tests for a directory."""
        assert self.fs is not None and self.ident is not None and self.conf is not None
        mode, free = self.symlink_policy(path)
        if not read and not test_dir:
            cache = effective(self.conf, "open_file_cache", self.cc.index)
            read = cache is not None and bool(cache.args) and cache.args[0].value != "off"
        return self.fs.probe(path, self.ident, read=read or mode != "off", symlinks=mode, free_prefix=free)

    def symlink_policy(self, path: str) -> tuple[str, int]:
        assert self.conf is not None
        d = effective(self.conf, "disable_symlinks", self.cc.index)
        if d is None or not d.args or d.args[0].value == "off":
            return "off", 0
        mode = d.args[0].value
        free = 0
        for a in d.args[1:]:
            if a.value.startswith("from="):
                start = self.expand(a.value[5:])
                if start and path.startswith(start):
                    if len(start) == len(path):
                        return "off", 0
                    if path[len(start)] == "/":
                        free = len(start)
                    elif start.endswith("/"):
                        free = len(start) - 1
        return mode, free

    # -- finalisation --------------------------------------------------------------------------
    def finalize(self, code: int, action: str = "error", redirect: str | None = None
                 ) -> _Final | _Internal | _Named:
        """An nginx-generated status: `error_page` may turn it into an internal redirect."""
        conf = self.conf if self.conf is not None else self.server.directive
        if not self.error_page_done and self.uri_changes != 0:
            pages = effective_all(conf, "error_page", self.cc.index)
            if pages:
                if not flag(conf, "recursive_error_pages", False, self.cc.index):
                    self.error_page_done = True
                for ep in pages:
                    vals = ep.values
                    target = vals[-1] if vals else ""
                    overwrite: int | None = None
                    codes = vals[:-1]
                    if codes and codes[-1].startswith("="):
                        overwrite = int(codes[-1][1:]) if codes[-1][1:].isdigit() else 0
                        codes = codes[:-1]
                    if str(code) not in codes:
                        continue
                    self.err_status = code if overwrite is None else (overwrite or None)
                    uri = self.expand(target)
                    self.step("error_page", f"status {code} → error_page {target}", ep)
                    if uri.startswith("/"):
                        path, args = uri.split("?", 1) if "?" in uri else (uri, None)
                        return _Internal(path, args)
                    if uri.startswith("@"):
                        return _Named(uri, ep)
                    status = overwrite if overwrite in REDIRECT_CODES else 302
                    return _Final("redirect", status, True, uri)
        return _Final(action, code, True, redirect)


class _AliasRewritten(Exception):
    """nginx: "alias" cannot be used in location where URI was rewritten (500)."""


# -- address and server selection -------------------------------------------------------------
def _select_group(cc: CompiledConfig, addr: str | None, port_hint: int | None,
                  steps: list[Step]) -> tuple[AddressGroup | None, str, int]:
    """The address group a connection to ``addr`` lands in, with the local IP and port."""
    if addr:
        if addr.count(":") >= 2 and not addr.startswith(("[", "unix:")):
            addr = f"[{addr}]"  # a bare IPv6 address
        try:
            key = parse_address(addr, port_hint or 80)
        except ListenError as e:
            raise RouteError(f"--addr {addr}: {e}") from None
        family, ip, port = key
        if family == "unix":
            group = cc.groups.get(key)
            if group is not None:
                steps.append(Step("listen", f"connection on {group.label}"))
            return group, ip, port
        if ip == "*":
            ip = "0.0.0.0" if family == "inet" else "::"
        group = cc.groups.get(key)
        if group is not None:
            steps.append(Step("listen", f"listen {group.label} matches the connection's address exactly",
                              group.default_listen.directive))
        else:
            group = cc.groups.get((family, "*", port))
            if group is not None:
                steps.append(Step("listen", f"no listen on {addr} itself; the wildcard {group.label} takes it",
                                  group.default_listen.directive))
        return group, ip, port
    ports = [k for k in cc.groups if k[0] != "unix"]
    if not ports:
        group = next(iter(cc.groups.values()), None)
        if group is not None:
            steps.append(Step("listen", f"no --addr: using the only socket {group.label}"))
        return group, group.key[1] if group else "", 0
    port = port_hint or (80 if any(k[2] == 80 for k in ports) else ports[0][2])
    for key in [("inet", "*", port), ("inet6", "*", port)] + [k for k in ports if k[2] == port]:
        group = cc.groups.get(key)  # type: ignore[arg-type]
        if group is not None:
            ip = group.key[1] if group.key[1] != "*" else "127.0.0.1"
            steps.append(Step("listen", f"no --addr: assuming a connection to {group.label}",
                              group.default_listen.directive))
            return group, ip, port
    return None, "", port


def _select_server(group: AddressGroup, host: str | None, steps: list[Step]) -> tuple[CompiledServer, dict[str, str]]:
    found = group.names.find(host or "")
    if found is not None:
        srv = found.server
        sn = srv.directive.find("server_name")
        if found.kind == "exact" and not found.name:
            why = ("no Host header: the server whose names include \"\" takes it" if host is None
                   else "empty name matched")
            steps.append(Step("server", f"server {srv.label}: {why}", sn or srv.directive))
        else:
            steps.append(Step("server", f"server {srv.label}: server_name {found.name} ({found.kind}) matches "
                                        f"host {host}", sn or srv.directive))
        return srv, found.captures
    srv = group.default
    how = "marked default_server" if group.default_listen.default_server else "the first server on it"
    what = "no Host header" if host is None else f"no server_name on {group.label} matches host {host}"
    steps.append(Step("server", f"server {srv.label}: {what}; the default server of {group.label} ({how}) "
                                f"takes it", group.default_listen.directive or srv.directive))
    return srv, {}


def _split_url(url: str) -> tuple[str | None, int | None, str]:
    """(host[:port] header value, port, request target) of a path or absolute URL."""
    m = re.match(r"^(https?)://([^/?#]*)(.*)$", url, re.I)
    if not m:
        return None, None, url
    authority = m.group(2).rsplit("@", 1)[-1]
    target = m.group(3) or "/"
    if target[0] in "?#":
        target = "/" + target
    pm = re.search(r":(\d+)$", authority)
    port = int(pm.group(1)) if pm else (443 if m.group(1).lower() == "https" else None)
    return authority, port, target


def route(config: Config | CompiledConfig, url: str, host: str | None = None, addr: str | None = None,
          fs: FsView | None = None) -> RouteResult:
    """Simulate one GET request for ``url`` (a path or `http://host/path`).

    ``host`` is the Host header (the host of an absolute URL wins over it, as in nginx; a
    bare path without ``host`` is a request without Host, as an HTTP/1.0 client sends it);
    ``addr`` the local `IP:PORT` (or `unix:`
    path) the connection arrived on; ``fs`` a filesystem view to decide file tests and
    permissions (without one, statuses that depend on files are None).
    """
    cc = config if isinstance(config, CompiledConfig) else compile_config(config)
    url_host, url_port, target = _split_url(url)
    # nginx: the host of an absolute request line wins over the Host header
    raw_host = url_host if url_host is not None else host
    header_host = host if host is not None else url_host
    port_hint = url_port
    if port_hint is None and raw_host and re.search(r":(\d+)$", raw_host):
        port_hint = int(raw_host.rsplit(":", 1)[1])
    res = RouteResult(url=url, host=None)
    group, ip, port = _select_group(cc, addr, port_hint, res.steps)
    if group is None:
        where = addr or f"port {port}"
        res.steps.append(Step("listen", f"no server block listens on {where}: the connection is refused"))
        res.host = raw_host
        return res
    norm_host: str | None = None
    if raw_host is not None and raw_host != "":
        norm_host = normalize_host(raw_host)
        if norm_host is None:
            res.server = group.default
            res.host = raw_host
            res.status = 400
            res.steps.append(Step("host", f"invalid Host {raw_host!r}: nginx answers 400"))
            return res
    res.host = norm_host
    if not target.startswith("/"):
        raise RouteError(f"{url}: not a path or http:// URL")
    # The URI is parsed before the Host picks a server: merge_slashes is the default server's.
    merge = group.merge_slashes
    raw_path, args = split_request_target(target)
    request_uri = target.split("#", 1)[0]
    try:
        uri = normalize_path(raw_path, merge)
    except BadRequest as e:
        res.server = group.default
        res.status = 400
        res.steps.append(Step("uri", f"{e}: nginx answers 400 before choosing a location"))
        return res
    server, name_caps = _select_server(group, norm_host, res.steps)
    res.server = server
    res.uri = uri
    if uri != raw_path:
        note = "" if merge else " (merge_slashes off on the default server)"
        res.steps.append(Step("uri", f"URI {raw_path} is matched as {uri}{note}"))
    _process(cc, server, group, res, fs, norm_host, header_host, port, ip, uri, args, request_uri,
             "%" in raw_path, name_caps)
    return res


def _process(cc: CompiledConfig, server: CompiledServer, group: AddressGroup, res: RouteResult,
             fs: FsView | None, host: str | None, header_host: str | None, port: int, ip: str, uri: str,
             args: str | None, request_uri: str, quoted: bool, name_caps: dict[str, str],
             location: Loc | None = None) -> None:
    ident = None
    if fs is not None:
        user, grp, _ = cc.user()
        ident = fs.identity(user, grp)
    req = _Request(cc, server, group, res, fs, ident, str(cc.config.prefix), host, header_host, port, ip,
                   uri=uri, args=args, request_uri=request_uri, quoted_uri=quoted)
    req.captures.update(name_caps)  # $1.. and named captures of a regex server_name
    _finish(req, _run(req, location))


def simulate(config: Config | CompiledConfig, server: CompiledServer, target: str,
             fs: FsView | None = None, location: Loc | None = None) -> RouteResult:
    """Process ``target`` (a path with optional query) inside ``server``, as if the
    request had been routed to it (its first listen address, its primary name as Host).
    For rules that ask "what does this server do with /static/app.css?".

    ``location``: the location nginx's search picks for the target's URI, when the caller
    already knows it (it is trusted, not checked); the first search is then skipped, unless
    the server's own rewrite directives run first (they may change the URI)."""
    cc = config if isinstance(config, CompiledConfig) else compile_config(config)
    group = cc.groups.get(server.listens[0].key) if server.listens else None
    if group is None:
        group = next(iter(cc.groups.values()))
    name = server.name
    host = name if name and not server.names[0].startswith(("~", "*", ".")) else None
    res = RouteResult(url=target, host=host, server=server)
    raw_path, args = split_request_target(target)
    try:
        uri = normalize_path(raw_path, group.merge_slashes)
    except BadRequest as e:
        raise RouteError(f"{target}: {e}") from None
    res.uri = uri
    port = group.key[2]
    ip = group.key[1] if group.key[1] != "*" else "127.0.0.1"
    _process(cc, server, group, res, fs, host, host, port, ip, uri, args, target, "%" in raw_path, {}, location)
    return res


def select_location(server: CompiledServer, uri: str) -> Loc | None:
    """The location nginx's search picks for a normalised ``uri`` (no rewrites, no
    redirects; the automatic 301 location counts as picked)."""
    return _find(None, server.locations(), uri)[1]


def prefix_location(server: CompiledServer, uri: str) -> Loc | None:
    """The location the prefix search alone would pick (exact or longest prefix, nested
    prefixes included): what the URI would get if no regex location existed."""
    level, found = server.locations(), None
    while True:
        rc, loc = _static(level, uri)
        if loc is None or rc == DONE:
            return found
        found = loc
        if rc == OK or loc.level.empty:
            return found
        level = loc.level


# -- phases ------------------------------------------------------------------------------------
def _run(req: _Request, located: Loc | None = None) -> _Final:
    state: object = _Internal(req.uri, req.args)
    first = True
    if located is not None and _REWRITE_MODULE.isdisjoint(req.server.directive.child_names()):
        # The URI reaches the location search unchanged, and its answer is known. The
        # search would have left the captures of the innermost regex location on the way.
        first = False
        rx = located
        while rx is not None and rx.regex is None:
            rx = rx.parent
        # A regex without groups sets no captures, and there are none to forget: not run again.
        if rx is not None and rx.regex is not None and (rx.regex.groups or req.captures):
            m = rx.regex.search(req.uri)
            if m is not None:
                _set_captures(req, m)
        state = _enter(req, located, DECLINED, f"location {located.text} (known to take {req.uri})")
    while True:
        if isinstance(state, _Final):
            return state
        if isinstance(state, _Internal):
            if not first:
                over = req.uri_change("redirect", f"internal redirect to {state.uri}: more than {MAX_URI_CHANGES} "
                                                  "URI changes, nginx answers 500 (rewrite or internal redirection "
                                                  "cycle)")
                if over is not None:
                    return over
                req.uri, req.args = state.uri, state.args
                req.internal, req.valid_unparsed, req.add_uri_to_alias = True, False, False
                req.valid_location = True  # ngx_http_handler() starts the redirected request afresh
                req.step("redirect", f"internal redirect to {state.uri}" + (f"?{state.args}" if state.args else ""))
            first = False
            req.conf, req.loc = req.server.directive, None
            out = _server_rewrite(req)
            if out is not None:
                state = out
                continue
            state = _find_config(req)
            continue
        if isinstance(state, _Research):
            over = req.uri_change("rewrite", f"more than {MAX_URI_CHANGES} URI changes: nginx answers 500 "
                                             "(rewrite or internal redirection cycle)")
            if over is not None:
                return over
            req.conf, req.loc = req.server.directive, None
            state = _find_config(req)
            continue
        if isinstance(state, _Named):
            over = req.uri_change("redirect", f"redirect to {state.name}: more than {MAX_URI_CHANGES} URI changes, "
                                              "nginx answers 500")
            if over is not None:
                return over
            loc = req.server.named(state.name)
            req.internal = True
            if loc is None:
                req.step("redirect", f"named location {state.name} does not exist: nginx answers 500",
                         state.via)
                return _Final("error", 500, True)
            req.conf, req.loc = loc.directive, loc
            req.result.chain.append(loc.path)
            req.result.locations.append(loc)
            req.step("location", f"named location {state.name}", loc.directive)
            state = _location_phases(req)
            continue
        if state == "phases":
            state = _location_phases(req)
            continue
        raise AssertionError(state)


def _find_config(req: _Request) -> object:
    rc, loc, notes = _find_location(req, req.server.locations(), req.uri)
    return _enter(req, loc, rc, notes)


def _enter(req: _Request, loc: Loc | None, rc: str, notes: str) -> object:
    """What follows the location search: ``loc`` (None: no location matched) was found
    with result ``rc``, explained by ``notes``."""
    req.loc = loc
    req.conf = loc.directive if loc is not None else req.server.directive
    if loc is None:
        req.step("location", f"no location matches {req.uri}; the server's own settings apply")
    else:
        req.result.chain.append(loc.path)
        req.result.locations.append(loc)
        req.step("location", notes, loc.directive)
    internal = effective(loc.directive, "internal", req.cc.index) if loc is not None else None
    if not req.internal and internal is not None:
        d = internal
        req.step("internal", f"location {loc.text} is internal: an external request gets 404", d)
        return req.finalize(404)
    if rc == DONE:
        assert loc is not None
        target = escape_uri(loc.match.pattern) + (f"?{req.args}" if req.args else "")
        handler = next((d for d in loc.directive.directives() if d.name in UPSTREAM_HANDLERS), None)
        req.step("redirect", f"{req.uri} is {loc.text} without its trailing slash and that location passes to "
                             f"an upstream: nginx answers 301 to {target}", handler or loc.directive)
        return req.finalize(301, "redirect", target)
    return "phases"


def _find_location(req: _Request, level: Level, uri: str) -> tuple[str, Loc | None, str]:
    """nginx's location search with a one-line explanation of the winner."""
    rc, loc = _find(req, level, uri)
    return rc, loc, _explain(level, uri, rc, loc)


def _static(level: Level, uri: str) -> tuple[str, Loc | None]:
    loc = level.exact.get(uri)
    if loc is not None:
        return OK, loc
    loc = level.prefix.get(uri)
    if loc is not None:
        return AGAIN, loc
    if level.redirect:
        loc = level.redirect.get(uri + "/")
        if loc is not None:
            return DONE, loc
    n = len(uri)
    for length in level.lengths:
        if length < n:
            loc = level.prefix.get(uri[:length])
            if loc is not None:
                return AGAIN, loc
    return DECLINED, None


def _find(req: _Request | None, level: Level, uri: str) -> tuple[str, Loc | None]:
    rc, loc = _static(level, uri)
    cur = loc
    noregex = False
    if rc == AGAIN:
        assert loc is not None
        noregex = loc.noregex
        rc, nested = _find(req, loc.level, uri) if not loc.level.empty else (DECLINED, None)
        if nested is not None:
            cur = nested
    if rc in (OK, DONE):
        return rc, cur
    if not noregex:
        for rx in level.regexes:
            if rx.regex is None:
                continue
            m = rx.regex.search(uri)
            if m:
                if req is not None:
                    _set_captures(req, m)
                if not rx.level.empty:
                    _, nested = _find(req, rx.level, uri)
                    return OK, nested or rx
                return OK, rx
    return rc, cur


def _set_captures(req: _Request, m: PcreMatch) -> None:
    groups = m.groups()
    if not groups and not req.captures:
        return  # nothing to set and nothing to forget: the usual regex location
    caps = {str(i): (g or "") for i, g in enumerate(groups, 1)}
    named = {k: v or "" for k, v in m.groupdict().items()}
    req.captures = {k: v for k, v in req.captures.items() if not k.isdigit()}
    req.captures.update(caps)
    req.captures.update(named)


def _explain(level: Level, uri: str, rc: str, loc: Loc | None) -> str:
    if loc is None:
        return ""
    m = loc.match
    if rc == DONE:
        return f"{uri} is the prefix {loc.text} without its trailing slash"
    if m.is_exact:
        return f"= {m.pattern} matches {uri} exactly, which ends the search"
    prefixes = _prefix_chain(level, uri)
    longest = prefixes[-1] if prefixes else None
    if m.is_regex:
        if loc.parent is not None and loc.parent in prefixes:
            return (f"regex {loc.text} nested in {loc.parent.path} matched {uri} (nested regexes are tried "
                    "before the outer ones)")
        if longest is not None:
            return (f"regex {loc.text} matched {uri} before the longer prefix {longest.path} could win "
                    "(regexes are tried in config order after the prefix search)")
        return f"regex {loc.text} is the first in config order to match {uri} (no prefix location matches)"
    path = " > ".join(p.text for p in prefixes) if prefixes else loc.text
    if prefixes and prefixes[0].noregex:
        return f"^~ prefix {prefixes[0].match.pattern} is the longest matching prefix: it stops the regex search" + (
            f" ({path})" if len(prefixes) > 1 else "")
    unknown = next((r for r in level.regexes if r.regex is None), None)
    note = f"; regex {unknown.text} could not be evaluated ({unknown.regex_error})" if unknown else ""
    what = "longest matching prefix" if len(prefixes) < 2 else "longest matching prefixes"
    tail = "; no regex location matches" if level.regexes else ""
    return f"{what} {path}{tail}{note}"


def _prefix_chain(level: Level, uri: str) -> list[Loc]:
    """The prefix locations the search descends through (outer first)."""
    chain: list[Loc] = []
    while True:
        rc, loc = _static(level, uri)
        if rc != AGAIN or loc is None:
            return chain
        chain.append(loc)
        level = loc.level


# -- rewrite module ----------------------------------------------------------------------------
def _server_rewrite(req: _Request) -> object | None:
    out = _rewrite_block(req, req.server.directive, server_level=True)
    if isinstance(out, _Final | _Internal | _Named):
        return out
    return None


def _location_phases(req: _Request) -> object:
    assert req.conf is not None
    if req.loc is not None:
        out = _rewrite_block(req, req.loc.directive, server_level=False)
        if isinstance(out, _Research):
            return out
        if out is not None:
            return out
    # access phase
    denied = _access(req)
    if denied is not None:
        return denied
    out2 = _try_files(req)
    if out2 is not None:
        return out2
    return _content(req)


_REWRITE_MODULE = frozenset({"rewrite", "return", "break", "set", "if"})


def _rewrite_block(req: _Request, block: Directive, server_level: bool) -> object | None:
    """Run the rewrite-module directives of ``block`` in order, the inner directives of a
    true `if` inline (nginx compiles them into one code sequence). Returns a _Final/
    _Internal/_Named, _Research when the URI changed in a location, or None to go on."""
    if _REWRITE_MODULE.isdisjoint(block.child_names()):
        return None  # most blocks: nothing to run
    changed = False
    stack = [iter(list(block.directives()))]
    while stack:
        d = next(stack[-1], None)
        if d is None:
            stack.pop()
            continue
        name = d.name
        if name == "rewrite":
            out = _rewrite(req, d, server_level)
            if isinstance(out, (_Final, _Internal, _Named)):
                return out
            if out == "break":
                return None
            if out in ("changed", "last"):
                changed = True
            if out == "last":
                break
        elif name == "return":
            return _return(req, d)
        elif name == "break":
            req.step("rewrite", "break stops the rewrite directives", d)
            if changed:
                req.valid_location = False
            return None
        elif name == "set" and len(d.args) >= 2:
            req.variables[d.args[0].value.lstrip("$")] = req.expand(d.args[1].value)
        elif name == "if" and _condition(req, d):
            if not server_level:
                req.conf = d  # the `if` block's settings apply from now on
            stack.append(iter(list(d.directives())))
    if changed and not server_level:
        return _Research()
    return None


def _rewrite(req: _Request, d: Directive, server_level: bool) -> object:
    vals = d.values
    if len(vals) < 2:
        return "nomatch"
    try:
        rx = compile_pcre(vals[0])
    except RegexError as e:
        req.step("rewrite", f"rewrite regex cannot be evaluated ({e}); assumed not to match", d)
        return "nomatch"
    m = rx.search(req.uri)
    if not m:
        req.captures = {k: v for k, v in req.captures.items() if not k.isdigit()}
        return "nomatch"
    _set_captures(req, m)
    repl = vals[1]
    flag_ = vals[2] if len(vals) > 2 else ""
    add_args = True
    if repl.endswith("?"):
        repl, add_args = repl[:-1], False
    redirect = flag_ in ("redirect", "permanent") or bool(re.match(r"^(https?://|\$scheme)", repl))
    value = req.expand(repl)
    if redirect:
        status = 301 if flag_ == "permanent" else 302
        if add_args and req.args:
            value += ("&" if "?" in value else "?") + req.args
        req.step("rewrite", f"rewrite {vals[0]} matched {req.uri}: {status} redirect to {value}", d)
        return req.finalize(status, "redirect", value)
    old = req.uri
    if "?" in value:
        value, new_args = value.split("?", 1)
        if add_args and req.args:
            new_args += "&" + req.args
        req.args = new_args
    elif not add_args:
        req.args = None
    req.uri = value
    req.internal = True
    req.valid_unparsed = False
    if not value:
        req.step("rewrite", "the rewritten URI is empty: nginx answers 500", d)
        return _Final("error", 500, True)
    if flag_ == "break":
        req.valid_location = False
        req.step("rewrite", f"rewrite {vals[0]} changed {old} to {value}; break keeps the request in this "
                            "location", d)
        return "break"
    if flag_ == "last" or server_level:
        what = "searches the locations again" if not server_level else "before the location search"
        req.step("rewrite", f"rewrite {vals[0]} changed {old} to {value}; {flag_ or 'server-level rewrite'} "
                            f"{what}", d)
        return "last" if flag_ == "last" else "changed"
    req.step("rewrite", f"rewrite {vals[0]} changed {old} to {value}", d)
    return "changed"


def _return(req: _Request, d: Directive) -> _Final | _Internal | _Named:
    vals = d.values
    if not vals:
        return _Final("error", 500, True)
    first = vals[0]
    if first.isdigit():
        code = int(first)
        text = req.expand(vals[1]) if len(vals) > 1 else None
    else:
        code, text = 302, req.expand(first)
    if code in REDIRECT_CODES and text is not None:
        req.step("return", f"return {code} redirects to {text}", d)
        return req.finalize(code, "redirect", text)
    if code < 400 or text is not None:
        req.step("return", f"return {code}" + (" with a text body" if text else ""), d)
        return _Final("return", code, False)
    req.step("return", f"return {code}", d)
    return req.finalize(code, "return")


def _condition(req: _Request, d: Directive) -> bool:
    args = [a.value for a in d.args]
    if args and args[0].startswith("(") and not d.args[0].quoted:
        args[0] = args[0][1:]
    if args and args[-1].endswith(")") and not d.args[-1].quoted:
        args[-1] = args[-1][:-1]
    args = [a for a in args if a]
    text = "if (" + " ".join(args) + ")"
    before = set(req.unknown)
    if not args:
        return False
    if args[0] in ("-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x") and len(args) == 2:
        op, path = args[0], req.expand(args[1])
        neg, test = op.startswith("!"), op.lstrip("!")
        if req.fs is None:
            is_dir = path.endswith("/")
            truth = {"-f": not is_dir, "-d": is_dir, "-e": True, "-x": False}[test]
            req.assumed = True
            req.step("if", f"{text}: no filesystem view, assuming {path} exists → {truth != neg}", d)
            return truth != neg
        p = req.probe(path, read=False)
        truth = {"-f": p.ok and not p.is_dir, "-d": p.ok and p.is_dir, "-e": p.ok, "-x": p.ok and p.is_file}[test]
        req.step("if", f"{text} → {truth != neg}", d)
        return truth != neg
    value = req.expand(args[0])
    if len(args) == 1:
        truth = value not in ("", "0")
    elif len(args) >= 3 and args[1] in ("=", "!="):
        truth = (value == req.expand(args[2])) == (args[1] == "=")
    elif len(args) >= 3 and args[1] in ("~", "~*", "!~", "!~*"):
        try:
            rx = compile_pcre(args[2], caseless=args[1].endswith("*"))
        except RegexError:
            req.step("if", f"{text}: regex cannot be evaluated, assumed false", d)
            return False
        m = rx.search(value)
        if m and not args[1].startswith("!"):
            _set_captures(req, m)
        truth = bool(m) != args[1].startswith("!")
    else:
        req.step("if", f"{text}: condition not understood, assumed false", d)
        return False
    if req.unknown - before:
        names = ", ".join(f"${n}" for n in sorted(req.unknown - before))
        req.step("if", f"{text}: {names} unknown for a simulated request, assumed false", d)
        return False
    req.step("if", f"{text} → {truth}", d)
    return truth


# -- access, try_files, content ----------------------------------------------------------------
def _access(req: _Request) -> object | None:
    assert req.conf is not None
    for d in access_rules(req.conf, req.cc.index):
        who = d.args[0].value if d.args else ""
        if who == "all":
            if d.name == "deny":
                req.step("access", "deny all: nginx answers 403", d)
                return req.finalize(403)
            return None
        req.assumed = True  # the simulated request has no client address
        req.step("access", f"{d.name} {who}: depends on the client address (unknown here); followed as if "
                           "allowed, status unknown", d)
        return None
    auth = effective(req.conf, "auth_basic", req.cc.index)
    if auth is not None and auth.args and auth.args[0].value != "off":
        req.step("access", "auth_basic: a request without credentials gets 401", auth)
        return req.finalize(401)
    return None


def _try_files(req: _Request) -> object | None:
    assert req.conf is not None
    tf = req.conf.find("try_files") if req.conf.name in ("location", "server") else None
    if tf is None or len(tf.args) < 2:
        return None
    args = [a.value for a in tf.args]
    try:
        root = req.root_part()
        _, alias = req.path_setting()
        if alias and not req.valid_location:
            raise _AliasRewritten()
    except _AliasRewritten:
        return _alias_rewritten(req)
    req.result.try_files = []
    uri0 = req.uri
    for i, raw in enumerate(args):
        last = i == len(args) - 1
        test_dir = not last and raw.endswith("/")
        name_src = raw[:-1] if test_dir else raw
        has_vars = "$" in name_src
        name = req.expand(name_src)
        if has_vars and alias and alias != ALIAS_REGEX and name.startswith(uri0[:alias]) \
                and len(uri0) >= alias:
            name = name[alias:]
        if last:
            if raw.startswith("=") and raw[1:].isdigit():
                req.step("try_files", f"no candidate matched: try_files ends with {raw}", tf)
                return req.finalize(int(raw[1:]))
            if name.startswith("@"):
                req.step("try_files", f"no candidate matched: falls back to {name}", tf)
                return _Named(name, tf)
            # the fallback URI keeps only the arguments written in it
            path, _, qargs = name.partition("?")
            req.step("try_files", f"no candidate matched: internal redirect to {path}", tf)
            return _Internal(path, qargs or None)
        path = root + name
        shown = path + ("/" if test_dir else "")
        req.result.try_files.append(shown)
        req.result.fs_path = path
        if req.fs is None:
            # no filesystem: a name ending in "/" is taken for a directory, others for files
            if test_dir != name.endswith("/"):
                kind = "a directory" if name.endswith("/") else "a file"
                req.step("try_files", f"no filesystem view: {shown} is taken for {kind}, which this "
                                      f"{'directory' if test_dir else 'file'} test skips", tf)
                continue
            req.assumed = True
            fallback = args[-1]
            req.step("try_files", f"no filesystem view: assuming {shown} exists (else nginx tries the next "
                                  f"candidate, finally {fallback})", tf)
        else:
            p = req.probe(path, read=False)
            if not p.ok:
                detail = f" ({p.detail})" if p.err not in ("ENOENT",) and p.detail else ""
                req.step("try_files", f"{shown}: {_errno_text(p.err)}{detail}, next candidate", tf)
                continue
            if p.is_dir != test_dir:
                req.step("try_files", f"{shown}: is {'a directory' if p.is_dir else 'not a directory'}, "
                                      "next candidate", tf)
                continue
            req.step("try_files", f"{shown} exists: served by this location", tf)
        if not alias:
            req.uri = name
        elif alias == ALIAS_REGEX:
            if not test_dir:
                req.uri, req.add_uri_to_alias = name, True
        else:
            req.uri = uri0[:alias] + name
        return None
    return None


def _alias_rewritten(req: _Request) -> _Final | _Internal | _Named:
    d = path_directive(req.conf, req.cc.index) if req.conf is not None else None
    req.step("file", "alias cannot be used where the URI was rewritten (rewrite ... break): nginx answers 500", d)
    return req.finalize(500)


def _errno_text(err: str | None) -> str:
    return {"ENOENT": "does not exist", "ENOTDIR": "a path component is not a directory",
            "EACCES": "permission denied", "ELOOP": "symlink refused", "ENAMETOOLONG": "name too long",
            "UNKNOWN": "cannot be inspected"}.get(err or "", err or "")


def _content(req: _Request) -> object:
    assert req.conf is not None
    handler = content_handler(req.conf)
    if handler is not None:
        return _handler(req, handler)
    try:
        if req.uri.endswith("/"):
            return _index(req)
        return _static_file(req)
    except _AliasRewritten:
        return _alias_rewritten(req)


def _handler(req: _Request, d: Directive) -> object:
    res = req.result
    res.handler = d
    if d.name in ("empty_gif", "stub_status"):
        req.step("content", f"{d.name} answers the request", d)
        return _Final("return", 200, False)
    url = req.expand(d.args[0].value) if d.args else ""
    upstream, uri_part = _split_upstream(url)
    res.upstream = upstream
    block = _upstream_block(req.cc.config, upstream)
    extra = ""
    if block is not None:
        members = [" ".join(s.values) for s in block.directives("server")]
        extra = f"; upstream {upstream} ({block.location}) → {', '.join(members) or 'no servers'}"
    if d.name in ("proxy_pass", "grpc_pass"):
        res.upstream_uri = _proxy_uri(req, d, uri_part if d.name == "proxy_pass" else "")
    else:
        res.upstream_uri = req.request_uri
    req.step("proxy", f"{d.name} {d.args[0].value if d.args else ''} → {upstream}, request URI "
                      f"{res.upstream_uri}{extra}", d)
    return _Final("proxy", None, False)


def _split_upstream(url: str) -> tuple[str, str]:
    """(upstream as written: `app`, `127.0.0.1:8000`, `unix:/run/x.sock`; URI part)."""
    rest = _SCHEME.sub("", url)
    if rest.startswith("unix:"):
        body = rest[5:]
        colon = body.find(":")
        if colon >= 0:
            return "unix:" + body[:colon], body[colon + 1:]
        return "unix:" + body, ""
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    uri = rest[cut:]
    if uri.startswith("?"):
        uri = "/" + uri
    return rest[:cut], uri


def _upstream_block(config: Config, name: str) -> Directive | None:
    host = name.split(":", 1)[0] if not name.startswith("unix:") else None
    if host is None:
        return None
    for http in config.http_blocks() or []:
        for d in http.directives("upstream"):
            if d.args and d.args[0].value == host:
                return d
    if config.context == "http":
        for d in config.top("upstream"):
            if d.args and d.args[0].value == host:
                return d
    return None


def _proxy_uri(req: _Request, d: Directive, uri_part: str) -> str:
    """The request target nginx sends upstream (ngx_http_proxy_create_request)."""
    has_vars = "$" in (d.args[0].value if d.args else "")
    if has_vars and uri_part:
        return uri_part
    if not uri_part and req.valid_unparsed:
        return req.request_uri
    loc_len = 0
    if uri_part and req.valid_location and not has_vars:
        m = owner_match(d)
        if m is not None and (m.is_prefix or m.is_exact):
            loc_len = len(m.pattern)
    rest = req.uri[loc_len:]
    if req.quoted_uri or req.internal:
        rest = escape_uri(rest)
    out = (uri_part if req.valid_location else "") + rest
    if req.args:
        out += "?" + req.args
    return out


def _index(req: _Request) -> object:
    assert req.conf is not None
    names: list[tuple[str, Directive | None]] = []
    for d in effective_all(req.conf, "index", req.cc.index):
        names.extend((a.value, d) for a in d.args)
    if not names:
        names = [("index.html", None)]
    root, base = req.map_path(req.uri)
    dir_tested = False
    for raw, d in names:
        value = req.expand(raw)
        if value.startswith("/"):
            req.step("index", f"index {raw} is a URI: internal redirect", d)
            return _Internal(value, req.args)
        path = base + value
        req.result.fs_path = path
        if req.fs is None:
            req.assumed = True
            req.step("index", f"URI ends with /: no filesystem view, assuming {path} exists "
                              "(internal redirect to it)", d)
            return _Internal(req.uri + value, req.args)
        p = req.probe(path, read=False)
        if p.ok:
            req.step("index", f"index file {path} exists: internal redirect to {req.uri + value}", d)
            return _Internal(req.uri + value, req.args)
        if p.err in ("ELOOP",):
            req.step("index", f"{path}: {_errno_text(p.err)}: 403", d)
            return req.finalize(403, "file")
        if p.err in ("ENOTDIR", "ENAMETOOLONG", "EACCES"):
            code = 403 if p.err == "EACCES" else 404
            req.step("index", f"{path}: {_errno_text(p.err)} ({p.detail}): {code}", d)
            return req.finalize(code, "file")
        if p.err == "UNKNOWN":
            req.assumed = True
            req.step("index", f"{path}: cannot be inspected ({p.detail})", d)
            return _Final("file", None)
        if not dir_tested:
            dir_path = base[:-1] if base.endswith("/") and len(base) > 1 else base
            dp = req.probe(dir_path, read=False, test_dir=True)
            req.result.fs_path = dir_path
            if dp.err == "ENOENT":
                req.step("index", f"directory {dir_path} does not exist: 404", d)
                return req.finalize(404, "file")
            if dp.err == "ELOOP":
                req.step("index", f"directory {dir_path}: symlink refused: 403", d)
                return req.finalize(403, "file")
            if dp.ok and not dp.is_dir:
                req.step("index", f"{dir_path} is not a directory: 500", d)
                return req.finalize(500, "file")
            if not dp.ok and dp.err != "EACCES":
                req.step("index", f"directory {dir_path}: {_errno_text(dp.err)}: 500", d)
                return req.finalize(500, "file")
            dir_tested = True
        req.step("index", f"index file {path} does not exist", d)
    auto = effective(req.conf, "autoindex", req.cc.index)
    if auto is not None and auto.args and auto.args[0].value == "on":
        req.result.fs_path = base
        p = req.probe(base, read=True)
        if p.ok:
            req.step("autoindex", f"autoindex on: nginx lists {base}", auto)
            return _Final("file", 200)
        code = 403 if p.err == "EACCES" else (404 if p.err in ("ENOENT", "ENOTDIR", "ENAMETOOLONG") else 500)
        req.step("autoindex", f"autoindex on but {base}: {_errno_text(p.err)}: {code}", auto)
        return req.finalize(code, "file")
    req.result.fs_path = base
    req.step("index", f"no index file in {base} and autoindex is off: nginx answers 403 "
                      "(directory index is forbidden)", path_directive(req.conf, req.cc.index))
    return req.finalize(403, "file")


def _static_file(req: _Request) -> object:
    assert req.conf is not None
    _, path = req.map_path(req.uri)
    res = req.result
    res.fs_path = path
    d = req.path_setting()[0]
    how = _mapping_text(req, d, path)
    if req.fs is None:
        req.assumed = True
        req.step("file", f"{how}; no filesystem view: status unknown", d)
        return _Final("file", None)
    p = req.probe(path, read=True)
    if p.ok and p.is_dir:
        target = escape_uri(req.uri) + "/" + (f"?{req.args}" if req.args else "")
        req.step("file", f"{how}, a directory: nginx answers 301 to {target}", d)
        return req.finalize(301, "redirect", target)
    if p.ok and not p.is_file:
        req.step("file", f"{how}, not a regular file: 404", d)
        return req.finalize(404, "file")
    if p.ok:
        req.step("file", f"{how}: served (200)", d)
        return _Final("file", 200)
    if p.err == "UNKNOWN":
        req.assumed = True
        req.step("file", f"{how}: cannot be inspected ({p.detail}); status unknown", d)
        return _Final("file", None)
    code = 404 if p.err in ("ENOENT", "ENOTDIR", "ENAMETOOLONG") else (403 if p.err in ("EACCES", "ELOOP") else 500)
    detail = f" ({p.detail})" if p.detail and p.err != "ENOENT" else ""
    req.step("file", f"{how}: {_errno_text(p.err)}{detail}: {code}", d)
    return req.finalize(code, "file")


def _mapping_text(req: _Request, d: Directive | None, path: str) -> str:
    if d is None:
        return f"no root/alias: default root {req.full_name('html')} → {path}"
    m = owner_match(d) if d.name == "alias" else None
    if m is not None and m.is_regex:
        return f"alias {d.args[0].value} of regex location → {path}"
    if m is not None:
        value = d.args[0].value
        hint = ""
        if m.pattern.endswith("/") != value.endswith("/") and "$" not in value:
            hint = (" (the alias lacks the trailing / of the location)" if m.pattern.endswith("/")
                    else " (the location lacks the trailing / of the alias)")
        return f"alias {value} replaces {m.pattern} → {path}{hint}"
    return f"{d.name} {d.args[0].value if d.args else ''} + URI {req.uri} → {path}"


def _finish(req: _Request, final: _Final) -> None:
    res = req.result
    res.location = req.loc
    res.action = final.action
    res.redirect = final.redirect
    forced = not final.special and req.err_status is not None
    if final.special:
        status = final.status  # nginx's own response replaces any error_page status
    elif forced:
        status = req.err_status  # error_page keeps the original status over the page's
    else:
        status = final.status
    if (req.assumed or req.unknown) and not forced:
        status = None  # a file test or a variable the simulation cannot know decided something
    res.status = status
    if req.unknown:
        names = ", ".join(f"${n}" for n in sorted(req.unknown))
        res.steps.append(Step("note", f"{names}: value unknown to the simulator, kept literally"))
