"""What `route()` returns: the decisions, each with the directive that made it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from nglint.load.tree import Directive

if TYPE_CHECKING:
    from nglint.route.compile import CompiledServer, Loc

ACTIONS = ("file", "proxy", "return", "redirect", "error")


class Step(NamedTuple):
    """One decision: a one-line reason and the directive (file:line) behind it."""

    kind: str  # "listen", "server", "uri", "location", "rewrite", "try_files", "file", ...
    text: str
    directive: Directive | None = None

    @property
    def where(self) -> str | None:
        d = self.directive
        if d is None or d.synthetic:
            return None
        return d.location

    def __str__(self) -> str:
        where = self.where
        return f"{self.text} ({where})" if where else self.text


class RouteResult:
    """Filled in by the simulator as it goes (a plain class: a dataclass costs ~1 ms at start)."""

    def __init__(self, url: str, host: str | None, server: CompiledServer | None = None) -> None:
        self.url = url
        self.host = host
        self.server = server
        self.location: Loc | None = None
        self.chain: list[str] = []
        self.action = "error"
        self.fs_path: str | None = None
        self.try_files: list[str] = []
        self.upstream: str | None = None
        self.upstream_uri: str | None = None
        self.redirect: str | None = None
        self.status: int | None = None
        self.steps: list[Step] = []
        self.uri: str | None = None  # the normalised URI nginx matched first ($uri)
        self.locations: list[Loc] = []  # every location passed through
        self.handler: Directive | None = None  # proxy_pass/... that took the request, or None

    def __repr__(self) -> str:
        return f"<RouteResult {self.url} → {self.status} {self.action} {self.fs_path or self.upstream or ''}>"

    @property
    def reasons(self) -> list[str]:
        return [str(s) for s in self.steps]

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape of `nglint route --format json` (one object per URL)."""
        srv = None
        if self.server is not None:
            d = self.server.directive
            srv = {"index": self.server.index, "file": d.file.display, "line": d.line,
                   "server_name": self.server.names[0] if self.server.names else ""}
        loc = None
        if self.location is not None:
            d = self.location.directive
            loc = {"match": self.location.text, "file": d.file.display, "line": d.line}
        return {
            "url": self.url,
            "host": self.host,
            "server": srv,
            "location": loc,
            "chain": list(self.chain),
            "action": self.action,
            "fs_path": self.fs_path,
            "try_files": list(self.try_files),
            "upstream": self.upstream,
            "upstream_uri": self.upstream_uri,
            "redirect": self.redirect,
            "status": self.status,
            "reasons": self.reasons,
        }
