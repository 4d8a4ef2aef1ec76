"""Listen sockets and server names as nginx groups them (shared by the server-block rules).

nginx compares server names only among the servers that listen on the same address:port,
after normalising the address: `listen 80`, `*:80` and `0.0.0.0:80` are one socket,
`[::]:80` and `127.0.0.1:80` are others. Checked on nginx 1.22.1: two `default_server`
flags on `80` and `*:80` fail with "a duplicate default server for 0.0.0.0:80".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from nglint.load import Arg, Config, Directive

# A server without `listen` listens on *:80 when nginx starts as root (the usual case).
DEFAULT_LISTEN = "0.0.0.0:80"
DEFAULT_FLAGS = ("default_server", "default")  # `default` is the pre-0.8.21 spelling


@dataclass(frozen=True)
class Listen:
    socket: str  # normalised "ip:port", "[ipv6]:port" or "unix:/path"
    default: bool  # carries `default_server`
    directive: Directive | None  # None for the implicit *:80 of a server without `listen`


def _normalise(addr: str) -> str | None:
    """nginx's view of a listen address; None when it cannot be known statically."""
    if addr.startswith("unix:"):
        return addr
    if "$" in addr:
        return None
    if addr.isdigit():
        return f"0.0.0.0:{int(addr)}"
    port = "80"
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        if rest.startswith(":"):
            port = rest[1:]
        try:
            host = ipaddress.IPv6Address(host).compressed
        except ValueError:
            return None
        return f"[{host}]:{int(port)}" if port.isdigit() else None
    host, sep, tail = addr.rpartition(":")
    if not sep:
        host, tail = addr, port
    if not tail.isdigit():
        return None
    if host in ("*", ""):
        host = "0.0.0.0"
    elif host.lower() == "localhost":
        host = "127.0.0.1"  # nginx resolves names at startup; localhost is the one we can know
    else:
        try:
            host = str(ipaddress.IPv4Address(host))
        except ValueError:
            return f"{host.lower()}:{int(tail)}"  # a host name: compare as written
    return f"{host}:{int(tail)}"


def listens(server: Directive) -> list[Listen]:
    """The sockets a server block listens on (the implicit *:80 when it has no `listen`)."""
    out = []
    for d in server.directives("listen"):
        if not d.args:
            continue
        socket = _normalise(d.args[0].value)
        if socket is not None:
            out.append(Listen(socket, any(a.value in DEFAULT_FLAGS for a in d.args[1:]), d))
    if not out and server.find("listen") is None:
        out.append(Listen(DEFAULT_LISTEN, False, None))
    return out


@dataclass(frozen=True)
class Name:
    written: str  # as nginx reports it: lowercased unless a regex
    keys: tuple[str, ...]  # what it claims: `.x.org` claims `x.org` and `*.x.org`
    directive: Directive
    arg: Arg


def names(server: Directive) -> list[Name]:
    """Every server name of a server block, in order. nginx drops a name whose keys clash
    with an earlier server's; for `.x.org` a clash on either key drops both (checked on
    nginx 1.22.1: it warns `conflicting server name ".x.org"` and serves neither)."""
    out: list[Name] = []
    for d in server.directives("server_name"):
        for arg in d.args:
            value = arg.value if arg.value.startswith("~") else arg.value.lower()
            keys = (value[1:], "*" + value) if value.startswith(".") else (value,)
            out.append(Name(value, keys, d, arg))
    return out


def has_name(server: Directive) -> bool:
    """True when the server declares at least one name a Host header can match."""
    return any(name.written not in ("", "_") for name in names(server))


def by_socket(config: Config) -> dict[str, list[tuple[Directive, Listen]]]:
    """socket → [(server, listen)] in configuration order (include order counts)."""
    table: dict[str, list[tuple[Directive, Listen]]] = {}
    for server in config.servers():
        mine: dict[str, Listen] = {}
        for listen in listens(server):
            # One server, one entry per socket; a `default_server` on any of its listens wins.
            if listen.socket not in mine or (listen.default and not mine[listen.socket].default):
                mine[listen.socket] = listen
        for socket, listen in mine.items():
            table.setdefault(socket, []).append((server, listen))
    return table


def default_server(entries: list[tuple[Directive, Listen]]) -> Directive:
    """The server that answers unknown hosts on a socket: the first `default_server`, else
    the first server in configuration order."""
    for server, listen in entries:
        if listen.default:
            return server
    return entries[0][0]


def socket_table(config: Config, cache: dict) -> dict[str, list[tuple[Directive, Listen]]]:
    """by_socket(), computed once per config and shared by the rules that need it."""
    key = "servers.by_socket"
    if key not in cache:
        cache[key] = by_socket(config)
    return cache[key]
