"""Listen sockets as nginx groups them (rules/_servers.py), with nginx itself as the oracle:
two `default_server` flags fail `nginx -t` exactly when both listens are the same socket."""

from __future__ import annotations

import subprocess
from typing import Callable

import pytest

from nglint.load import load_text
from nglint.rules._servers import by_socket, listens

PAIRS = [
    ("80", "*:80"),
    ("80", "0.0.0.0:80"),
    ("80", "[::]:80"),
    ("80", "127.0.0.1:80"),
    ("127.0.0.1", "127.0.0.1:80"),
    ("localhost:8080", "127.0.0.1:8080"),
    ("[::]:8080", "[0::0]:8080"),
    ("[::1]", "[::1]:80"),
    ("8080", "8081"),
    ("unix:/tmp/nglint-a.sock", "unix:/tmp/nglint-a.sock"),
    ("unix:/tmp/nglint-a.sock", "unix:/tmp/nglint-b.sock"),
]


def _servers(a: str, b: str) -> str:
    return (f"server {{ listen {a} default_server; server_name a.example.com; }}\n"
            f"server {{ listen {b} default_server; server_name b.example.com; }}\n")


@pytest.mark.parametrize("a, b", PAIRS)
def test_same_socket_as_nginx_decides(a: str, b: str,
                                      nginx_check: Callable[[str], subprocess.CompletedProcess[str]]) -> None:
    text = _servers(a, b)
    ours = len(by_socket(load_text(text, "pair.conf"))) == 1
    result = nginx_check(text)
    theirs = result.returncode != 0 and "a duplicate default server" in result.stderr
    assert result.returncode == 0 or theirs, result.stderr
    assert ours == theirs, result.stderr


def test_server_without_listen_is_on_port_80() -> None:
    config = load_text("server { server_name a.example.com; }\n", "x.conf")
    [listen] = listens(config.servers()[0])
    assert (listen.socket, listen.default, listen.directive) == ("0.0.0.0:80", False, None)

