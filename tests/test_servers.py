"""Listen sockets as nginx groups them (nglint/nginx/servers.py, grouped by the route
compiler; the server-block rules NGL005-NGL007 use those groups), with nginx itself as the oracle:
two `default_server` flags fail `nginx -t` exactly when both listens are the same socket."""

from __future__ import annotations

import subprocess
from typing import Callable

import pytest

from nglint.engine import Project, lint
from nglint.load import load_text
from nglint.nginx.servers import format_address, server_listens
from nglint.route import compile_config
from nglint.rules.duplicate_default_server import DuplicateDefaultServer
from nglint.rules.duplicate_server_name import DuplicateServerName

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
    ours = len(compile_config(load_text(text, "pair.conf")).groups) == 1
    reported = bool(lint(Project([load_text(text, "pair.conf")]), [DuplicateDefaultServer]))
    result = nginx_check(text)
    theirs = result.returncode != 0 and "a duplicate default server" in result.stderr
    assert result.returncode == 0 or theirs, result.stderr
    assert ours == theirs, result.stderr
    assert reported == theirs, result.stderr


def test_server_without_listen_is_on_port_80() -> None:
    config = load_text("server { server_name a.example.com; }\n", "x.conf")
    [listen], errors = server_listens(config.servers()[0])
    assert (format_address(listen.key, as_nginx=True), listen.default_server, listen.directive, errors) == \
        ("0.0.0.0:80", False, None, [])



@pytest.mark.parametrize("addr", ["$port", "$host:80", "0", "99999", "127.0.0.1:8080", "[0::0]:8080",
                                  "unix:/tmp/nglint-c.sock"])
def test_listen_nginx_refuses_is_an_error(addr: str,
                                          nginx_check: Callable[[str], subprocess.CompletedProcess[str]]) -> None:
    text = f"server {{ listen {addr}; server_name a.example.com; }}\n"
    listens, errors = server_listens(load_text(text, "one.conf").servers()[0])
    result = nginx_check(text)
    assert result.returncode == 0 or '"listen" directive' in result.stderr, result.stderr
    assert (errors != []) == (result.returncode != 0), result.stderr
    assert (listens == []) == (result.returncode != 0)


# server_name pairs on one address (regexes and the placeholders "" and `_` are the rule's
# own policy, not nginx's warning, and are left out).
NAME_PAIRS = [
    ("example.com", "Example.COM"),
    ("example.com", ".example.com"),
    (".example.com", "example.com"),
    (".example.com", "*.example.com"),
    ("*.example.com", ".example.com"),
    ("*.example.com", "example.com"),
    ("www.example.*", "www.example.*"),
    ("www.example.*", ".www.example.*"),
    ("www.example.com", "www.example.*"),
    ("a.example.com", "b.example.com"),
]


@pytest.mark.parametrize("a, b", NAME_PAIRS)
def test_name_conflict_as_nginx_warns(a: str, b: str,
                                      nginx_check: Callable[[str], subprocess.CompletedProcess[str]]) -> None:
    text = (f"server {{ listen 127.0.0.1:8080; server_name {a}; }}\n"
            f"server {{ listen 127.0.0.1:8080; server_name {b}; }}\n")
    reported = bool(lint(Project([load_text(text, "names.conf")]), [DuplicateServerName]))
    result = nginx_check(text)
    assert result.returncode == 0, result.stderr
    assert reported == ("conflicting server name" in result.stderr), result.stderr
