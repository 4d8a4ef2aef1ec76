"""Differential tests: `nglint route` must predict what real nginx does.

Each tests/route_scenarios/*.toml is a config template, a file layout and a list of
requests. For a scenario, nginx is started once (debug log on), every request is sent on
its own connection, and the observations are compared with `nglint route --format json`:

- status;
- served file (every file's body names its path) and the paths nginx looked at (debug
  log: `http filename`, `trying to use file/dir`, `open index`, ...) vs `fs_path`;
- location and chain (debug log: `using configuration "..."`, `using location: @x`);
- server (each server block answers with `X-Nglint-Server: <n>`, injected by the harness);
- proxying: the echo upstream's body names the upstream and the request-target it got,
  compared with `action`, `upstream`, `upstream_uri`;
- try_files: `try_files` vs the paths one try_files run stat()ed (debug log);
- redirects: `Location` (path and query) vs `redirect`.

`expect` in a scenario states what nginx is known to do (NGINX.md); `test_nginx_oracle`
checks those against nginx itself, so a broken harness cannot silently bless a wrong
prediction. The route comparison never uses nglint's output as an expectation.
The scenario format is described in tests/route_scenarios/README.md.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

try:
    import _nginx as H  # tests/ on sys.path (rootdir-style test modules)
except ImportError:  # tests/ became a package
    from tests import _nginx as H  # type: ignore[no-redef]

SCENARIO_DIR = Path(__file__).parent / "route_scenarios"
SERVER_HEADER = "X-Nglint-Server"
_PLACEHOLDER = re.compile(r"\{(T|P[1-3]|UP[1-2]|UPSOCK|SOCK|GROUP)\}")


# ---------------------------------------------------------------- scenario model


@dataclass
class Request:
    path: str
    host: str | None = "example.com"  # None: no Host header
    addr: str = "127.0.0.1:{P1}"
    http: str = "1.1"
    expect: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    oracle_only: str = ""  # why nglint cannot be asked this one (then only nginx is checked)
    unknowable: tuple[str, ...] = ()  # fields nglint may leave null (e.g. status behind `allow <client>`)


@dataclass
class Scenario:
    name: str
    title: str
    config: str
    entries: list[H.Entry]
    requests: list[Request]
    fs_mode: str = "fs"  # "fs": --fs on real TMP paths; "fs-root": config says /srv/..., --fs-root TMP/fs
    needs_root: bool = False
    needs_ipv6: bool = False
    upstream_names: dict[str, str] = field(default_factory=dict)  # upstream{} name -> UP1|UP2
    include_files: dict[str, str] = field(default_factory=dict)  # beside nginx.conf (not with fs-root)


def _entry(raw: Any) -> H.Entry:
    if isinstance(raw, str):
        return H.Entry(raw)
    mode = raw.get("mode")
    return H.Entry(raw["path"], mode=int(mode, 8) if isinstance(mode, str) else mode,
                   symlink=raw.get("symlink"), content=raw.get("content"), owner=raw.get("owner"))


def load_scenario(path: Path) -> Scenario:
    data = tomllib.loads(path.read_text())
    reqs = []
    for r in data["request"]:
        host = r.get("host", "example.com")
        reqs.append(Request(path=r["path"], host=None if host is False else host,
                            addr=r.get("addr", "127.0.0.1:{P1}"), http=r.get("http", "1.1"),
                            expect=r.get("expect", {}), why=r.get("why", ""),
                            oracle_only=r.get("oracle_only", ""), unknowable=tuple(r.get("unknowable", ()))))
    return Scenario(
        name=path.stem, title=data["title"], config=data["config"],
        entries=[_entry(e) for e in data.get("files", [])], requests=reqs,
        fs_mode=data.get("fs", "fs"), needs_root=data.get("needs_root", False),
        needs_ipv6=data.get("needs_ipv6", False), upstream_names=data.get("upstream_names", {}),
        include_files=data.get("include_files", {}))


SCENARIOS = [load_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.toml"))]


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._/%-]+", "_", s)[:40]


CASES = [pytest.param(sc, i, id=f"{sc.name}-{i:02d}-{_slug(r.path)}")
         for sc in SCENARIOS for i, r in enumerate(sc.requests)]


def inject_server_ids(main: str, includes: dict[str, str]) -> tuple[str, dict[str, str]]:
    """`add_header X-Nglint-Server <n> always;` first in the n-th server block, counted in
    load order: included files (globs relative to the config dir, sorted) where included."""
    counter = iter(range(1, 10_000))
    done: dict[str, str] = {}
    token = re.compile(r"(?m)^(\s*)(?:server\s*\{(?![A-Z0-9])|include\s+([^;\s]+)\s*;)")  # not `server {UP1};`

    def walk(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            if m.group(2) is None:
                return f"{m.group(0)}\n{m.group(1)}    add_header {SERVER_HEADER} {next(counter)} always;"
            for name in sorted(n for n in includes if fnmatch.fnmatchcase(n, m.group(2))):
                done[name] = walk(includes[name])
            return m.group(0)

        return token.sub(one, text)

    return walk(main), done


# ---------------------------------------------------------------- running a scenario


@dataclass
class Observed:
    resp: H.Response | None = None
    trace: H.Trace | None = None
    route: dict[str, Any] | None = None
    route_error: str | None = None
    target: str = ""
    addr: str = ""


@dataclass
class Run:
    scenario: Scenario
    values: dict[str, str]
    fs_dir: str
    observed: list[Observed]
    error: str | None = None

    def subst(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.values[m.group(1)], text)

    def virtual(self, path: str | None) -> str | None:
        """A real path under TMP/fs (or nglint's --fs-root view) as the scenario names it."""
        if path is None:
            return None
        # `alias .../static/` + `/app.css` opens `static//app.css`, and `static/../x` is `x`:
        # compare the file, not the spelling (no symlinked directories in those layouts).
        path = os.path.normpath(path) if path.startswith("/") else path
        if path.startswith(self.fs_dir + "/") or path == self.fs_dir:
            path = path[len(self.fs_dir):] or "/"
        return path


_RUNS: dict[str, Run] = {}


def get_run(sc: Scenario) -> Run:
    if sc.name not in _RUNS:
        for _ in range(3):  # a free port can be taken between picking it and nginx binding it
            _RUNS[sc.name] = _run_scenario(sc)
            if "Address already in use" not in (_RUNS[sc.name].error or ""):
                break
    return _RUNS[sc.name]


def _run_scenario(sc: Scenario) -> Run:
    tmp = H.make_tmp()
    ngx_dir, fs_dir = tmp / "ngx", tmp / "fs"
    ngx_dir.mkdir()
    fs_dir.mkdir(mode=0o755)
    fs_dir.chmod(0o755)
    echoes: list[H.EchoServer] = []
    run = Run(sc, {}, str(fs_dir), [Observed() for _ in sc.requests])
    try:
        route_conf = _observe(run, ngx_dir, fs_dir, echoes)
        _predict(run, route_conf, fs_dir)
    except Exception as e:  # reported by every request of the scenario
        run.error = f"{type(e).__name__}: {e}"
    finally:
        for e in echoes:
            e.close()
        H.remove_tree(tmp)
    return run


def _observe(run: Run, ngx_dir: Path, fs_dir: Path, echoes: list[H.EchoServer]) -> Path:
    """Lay out files, start upstreams and nginx, send every request; the config nglint reads."""
    sc = run.scenario
    ports: set[int] = set()
    for k in ("P1", "P2", "P3"):
        p = H.free_port(avoid=ports)
        ports.add(p)
        run.values[k] = str(p)
    for k in ("UP1", "UP2"):
        echoes.append(H.start_echo())
        run.values[k] = echoes[-1].name
    echoes.append(H.start_echo(str(ngx_dir / "echo.sock")))
    run.values["UPSOCK"] = echoes[-1].address
    run.values["SOCK"] = str(ngx_dir / "nginx.sock")
    run.values["T"] = str(fs_dir)
    run.values["GROUP"] = H.worker_group() if H.is_root() else ""
    H.lay_out(fs_dir, [dataclasses.replace(e, owner=run.subst(e.owner)) if e.owner else e
                       for e in sc.entries])

    http, included = inject_server_ids(sc.config, sc.include_files)
    conf = ngx_dir / "nginx.conf"
    conf.write_text(H.main_conf(run.subst(http), ngx_dir))
    for name, text in included.items():
        (ngx_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (ngx_dir / name).write_text(run.subst(text))
    route_conf = conf
    if sc.fs_mode == "fs-root":
        # nglint reads the config as written for the host (/srv/...) and sees TMP/fs as "/".
        route_conf = ngx_dir / "nglint.conf"
        view = dict(run.values, T="")
        route_conf.write_text(H.main_conf(_PLACEHOLDER.sub(lambda m: view[m.group(1)], http), ngx_dir))
        if H.is_root():  # the image's own user database, as a real export would have
            (fs_dir / "etc").mkdir(exist_ok=True)
            for f in ("passwd", "group"):
                (fs_dir / "etc" / f).write_bytes(Path("/etc", f).read_bytes())

    ngx = H.Nginx(conf, ngx_dir, sorted({run.subst(r.addr) for r in sc.requests}))
    ngx.test()
    with ngx:
        for i, (req, ob) in enumerate(zip(sc.requests, run.observed)):
            ob.target, ob.addr = run.subst(req.path), run.subst(req.addr)
            host = run.subst(req.host) if req.host is not None else None
            start = ngx.log_size()
            ob.resp = H.send(ob.addr, ob.target, host, version=req.http, headers={"X-Req": str(i)})
            ob.trace = H.trace_from_log(ngx.log_since(start), ob.resp.local, str(i))
    return route_conf


def _predict(run: Run, route_conf: Path, fs_dir: Path) -> None:
    """Ask nglint once per (host, addr) group, all URLs of the group at once."""
    groups: dict[tuple[str | None, str], list[int]] = {}
    for i, req in enumerate(run.scenario.requests):
        host = run.subst(req.host) if req.host is not None else None
        groups.setdefault((host, run.subst(req.addr)), []).append(i)
    for (host, addr), idx in groups.items():
        idx = [i for i in idx if not run.scenario.requests[i].oracle_only]
        if not idx:
            continue
        urls = [run.observed[i].target for i in idx]
        try:
            if run.scenario.fs_mode == "fs-root":
                out = H.nglint_route(route_conf, urls, host=host, addr=addr, fs=False, fs_root=fs_dir,
                                     prefix=route_conf.parent)
            else:
                out = H.nglint_route(route_conf, urls, host=host, addr=addr, fs=True, prefix=route_conf.parent)
            for i, obj in zip(idx, out):
                run.observed[i].route = obj
        except Exception as e:  # the engine under test may crash; report it per request
            for i in idx:
                run.observed[i].route_error = f"{type(e).__name__}: {e}"


# ---------------------------------------------------------------- facts read off nginx


def _served_file(resp: H.Response) -> str | None:
    m = re.match(r"FILE (\S+)\n\Z", resp.text)
    return m.group(1) if m else None


def _upstream(resp: H.Response) -> tuple[str, str] | None:
    m = re.match(r"UPSTREAM (\S+) (\S*)\n\Z", resp.text)
    return (m.group(1), m.group(2)) if m else None


def _location_path(value: str | None) -> str | None:
    """Path and query of a Location header or of nglint's `redirect` (absolute or not)."""
    if not value:
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
        parts = urlsplit(value)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return value


def _nginx_location(ob: Observed, req: Request) -> tuple[list[str], str | None]:
    """(chain, final location) as nginx names them, read off the debug log.

    nginx logs nothing when it refuses an `internal` location to an external request
    (H.UNKNOWN in the trace); the scenario's NGINX.md-derived expectation names it then.
    "" (the server's own configuration: no location matched) is left out of the chain.
    """
    assert ob.trace is not None
    chain = [c for c in ob.trace.chain if c]
    final = (ob.trace.chain[-1] or None) if ob.trace.chain else None
    exp_chain = [H.nginx_location_name(c) or "" for c in req.expect.get("chain", [])]
    if len(exp_chain) == len(chain):
        chain = [e if c == H.UNKNOWN else c for c, e in zip(chain, exp_chain)]
    if final == H.UNKNOWN:
        loc = req.expect.get("location")
        final = (H.nginx_location_name(loc) or None) if loc is not None else chain[-1]
    return chain, final


def _same_chain(nginx: list[str], other: list[str | None]) -> bool:
    return len(nginx) == len(other) and all(a == H.UNKNOWN or a == b for a, b in zip(nginx, other))


# ---------------------------------------------------------------- tests


def _setup(sc: Scenario) -> Run:
    H.require_nginx(debug=True)
    if sc.needs_root and not H.is_root():
        pytest.skip("permission scenario: nginx workers must run as `nobody`, which needs root")
    if sc.needs_ipv6 and not H.ipv6_loopback():
        pytest.skip("no IPv6 loopback (::1)")
    run = get_run(sc)
    if run.error:
        pytest.fail(f"scenario {sc.name} could not run: {run.error}", pytrace=False)
    return run


@pytest.mark.parametrize(("sc", "i"), CASES)
def test_nginx_oracle(sc: Scenario, i: int) -> None:
    """nginx itself does what the scenario says it does (checks the harness and our reading of NGINX.md)."""
    run = _setup(sc)
    req, ob = sc.requests[i], run.observed[i]
    resp, tr = ob.resp, ob.trace
    assert resp is not None and tr is not None and tr.conn is not None, "request not found in the debug log"
    if H.UNKNOWN in tr.chain and not {"location", "chain"} & req.expect.keys():
        pytest.fail("nginx chose a location it does not log (internal?): the scenario must name it", pytrace=False)
    exp = {k: run.subst(v) if isinstance(v, str) else v for k, v in req.expect.items()}
    got: dict[str, Any] = {}
    want: dict[str, Any] = {}
    chain, final = _nginx_location(ob, req)
    for key, value in exp.items():
        if key == "status":
            got[key] = resp.status
        elif key == "location":
            value = H.nginx_location_name(value) or None
            got[key] = final
        elif key == "chain":
            value = [H.nginx_location_name(v) for v in value]
            got[key] = value if _same_chain(chain, value) else chain
        elif key == "file":
            got[key] = _served_file(resp)
        elif key == "redirect":
            got[key] = _location_path(resp.headers.get("location"))
        elif key == "upstream_uri":
            up = _upstream(resp)
            got[key] = up[1] if up else None
        elif key == "server":
            got[key] = int(resp.headers.get(SERVER_HEADER.lower(), 0)) or None
        else:
            raise AssertionError(f"unknown expect key {key!r} in {sc.name}")
        want[key] = value
    assert got == want, f"nginx did {got}, scenario expects {want} ({req.why})"


@pytest.mark.parametrize(("sc", "i"), CASES)
def test_route_agrees_with_nginx(sc: Scenario, i: int) -> None:
    run = _setup(sc)
    req, ob = sc.requests[i], run.observed[i]
    if req.oracle_only:
        pytest.skip(f"oracle-only request: {req.oracle_only}")
    resp, tr = ob.resp, ob.trace
    assert resp is not None and tr is not None
    if ob.route_error:
        pytest.fail(ob.route_error, pytrace=False)
    r = ob.route
    assert isinstance(r, dict), f"nglint route gave {r!r}"
    problems: list[str] = []

    def differ(what: str, nginx: Any, nglint: Any) -> None:
        problems.append(f"{what}: nginx {nginx!r}, nglint {nglint!r}")

    # status (null is fine where nginx's answer depends on what nglint cannot see)
    up = _upstream(resp)
    may_be_null = r.get("status") is None and (up or "status" in req.unknowable)
    if r.get("status") != resp.status and not may_be_null:
        differ("status", resp.status, r.get("status"))

    # server block
    srv_hdr = resp.headers.get(SERVER_HEADER.lower())
    srv = r.get("server") or {}
    if srv_hdr and (srv or resp.status != 400) and srv.get("index") != int(srv_hdr):
        differ("server index", int(srv_hdr), srv.get("index"))

    # location and chain
    chain, final = _nginx_location(ob, req)
    loc = r.get("location") or {}
    r_final = H.nginx_location_name(loc.get("match")) if loc else None
    if final != H.UNKNOWN and r_final != final:
        differ("location", final, loc.get("match") if loc else None)
    if not _same_chain(chain, [H.nginx_location_name(c) for c in (r.get("chain") or [])]):
        differ("chain", chain, r.get("chain"))

    # files: the served file is named by its body (the path nginx opened may be a symlink
    # to it); otherwise fs_path must be one of the paths nginx looked at
    r_fs = run.virtual(r.get("fs_path"))
    looked = [run.virtual(p) for p in tr.paths]
    served = _served_file(resp)
    if served is not None:
        if r_fs != served and r_fs != (looked[-1] if looked else None):
            differ("served file", served, r.get("fs_path"))
    elif looked:
        if r_fs not in looked:
            differ("fs_path (paths nginx looked at)", looked, r.get("fs_path"))
    elif r_fs is not None and not (r.get("status") is None and "status" in req.unknowable):
        differ("fs_path (nginx looked at no file)", None, r.get("fs_path"))

    # try_files: nglint's candidates are the paths one try_files run of nginx stat()ed
    r_tries = [run.virtual(p) for p in (r.get("try_files") or [])]
    n_tries = [[run.virtual(p) for p in t] for t in tr.tries]
    if (r_tries or n_tries) and r_tries not in n_tries:
        differ("try_files (candidates nginx stat()ed, per run)", n_tries, r.get("try_files"))

    # proxying
    if up:
        if r.get("action") != "proxy":
            differ("action (nginx proxied)", "proxy", r.get("action"))
        if r.get("upstream_uri") != up[1]:
            differ("upstream_uri", up[1], r.get("upstream_uri"))
        names = {up[0], up[0].removeprefix("unix:")} | {
            n for n, k in sc.upstream_names.items() if run.values[k] == up[0]}
        if not any(n in str(r.get("upstream") or "") for n in names):
            differ("upstream", up[0], r.get("upstream"))
    elif r.get("action") == "proxy":
        differ("action (nginx did not proxy)", f"{resp.status} {resp.text[:40]!r}", "proxy")

    # redirects
    if 300 <= resp.status < 400 and "location" in resp.headers:
        want = _location_path(resp.headers["location"])
        if _location_path(r.get("redirect")) != want:
            differ("redirect", want, r.get("redirect"))
    elif r.get("redirect"):
        differ("redirect (nginx did not redirect)", None, r.get("redirect"))

    if problems:
        pytest.fail(f"{sc.name} #{i} {req.path!r} (host={req.host!r}, addr={ob.addr}): {req.why}\n  "
                    + "\n  ".join(problems), pytrace=False)


def test_enough_scenarios() -> None:
    """Issue 4 asks for at least 25 scenario configs and 150 requests."""
    assert len(SCENARIOS) >= 25
    assert sum(len(sc.requests) for sc in SCENARIOS) >= 150
