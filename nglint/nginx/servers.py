"""Server selection pieces: `listen` addresses and `server_name` lookup tables.

nginx groups servers by the exact listen address:port (an explicit IP is its own group; a
connection uses it when it arrived on that IP, else the `*:port` group of its family), then
looks the Host up among that group's names: exact → longest leading wildcard
(`*.example.org`, `.example.org`) → longest trailing wildcard (`mail.*`) → first regex in
config order → the group's default server.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Generic, NamedTuple, TypeVar

from nglint.load.tree import Arg, Directive
from nglint.nginx.regex import Pcre, RegexError, compile_pcre

T = TypeVar("T")

# Address key of a listen socket: (family, address, port); family "inet", "inet6" or
# "unix" (then address is the socket path and port 0). "*" is the wildcard address.
AddrKey = tuple[str, str, int]

_HOST_PORT = re.compile(r"^(?P<host>[^:\[\]]*)(?::(?P<port>\d+))?$")
_V6 = re.compile(r"^\[(?P<host>[^\]]*)\](?::(?P<port>\d+))?$")
DEFAULT_FLAGS = ("default_server", "default")  # `default` is the pre-0.8.21 spelling
# Names no browser's Host matches: "" stands for requests without Host, `_` is the
# customary name of a would-be catch-all (only `default_server` makes one).
PLACEHOLDER_NAMES = frozenset({"", "_"})
# First characters of the names that are not plain (wildcards, regexes; see name_keys()).
_MARKED = frozenset("~*.")


class ListenError(ValueError):
    pass


def parse_address(text: str, default_port: int = 80) -> AddrKey:
    """`80`, `*:80`, `127.0.0.1:8080`, `[::]:80`, `[::1]`, `unix:/run/x.sock`, `localhost:80`."""
    if text.startswith("unix:"):
        return ("unix", text[5:], 0)
    if text.isdigit():
        return ("inet", "*", _port(text))
    m = _V6.match(text)
    if m:
        host = m.group("host")
        try:
            addr = ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise ListenError(f"invalid IPv6 address {host!r}") from None
        port = _port(m.group("port")) if m.group("port") else default_port
        return ("inet6", "*" if addr.is_unspecified else addr.compressed, port)
    m = _HOST_PORT.match(text)
    if not m or (not m.group("host") and not m.group("port")):
        raise ListenError(f"invalid address {text!r}")
    host = m.group("host") or "*"
    port = _port(m.group("port")) if m.group("port") else default_port
    if host in ("*", "0.0.0.0"):
        return ("inet", "*", port)
    if "$" in host:  # no variables in listen: nginx looks `$x` up as a host name and fails
        raise ListenError(f"host not found in {text!r}")
    if host.lower() == "localhost":
        return ("inet", "127.0.0.1", port)
    try:
        return ("inet", ipaddress.IPv4Address(host).compressed, port)
    except ValueError:
        return ("inet", host.lower(), port)  # a host name nginx would resolve at startup


def _port(text: str) -> int:
    port = int(text)
    if not 0 < port < 65536:
        raise ListenError(f"invalid port {text}")
    return port


def format_address(key: AddrKey, *, as_nginx: bool = False) -> str:
    """`*:80`, `[::]:80`, `127.0.0.1:8080`, `unix:/run/x.sock`; ``as_nginx`` spells the
    IPv4 wildcard as nginx's own messages do (`a duplicate default server for 0.0.0.0:80`)."""
    family, host, port = key
    if family == "unix":
        return f"unix:{host}"
    if family == "inet6":
        return f"[{'::' if host == '*' else host}]:{port}"
    if host == "*" and as_nginx:
        host = "0.0.0.0"
    return f"{host}:{port}"


class Listen(NamedTuple):
    key: AddrKey
    default_server: bool
    ssl: bool
    directive: Directive | None  # None: the implicit `listen *:80` of a server without listen

    def __str__(self) -> str:
        return format_address(self.key)


# tuple.__new__ makes a NamedTuple without running the Python __new__ its class generates:
# a third of the cost, for each of a big config's thousands of listens and server names.
_new = tuple.__new__

# Listen addresses repeat across servers (`listen 443 ssl` in every vhost): each distinct one
# is parsed once (failures are not cached and raise again).
_listen_address = functools.lru_cache(maxsize=4096)(parse_address)


def parse_listen(d: Directive) -> Listen:
    args = d.args
    if not args:
        raise ListenError("listen needs an address")
    key = _listen_address(args[0].value)
    default_server = ssl = False
    for a in args[1:]:
        if a.value == "ssl":
            ssl = True
        elif a.value in DEFAULT_FLAGS:
            default_server = True
    return _new(Listen, (key, default_server, ssl, d))


def server_listens(server: Directive) -> tuple[list[Listen], list[tuple[Directive, str]]]:
    """The server's listen sockets (the implicit `*:80` when it has none; nglint assumes
    nginx runs as root, otherwise nginx uses `*:8000`) and the listens it could not read."""
    out, errors = [], []
    for d in server.named("listen"):
        try:
            out.append(parse_listen(d))
        except ListenError as e:
            errors.append((d, str(e)))
    if not out and not errors:
        out.append(Listen(("inet", "*", 80), False, False, None))
    return out, errors


class ServerName(NamedTuple):
    name: str  # as nginx stores it: lowercased unless a regex (`$hostname` not replaced)
    arg: Arg
    directive: Directive  # the `server_name` that declares it


def declared_names(server: Directive) -> list[ServerName]:
    """Every `server_name` argument of a server block, in order."""
    return [_new(ServerName, (a.value if a.value[:1] == "~" else a.value.lower(), a, d))
            for d in server.named("server_name") for a in d.args]


def server_names(server: Directive, hostname: str = "localhost",
                 declared: list[ServerName] | None = None) -> list[str]:
    """Names as nginx stores them: lowercased (regexes keep their case), `$hostname`
    replaced, `""` when the server has no server_name. ``declared``: the server's
    :func:`declared_names`, when already known."""
    if declared is None:
        declared = declared_names(server)
    names = [n.name for n in declared]
    if "$hostname" in names:
        names = [hostname if n == "$hostname" else n for n in names]
    return names or [""]


def name_keys(name: str) -> tuple[tuple[str, str], ...]:
    """The entries a stored name claims in its address's tables, as (table, key): "exact",
    "head" (`*.example.org` → `example.org`), "tail" (`www.example.*` → `www.example`) or
    "regex". `.example.org` claims both the exact `example.org` and the head entry. A name
    with a claim already taken conflicts, and nginx ignores it whole (checked on nginx
    1.22.1: a clashing `.example.org` serves neither form; `a.*` and `.a.*` do not clash)."""
    if name.startswith("~"):
        return (("regex", name),)
    if name.startswith("*."):
        return (("head", name[2:]),)
    if name.startswith(".") and len(name) > 1:
        return (("exact", name[1:]), ("head", name[1:]))
    if name.endswith(".*") and len(name) > 2:
        return (("tail", name[:-2]),)
    return (("exact", name),)


class NameMatch(Generic[T]):
    __slots__ = ("server", "kind", "name", "captures")

    def __init__(self, server: T, kind: str, name: str, captures: dict[str, str]) -> None:
        self.server = server
        self.kind = kind  # "exact", "leading wildcard", "trailing wildcard", "regex"
        self.name = name  # the server_name as written (lowercased)
        self.captures = captures

    def __repr__(self) -> str:
        return f"NameMatch({self.kind} {self.name!r})"


class NameTable(Generic[T]):
    """The server names of one listen address, with nginx's precedence and conflicts
    (a name already taken by an earlier server is ignored for later ones)."""

    def __init__(self) -> None:
        self.exact: dict[str, T] = {}  # the name is the key: no (server, name) pair to keep
        self.head: dict[str, tuple[T, str, bool]] = {}  # suffix → (server, name, also_bare)
        self.tail: dict[str, tuple[T, str]] = {}  # "www.example" → (server, "www.example.*")
        self.regex: list[tuple[Pcre, T, str]] = []

    def add(self, name: str, server: T) -> str | None:
        """Register ``name``; returns a warning (conflict, bad regex) or None."""
        if name[:1] not in _MARKED and name[-1:] != "*":
            # A plain name (most are): name_keys() would give just ("exact", name). (`a*` takes
            # the long way, to the same end.) Wildcard names, in `head`, are rare: most tables
            # have none to look at.
            if name in self.exact or (self.head and self._taken("exact", name)):
                return f'conflicting server name "{name}"'
            self.exact[name] = server
            return None
        keys = name_keys(name)
        table, key = keys[-1]
        if table == "regex":  # nginx tries regexes in order and never reports a clash
            pattern = name[1:]
            try:
                rx = compile_pcre(pattern, caseless=any("A" <= ch <= "Z" for ch in pattern))
            except RegexError as e:
                return f"server_name regex cannot be evaluated: {e}"
            self.regex.append((rx, server, name))
            return None
        if any(self._taken(t, k) for t, k in keys):
            return f'conflicting server name "{name}"'
        if table == "head":
            self.head[key] = (server, name, len(keys) == 2)
        elif table == "tail":
            self.tail[key] = (server, name)
        else:
            self.exact[key] = server
        return None

    def _taken(self, table: str, key: str) -> bool:
        """Whether a name added earlier claims (table, key) (see :func:`name_keys`)."""
        if table == "exact":  # by the same name, or by `.key`, whose head entry is also_bare
            entry = self.head.get(key)
            return key in self.exact or (entry is not None and entry[2])
        return key in (self.head if table == "head" else self.tail)

    def find(self, host: str) -> NameMatch[T] | None:
        hit = self.exact.get(host)
        if hit is not None:
            return NameMatch(hit, "exact", host, {})
        if not host:
            return None
        if self.head:
            entry = self.head.get(host)
            if entry is not None and entry[2]:
                return NameMatch(entry[0], "leading wildcard", entry[1], {})
            dot = host.find(".")
            while dot >= 0:
                entry = self.head.get(host[dot + 1:])
                if entry is not None:
                    return NameMatch(entry[0], "leading wildcard", entry[1], {})
                dot = host.find(".", dot + 1)
        if self.tail:
            dot = host.rfind(".")
            while dot > 0:
                entry = self.tail.get(host[:dot])
                if entry is not None:
                    return NameMatch(entry[0], "trailing wildcard", entry[1], {})
                dot = host.rfind(".", 0, dot)
        for rx, server, name in self.regex:
            m = rx.search(host)
            if m:
                caps = {str(i): (g or "") for i, g in enumerate(m.groups(), 1)}
                caps.update({k: v or "" for k, v in m.groupdict().items()})
                return NameMatch(server, "regex", name, caps)
        return None


def normalize_host(value: str) -> str | None:
    """The Host header as nginx uses it for server selection: port and one trailing dot
    removed, lowercased. None when nginx rejects it (400)."""
    host_len = len(value)
    state = "usual"
    dot_pos = -2
    for i, ch in enumerate(value):
        if ch == ".":
            if dot_pos == i - 1:
                return None
            dot_pos = i
        elif ch == ":":
            if state == "usual":
                host_len, state = i, "rest"
        elif ch == "[":
            if i == 0:
                state = "literal"
        elif ch == "]":
            if state == "literal":
                host_len, state = i + 1, "rest"
        elif ch == "/" or ord(ch) <= 0x20 or ord(ch) == 0x7F:
            return None
    if dot_pos == host_len - 1:
        host_len -= 1
    if host_len <= 0:
        return None
    return value[:host_len].lower()
