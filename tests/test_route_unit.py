"""Unit tests of the nginx model and the route engine's pieces.

Expectations come from nginx's documented and source-level behaviour (NGINX.md, the
comments cite the rule each case checks), never from nglint's own output. The
differential suite (test_route_nginx.py) checks the whole engine against real nginx.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterator

import pytest

from nglint.load import load_text
from nglint.nginx import effective, location_match, path_directive
from nglint.nginx.regex import translate
from nglint.nginx.servers import NameTable, normalize_host, parse_address
from nglint.nginx.uri import BadRequest, escape_uri, normalize_path, split_request_target
from nglint.route import FsView, compile_config, route
from nglint.route.fs import Identity


def cfg(text: str):
    return load_text(text, "t.conf")


def loc_of(text: str, uri: str, host: str | None = None) -> str | None:
    """The location (as `outer > inner`) nginx picks for ``uri`` first."""
    r = route(cfg(text), uri, host=host)
    return r.chain[0] if r.chain else None


# -- URI normalisation (NGINX.md §2, ngx_http_parse_complex_uri) -----------------------------

@pytest.mark.parametrize(("raw", "merged", "unmerged"), [
    ("/static/app.css", "/static/app.css", "/static/app.css"),
    ("/a/./b", "/a/b", "/a/b"),
    ("/a/../b", "/b", "/b"),
    ("/a/b/../../c", "/c", "/c"),
    ("/a/..", "/", "/"),
    ("/a/.", "/a/", "/a/"),
    ("//static//app.css", "/static/app.css", "//static//app.css"),
    ("/a//../b", "/b", "/a/b"),  # without merging, ".." removes the empty segment
    ("/static%2Fapp.css", "/static/app.css", "/static/app.css"),  # %2F acts as /
    ("/a/%2e%2e/b", "/b", "/b"),  # %2e%2e is a dot segment
    ("/static..%2fx", "/static../x", "/static../x"),  # "static.." is not a dot segment
    ("/a%3Fb", "/a?b", "/a?b"),  # a decoded ? is data
    ("/a%25b", "/a%b", "/a%b"),
    ("/...", "/...", "/..."),
    ("/x/a%20b", "/x/a b", "/x/a b"),
])
def test_normalize_path(raw: str, merged: str, unmerged: str) -> None:
    assert normalize_path(raw, True) == merged
    assert normalize_path(raw, False) == unmerged


@pytest.mark.parametrize("raw", ["/..", "/../x", "/a/../..", "/%2e%2e/x", "/a%zz", "/a%2", "/a%00b", "static/x"])
def test_normalize_path_bad_request(raw: str) -> None:
    with pytest.raises(BadRequest):
        normalize_path(raw)


def test_split_request_target() -> None:
    assert split_request_target("/a?b=1&c") == ("/a", "b=1&c")
    assert split_request_target("/a?b#frag") == ("/a", "b")
    assert split_request_target("/a#b?c") == ("/a", None)
    assert split_request_target("/a") == ("/a", None)


def test_escape_uri() -> None:
    # ngx_escape_uri(NGX_ESCAPE_URI): space " # % < > ? \ ^ ` { | } and non-ASCII
    assert escape_uri("/a b?c%#") == "/a%20b%3Fc%25%23"
    assert escape_uri("/static/app.css") == "/static/app.css"
    assert escape_uri("/é") == "/%C3%A9"
    assert escape_uri("/a:b@c!$&'()*+,;=~") == "/a:b@c!$&'()*+,;=~"


# -- PCRE translation --------------------------------------------------------------------------

@pytest.mark.parametrize(("pcre", "subject", "match"), [
    (r"^/(?<name>[^/]+)/", "/abc/x", {"name": "abc"}),
    (r"^/(?'id'\d+)$", "/42", {"id": "42"}),
    (r"^/[[:alpha:]]+$", "/abc", {}),
    (r"\.(?:css|js)\z", "/a.css", {}),
    (r"\Q.css\E$", "/a.css", {}),
])
def test_translate(pcre: str, subject: str, match: dict[str, str]) -> None:
    import re

    m = re.search(translate(pcre), subject)
    assert m is not None and m.groupdict() == match


def test_translate_literal_dot_in_quote() -> None:
    import re

    assert not re.search(translate(r"\Q.css\E$"), "/axcss")


# -- server selection (NGINX.md §1) ----------------------------------------------------------

def test_name_precedence() -> None:
    t: NameTable[str] = NameTable()
    for name, srv in [("~^www\\..+$", "regex"), ("www.*", "tail"), ("www.example.*", "tail-long"),
                      ("*.example.com", "head"), ("*.www.example.com", "head-long"),
                      ("www.example.com", "exact"), ("", "empty")]:
        assert t.add(name, srv) is None

    def who(host: str) -> str | None:
        m = t.find(host)
        return m.server if m else None

    assert who("www.example.com") == "exact"  # exact beats every wildcard
    assert who("a.www.example.com") == "head-long"  # longest leading wildcard
    assert who("mail.example.com") == "head"
    assert who("example.com") is None  # *.example.com needs a subdomain
    assert who("www.example.org") == "tail-long"  # longest trailing wildcard
    assert who("www.foo.net") == "tail"  # trailing wildcard beats the regex
    assert who("") == "empty"  # a request without Host matches the "" name


def test_name_regex_order_and_captures() -> None:
    t: NameTable[str] = NameTable()
    t.add("~^(?<sub>\\w+)\\.example\\.net$", "first")
    t.add("~^api\\.example\\.net$", "second")
    m = t.find("api.example.net")
    assert m is not None and m.server == "first" and m.captures["sub"] == "api"
    # a regex is caseless only when it contains upper-case letters (the Host is lowercased)
    t2: NameTable[str] = NameTable()
    t2.add("~^Shop\\.", "s")
    assert t2.find("shop.example.com") is not None


def test_dot_name_claims_bare_and_conflicts() -> None:
    t: NameTable[str] = NameTable()
    assert t.add(".example.org", "dot") is None
    assert t.find("example.org").server == "dot"
    assert t.find("a.b.example.org").server == "dot"
    assert t.add("example.org", "later") is not None  # claimed by .example.org: ignored
    assert t.add("*.example.org", "star") is not None  # same key
    t2: NameTable[str] = NameTable()
    t2.add("example.org", "exact")
    assert t2.add(".example.org", "dot") is not None  # exact first: the dot form is dropped whole
    assert t2.find("a.example.org") is None


@pytest.mark.parametrize(("header", "host"), [
    ("Example.COM", "example.com"),
    ("example.com:8080", "example.com"),
    ("example.com.", "example.com"),
    ("[::1]:8080", "[::1]"),
    ("a..b", None),
    ("a/b", None),
    (":80", None),
])
def test_normalize_host(header: str, host: str | None) -> None:
    assert normalize_host(header) == host


@pytest.mark.parametrize(("text", "key"), [
    ("80", ("inet", "*", 80)),
    ("*:8080", ("inet", "*", 8080)),
    ("0.0.0.0:80", ("inet", "*", 80)),
    ("127.0.0.1", ("inet", "127.0.0.1", 80)),
    ("127.0.0.1:8080", ("inet", "127.0.0.1", 8080)),
    ("localhost:81", ("inet", "127.0.0.1", 81)),
    ("[::]:80", ("inet6", "*", 80)),
    ("[::1]", ("inet6", "::1", 80)),
    ("unix:/run/nginx.sock", ("unix", "/run/nginx.sock", 0)),
])
def test_parse_address(text: str, key: tuple) -> None:
    assert parse_address(text) == key


SERVERS = """
server { listen 80; server_name one.example; }
server { listen 80 default_server; server_name two.example; }
server { listen 127.0.0.1:80; server_name one.example; }
server { listen 127.0.0.1:80; server_name three.example; }
server { listen 8080; }
server { listen 8080; server_name named.example; }
server { server_name implicit.example; }
"""


@pytest.mark.parametrize(("url", "addr", "index"), [
    ("http://one.example/", "10.0.0.1:80", 1),
    ("http://nothing.example/", "10.0.0.1:80", 2),  # default_server of *:80
    ("http://two.example/", "127.0.0.1:80", 3),  # the explicit IP group: *:80 servers do not compete
    ("http://nothing.example/", "127.0.0.1:80", 3),  # first server of 127.0.0.1:80
    ("http://three.example/", "127.0.0.1:80", 4),
    ("http://implicit.example/", "10.0.0.1:80", 7),  # no listen = *:80
    ("/", "10.0.0.1:8080", 5),  # no Host: the server named "" (no server_name) first
    ("http://ONE.example:80/", "10.0.0.1:80", 1),  # case-insensitive, port ignored
])
def test_server_selection(url: str, addr: str, index: int) -> None:
    r = route(cfg(SERVERS), url, addr=addr)
    assert r.server is not None and r.server.index == index


def test_no_listener() -> None:
    r = route(cfg(SERVERS), "/", addr="10.0.0.1:9999")
    assert r.server is None and r.status is None and r.action == "error"


def test_missing_host_prefers_empty_name_over_default_server() -> None:
    text = "server { listen 80 default_server; server_name a.example; }\nserver { listen 80; }"
    assert route(cfg(text), "/").server.index == 2
    assert route(cfg(text), "/", host="x.example").server.index == 1


def test_invalid_host_is_400() -> None:
    r = route(cfg(SERVERS), "/", host="a..b", addr="10.0.0.1:80")
    assert r.status == 400


def test_merge_slashes_comes_from_default_server() -> None:
    text = """
server { listen 80; server_name a.example; merge_slashes off; location /static/ { return 200; } }
server { listen 80; server_name b.example; location /static/ { return 201; } }
"""
    # a.example is the default server of *:80: its merge_slashes off applies to b.example too
    assert route(cfg(text), "//static/x", host="b.example").status != 201
    swapped = text.replace("merge_slashes off;", "").replace("server_name b.example;",
                                                             "server_name b.example; merge_slashes off;")
    assert route(cfg(swapped), "//static/x", host="b.example").status == 201


# -- location selection (NGINX.md §2) ----------------------------------------------------------

LOCS = r"""
server {
    listen 80;
    location = /exact { }
    location /exact { }
    location / { }
    location /docs/ { }
    location /docs/api/ { }
    location ^~ /img/ { }
    location /img/raw/ { }
    location ~ \.png$ { }
    location ~* \.(CSS|js)$ { }
    location /static/ { location ~ \.map$ { } location /static/deep/ { } }
    location ^~ /media/ { location ~ \.jpg$ { } }
    location @app { }
}
"""


@pytest.mark.parametrize(("uri", "expected"), [
    ("/exact", "= /exact"),  # = wins and stops
    ("/exact/", "/exact"),
    ("/docs/api/x", "/docs/api/"),  # longest prefix, whatever the order
    ("/img/a.png", "^~ /img/"),  # ^~ on the longest prefix: no regex search
    ("/img/raw/a.png", r"~ \.png$"),  # longest prefix is /img/raw/ (no ^~): regexes run
    ("/x/a.PNG", "/"),  # ~ is case-sensitive
    ("/x/a.css", r"~* \.(CSS|js)$"),  # ~* is not
    ("/static/app.css", r"~* \.(CSS|js)$"),  # the classic steal
    ("/static/app.map", r"/static/ > ~ \.map$"),  # nested regexes run before outer ones
    ("/static/deep/x.map", r"/static/ > ~ \.map$"),
    ("/static/deep/x.txt", "/static/ > /static/deep/"),
    ("/media/a.jpg", r"^~ /media/ > ~ \.jpg$"),  # ^~ stops outer regexes, not its nested ones
    ("/media/a.png", "^~ /media/"),
    ("/@app", "/"),  # named locations are never matched by URI
])
def test_location_selection(uri: str, expected: str) -> None:
    assert loc_of(LOCS, uri) == expected


def test_nested_caret_does_not_stop_outer_regexes() -> None:
    # ngx_http_core_find_location: the regex search of a level is skipped only when the
    # prefix found at that level has ^~; a nested ^~ leaves the outer regexes running.
    text = r"""server { location /a/ { location ^~ /a/b/ { } } location ~ \.css$ { } }"""
    assert loc_of(text, "/a/b/x.css") == r"~ \.css$"


def test_auto_redirect_for_proxy_prefix() -> None:
    text = "server { location /api/ { proxy_pass http://app; } location ~ api { return 200; } }"
    r = route(cfg(text), "/api?x=1")
    assert (r.status, r.action, r.redirect) == (301, "redirect", "/api/?x=1")
    r = route(cfg(text.replace("server {", "server { location = /api { return 204; }")), "/api")
    assert r.status == 204


def test_location_in_if_is_an_error() -> None:
    cc = compile_config(cfg("server { location / { if ($x) { location /y { } } } }"))
    assert any("not allowed here" in p.message for p in cc.errors)


@pytest.mark.parametrize(("text", "message"), [
    ("server { location /a { } location /a { } }", 'duplicate location "/a"'),
    ("server { location = /a { } location = /a { } }", 'duplicate location "/a"'),
    ("server { location ^~ /a { } location /a { } }", 'duplicate location "/a"'),
    ("server { location /a { location /b { } } }", 'location "/b" is outside location "/a"'),
    ("server { location = /a { location /a/b { } } }", "cannot be inside the exact location"),
    ("server { location /a { location @n { } } }", "can be on the server level only"),
    ("server { listen 80 default_server; }\nserver { listen 80 default_server; }", "duplicate default server"),
])
def test_config_errors_nginx_refuses(text: str, message: str) -> None:
    assert any(message in p.message for p in compile_config(cfg(text)).errors)


def test_regex_duplicates_are_allowed_first_wins() -> None:
    text = r"server { location ~ \.css$ { return 201; } location ~ \.css$ { return 202; } }"
    assert not compile_config(cfg(text)).errors
    assert route(cfg(text), "/a.css").status == 201


# -- inheritance (nginx merge functions) -------------------------------------------------------

def _loc(text: str, pattern: str):
    c = cfg(text)
    return next(d for d in c.walk() if d.name == "location" and location_match(d).pattern == pattern)


def test_alias_and_internal_are_inherited_by_nested_locations() -> None:
    text = r"server { root /r; location /s/ { alias /a/; internal; location ~ \.css$ { } } }"
    nested = _loc(text, r"\.css$")
    assert path_directive(nested).name == "alias"
    assert effective(nested, "internal") is not None
    assert effective(nested, "root") is None  # the alias hides the server's root


def test_handlers_and_try_files_are_not_inherited() -> None:
    text = r"server { try_files $uri =404; location /a/ { proxy_pass http://x; location ~ y { } if ($z) { } } }"
    nested = _loc(text, "y")
    assert effective(nested, "proxy_pass") is None
    assert effective(nested, "try_files") is None
    if_block = next(d for d in cfg(text).walk() if d.name == "if")
    assert effective(if_block, "proxy_pass") is not None  # `if` inside a location runs its handler


def test_arrays_replace_not_merge() -> None:
    from nglint.nginx import effective_all

    text = "server { index a.html b.html; location / { index c.html; } location /x { } }"
    assert [a.value for d in effective_all(_loc(text, "/"), "index") for a in d.args] == ["c.html"]
    assert [a.value for d in effective_all(_loc(text, "/x"), "index") for a in d.args] == ["a.html", "b.html"]


# -- files, try_files, redirects (NGINX.md §3-§5) -----------------------------------------------

@pytest.mark.parametrize(("text", "uri", "path"), [
    ("location /static/ { root /srv/app; }", "/static/css/a.css", "/srv/app/static/css/a.css"),
    ("location /static/ { alias /srv/app/static/; }", "/static/css/a.css", "/srv/app/static/css/a.css"),
    ("location /static/ { root /srv/app/static; }", "/static/css/a.css", "/srv/app/static/static/css/a.css"),
    ("location /static/ { alias /srv/app/static; }", "/static/css/a.css", "/srv/app/staticcss/a.css"),
    ("location /static { alias /srv/app/static/; }", "/static../app.py", "/srv/app/static/../app.py"),
    ("location ~ ^/m/(.+)$ { alias /srv/up/$1; }", "/m/a.jpg", "/srv/up/a.jpg"),
    ("location ~ ^/m/(.+)$ { alias /srv/up/; }", "/m/a.jpg", "/srv/up/"),
    ("location /s/ { alias /a/; location ~ \\.css$ { } }", "/s/x.css", "/a/x.css"),  # inherited alias
    ("root /srv/;", "/x", "/srv/x"),  # trailing / of root dropped
    ("root html;", "/x", "/PREFIX/html/x"),  # relative to the prefix
    ("location /x { }", "/x", "/PREFIX/html/x"),  # the default root
])
def test_file_mapping(text: str, uri: str, path: str) -> None:
    c = load_text(f"server {{ {text} }}", "t.conf", prefix="/PREFIX")
    assert route(c, uri).fs_path == path


def test_try_files_alias_swaps_the_prefix_for_variables_only() -> None:
    c = cfg("server { location /static/ { alias /srv/s/; try_files $uri /static/x.css $uri/ =404; } }")
    r = route(c, "/static/a.css", fs=FsView("/nonexistent-root-for-test"))
    # $uri: the location prefix is swapped for the alias; a literal is appended as written
    assert r.try_files == ["/srv/s/a.css", "/srv/s//static/x.css", "/srv/s/a.css/"]


def test_try_files_in_regex_alias_doubles_the_path() -> None:
    c = cfg(r"server { location ~ ^/m/(.+)$ { alias /srv/up/$1; try_files $uri =404; } }")
    r = route(c, "/m/a.jpg", fs=FsView("/nonexistent-root-for-test"))
    assert r.try_files == ["/srv/up/a.jpg/m/a.jpg"] and r.status == 404


def test_rewrite_cycle_is_500_after_ten_uri_changes() -> None:
    c = cfg("server { location /a { rewrite ^ /b last; } location /b { rewrite ^ /a last; } }")
    r = route(c, "/a")
    assert r.status == 500
    assert len(r.chain) == 11  # the location is selected 11 times (10 URI changes)


def test_error_page_keeps_the_original_status() -> None:
    text = "server { error_page 404 /oops; location /x { return 404; } location = /oops { return 200 'p'; } }"
    r = route(cfg(text), "/x")
    assert r.status == 404 and r.chain == ["/x", "= /oops"]
    r = route(cfg(text.replace("error_page 404 /oops", "error_page 404 =200 /oops")), "/x")
    assert r.status == 200


def test_internal_location_is_404_for_external_requests() -> None:
    text = "server { location /private/ { internal; return 200; } location /go { rewrite ^ /private/x last; } }"
    assert route(cfg(text), "/private/x").status == 404
    assert route(cfg(text), "/go").status == 200


def test_return_redirect_and_proxy_uris() -> None:
    text = """
upstream app { server 127.0.0.1:8000; }
server {
    location /old { return 301 /new; }
    location /a/ { proxy_pass http://app/; }
    location /b/ { proxy_pass http://app; }
    location /c/ { proxy_pass http://unix:/run/g.sock:/x/; }
    location /d/ { rewrite ^/d/(.*)$ /e/$1 break; proxy_pass http://app/z/; }
}"""
    c = cfg(text)
    r = route(c, "/old?q=1")
    assert (r.action, r.status, r.redirect) == ("redirect", 301, "/new")  # return drops the query
    r = route(c, "/a/b%20c?q=1")
    assert (r.upstream, r.upstream_uri) == ("app", "/b%20c?q=1")  # prefix replaced, URI re-escaped
    r = route(c, "/b/%7e/../x?q")
    assert r.upstream_uri == "/b/%7e/../x?q"  # no URI part: the request URI as received
    r = route(c, "/c/y")
    assert (r.upstream, r.upstream_uri) == ("unix:/run/g.sock", "/x/y")
    r = route(c, "/d/y")
    assert r.upstream_uri == "/e/y"  # rewrite break: the URI part of proxy_pass is ignored


def test_without_fs_file_statuses_are_unknown() -> None:
    c = cfg("server { root /srv; location / { try_files $uri $uri/ =404; } }")
    r = route(c, "/app.css")
    assert r.status is None and r.action == "file" and r.fs_path == "/srv/app.css"


# -- the filesystem view (NGINX.md §7, §8) -------------------------------------------------------

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown/permission checks need root")
NOBODY = Identity("nobody", 65534, frozenset({65534}))


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A directory every user can reach (pytest's own tmp_path sits in a 0700 directory)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="nglint-route-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path)


@needs_root
def test_probe_permissions(open_tmp: Path) -> None:
    tmp_path = open_tmp
    fs = FsView("/")
    d = tmp_path / "srv"
    d.mkdir(mode=0o755)
    f = d / "a.css"
    f.write_text("x")
    f.chmod(0o644)
    assert fs.probe(str(f), NOBODY, read=True).ok
    d.chmod(0o750)  # no x for others on a parent: stat and open fail
    assert fs.probe(str(f), NOBODY, read=False).err == "EACCES"
    assert fs.probe(str(tmp_path / "srv" / "missing"), NOBODY, read=False).err == "EACCES"
    d.chmod(0o711)  # x without r on the directory is enough to reach the file
    assert fs.probe(str(f), NOBODY, read=True).ok
    f.chmod(0o600)  # stat works, open does not
    assert fs.probe(str(f), NOBODY, read=False).ok
    assert fs.probe(str(f), NOBODY, read=True).err == "EACCES"
    assert fs.probe(str(f) + "/", NOBODY, read=False).err == "ENOTDIR"
    root_id = Identity("root", 0, frozenset({0}))
    assert fs.probe(str(f), root_id, read=True).ok


@needs_root
def test_probe_symlinks(open_tmp: Path) -> None:
    tmp_path = open_tmp
    fs = FsView("/")
    real = tmp_path / "real"
    real.mkdir(mode=0o755)
    (real / "a.css").write_text("x")
    (tmp_path / "linkdir").symlink_to(real)
    (real / "link.css").symlink_to(real / "a.css")
    assert fs.probe(str(tmp_path / "linkdir" / "a.css"), NOBODY, read=True).ok
    # disable_symlinks on: a linked file gives ELOOP (403), a linked directory ENOTDIR (404)
    assert fs.probe(str(real / "link.css"), NOBODY, read=True, symlinks="on").err == "ELOOP"
    assert fs.probe(str(tmp_path / "linkdir" / "a.css"), NOBODY, read=True, symlinks="on").err == "ENOTDIR"
    # from=: the leading part is not checked
    free = len(str(tmp_path / "linkdir"))
    assert fs.probe(str(tmp_path / "linkdir" / "a.css"), NOBODY, read=True, symlinks="on", free_prefix=free).ok


def test_fs_root_keeps_absolute_symlinks_inside(tmp_path: Path) -> None:
    (tmp_path / "srv" / "real").mkdir(parents=True)
    (tmp_path / "srv" / "real" / "a.css").write_text("x")
    (tmp_path / "srv" / "static").symlink_to("/srv/real")  # absolute, as seen inside the image
    fs = FsView(str(tmp_path))
    me = Identity("root", 0, frozenset({0}))
    assert fs.probe("/srv/static/a.css", me, read=True).ok
    assert fs.probe("/srv/static/b.css", me, read=True).err == "ENOENT"


def test_identity_from_the_view(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("www-data:x:33:33::/var/www:/usr/sbin/nologin\n")
    (tmp_path / "etc" / "group").write_text("www-data:x:33:\nmedia:x:1001:www-data,alice\n")
    ident = FsView(str(tmp_path)).identity("www-data", None)
    assert ident.uid == 33 and ident.gids == frozenset({33, 1001})


@needs_root
def test_route_with_fs_statuses(open_tmp: Path) -> None:
    tmp_path = open_tmp
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "a.css").write_text("x")
    for p in (tmp_path / "static", tmp_path / "static" / "css"):
        p.chmod(0o755)
    (tmp_path / "static" / "css" / "a.css").chmod(0o644)
    c = cfg(f"server {{ location /static/ {{ alias {tmp_path}/static/; }} }}")
    fs = FsView("/")
    assert route(c, "/static/css/a.css", fs=fs).status == 200
    assert route(c, "/static/css/b.css", fs=fs).status == 404
    r = route(c, "/static/css", fs=fs)
    assert (r.status, r.redirect) == (301, "/static/css/")
    assert route(c, "/static/css/", fs=fs).status == 403  # no index, autoindex off
    (tmp_path / "static").chmod(0o700)  # the worker (nobody) cannot traverse
    assert route(c, "/static/css/a.css", fs=fs).status == 403


# -- CLI contract ---------------------------------------------------------------------------------

JSON_KEYS = {"url", "host", "server", "location", "chain", "action", "fs_path", "try_files", "upstream",
             "upstream_uri", "redirect", "status", "reasons"}


def test_cli_json_contract(nglint, tmp_path: Path) -> None:
    conf = tmp_path / "site.conf"
    conf.write_text("server {\n  listen 80;\n  server_name example.com;\n"
                    "  location ^~ /static/ { alias /srv/static/; }\n  location / { proxy_pass http://app; }\n}\n")
    run = nglint("route", "-c", str(conf), "--format", "json", "http://example.com/static/a.css", "/x")
    assert run.code == 0, run.err
    out = json.loads(run.out)
    assert [set(o) for o in out] == [JSON_KEYS, JSON_KEYS]
    first = out[0]
    assert first["server"] == {"index": 1, "file": str(conf), "line": 1, "server_name": "example.com"}
    assert first["location"] == {"match": "^~ /static/", "file": str(conf), "line": 4}
    assert first["chain"] == ["^~ /static/"] and first["action"] == "file" and first["status"] is None
    assert first["fs_path"] == "/srv/static/a.css" and first["host"] == "example.com"
    assert out[1]["action"] == "proxy" and out[1]["upstream"] == "app" and out[1]["upstream_uri"] == "/x"


def test_cli_text_and_stdin(nglint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    conf = tmp_path / "site.conf"
    conf.write_text("server { location /static/ { alias /srv/static/; } }\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("/static/a.css\n\n/static/b.css\n"))
    run = nglint("route", "-c", str(conf), "-")
    assert run.code == 0
    assert run.out.count("GET /static/") == 2 and "/srv/static/a.css" in run.out


@pytest.mark.parametrize(("text", "message"), [
    ("server { location / {", "unexpected end of file"),
    ("server { location /a { } location /a { } }", "duplicate location"),
])
def test_cli_exit_2_with_one_line(nglint, tmp_path: Path, text: str, message: str) -> None:
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    run = nglint("route", "-c", str(conf), "/")
    assert run.code == 2
    lines = [line for line in run.err.splitlines() if line.startswith("nglint: error")]
    assert len(lines) == 1 and message in lines[0] and str(conf) in lines[0]


def test_route_speed() -> None:
    """1,000 URLs against a 5,000-server config in about a second (generous bound here)."""
    import gc

    parts = []
    for i in range(5000):
        parts.append(f"server {{ listen 80; server_name s{i}.example.com; root /srv/s{i};\n"
                     f"  location /static/ {{ alias /srv/s{i}/static/; }}\n"
                     f"  location ~* \\.(css|js)$ {{ expires 7d; }}\n"
                     f"  location / {{ try_files $uri @app; }}\n"
                     f"  location @app {{ proxy_pass http://unix:/run/s{i}.sock; }}\n}}\n")
    c = cfg("".join(parts))
    gc.freeze()
    try:
        start = time.perf_counter()
        cc = compile_config(c)
        for i in range(1000):
            route(cc, ("/static/a.css", "/x/y.js", "/login")[i % 3], host=f"s{(i * 7919) % 5000}.example.com")
        elapsed = time.perf_counter() - start
    finally:
        gc.unfreeze()
    assert elapsed < 5, f"{elapsed:.2f}s"


def test_demo_static_404_explained_then_served_after_fix(nglint, tmp_path: Path) -> None:
    """Issue 4's must-show: the demo's /static/ request 404s (the alias lacks the trailing
    slash), and after `nglint --fix` the same command serves it from the right file."""
    import shutil

    root = Path(__file__).resolve().parent.parent
    demo = tmp_path / "demo"
    shutil.copytree(root / "fixtures" / "demo", demo)
    view = tmp_path / "host"  # the server's filesystem: the repo deployed to /var/www/yourapp
    shutil.copytree(demo / "app", view / "var/www/yourapp/app")
    conf = demo / "nginx" / "nginx.conf"
    url = "http://yourapp.example.com/static/css/app.css"
    args = ("route", "-c", str(conf), "--fs-root", str(view), "--format", "json", url)

    before = json.loads(nglint(*args).out)[0]
    assert before["status"] == 404 and before["location"]["match"] == "/static/"
    assert before["fs_path"] == "/var/www/yourapp/app/staticcss/app.css"
    assert any("lacks the trailing /" in r for r in before["reasons"])

    fixed = nglint("check", "--fix", "--select", "NGL001", str(demo / "nginx"))
    assert fixed.code in (0, 1), fixed.err
    after = json.loads(nglint(*args).out)[0]
    assert after["status"] == 200 and after["action"] == "file"
    assert after["fs_path"] == "/var/www/yourapp/app/static/css/app.css"


def test_map_variables_and_absent_headers() -> None:
    text = r"""
map $http_host $site { default /srv/default; Example.COM /srv/ex; ~^(?<sub>\w+)\.test$ /srv/$sub; }
server { listen 80; root $site; if ($http_x_forwarded_proto != https) { return 301 https://$host$request_uri; } }
server { listen 81; root $site; location / { } }
"""
    c = cfg(text)
    # exact keys compare case-insensitively, then regexes in order (captures usable), then default
    assert route(c, "/a.css", host="example.com", addr="10.0.0.1:81").fs_path == "/srv/ex/a.css"
    assert route(c, "/a.css", host="a.test", addr="10.0.0.1:81").fs_path == "/srv/a/a.css"
    assert route(c, "/a.css", host="x.org", addr="10.0.0.1:81").fs_path == "/srv/default/a.css"
    # a simulated request has no X-Forwarded-Proto header: the redirect fires
    r = route(c, "/a.css?x", host="example.com", addr="10.0.0.1:80")
    assert (r.status, r.redirect) == (301, "https://example.com/a.css?x")


def test_unknown_variables_make_the_status_unknown() -> None:
    c = cfg("server { location / { if ($remote_addr = 10.0.0.1) { return 403; } return 200; } }")
    r = route(c, "/")
    assert r.status is None and any("$remote_addr" in reason for reason in r.reasons)


KNOWN_LOCATION_CONF = r"""
http {
    server {
        listen 127.0.0.1:8080;
        server_name a.test;
        root /srv/a;
        location /static/ { alias /srv/app/static/; }
        location ~* \.(?:png|css)$ { root /srv/a/public; expires 7d; }
        location ~ ^/dl/(?<name>[\w.-]+)$ { alias /srv/files/$name; }
        location ~ ^/img/(.+)\.(jpg|gif)$ { alias /srv/img/$2/$1.$2; }
        location /media/ {
            alias /srv/media/;
            location ~ \.mp4$ { internal; }
            location ~ ^/media/(.*)\.txt$ { return 302 /docs/$1; }
        }
        location ~ ^/reg/ { location /reg/inner/ { root /srv/inner; } }
        location /app/ { try_files $uri @app; }
        location @app { proxy_pass http://127.0.0.1:8000; }
        location /api/ { proxy_pass http://127.0.0.1:8000/v1/; }
        location = /health { return 200 ok; }
        location /old/ { rewrite ^/old/(.*)$ /static/$1 last; }
    }
    server {
        listen 127.0.0.1:8080;
        server_name b.test;
        rewrite ^/legacy/(.*)$ /static/$1;
        location /static/ { alias /srv/b/static/; }
        location ~ \.css$ { root /srv/b/css; }
    }
}
"""


@pytest.mark.parametrize("uri", ["/static/app.css", "/static/x.js", "/dl/report.pdf", "/img/a/b.jpg", "/media/v.mp4",
                                 "/media/notes/readme.txt", "/media/p.jpg", "/reg/inner/x.html", "/reg/other",
                                 "/app/x", "/api/users?id=1", "/health", "/old/app.css", "/legacy/app.css",
                                 "/nothing/here"])
def test_simulate_from_a_known_location_is_the_full_simulation(uri: str) -> None:
    """simulate(..., location=the search's answer) skips the search; the full simulation is
    the oracle (same outcome, same captures, including after a server-level rewrite)."""
    from nglint.route import select_location, simulate

    cc = compile_config(load_text(KNOWN_LOCATION_CONF, "known.conf"))
    for server in cc.servers:
        known = select_location(server, uri.split("?")[0])
        if known is None:
            continue
        full, fast = simulate(cc, server, uri), simulate(cc, server, uri, location=known)
        outcome = ("action", "status", "fs_path", "upstream", "upstream_uri", "redirect", "try_files", "chain")
        assert {k: getattr(fast, k) for k in outcome} == {k: getattr(full, k) for k in outcome}, server.label
