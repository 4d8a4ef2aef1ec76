"""Property test: for random location sets and URLs, `nglint route` picks the location nginx picks.

Every generated location answers `return 200 "L<n>"`, so the body names the location nginx
chose (no debug log needed); a URL that matches no location gets nginx's 404 page. One
nginx per example (a start costs ~20 ms; cheaper and more deterministic than a reload).
nglint's answer is mapped to a location by the line of its `location` block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:
    import _nginx as H
except ImportError:  # tests/ became a package
    from tests import _nginx as H  # type: ignore[no-redef]

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SEGMENTS = ["a", "b", "ab", "A", "img", "x1"]
EXTS = ["", ".css", ".CSS", ".js", ".png", ".html"]
# Regexes valid in PCRE and Python alike, built from the same vocabulary as the URLs.
REGEXES = [r"\.css$", r"\.(css|js)$", r"\.png$", r"^/a", r"^/a/", r"/b/", r"^/img/.*\.png$",
           r"[0-9]", r"^/ab?/", r"b$", r"^/A", r"html$", r"/$", r"^/(a|b)/img"]


@dataclass
class Loc:
    modifier: str  # "", "=", "^~", "~", "~*"
    pattern: str
    children: list["Loc"] = field(default_factory=list)
    ident: int = 0
    line: int = 0

    @property
    def match(self) -> str:
        return f"{self.modifier} {self.pattern}".strip()


def _prefix() -> st.SearchStrategy[str]:
    seg = st.sampled_from(SEGMENTS)
    return st.builds(lambda parts, slash: "/" + "/".join(parts) + ("/" if slash and parts else ""),
                     st.lists(seg, max_size=3), st.booleans())


def _regex_loc() -> st.SearchStrategy[Loc]:
    return st.builds(Loc, st.sampled_from(["~", "~*"]), st.sampled_from(REGEXES))


@st.composite
def _static_loc(draw: st.DrawFn, parent: str = "") -> Loc:
    mod = draw(st.sampled_from(["", "", "=", "^~"]))
    path = draw(_prefix())
    if parent:  # a nested prefix must start with its parent's prefix
        path = parent + path.lstrip("/") if parent.endswith("/") else parent + path
    return Loc(mod, path)


@st.composite
def locations(draw: st.DrawFn) -> list[Loc]:
    top = draw(st.lists(st.one_of(_static_loc(), _regex_loc()), min_size=1, max_size=7))
    for loc in top:
        if loc.modifier in ("", "^~") and draw(st.booleans()):
            loc.children = draw(st.lists(st.one_of(_static_loc(loc.pattern), _regex_loc()), max_size=3))
        elif loc.modifier in ("~", "~*") and draw(st.integers(0, 3)) == 0:
            loc.children = draw(st.lists(_regex_loc(), max_size=2))
    return _dedupe(top)


def _dedupe(locs: list[Loc]) -> list[Loc]:
    """nginx refuses duplicate locations among siblings (`/x` and `^~ /x` are the same one)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for loc in locs:
        key = (loc.modifier if loc.modifier in ("=", "~", "~*") else "", loc.pattern)
        if key in seen:
            continue
        seen.add(key)
        loc.children = _dedupe(loc.children)
        out.append(loc)
    return out


@st.composite
def urls(draw: st.DrawFn, locs: list[Loc]) -> list[str]:
    prefixes = [loc.pattern for loc in _walk(locs) if not loc.modifier.startswith("~")] or ["/"]
    out = []
    for _ in range(draw(st.integers(4, 10))):
        base = draw(st.one_of(st.sampled_from(prefixes), _prefix()))
        tail = draw(st.lists(st.sampled_from(SEGMENTS), max_size=2))
        url = base.rstrip("/") + "".join("/" + t for t in tail) if tail else base
        url += draw(st.sampled_from(EXTS)) if not url.endswith("/") else ""
        style = draw(st.sampled_from(["plain"] * 6 + ["pct", "dslash", "dot", "query"]))
        if style == "pct" and re.search(r"[a-z]", url):
            i = next(i for i, c in enumerate(url) if c.isalpha())
            url = url[:i] + f"%{ord(url[i]):02X}" + url[i + 1:]
        elif style == "dslash":
            url = "/" + url
        elif style == "dot":
            url = "/x/.." + url
        elif style == "query":
            url += "?q=/a/b.css"
        out.append(url or "/")
    return out


def _walk(locs: list[Loc]):
    for loc in locs:
        yield loc
        yield from _walk(loc.children)


def render(locs: list[Loc], port: int, empty_root: Path) -> str:
    """The server block; numbers the locations."""
    lines = ["server {", f"    listen 127.0.0.1:{port};", "    server_name example.com;", f"    root {empty_root};"]
    n = iter(range(1, 1000))

    def emit(loc: Loc, depth: int) -> None:
        loc.ident = next(n)
        pad = "    " * depth
        lines.append(f"{pad}location {loc.match} {{")
        lines.append(f'{pad}    return 200 "L{loc.ident}";')
        for child in loc.children:
            emit(child, depth + 1)
        lines.append(f"{pad}}}")

    for loc in locs:
        emit(loc, 1)
    lines.append("}")
    return "\n".join(lines)


def number_lines(conf_text: str, locs: list[Loc]) -> None:
    """The 1-based line of each `location` in the written file, in emit order."""
    it = iter(_walk(locs))
    for i, line in enumerate(conf_text.splitlines(), 1):
        if line.lstrip().startswith("location "):
            next(it).line = i


@pytest.fixture(scope="module")
def workdir():
    H.require_nginx()
    tmp = H.make_tmp()
    (tmp / "ngx").mkdir()
    (tmp / "empty").mkdir()
    yield tmp
    H.remove_tree(tmp)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_route_picks_the_location_nginx_picks(workdir: Path, data: st.DataObject) -> None:
    locs = data.draw(locations(), label="locations")
    targets = data.draw(urls(locs), label="urls")
    port = H.free_port(("127.0.0.1",))
    ngx_dir = workdir / "ngx"
    conf = ngx_dir / "nginx.conf"
    text = H.main_conf(render(locs, port, workdir / "empty"), ngx_dir, level="error")
    conf.write_text(text)
    number_lines(text, locs)
    by_line = {loc.line: loc for loc in _walk(locs)}
    by_id = {f"L{loc.ident}": loc for loc in _walk(locs)}

    ngx = H.Nginx(conf, ngx_dir, [f"127.0.0.1:{port}"])
    ngx.test()
    with ngx:
        answers = [H.send(f"127.0.0.1:{port}", u, "example.com") for u in targets]
    # --fs: for `/` the index module looks for index.html in the (empty) root, which only a
    # filesystem view can rule out.
    predicted = H.nglint_route(conf, targets, host="example.com", addr=f"127.0.0.1:{port}", fs=True,
                                 prefix=ngx_dir)

    problems = []
    for url, resp, r in zip(targets, answers, predicted):
        got = by_id.get(resp.text) if resp.status == 200 else None  # else no location: root's 404/403
        loc = r.get("location")
        mine = by_line.get(loc.get("line")) if loc else None
        if loc and (mine is None or H.nginx_location_name(loc.get("match")) != H.nginx_location_name(mine.match)):
            problems.append(f"{url}: nglint location {loc!r} is not a location of the config")
        elif mine is not got:
            problems.append(f"{url}: nginx {got.match if got else None!r} (line {got.line if got else '-'}), "
                            f"nglint {mine.match if mine else None!r} (line {mine.line if mine else '-'})")
    assert not problems, "\n".join(problems) + "\n\nconfig:\n" + render(locs, port, workdir / "empty")


# ---------------------------------------------------------------- URI normalisation

NORM_LOCATIONS = ["= /", "/a/", "/a/b/", "^~ /s/", r"~ \.css$", "~* ^/up/", '= "/a b"', "= /a/", "/A/"]
RAW_SEGMENTS = ["a", "b", "s", "up", "UP", "A", "x.css", "x.CSS", ".", "..", "", "...", "%2e", "%2E%2e",
                "%2f", "%2F", "%41", "%20", "a%62", "a b", "%25", "%zz", "%00", "a%2Fb", "..a"]


@pytest.fixture(scope="module")
def norm_server():
    """One nginx with a fixed location set; each location returns its number."""
    H.require_nginx()
    tmp = H.make_tmp()
    ngx_dir = tmp / "ngx"
    ngx_dir.mkdir()
    (tmp / "empty").mkdir()
    port = H.free_port(("127.0.0.1",))
    locs = [Loc(*(m.split(" ", 1) if m[0] in "=^~" else ("", m))) for m in NORM_LOCATIONS]
    conf = ngx_dir / "nginx.conf"
    text = H.main_conf(render(locs, port, tmp / "empty"), ngx_dir, level="error")
    conf.write_text(text)
    number_lines(text, locs)
    ngx = H.Nginx(conf, ngx_dir, [f"127.0.0.1:{port}"])
    ngx.test()
    with ngx:
        yield conf, port, locs, ngx_dir
    H.remove_tree(tmp)


@st.composite
def raw_paths(draw: st.DrawFn) -> str:
    segs = draw(st.lists(st.sampled_from(RAW_SEGMENTS), min_size=1, max_size=5))
    path = "/" + "/".join(s.replace(" ", "%20") for s in segs)
    if draw(st.booleans()):
        path += draw(st.sampled_from(["/", "//", "/.", "/..", "?x=/../a", "?"]))
    return path


@settings(max_examples=40, deadline=None)
@given(paths=st.lists(raw_paths(), min_size=5, max_size=12))
def test_uri_normalisation_matches_nginx(norm_server, paths: list[str]) -> None:
    """Raw request targets (escapes, dot segments, repeated slashes): 400 or the same location."""
    conf, port, locs, ngx_dir = norm_server
    by_line = {loc.line: loc for loc in locs}
    by_id = {f"L{loc.ident}": loc for loc in locs}
    answers = [H.send(f"127.0.0.1:{port}", p, "example.com") for p in paths]
    predicted = H.nglint_route(conf, paths, host="example.com", addr=f"127.0.0.1:{port}", fs=True,
                               prefix=ngx_dir)
    problems = []
    for path, resp, r in zip(paths, answers, predicted):
        if resp.status == 400 or r.get("status") == 400:
            if resp.status != r.get("status"):
                problems.append(f"{path}: nginx {resp.status}, nglint {r.get('status')}")
            continue
        got = by_id.get(resp.text) if resp.status == 200 else None
        loc = r.get("location")
        mine = by_line.get(loc.get("line")) if loc else None
        if mine is not got:
            problems.append(f"{path}: nginx {got.match if got else None!r}, nglint {mine.match if mine else None!r}")
    assert not problems, "\n".join(problems)
