"""What `route()` returns: the decisions, each with the directive that made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nglint.load.tree import Directive

if TYPE_CHECKING:
    from nglint.route.compile import CompiledServer, Loc

ACTIONS = ("file", "proxy", "return", "redirect", "error")


@dataclass(frozen=True)
class Step:
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


@dataclass
class RouteResult:
    url: str
    host: str | None
    server: CompiledServer | None = None
    location: Loc | None = None
    chain: list[str] = field(default_factory=list)
    action: str = "error"
    fs_path: str | None = None
    try_files: list[str] = field(default_factory=list)
    upstream: str | None = None
    upstream_uri: str | None = None
    redirect: str | None = None
    status: int | None = None
    steps: list[Step] = field(default_factory=list)
    uri: str | None = None  # the normalised URI nginx matched first ($uri)
    locations: list[Loc] = field(default_factory=list)  # every location passed through
    handler: Directive | None = None  # proxy_pass/... that took the request, or None

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
