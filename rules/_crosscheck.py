"""What the Flask ↔ nginx cross-check rules (NGL030–NGL049) share.

One ``CrossCheck`` per config (kept in ``ctx.cache``) holds the Flask model, the deploy
mapping, the server blocks that pass requests to an app and a cache of simulated
requests. The rules ask nginx the question a browser would: "GET this URL of the app",
through ``nglint.route``, and compare the file nginx opens with where the app keeps it.

Messages name both sides: the nginx directive is the primary span and its file:line is
also in the text; the app's file:line (relative to the current directory) is in the text
and in ``related``. Values the reader cannot know are never guessed: the check is skipped
and a note (``Project.note``) says why.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, NamedTuple
from urllib.parse import quote

from nglint.diagnostics import Diagnostic, Related
from nglint.load import Directive
from nglint.nginx.model import HANDLERS, path_directive
from nglint.nginx.servers import format_address
from nglint.route import CompiledServer, RouteError, RouteResult, compile_config, route
from nglint.rule import Rule, RuleContext

if TYPE_CHECKING:
    from nglint.deploy import DeployMap
    from nglint.flask.model import AppModel, ProjectModel

MAX_SERVERS = 16  # beyond this many app server blocks, only those serving this project's files
SAMPLES_PER_FOLDER = 8  # one file per extension: regex locations usually split by extension
WALK_LIMIT = 2000  # files looked at per static folder
FALLBACK_SAMPLE = "app.css"


class Verdict(NamedTuple):
    """Does a path nginx opens equal the deployed copy of a project path?"""

    same: bool | None  # None: cannot tell (the deploy root is unknown and the tails agree)
    expected: str | None  # the deployed path, when known
    tail_only: bool = False  # decided from the path's tail alone (no deploy root needed)


def _passes(server: Directive) -> bool:
    return any(d.name in HANDLERS for d in server.walk())


def _host_names(srv: CompiledServer) -> list[str | None]:
    """Host headers that select ``srv`` (tried in order), then no Host at all."""
    out: list[str | None] = []
    for name in srv.names:
        if not name or name.startswith("~"):
            continue
        if name.startswith("*."):
            name = "www" + name[1:]
        elif name.startswith("."):
            name = name[1:]
        elif name.endswith(".*"):
            name = name[:-2] + ".com"
        if re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            out.append(name)
    out.append(None)
    return out


class CrossCheck:
    """Per-config state of the cross-check rules."""

    def __init__(self, ctx: RuleContext) -> None:
        # nglint.deploy is imported only when there is an app to cross-check (cold start)
        from nglint.deploy import deploy_map
        from nglint.deploy.mapping import served_directories

        self.project = ctx.project
        self.model: ProjectModel = ctx.project.app
        app_dir = ctx.project.app_dir
        assert app_dir is not None
        self.app_dir = Path(app_dir)
        self.cc = compile_config(ctx.config)
        self.label = f"the Flask project {self.shown('.')}/"
        prefixes = [a.static_url_path for a in self.model.apps if a.static_url_path is not None]
        self.deploy: DeployMap = deploy_map(ctx.config, self.model, ctx.project.settings, self.label, prefixes,
                                            self.cc.index)
        self.served = served_directories(ctx.config, self.cc.index)
        self.servers = [s for s in self.cc.servers if _passes(s.directive)]
        self.passing = len(self.servers)
        if len(self.servers) > MAX_SERVERS:
            # A shared host: only the server blocks that map files below the deploy root
            # are this project's; without a root nothing says which ones they are.
            related = self._related_servers()
            self.note(f"{len(self.servers)} server blocks in {ctx.config.main.display} pass requests to apps: the "
                      f"Flask cross-checks look only at the {len(related)} that serve files below the deploy root "
                      f"of {self.label}" + ("" if self.deploy.known else f" ({self.deploy.origin})"))
            self.servers = related
        if self.deploy.how == "inferred":
            self.note(f"{self.label} is taken to be deployed at {self.deploy.root} ({self.deploy.origin}); "
                      "`app-root` in [tool.nglint] confirms or corrects it")
        self._routes: dict[tuple[int, str], RouteResult | None] = {}
        self._hosts: dict[int, str | None] = {}  # server index → the Host header that reaches it

    def _related_servers(self) -> list[CompiledServer]:
        root = self.deploy.root
        if root is None:
            return []
        ids = {id(server) for served in self.served if under(served.directory, root)
               for server in [served.directive.enclosing("server")] if server is not None}
        return [s for s in self.servers if id(s.directive) in ids]

    # -- the app side ----------------------------------------------------------------------
    def shown(self, rel: str) -> str:
        """A project file as the user can open it from the current directory."""
        path = (self.app_dir / rel).resolve() if not posixpath.isabs(rel) else Path(rel)
        try:
            return str(path.relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def where(self, at: str | None) -> str | None:
        """``"app.py:10"`` (project-relative) → ``"app/app.py:10"`` (from the current dir)."""
        if not at:
            return None
        file, _, line = at.rpartition(":")
        if not file or not line.isdigit():
            return self.shown(at)
        return f"{self.shown(file)}:{line}"

    def related(self, at: str | None, message: str) -> list[Related]:
        if not at:
            return []
        file, _, line = at.rpartition(":")
        if not line.isdigit():
            return []
        return [Related(message, self.shown(file), int(line), 1)]

    def local(self, rel: str) -> Path:
        return self.app_dir / rel

    def unknown_reason(self, app: AppModel, what: str) -> str | None:
        for u in self.model.unresolvable:
            if u.what == what and (u.app is None or u.app == app.id):
                at = f"{u.file}:{u.line}" if u.file else None
                return f"{u.reason} ({self.where(at)})" if at else u.reason
        return None

    def note(self, text: str) -> None:
        self.project.note(text)

    def note_unknown(self, app: AppModel, what: str, check: str) -> None:
        reason = self.unknown_reason(app, what) or "not statically known"
        self.note(f"{what} of the app at {self.where(app_at(app))} is unknown: {reason}; {check} skipped")

    def note_no_root(self, check: str) -> None:
        self.note(f"{self.deploy.origin} ({check} skipped)")

    # -- samples ---------------------------------------------------------------------------
    def folder_samples(self, folder: str | None, base: str | None, referenced: list[str]) -> list[str]:
        """File names (relative to a static folder) to request: referenced ones that exist,
        then one per extension from the folder itself; a placeholder when it has none."""
        out: list[str] = []
        exts: set[str] = set()
        local = self.local(folder) if folder is not None and base == "project" else None

        def add(name: str) -> None:
            ext = posixpath.splitext(name)[1].lower()
            if ext not in exts and len(out) < SAMPLES_PER_FOLDER:
                exts.add(ext)
                out.append(name)

        if local is not None and local.is_dir():
            for name in referenced:
                if (local / name).is_file():
                    add(name)
            for name in _walk_files(local):
                add(name)
        if not out:
            for name in referenced:
                add(name)
        return out or [FALLBACK_SAMPLE]

    def referenced(self, app: AppModel, endpoint: str) -> list[str]:
        return [t.filename for t in self.model.template_asset_urls
                if t.app == app.id and t.endpoint == endpoint and t.filename and not t.dynamic]

    # -- the nginx side --------------------------------------------------------------------
    def route(self, srv: CompiledServer, url: str) -> RouteResult | None:
        """GET ``url`` on ``srv`` (None when no Host/address reaches that server)."""
        key = (srv.index, url)
        if key in self._routes:
            return self._routes[key]
        result = None
        addr = format_address(srv.listens[0].key) if srv.listens else None
        hosts = [self._hosts[srv.index]] if srv.index in self._hosts else _host_names(srv)
        for host in hosts:
            try:
                r = route(self.cc, url, host=host, addr=addr)
            except RouteError:
                break
            if r.server is srv:
                self._hosts[srv.index] = host
                result = r
                break
        self._routes[key] = result
        return result

    def routes(self, url: str) -> Iterator[tuple[CompiledServer, RouteResult]]:
        for srv in self.servers:
            r = self.route(srv, url)
            if r is not None:
                yield srv, r

    def compare(self, fs_path: str, rel: str, base: str | None) -> Verdict:
        """Is ``fs_path`` (what nginx opens) the deployed copy of project path ``rel``?
        Without a deploy root, only a path that does not even end with ``rel`` is known
        to be wrong."""
        opened = posixpath.normpath(fs_path)
        expected = self.deploy.host(rel, base)
        if expected is not None:
            return Verdict(opened == expected, expected)
        if posixpath.isabs(rel) or base not in ("project", "cwd"):
            return Verdict(None, None)
        tail = posixpath.normpath(rel)
        if tail.startswith(".."):
            return Verdict(None, None)
        return Verdict(None if opened.endswith("/" + tail) else False, None, tail_only=True)


def crosscheck(ctx: RuleContext) -> CrossCheck | None:
    """The shared state for this config, or None (with a note) when there is nothing to
    cross-check."""
    if "crosscheck" not in ctx.cache:
        state = None
        if ctx.project.app is not None and ctx.project.app.apps:
            state = CrossCheck(ctx)
            if not state.passing:
                ctx.project.note(f"no server block in {ctx.config.main.display} passes requests to an app "
                                 "(proxy_pass, uwsgi_pass, ...): the Flask cross-checks skip it")
            if not state.servers:
                state = None
        elif ctx.project.app is not None:
            ctx.project.note(f"no Flask app found in {ctx.project.app_dir}: the Flask cross-checks did not run")
        ctx.cache["crosscheck"] = state
    return ctx.cache["crosscheck"]


def _walk_files(folder: Path) -> Iterator[str]:
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            seen += 1
            if seen > WALK_LIMIT:
                return
            yield os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/")


def app_at(app: AppModel, key: str | None = None) -> str:
    """Where an app value is written (``"app.py:10"``); the app's constructor by default."""
    return (app.at.get(key) if key else None) or f"{app.file}:{app.line}"


def url_in(prefix: str, name: str) -> str:
    """The URL of file ``name`` under a static URL prefix (``""`` = the site root)."""
    return prefix.rstrip("/") + "/" + quote(name, safe="/")


def mapping_directive(r: RouteResult) -> Directive | None:
    """The alias/root (else the location) that turned the request into a file path."""
    for step in reversed(r.steps):
        if step.directive is not None and step.directive.name in ("alias", "root"):
            return step.directive
    if r.location is not None:
        return path_directive(r.location.directive) or r.location.directive
    return None


def deciding_directive(r: RouteResult) -> Directive | None:
    """The directive behind the request's outcome (last step with one)."""
    if r.handler is not None:
        return r.handler
    for step in reversed(r.steps):
        if step.directive is not None and not step.directive.synthetic:
            return step.directive
    return r.location.directive if r.location is not None else None


def report_nginx(rule: Rule, node: Directive, message: str, related: list[Related]) -> Diagnostic:
    """A diagnostic at ``node``'s first argument (its name when it has none)."""
    if node.args:
        return rule.report(node, message=message, start=node.args[0].start, end=node.args[0].end, related=related)
    return rule.report(node, message=message, related=related)


def report_app(rule: Rule, cx: CrossCheck, at: str, message: str, related: list[Related]) -> Diagnostic:
    """A diagnostic whose primary place is in the Flask project (``at`` = ``"file:line"``)."""
    file, _, line = at.rpartition(":")
    n = int(line) if line.isdigit() else 1
    return Diagnostic(rule.code, rule.name, rule.severity, message, None, related=list(related),
                      path=cx.shown(file or at), line_override=(n, 1, n, 1))


def nginx_where(d: Directive | None) -> str:
    return d.location if d is not None else "?"


def under(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or inside it (both absolute, or both relative)."""
    path, directory = posixpath.normpath(path), posixpath.normpath(directory)
    if directory == ".":
        return not posixpath.isabs(path) and path != ".." and not path.startswith("../")
    return path == directory or path.startswith(directory.rstrip("/") + "/")


# -- Flask URL rules -------------------------------------------------------------------------
_RULE_PART = re.compile(r"<(?:(?P<conv>[a-zA-Z_]\w*)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-zA-Z_]\w*)>")
_CONVERTERS = {"default": r"[^/]+", "string": r"[^/]+", "path": r"[^/].*?", "int": r"\d+",
               "float": r"\d+\.\d+", "uuid": r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}"}


def rule_regex(rule: str) -> re.Pattern[str]:
    """A Werkzeug URL rule as a regex over the path (a rule ending in `/` also takes the
    slash-less URL, which Werkzeug redirects)."""
    out, pos = [], 0
    for m in _RULE_PART.finditer(rule):
        out.append(re.escape(rule[pos:m.start()]))
        conv = m.group("conv") or "default"
        if conv == "any":
            options = [o.strip().strip("'\"") for o in (m.group("args") or "").split(",") if o.strip()]
            out.append("(?:" + "|".join(map(re.escape, options)) + ")")
        else:
            out.append(_CONVERTERS.get(conv, r"[^/]+"))
        pos = m.end()
    out.append(re.escape(rule[pos:]))
    body = "".join(out)
    if rule.endswith("/") and len(rule) > 1:
        body = body[:-1] + "/?" if body.endswith("/") else body
    return re.compile(body)


def app_answers(app: AppModel, path: str) -> bool:
    """Whether some GET route of the app (its static routes included) matches ``path``."""
    mount = (app.mount_prefix or "").rstrip("/")
    if mount:
        if not (path == mount or path.startswith(mount + "/")):
            return False
        path = path[len(mount):] or "/"
    rules = [r.rule for r in app.routes if r.rule and not r.build_only and (r.methods is None or "GET" in r.methods)]
    rules += [f.rule for f in app.file_routes if f.rule]
    return any(rule_regex(rule).fullmatch(path) for rule in rules)


def source_files(cx: CrossCheck) -> list[tuple[str, str]]:
    """(project-relative path, "file:line") of files that must never be served: the
    modules that create the apps and the `.env` files beside the project or an app."""
    out: list[tuple[str, str]] = []
    for app in cx.model.apps:
        item = (posixpath.normpath(app.file), f"{app.file}:{app.line}")
        if item not in out:
            out.append(item)
    dirs = {"."} | {posixpath.normpath(a.root_path) for a in cx.model.apps
                    if a.root_path is not None and a.root_path_base == "project"}
    for folder in sorted(dirs):
        env = posixpath.normpath(posixpath.join(folder, ".env"))
        if cx.local(env).is_file() and all(rel != env for rel, _ in out):
            out.append((env, f"{env}:1"))
    return out
