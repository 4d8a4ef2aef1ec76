"""Harness for differential tests: real nginx is the oracle for `nglint route`.

Pieces: find nginx (skip outside CI, fail in CI), pick free loopback ports, lay out a
file tree, run tiny upstream echo servers (TCP and unix socket), start/stop nginx with
`-p TMP -c conf -g 'daemon off;'`, send raw HTTP requests, read the per-request debug
log (location chain, paths looked at), and run `nglint route --format json` in-process.
"""

from __future__ import annotations

import atexit
import contextlib
import http.server
import io
import json
import os
import pwd
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
# The workers' identity for permission scenarios; Debian names nobody's group "nogroup".
WORKER_USER = "nobody"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_nginx(*, debug: bool = False) -> str:
    """The nginx binary; skip (outside CI) or fail (in CI) when it is missing."""
    reason = None
    if NGINX is None:
        reason = "nginx is not installed (apt-get install nginx)"
    elif debug and not nginx_has_debug():
        reason = f"{NGINX} is not built --with-debug; the location chain comes from its debug log"
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI must run the differential tests", pytrace=False)
        pytest.skip(reason)
    return NGINX  # type: ignore[return-value]


_debug_cache: list[bool] = []


def nginx_has_debug() -> bool:
    if not _debug_cache:
        out = subprocess.run([NGINX, "-V"], capture_output=True, text=True).stderr if NGINX else ""
        _debug_cache.append("--with-debug" in out)
    return _debug_cache[0]


def worker_group() -> str:
    import grp

    return grp.getgrgid(pwd.getpwnam(WORKER_USER).pw_gid).gr_name


def is_root() -> bool:
    return os.geteuid() == 0


# ---------------------------------------------------------------- ports


def free_port(hosts: tuple[str, ...] = ("127.0.0.1", "127.0.0.2", "127.0.0.3"), avoid: set[int] = frozenset()) -> int:
    """A port free on every given loopback address (several scenarios share one port)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in avoid:
            continue
        try:
            for h in hosts:
                with socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET) as s:
                    s.bind((h, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- upstream echo


class _EchoHandler(http.server.BaseHTTPRequestHandler):
    server_version = "echo"
    protocol_version = "HTTP/1.0"

    def _answer(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        # The request line as sent: http.server rewrites a leading "//" in self.path.
        target = self.requestline.split(" ")[1]
        body = f"UPSTREAM {self.server.echo_name} {target}\n".encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _answer

    def address_string(self) -> str:  # unix sockets have no client address
        return "echo-client"

    def log_message(self, *args: Any) -> None:
        pass


class _TCPEcho(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _UnixEcho(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@dataclass
class EchoServer:
    """An upstream answering `UPSTREAM <name> <request-target>` for any request."""

    name: str  # "127.0.0.1:PORT" or "unix:/path"
    server: socketserver.BaseServer
    thread: threading.Thread

    @property
    def address(self) -> str:
        return self.name.removeprefix("unix:")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_echo(unix_path: str | None = None) -> EchoServer:
    if unix_path:
        srv: socketserver.BaseServer = _UnixEcho(unix_path, _EchoHandler)
        os.chmod(unix_path, 0o777)  # nginx workers (nobody) connect to it
        name = f"unix:{unix_path}"
    else:
        srv = _TCPEcho(("127.0.0.1", 0), _EchoHandler)
        name = f"127.0.0.1:{srv.server_address[1]}"
    srv.echo_name = name  # type: ignore[attr-defined]
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    return EchoServer(name, srv, t)


# ---------------------------------------------------------------- file layout


@dataclass
class Entry:
    path: str  # relative to the fs root; trailing "/" = directory
    mode: int | None = None
    symlink: str | None = None
    content: str | None = None
    owner: str | None = None


def file_body(virtual_path: str) -> str:
    """Every laid-out file names its own path, so a served body tells which file it was."""
    return f"FILE {virtual_path}\n"


def lay_out(fs_root: Path, entries: list[Entry]) -> None:
    """Create dirs/files/symlinks under fs_root; modes are applied last, deepest first."""
    for e in entries:
        p = fs_root / e.path.strip("/")
        if e.symlink is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(e.symlink, p)
        elif e.path.endswith("/"):
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(e.content if e.content is not None else file_body("/" + e.path.strip("/")))
        if e.owner:  # "user" or "user:group"
            import grp

            user, _, group = e.owner.partition(":")
            pw = pwd.getpwnam(user)
            os.lchown(p, pw.pw_uid, grp.getgrnam(group).gr_gid if group else pw.pw_gid)
    for e in sorted((e for e in entries if e.mode is not None), key=lambda e: -e.path.count("/")):
        os.chmod(fs_root / e.path.strip("/"), e.mode)  # type: ignore[arg-type]


def make_tmp() -> Path:
    """A temp dir the nginx workers (nobody) can traverse."""
    tmp = Path(tempfile.mkdtemp(prefix="nglint-ngx-"))
    tmp.chmod(0o755)
    return tmp


def remove_tree(path: Path) -> None:
    # chmod 000 directories must be opened up again before rmtree can descend.
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, 0o755)
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- nginx


MAIN_CONF = """\
user {user};
worker_processes 1;
pid {ngx}/nginx.pid;
error_log {ngx}/error.log {level};
events {{ worker_connections 256; }}
http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path {ngx}/body;
    proxy_temp_path {ngx}/proxy;
    fastcgi_temp_path {ngx}/fastcgi;
    uwsgi_temp_path {ngx}/uwsgi;
    scgi_temp_path {ngx}/scgi;
{http}
}}
"""


def main_conf(http: str, ngx_dir: Path, *, level: str = "debug", user: str | None = None) -> str:
    if user is None:
        user = f"{WORKER_USER} {worker_group()}" if is_root() else ""
    text = MAIN_CONF.format(user=user, ngx=ngx_dir, level=level, http=_indent(http, 4))
    return text if user else text.replace("user ;\n", "", 1)


def _indent(text: str, n: int) -> str:
    return "\n".join((" " * n + line) if line.strip() else "" for line in text.strip("\n").splitlines())


class NginxError(RuntimeError):
    pass


class Nginx:
    """One nginx master in the foreground (`daemon off`), all state inside ngx_dir."""

    def __init__(self, conf: Path, ngx_dir: Path, probe: list[str]) -> None:
        self.conf, self.ngx_dir, self.probe = conf, ngx_dir, probe
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = ngx_dir / "error.log"

    def test(self) -> None:
        r = subprocess.run([NGINX, "-t", "-q", "-p", str(self.ngx_dir), "-c", str(self.conf),  # type: ignore[list-item]
                            "-e", str(self.log)], capture_output=True, text=True)
        if r.returncode:
            raise NginxError(f"nginx -t failed:\n{r.stderr}")

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.ngx_dir), "-c", str(self.conf), "-e", str(self.log), "-g", "daemon off;"],  # type: ignore[list-item]
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        atexit.register(self.stop)  # never leave a master behind, even if a caller forgets stop()
        deadline = time.monotonic() + 10
        pending = list(self.probe)
        while pending:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise NginxError(f"nginx exited with {self.proc.returncode}:\n{err}")
            if time.monotonic() > deadline:
                self.stop()
                raise NginxError(f"nginx did not listen on {pending[0]}")
            try:
                connect(pending[0], timeout=0.2).close()
                pending.pop(0)
            except OSError:
                time.sleep(0.01)
        time.sleep(0.01)
        if self.proc.poll() is not None:  # someone else answered the probe; nginx could not bind
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
            raise NginxError(f"nginx exited with {self.proc.returncode}:\n{err}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        atexit.unregister(self.stop)
        self.proc.send_signal(signal.SIGTERM)  # fast shutdown of the master we started
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stderr:
            self.proc.stderr.close()

    def log_size(self) -> int:
        try:
            return self.log.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int) -> str:
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "surrogateescape")  # paths as os.fsdecode spells them

    def __enter__(self) -> "Nginx":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------- raw HTTP


def connect(addr: str, timeout: float = 5.0) -> socket.socket:
    """addr: `IP:PORT`, `[v6]:PORT` or `unix:/path`."""
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        target: Any = addr[5:]
    else:
        host, _, port = addr.rpartition(":")
        v6 = host.startswith("[")
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET)
        target = (host.strip("[]"), int(port))
    s.settimeout(timeout)
    try:
        s.connect(target)
    except OSError:
        s.close()
        raise
    return s


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    local: str = ""  # client "ip:port", to find the connection in the debug log

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send(addr: str, target: str, host: str | None, *, version: str = "1.1", method: str = "GET",
         headers: dict[str, str] | None = None) -> Response:
    """One request on its own connection; the target is sent byte for byte (no normalising)."""
    lines = [f"{method} {target} HTTP/{version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    lines.append("Connection: close")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")  # non-ASCII targets as UTF-8 bytes
    with contextlib.closing(connect(addr)) as s:
        local = s.getsockname()
        s.sendall(raw)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    resp = parse_response(b"".join(chunks), method)
    resp.local = f"{local[0]}:{local[1]}" if isinstance(local, tuple) else "unix"
    return resp


def parse_response(data: bytes, method: str = "GET") -> Response:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/\d\.\d (\d{3})", lines[0])
    if not m:
        raise ValueError(f"bad response: {data[:200]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Response(int(m.group(1)), headers, b"" if method == "HEAD" else body)


def _dechunk(data: bytes) -> bytes:
    out, i = [], 0
    while True:
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[j + 2:j + 2 + size])
        i = j + 2 + size + 2


# ---------------------------------------------------------------- debug log

_LINE = re.compile(r"^\S+ \S+ \[(\w+)\] \d+#\d+: \*(\d+) (.*)$")
_PATH_LINES = [
    re.compile(r'^http filename: "(.*)"$'),
    re.compile(r'^open index "(.*)"$'),
    re.compile(r'^http index check dir: "(.*)"$'),
    re.compile(r'^http autoindex: "(.*)"$'),
]
UNKNOWN = "?"
_TRY = re.compile(r'^trying to use (?:file|dir): "(.*)" "(.*)"$')


@dataclass
class Trace:
    """What nginx's debug log says about one request."""

    conn: int | None
    # Location names as nginx logs them; UNKNOWN where nginx chose a location without
    # saying which (an `internal` one refused to an external request: straight to 404).
    chain: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # filesystem paths nginx looked at, in order
    tries: list[list[str]] = field(default_factory=list)  # each try_files run: the paths it stat()ed
    uri: str | None = None  # the normalised $uri of the first location search
    lines: list[str] = field(default_factory=list)


def trace_from_log(text: str, local: str, req_id: str) -> Trace:
    """Lines of the connection that carried request `req_id` (header X-Req) or came from `local`."""
    conn = None
    port = local.rpartition(":")[2]
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        msg = m.group(3)
        if msg == f'http header: "X-Req: {req_id}"' or (
                msg.startswith("accept: ") and msg.split()[1].rpartition(":")[2] == port):
            conn = int(m.group(2))
            break
    tr = Trace(conn)
    if conn is None:
        return tr
    events: list[tuple[str, str]] = []  # ("try"|"path", path), ("hit"|"sep", "")
    searching = False
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m or int(m.group(2)) != conn:
            continue
        msg = m.group(3)
        tr.lines.append(msg)
        if msg.startswith("http uri: ") and tr.uri is None:
            tr.uri = msg[len('http uri: "'):-1]
        elif msg.startswith("test location: "):
            searching = True
        elif msg.startswith("using configuration "):
            tr.chain.append(msg[len('using configuration "'):-1])
            events.append(("sep", ""))
            searching = False
        elif msg.startswith("using location: "):
            tr.chain.append(msg[len("using location: "):].split(" ", 1)[0])
            events.append(("sep", ""))
            searching = False
        elif searching and msg.startswith("http finalize request: "):
            tr.chain.append(UNKNOWN)
            searching = False
        elif msg.startswith("try file uri: "):
            events.append(("hit", ""))
        elif m2 := _TRY.match(msg):
            events.append(("try", m2.group(2)))
        else:
            for rx in _PATH_LINES:
                if m3 := rx.match(msg):
                    events.append(("path", m3.group(1)))
    # try_files logs its last argument too, but that one is a URI, @name or =code that is
    # never stat()ed: drop the last "try" of a run unless a hit ("try file uri") follows.
    run: list[str] | None = None
    for i, (kind, path) in enumerate(events):
        if kind == "path":
            tr.paths.append(path)
        elif kind == "try":
            if run is None:
                run = []
                tr.tries.append(run)
            nxt = events[i + 1][0] if i + 1 < len(events) else None
            if nxt in ("try", "hit"):
                tr.paths.append(path)
                run.append(path)
        if kind != "try":
            run = None
    return tr


# ---------------------------------------------------------------- nglint route


class RouteRunError(AssertionError):
    pass


def nglint_route(conf: Path, urls: list[str], *, host: str | None, addr: str | None,
                 fs: bool = True, fs_root: Path | None = None, prefix: Path | None = None) -> list[dict[str, Any]]:
    """`nglint route -c CONF --format json ...` in-process; one object per URL, in order.

    `prefix` mirrors nginx's `-p` (relative root/alias, the default `root html`).
    """
    from nglint.cli import main

    argv = ["route", "-c", str(conf), "--format", "json"]
    if prefix is not None:
        argv += ["--prefix", str(prefix)]
    if host is not None:
        argv += ["--host", host]
    if addr is not None:
        argv += ["--addr", addr]
    if fs_root is not None:
        argv += ["--fs-root", str(fs_root)]
    elif fs:
        argv.append("--fs")
    argv += ["--", *urls] if any(u.startswith("-") for u in urls) else urls
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse on an unknown option
            code = e.code if isinstance(e.code, int) else 2
    if code not in (0, 1):
        raise RouteRunError(f"`nglint {' '.join(argv)}` exited {code}: {err.getvalue().strip()[:500]}")
    objs = parse_json_stream(out.getvalue())
    if len(objs) != len(urls):
        raise RouteRunError(f"`nglint route` printed {len(objs)} objects for {len(urls)} URLs: "
                            f"{out.getvalue()[:300]!r}")
    return objs


def parse_json_stream(text: str) -> list[dict[str, Any]]:
    """A JSON array, one object, or objects one after another (JSON lines)."""
    dec = json.JSONDecoder()
    objs: list[Any] = []
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        objs.extend(obj if isinstance(obj, list) else [obj])
    return objs


_MATCH = re.compile(r"^(=|\^~|~\*|~)?\s*(.*)$", re.S)


def nginx_location_name(match: str | None) -> str | None:
    """nglint's `match` (as written in the config, nested as `a > b`) → the name nginx logs.

    nginx logs `using configuration "=/x"` for exact, the bare pattern for prefix, `^~`
    and regex locations, `@name` for named ones.
    """
    if match is None:
        return None
    last = match.split(" > ")[-1].strip()
    if last.startswith("@"):
        return last
    m = _MATCH.match(last)
    assert m
    mod, pat = m.group(1), m.group(2).strip()
    if len(pat) >= 2 and pat[0] == pat[-1] and pat[0] in "\"'":
        pat = pat[1:-1]
    return ("=" if mod == "=" else "") + pat
