from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.load import Directive, Node
from nglint.rule import Rule, RuleContext

# Blocks whose contents are data (map/geo entries, MIME types), not directives.
_DATA_BLOCKS = frozenset({"map", "geo", "split_clients", "types", "charset_map", "match"})
# Where the top level of a config sits, by Config.context.
_TOP = {"main": (), "http": ("http",), "location": ("http", "location"), "stream": ("stream",)}
# A name nginx could never have: template syntax (`${VAR}`, `{{`, `<%=`) or stray text.
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9_.-]")
# Families of third-party modules (OpenResty/Lua, njs, headers-more, RTMP, NAXSI, ...):
# crossplane's tables do not know them, or know an old version (njs moved `js_set` into
# `server`), so a config using them is not checked against those tables.
_THIRD_PARTY = re.compile(r"^(?:lua_|.*_by_lua|js_|more_|brotli|rtmp|passenger_|pagespeed|modsecurity|geoip2_|"
                          r"vhost_traffic_status|echo|set_(?:unescape|escape|quote|encode|decode|md5|sha1|"
                          r"hmac|base32|base64|random|secure|local|hashed|formatted|misc)|"
                          r"auth_jwt|sticky|upstream_fair|fancyindex|dav_ext|headers_more|push_stream|nchan_|"
                          r"naxsi|security_headers|zstd|ssl_ct|vod|upload_|"
                          r"MainRule|BasicRule|CheckRule|LearningMode|SecRules(?:En|Dis)abled|DeniedUrl|LibInjection)")
# A flag value nginx never sees as written: a template placeholder (`${X}`, `@@X@@`, `{{ x }}`).
_PLACEHOLDER = re.compile(r"[^A-Za-z0-9_.-]")


@cache
def _tables() -> tuple[dict[str, list[int]], dict[tuple[str, ...], int], dict[str, int]]:
    """crossplane's directive masks (plus core directives newer than its tables), its
    context masks, and its argument-style bits."""
    from crossplane import analyzer as a

    http_ms = a.NGX_HTTP_MAIN_CONF | a.NGX_HTTP_SRV_CONF
    http_msl = http_ms | a.NGX_HTTP_LOC_CONF
    stream_ms = a.NGX_STREAM_MAIN_CONF | a.NGX_STREAM_SRV_CONF
    # Core directives crossplane lacks, mostly nginx 1.19-1.25 (from the nginx sources' command tables).
    newer = {
        "http2": [http_ms | a.NGX_CONF_FLAG],
        "http3": [http_ms | a.NGX_CONF_FLAG],
        "http3_hq": [http_ms | a.NGX_CONF_FLAG],
        "http3_max_concurrent_streams": [http_ms | a.NGX_CONF_TAKE1],
        "http3_stream_buffer_size": [http_ms | a.NGX_CONF_TAKE1],
        "quic_active_connection_id_limit": [http_ms | a.NGX_CONF_TAKE1],
        "quic_bpf": [a.NGX_MAIN_CONF | a.NGX_DIRECT_CONF | a.NGX_CONF_FLAG],
        "quic_gso": [http_ms | a.NGX_CONF_FLAG],
        "quic_host_key": [http_ms | a.NGX_CONF_TAKE1],
        "quic_retry": [http_ms | a.NGX_CONF_FLAG],
        "ssl_reject_handshake": [http_ms | a.NGX_CONF_FLAG, stream_ms | a.NGX_CONF_FLAG],
        "ssl_conf_command": [http_ms | a.NGX_CONF_TAKE2, stream_ms | a.NGX_CONF_TAKE2,
                             a.NGX_MAIL_MAIN_CONF | a.NGX_MAIL_SRV_CONF | a.NGX_CONF_TAKE2],
        "proxy_ssl_conf_command": [http_msl | a.NGX_CONF_TAKE2, stream_ms | a.NGX_CONF_TAKE2],
        "grpc_ssl_conf_command": [http_msl | a.NGX_CONF_TAKE2],
        "uwsgi_ssl_conf_command": [http_msl | a.NGX_CONF_TAKE2],
        "keepalive_time": [http_msl | a.NGX_CONF_TAKE1, a.NGX_HTTP_UPS_CONF | a.NGX_CONF_TAKE1],
        "proxy_cookie_flags": [http_msl | a.NGX_CONF_TAKE1234],
        "ssl_ocsp": [http_ms | a.NGX_CONF_TAKE1],
        "ssl_ocsp_cache": [http_ms | a.NGX_CONF_TAKE1],
        "ssl_ocsp_responder": [http_ms | a.NGX_CONF_TAKE1],
        "proxy_half_close": [stream_ms | a.NGX_CONF_FLAG],
        "ssl_alpn": [stream_ms | a.NGX_CONF_1MORE],
        "mp4_start_key_frame": [http_msl | a.NGX_CONF_FLAG],
        "auth_delay": [http_msl | a.NGX_CONF_TAKE1],
        "post_action": [http_msl | a.NGX_HTTP_LIF_CONF | a.NGX_CONF_TAKE1],  # old, undocumented
    }
    styles = {"block": a.NGX_CONF_BLOCK, "flag": a.NGX_CONF_FLAG, "any": a.NGX_CONF_ANY,
              "1more": a.NGX_CONF_1MORE, "2more": a.NGX_CONF_2MORE}
    return {**a.DIRECTIVES, **newer}, dict(a.CONTEXTS), styles


# _verdict() outcomes besides None (fine) and a problem text.
_SKIP = "skip"  # a third-party module's directive: not checked
_UNKNOWN = "unknown"  # not in the tables
_FLAG = "flag"  # fine if the one argument is `on`/`off` (or a template placeholder)


@lru_cache(maxsize=4096)
def _verdict(name: str, where: tuple[str, ...], n: int, has_block: bool) -> str | None:
    """What the tables say about directive ``name`` with ``n`` arguments (and a block or
    not) in context ``where``. Everything but a flag's value decides it, so a config's
    thousands of directives cost one lookup each after the first of their kind."""
    if _THIRD_PARTY.match(name):
        return _SKIP
    directives, contexts, styles = _tables()
    masks = directives.get(name)
    if masks is None:
        return _UNKNOWN
    if where not in contexts:
        return None
    allowed = [m for m in masks if m & contexts[where]]
    if not allowed:
        return f"`{name}` is not allowed in {_describe(where)}"
    shaped = [m for m in allowed if bool(m & styles["block"]) == has_block]
    if not shaped:
        return (f"`{name}` takes no `{{}}` block; end it with `;`" if has_block
                else f"`{name}` needs a `{{}}` block")
    for m in shaped:
        if (n <= 7 and m >> n & 1) or m & styles["any"] or (m & styles["1more"] and n >= 1) or \
                (m & styles["2more"] and n >= 2):
            return None
    if n == 1 and any(m & styles["flag"] for m in shaped):
        return _FLAG
    return f"`{name}` takes {_takes(shaped, styles)}, not {n}"


def _describe(ctx: tuple[str, ...]) -> str:
    if not ctx:
        return "the main context"
    if ctx[-1] == "if":
        return f"`if` inside `{ctx[-2]}`"
    return f"`{ctx[-1]}`"


def _takes(masks: list[int], styles: dict[str, int]) -> str:
    """What the masks accept, in words: `1 or 2 arguments`, `on or off`, ..."""
    counts = sorted({n for m in masks for n in range(8) if m >> n & 1})
    words = []
    if counts:
        words.append(" or ".join(map(str, counts)) + (" argument" if counts == [1] else " arguments"))
    if any(m & styles["flag"] for m in masks):
        words.append("`on` or `off`")
    if any(m & styles["1more"] for m in masks):
        words.append("1 or more arguments")
    if any(m & styles["2more"] for m in masks):
        words.append("2 or more arguments")
    return ", or ".join(words) or "any arguments"


class _Context(dict[tuple[str, int, bool], "str | None"]):
    """A context (`("http", "server")`) as one check() meets it: (name, argument count,
    has a block) → _verdict(), worked out on first sight. A config's tens of thousands of
    directives are a few hundred kinds, and a subscript of this dict is cheaper than a call
    of the lru_cache'd _verdict() (which still serves the next config)."""

    def __init__(self, where: tuple[str, ...], known: dict[tuple[str, ...], _Context]) -> None:
        super().__init__()
        self.where = where
        self.known = known  # every context of this check(), so that each is made once
        self.blocks = _Blocks(self)

    def __missing__(self, key: tuple[str, int, bool]) -> str | None:
        verdict = self[key] = _verdict(key[0], self.where, key[1], key[2])
        return verdict


class _Blocks(dict[str, "_Context | None"]):
    """Block directive name → the _Context of its contents, None if they are not checked
    (data blocks, blocks the tables do not know)."""

    def __init__(self, outer: _Context) -> None:
        super().__init__()
        self.outer = outer

    def __missing__(self, name: str) -> _Context | None:
        where, known = self.outer.where, self.outer.known
        inner: _Context | None = None
        if name not in _DATA_BLOCKS:
            # nested locations are checked like any location, as nginx does
            sub = ("http", "location") if where[:1] == ("http",) and name == "location" else where + (name,)
            if sub in _tables()[1]:
                inner = known.get(sub)
                if inner is None:
                    inner = known[sub] = _Context(sub, known)
        self[name] = inner
        return inner


class InvalidDirective(Rule):
    """
    ## What it does
    Checks every directive against nginx's directive tables (crossplane's analyzer, plus
    core directives added since): the name exists, the directive is allowed in the block it
    sits in (following includes), it takes that many arguments (`on`/`off` for flags), and
    it has a `{}` block exactly when it needs one. A file linted on its own is checked in
    the context it was written for: a vhost as if included in `http`, a snippet of
    `location` blocks in `server`, a snippet of location directives (`alias`, `proxy_pass`)
    in `location`, stream server blocks in `stream`.

    Unknown names are warnings, reported once per name: crossplane's tables cover the
    modules shipped with nginx, not third-party ones. Names of well-known third-party
    module families (Lua/OpenResty, njs `js_*`, headers-more, RTMP, Passenger,
    ModSecurity, ...) and template placeholders (`${VAR}`, `<%= x %>`) are not reported, and
    the contents of unknown blocks and data blocks (`map`, `geo`, `types`) are not checked.

    ## Why is this bad?
    `nginx -t` rejects the whole configuration ("unknown directive", "directive is not
    allowed here", "invalid number of arguments"), and a reload keeps the old one running:
    none of your edits take effect. A classic: `alias` or `proxy_pass` directly in a
    `server` block, where nginx does not accept it.

    ## Example
    ```nginx
    server {
        listen 80;
        alias /srv/app/static/;
        proxy_pas http://127.0.0.1:8000;
    }
    ```
    Use instead:
    ```nginx
    server {
        listen 80;
        location /static/ { alias /srv/app/static/; }
        location / { proxy_pass http://127.0.0.1:8000; }
    }
    ```

    ## Fix safety
    No fix: where the directive belongs, or what it was meant to be, is a decision.
    """

    code = "NGL009"
    name = "invalid-directive"
    severity = Severity.ERROR
    message = "{problem}"
    bad = [
        ("server {\n    listen 80;\n    alias /srv/app/static/;\n}\n", None),
        ("location /static/ {\n    alias /srv/app/static/ /srv/other/;\n}\n", None),
        ("server {\n    listen 80;\n    gzip maybe;\n}\n", None),
        ("location / {\n    proxy_pas http://127.0.0.1:8000;\n}\n", None),
        ("location /static/ {\n    location_alias /srv/app/static/;\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    location /static/ { alias /srv/app/static/; }\n}\n",
        "location / {\n    content_by_lua_block { ngx.say('hi') }\n    more_set_headers 'X-A: b';\n}\n",
        "map $uri $new {\n    default 0;\n    /old 1;\n}\nserver {\n    listen 80;\n    http2 on;\n}\n",
        "server {\n    listen 80;\n    server_name ${DOMAIN};\n    ssl_reject_handshake off;\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        top = _TOP.get(ctx.config.context)
        if top is None:
            return
        found: list[Diagnostic] = []
        self._check_block(ctx.config.nodes, _Context(top, {}), set(), found)
        yield from found

    def _check_block(self, nodes: list[Node], context: _Context, unknown: set[str], found: list[Diagnostic]) -> None:
        """Check ``nodes`` as the contents of ``context``, appending to ``found``; ``unknown``
        collects the unknown names reported so far (each is reported once). Appends rather
        than yields: a generator per block, and each finding passed up through all of them,
        cost more than the checks on a config of thousands of blocks."""
        for node in nodes:
            if node.__class__ is not Directive:  # a Comment (cheaper than isinstance per node)
                continue
            name = node.name
            block = node.block
            verdict = context[name, len(node.args), block is not None]
            if verdict is not None:  # most directives are fine: one test
                if verdict is _SKIP:
                    continue
                if verdict is _UNKNOWN:
                    found.extend(self._unknown(node, unknown))
                    continue  # nothing is known about what an unknown block contains
                if verdict is _FLAG:
                    value = node.args[0].value
                    # a template placeholder is filled in before nginx sees it
                    if value.lower() not in ("on", "off") and not _PLACEHOLDER.search(value):
                        found.append(self.report(node, problem=f"`{name}` takes `on` or `off`, not `{value}`"))
                else:
                    found.append(self.report(node, problem=verdict))
            if block is not None:
                inner = context.blocks[name]
                if inner is not None:
                    self._check_block(node.children if node.children is not None else block, inner, unknown, found)

    def _unknown(self, node: Directive, seen: set[str]) -> Iterator[Diagnostic]:
        name = node.name
        directives = _tables()[0]
        if name in seen or _NOT_A_NAME.search(name):
            return
        seen.add(name)
        import difflib  # only for an unknown name: not imported by every run

        close = difflib.get_close_matches(name, directives, n=1, cutoff=0.8)
        hint = f"; did you mean `{close[0]}`?" if close else " (a typo, or a third-party module)"
        yield self.report(node, severity=Severity.WARNING, problem=f"unknown directive `{name}`{hint}")
