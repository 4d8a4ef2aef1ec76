"""Shared test fixtures: run the CLI in-process, and check configs with real `nginx -t`.

Kept under tests/ (never at the repo root): a root conftest.py would put the source tree
first on sys.path and hide the installed ``nglint.rules``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _nglint_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """In tests a bug in nglint raises with its traceback instead of becoming the one-line
    "internal error" users get; tests of that one-line behaviour delete the variable."""
    monkeypatch.setenv("NGLINT_DEBUG", "1")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def nglint(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``nglint("check", "x.conf", cwd=tmp_path)`` runs the CLI in-process → Run(code, out, err)."""
    from nglint.cli import main

    def run(*argv: str, cwd: Path | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


# -- real nginx -----------------------------------------------------------------------------

def require_nginx() -> str:
    """The nginx binary; skips the test when it is missing, fails it in CI (CI installs nginx)."""
    if NGINX is None:
        if IN_CI:
            pytest.fail("nginx is not installed; CI must install it", pytrace=False)
        pytest.skip("nginx is not installed")
    return NGINX


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _temp_paths(tmp: Path) -> str:
    # Debian's nginx has absolute compiled-in temp paths; keep everything inside tmp.
    return "".join(f"    {name}_temp_path {tmp}/{name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))


def full_config(text: str, tmp: Path) -> str:
    """``text`` made into a complete nginx.conf whose every path is inside ``tmp``.

    A location-level snippet goes into a server listening on 127.0.0.1 at a free port; a
    snippet of server blocks goes into ``http``; a complete config is kept as it is.
    """
    from nglint.load import load_text

    config = load_text(text, "snippet.conf")
    head = f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
    if config.context == "main":
        return text
    servers = config.servers()
    if servers and not servers[0].synthetic:  # server blocks
        return f"{head}http {{\n{_temp_paths(tmp)}{text}\n}}\n"
    if not servers:  # http-level directives without servers (map, upstream, ...)
        return f"{head}http {{\n{_temp_paths(tmp)}{text}\n    server {{ listen 127.0.0.1:{free_port()}; }}\n}}\n"
    # A location-level snippet (nglint wrapped it in a synthetic server).
    return (f"{head}http {{\n{_temp_paths(tmp)}    server {{\n        listen 127.0.0.1:{free_port()};\n"
            f"{text}\n    }}\n}}\n")


def nginx_t(conf: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``conf`` with prefix, pid and error log in its directory."""
    binary = require_nginx()
    tmp = conf.parent
    cmd = [binary, "-t", "-q", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]
    if "pid " not in conf.read_text():
        cmd += ["-g", f"pid {tmp}/nginx.pid;"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


@pytest.fixture
def nginx_check(tmp_path: Path) -> Callable[[str], subprocess.CompletedProcess[str]]:
    """``nginx_check(text)``: wrap ``text`` with ``full_config`` and run ``nginx -t`` on it."""
    counter = iter(range(10**6))

    def check(text: str) -> subprocess.CompletedProcess[str]:
        d = tmp_path / f"ngx{next(counter)}"
        d.mkdir()
        conf = d / "nginx.conf"
        conf.write_text(full_config(text, d))
        return nginx_t(conf)

    return check
