"""read_project(): run the abstract interpreter over a project and build the ProjectModel."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from nglint.flask import flaskops, templates
from nglint.flask.interp import BudgetExceeded, Interpreter
from nglint.flask.model import (AppModel, BlueprintModel, ConfigValue, ExtensionStatic, FileRoute, Note,
                                ProjectModel, RouteModel, TemplateAssetUrl, Unresolvable)
from nglint.flask.objects import AppObj, BlueprintReg, ClassObj, DictObj, FileServe, FuncObj, ListObj, Mount, Rule
from nglint.flask.source import ProjectFiles, Source, names_in
from nglint.flask.stdlib import CallArgs, fspath, is_path
from nglint.flask.objects import NOT_SET
from nglint.flask.values import Cands, Pos, Unknown, Val, Value

# Modules worth running: they import Flask or configure an app. Others run only when imported.
INTERESTING = re.compile(r"^\s*(from|import)\s+(flask|werkzeug|whitenoise)\b|wsgi_app|register_blueprint|"
                         r"\.config\[|\.config\.(from_\w+|update|setdefault)\(|\.static_folder\s*=", re.M)
UPLOAD_KEY = re.compile(r"UPLOAD|MEDIA", re.I)
FOLDER_KEY = re.compile(r"(FOLDER|DIR|DIRECTORY|PATH|ROOT|DEST)$", re.I)
KEY_PRIORITY = ("UPLOAD_FOLDER", "UPLOADS_FOLDER", "UPLOAD_DIR", "UPLOADS_DIR", "UPLOAD_PATH", "UPLOAD_DIRECTORY",
                "MEDIA_ROOT", "MEDIA_FOLDER", "UPLOADS_DEFAULT_DEST")
_RULE_VAR = re.compile(r"<(?:([a-zA-Z_]\w*)(?:\([^)]*\))?:)?([a-zA-Z_]\w*)>")
_PATH_RULE = re.compile(r"^(?P<prefix>[^<]*)/<(?:(?P<conv>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?\w+>$")


def read_project(app_dir: Path | str, settings: dict[str, Any] | None = None) -> ProjectModel:
    """Read the Flask project in ``app_dir`` without importing it."""
    root = Path(app_dir).resolve()
    files = ProjectFiles(root)
    interp = Interpreter(files)
    for src in files.sources:
        if src.entry and INTERESTING.search(src.text):
            _run(interp, src)
    _run_importers_of_apps(interp, files)
    _call_uncalled_factories(interp, files)
    return _Builder(interp, root).build()


def _run(interp: Interpreter, src: Source) -> None:
    interp.steps = 0  # the budget is per entry module
    try:
        interp.run_module(src)
    except BudgetExceeded:
        interp.unresolvable("module", f"{src.rel} is too large to evaluate fully", None)


def _run_importers_of_apps(interp: Interpreter, files: ProjectFiles) -> None:
    """Entry scripts that import a module-level app (`from app import app`, then `import
    views` or `app.wsgi_app = ...`) without importing Flask themselves."""
    modules = sorted({t.split(":")[0] for app in interp.apps for t in app.targets})
    if not modules:
        return
    names = "|".join(map(re.escape, modules))
    importer = re.compile(rf"^\s*(from\s+({names})\s+import\b|import\s+({names})\b)", re.M)
    for src in files.sources:
        if src.entry and src.path not in interp.modules and importer.search(src.text):
            _run(interp, src)


def _uncalled_factories(interp: Interpreter) -> list[FuncObj]:
    """Module-level functions that construct an app and have not run yet."""
    app_classes = {c.v.name for m in interp.modules.values() for c in m.ns.values()
                   if isinstance(c, Val) and isinstance(c.v, ClassObj) and c.v.ext_base() == "flask.Flask"}
    return _functions_using(interp, app_classes | {"Flask"}, [f for f in interp.functions
                                                               if id(f) not in interp.invoked])


def _functions_using(interp: Interpreter, names: set[str], functions: list[FuncObj]) -> list[FuncObj]:
    """Module-level ``functions`` whose body mentions one of ``names``."""
    pattern = re.compile(r"\b(%s)\b" % "|".join(sorted(map(re.escape, names))))
    return [f for f in functions if f.closure is not None and f.closure.kind == "module"
            and pattern.search(f.src.text) and names_in(f.node) & names]


def _call_uncalled_factories(interp: Interpreter, files: ProjectFiles) -> None:
    """Run the modules that call a factory (wsgi.py, manage.py); factories nobody calls in
    the project (``flask --app pkg`` does) run with their default arguments."""
    names = {f.name for f in _uncalled_factories(interp)}
    # Follow wrappers (`def make(env): return create_app(env)`) to the scripts calling them.
    while names:
        calls = re.compile(r"\b(%s)\s*\(" % "|".join(sorted(map(re.escape, names))))
        found: set[str] = set()
        for src in files.sources:
            if src.entry and src.path not in interp.modules and calls.search(src.text):
                before = len(interp.functions)
                _run(interp, src)
                found |= {f.name for f in _functions_using(interp, names, interp.functions[before:])}
        names = found - names
    for func in _uncalled_factories(interp):
        before = len(interp.apps)
        interp.steps = 0
        try:
            interp.call_function(func, CallArgs(), None, None)
        except BudgetExceeded:
            interp.unresolvable("factory", f"{func.qualname}() is too large to evaluate fully", None)
        for app in interp.apps[before:]:
            app.notes.append((f"{func.qualname}() has no call site in the project: evaluated with its default "
                              f"arguments", None))


def _default(value: Value | None) -> Val | None:
    if isinstance(value, Val):
        return value
    if isinstance(value, Cands):
        opt = value.default_option()
        return opt if isinstance(opt, Val) else None
    return None


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, PurePosixPath):
        return str(v)
    if isinstance(v, (list, dict)):  # read from a data file (from_file)
        return v
    if isinstance(v, (tuple, ListObj)):
        items = v.items if isinstance(v, ListObj) else v
        return [_jsonable(i.v) if isinstance(i, Val) else None for i in items]
    if isinstance(v, DictObj):
        return {str(k): (_jsonable(i.v) if isinstance(i, Val) else None) for k, i in v.items.items()}
    return f"<{type(v).__name__}>"


def _loc(pos: Pos | None) -> tuple[str | None, int | None]:
    return (pos.file, pos.line) if pos is not None else (None, None)


def _at(pos: Pos | None) -> str | None:
    return str(pos) if pos is not None else None


def _unknown_reason(value: Value | None) -> str | None:
    """Why a value has no usable default: unknown, or None only because a variable is unset."""
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Cands) and value.default is None:
        return "depends on a branch the reader cannot decide"
    d = _default(value)
    if d is None:
        opt = value.default_option() if isinstance(value, Cands) else None
        return opt.reason if isinstance(opt, Unknown) else "not known"
    if d.v is None and d.env:
        names = ", ".join(f"${e}" for e in sorted(d.env))
        return f"environment variable without a default: None unless {names} is set"
    return None


class _Builder:
    def __init__(self, interp: Interpreter, root: Path) -> None:
        self.interp = interp
        self.root = root
        self.unresolvable: list[Unresolvable] = []
        self.view_cache: dict[tuple[int, int], list[FileServe]] = {}
        self.dotenv = _dotenv_files(root)

    # -- paths ----------------------------------------------------------------------
    def show(self, v: Val | None) -> tuple[str | None, str | None]:
        """(path as reported, its base) for a resolved path value."""
        if v is None or not is_path(v.v):
            return None, None
        p = posixpath.normpath(fspath(v.v)) if fspath(v.v) else "."
        if v.cwd or not p.startswith("/"):
            return p, "cwd"
        # Computed from a project file, and still somewhere around the project (a `..` or
        # two), not turned into another absolute path by string surgery.
        if v.proj and posixpath.commonpath([p, str(self.root)]) != "/":
            return posixpath.relpath(p, str(self.root)), "project"
        return p, "absolute"

    def unknown(self, what: str, value: Value | None, fallback: Pos | None, app: AppModel | None) -> None:
        reason = _unknown_reason(value)
        if reason is None:
            return
        pos = getattr(value, "pos", None) or fallback
        if isinstance(value, Cands) and value.default is None and value.options:
            pos = getattr(value.options[0], "pos", None) or pos
        file, line = _loc(pos)
        item = Unresolvable(what, reason, file, line, app.id if app else None)
        if item not in self.unresolvable:
            self.unresolvable.append(item)

    def path_field(self, value: Value | None, name: str, cand: dict[str, list[Any]]) -> tuple[str | None, str | None]:
        shown, base = self.show(_default(value))
        if isinstance(value, Cands):
            cand[name] = [self.show(o)[0] if isinstance(o, Val) else None for o in value.options]
        return shown, base

    def text_field(self, value: Value | None, name: str, cand: dict[str, list[Any]]) -> Any:
        d = _default(value)
        if isinstance(value, Cands):
            cand[name] = [_jsonable(o.v) if isinstance(o, Val) else None for o in value.options]
        return _jsonable(d.v) if d is not None else None

    # -- build ----------------------------------------------------------------------
    def build(self) -> ProjectModel:
        built: list[tuple[AppObj, AppModel]] = []
        # Analysing views may import modules that build more apps; those are not reported.
        for app in list(self.interp.apps):
            if app.initialised:
                built.append((app, self.app_model(app)))
        apps = self.dedupe(built)
        urls = self.template_urls(apps)
        for u in self.interp.unresolved:
            file, line = _loc(u.pos)
            item = Unresolvable(u.what, u.reason, file, line, self.app_id(u.app) if u.app else None)
            if item not in self.unresolvable:
                self.unresolvable.append(item)
        return ProjectModel(str(self.root), [m for _, m in apps], urls, self.unresolvable)

    def app_id(self, app: AppObj) -> str:
        file, line = _loc(app.pos)
        return f"{file}:{line}" + (f"@{app.call_site}" if app.call_site is not None else "")

    def dedupe(self, built: list[tuple[AppObj, AppModel]]) -> list[tuple[AppObj, AppModel]]:
        """The same construction reached from several call sites with the same outcome is one app."""
        out: list[tuple[AppObj, AppModel]] = []
        seen: dict[str, int] = {}
        for app, model in built:
            data = json.dumps({k: v for k, v in ProjectModel("", [model], [], []).to_json()["apps"][0].items()
                               if k not in ("id", "call_sites", "targets")}, sort_keys=True, default=str)
            key = f"{model.file}:{model.line}:{data}"
            if key in seen:
                kept = out[seen[key]][1]
                self.rename_app(model.id, kept.id)
                kept.call_sites += [c for c in model.call_sites if c not in kept.call_sites]
                kept.targets += [t for t in model.targets if t not in kept.targets]
                continue
            seen[key] = len(out)
            out.append((app, model))
        return out

    def rename_app(self, old: str, new: str) -> None:
        renamed: list[Unresolvable] = []
        for u in self.unresolvable:
            if u.app == old:
                u = Unresolvable(u.what, u.reason, u.file, u.line, new)
            if u not in renamed:
                renamed.append(u)
        self.unresolvable = renamed

    def app_model(self, app: AppObj) -> AppModel:
        file, line = _loc(app.pos)
        cand: dict[str, list[Any]] = {}
        at: dict[str, str] = {}
        notes = [Note(msg, _at(pos)) for msg, pos in app.notes]
        model = AppModel(
            id=self.app_id(app), name=app.names[0] if app.names else None, file=file or "?", line=line or 0,
            app_class=app.cls.name if app.cls else "Flask", kind="factory" if app.factory else "module",
            factory=app.factory, call_sites=[str(app.call_site)] if app.call_site else [], targets=list(app.targets),
            import_name=None, root_path=None, root_path_base=None, static_url_path=None,
            static_url_path_declared=None, static_url_path_attr=None, static_folder=None, static_folder_base=None,
            static_route=None, static_reachable=None, template_folder=None, template_folder_base=None,
            instance_path=None, instance_path_base=None, instance_relative_config=None, upload_folder=None,
            upload_folder_key=None, upload_folder_base=None, upload_folder_save_path=None, upload_config={},
            blueprints=[], file_routes=[], routes=[], mount_prefix=None, extension_routes=[], at=at, candidates=cand,
            notes=notes)
        model.import_name = self.text_field(app.import_name, "import_name", cand)
        self.unknown("import_name", app.import_name, app.pos, model)
        model.root_path, model.root_path_base = self.path_field(app.root_path, "root_path", cand)
        self.unknown("root_path", app.root_path, app.pos, model)
        if app.root_path_note:
            notes.append(Note(app.root_path_note, _at(app.pos)))
        static_folder = flaskops.join_root(app.root_path, app.static_folder_raw)
        model.static_folder, model.static_folder_base = self.path_field(static_folder, "static_folder", cand)
        self.unknown("static_folder", static_folder, app.static_folder_at, model)
        at["static_folder"] = _at(app.static_folder_at) or model.id
        model.static_url_path = self.text_field(app.static_url_path, "static_url_path", cand)
        self.unknown("static_url_path", app.static_url_path, app.pos, model)
        model.static_url_path_declared = self.text_field(app.static_url_path_declared, "static_url_path_declared",
                                                         cand)
        attr = flaskops.app_getattr(self.interp, app, "static_url_path", None)
        model.static_url_path_attr = self.text_field(attr, "static_url_path_attr", cand)
        if app.static_url_path_attr_at is not None:
            at["static_url_path"] = str(app.static_url_path_attr_at)
        static_rule = next((r for r in app.rules if r.kind == "static" and r.endpoint == "static"), None)
        if static_rule is not None:
            model.static_route = self.text_field(static_rule.rule, "static_route", cand)
            at["static_route"] = _at(static_rule.pos) or model.id
            prefix = model.static_url_path or ""
            model.static_reachable = not any(seg in (".", "..") for seg in prefix.split("/"))
            if model.static_reachable and model.static_folder is not None and model.static_folder == model.root_path:
                notes.append(Note(f"the static folder is the app's root_path: every file there (source code, "
                                  f".env) is public under {prefix}/", at["static_folder"]))
            if not model.static_reachable:
                notes.append(Note(f"static URL prefix {prefix!r} contains a dot segment that clients normalise "
                                  f"away: the static route is unreachable", _at(static_rule.pos)))
        raw = _default(app.static_folder_raw)
        if raw is not None and is_path(raw.v) and "\\" in fspath(raw.v):
            notes.append(Note(f"static_folder {fspath(raw.v)!r} contains a backslash: on Linux that is part of a "
                              f"file name, not a separator", at["static_folder"]))
        template = flaskops.join_root(app.root_path, app.template_folder)
        model.template_folder, model.template_folder_base = self.path_field(template, "template_folder", cand)
        at["template_folder"] = _at(app.template_folder_at) or model.id
        model.instance_path, model.instance_path_base = self.path_field(app.instance_path, "instance_path", cand)
        rel = _default(app.instance_relative)
        model.instance_relative_config = bool(rel.v) if rel is not None else None
        mount = _default(app.mount_prefix)
        model.mount_prefix = mount.v if mount is not None and isinstance(mount.v, str) else None
        for ext in app.extensions:
            prefix = _default(ext.url_prefix)
            file_, line_ = _loc(ext.pos)
            model.extension_routes.append(ExtensionStatic(
                ext.extension, prefix.v if prefix is not None and isinstance(prefix.v, str) else None, file_, line_,
                ext.note))
        model.routes = [self.route_model(r) for r in app.rules]
        model.blueprints = [self.blueprint_model(app, reg, model) for reg in app.registrations]
        model.file_routes = self.file_routes(app, model)
        self.upload_config(app, model)
        self.whitenoise_uploads(model)
        for reason, pos in app.config.unknown_sources:
            file_, line_ = _loc(pos)
            self.unresolvable.append(Unresolvable("config", reason, file_, line_, model.id))
        return model

    def route_model(self, rule: Rule) -> RouteModel:
        file, line = _loc(rule.pos)
        d = _default(rule.rule)
        return RouteModel(d.v if d is not None and isinstance(d.v, str) else None, rule.endpoint, file, line, rule.kind,
                          list(rule.methods) if rule.methods else None, rule.build_only)

    # -- blueprints -------------------------------------------------------------------
    def blueprint_model(self, app: AppObj, reg: BlueprintReg, model: AppModel) -> BlueprintModel:
        bp = reg.bp
        file, line = _loc(bp.pos)
        cand: dict[str, list[Any]] = {}
        folder, folder_base = self.path_field(reg.static_folder, "bp_static_folder", cand)
        rule = self.text_field(reg.static_rule.rule, "bp_static_route", cand) if reg.static_rule else None
        static_url = rule[: -len("/<path:filename>")] if isinstance(rule, str) and \
            rule.endswith("/<path:filename>") else None
        reachable: bool | None = None
        shadowed: str | None = None
        if reg.static_rule is not None:
            self.unknown(f"blueprint {reg.name} static route", reg.static_rule.rule, reg.pos, model)
            if static_url is not None:
                winner = _winner(app.rules, f"{static_url}/__nglint_probe__.css")
                reachable = winner is reg.static_rule and not any(s in (".", "..") for s in static_url.split("/"))
                if winner is not None and winner is not reg.static_rule:
                    shadowed = winner.endpoint
        template = flaskops.join_root(bp.root_path, bp.template_folder)
        return BlueprintModel(
            name=reg.name, blueprint=self.text_field(bp.name, "bp_name", cand), file=file or "?", line=line or 0,
            registered_at=_at(reg.pos), url_prefix=self.text_field(reg.url_prefix, "url_prefix", cand),
            url_prefix_declared=self.text_field(bp.url_prefix, "url_prefix_declared", cand),
            url_prefix_registered=self.text_field(reg.registered_prefix, "url_prefix_registered", cand),
            declared_static_url_path=self.text_field(reg.declared_static_url_path, "declared", cand),
            static_url_path=static_url, static_folder=folder, static_folder_base=folder_base, static_route=rule,
            static_endpoint=reg.static_rule.endpoint if reg.static_rule else None, reachable=reachable,
            shadowed_by=shadowed, template_folder=self.show(_default(template))[0],
            parent=reg.parent.name if reg.parent else None)

    # -- file routes --------------------------------------------------------------------
    def analyse_view(self, app: AppObj, rule: Rule) -> list[FileServe]:
        key = (id(app), id(rule))
        if key in self.view_cache:
            return self.view_cache[key]
        d = _default(rule.rule)
        params = [m.group(2) for m in _RULE_VAR.finditer(d.v)] if d is not None and isinstance(d.v, str) else []
        kwargs: dict[str, Value] = {p: Val(f"<{p}>", params=frozenset({p})) for p in params}
        interp = self.interp
        interp.serving, interp.frozen = [], True
        interp.steps = 0
        try:
            interp.call_function(rule.view, CallArgs([], kwargs), rule.pos, None, request_app=app)
        except BudgetExceeded:
            interp.unresolvable("view", f"view {rule.endpoint} is too large to evaluate", rule.pos, app)
        found, interp.serving, interp.frozen = interp.serving, None, False
        self.view_cache[key] = found
        return found

    def file_routes(self, app: AppObj, model: AppModel) -> list[FileRoute]:
        out: list[FileRoute] = []
        for rule in app.rules:
            rule_text = _default(rule.rule)
            text = rule_text.v if rule_text is not None and isinstance(rule_text.v, str) else None
            if rule.kind == "static":
                reg = rule.registration
                folder = reg.static_folder if reg else flaskops.join_root(app.root_path, app.static_folder_raw)
                shown, base = self.show(_default(folder))
                if self.relative_root(app) and shown is not None and not shown.startswith("/"):
                    shown = base = None
                    model.notes.append(Note(self.relative_root_problem(model), _at(rule.pos)))
                file, line = _loc(rule.pos)
                out.append(FileRoute(text, rule.endpoint, shown, "blueprint-static" if reg else "static", file, line,
                                     base, _literal_prefix(text), blueprint=reg.name if reg else None,
                                     reachable=_winner(app.rules, _probe(text)) is rule if text else None))
                continue
            if rule.view is None:
                continue
            protection = rule.view.protected_by or next(iter(
                [w for w, _ in (rule.registration.before if rule.registration else [])] +
                [w for w, _ in app.before_request]), None)
            for serve in self.analyse_view(app, rule):
                out.append(self.file_route(app, model, rule, text, serve, protection))
        for mount in app.mounts:
            out.append(self.mount_route(app, model, mount))
        return out

    @staticmethod
    def relative_root(app: AppObj) -> bool:
        """root_path given as a relative path (not the CWD fallback, which Flask makes absolute)."""
        root = _default(app.root_path)
        return root is not None and root.cwd and is_path(root.v) and fspath(root.v) not in (".", "")

    @staticmethod
    def relative_root_problem(model: AppModel) -> str:
        return (f"root_path {model.root_path!r} is relative: send_from_directory joins it to a relative "
                f"directory again (and send_file once more), so this route cannot find its files")

    def file_route(self, app: AppObj, model: AppModel, rule: Rule, text: str | None, serve: FileServe,
                   protection: str | None) -> FileRoute:
        directory = serve.directory
        if serve.base == "root_path":
            directory = flaskops.join_root(app.root_path, directory)
        d = _default(directory)
        shown, base = self.show(d)
        if serve.base == "root_path" and self.relative_root(app) and shown is not None and not shown.startswith("/"):
            shown = base = None
            model.notes.append(Note(self.relative_root_problem(model), _at(serve.pos)))
        file, line = _loc(rule.pos)
        served_file = None
        if serve.file is not None:
            f = _default(serve.file)
            if f is not None and not f.params:
                joined = flaskops.join_root(app.root_path, serve.file) if serve.base == "root_path" else serve.file
                served_file = self.show(_default(joined))[0]
        if d is None:
            self.unknown(f"directory of {serve.via} in {rule.endpoint}", directory, serve.pos, model)
        keys = sorted(d.keys) if d is not None else []
        return FileRoute(text, rule.endpoint, shown, serve.via, file, line, base, _literal_prefix(text),
                         protected=protection is not None, protected_by=protection,
                         parametrized=bool(d.params) if d is not None else False,
                         config_key=keys[0] if keys else None, methods=list(rule.methods) if rule.methods else None,
                         call=_at(serve.pos), served_file=served_file,
                         blueprint=rule.registration.name if rule.registration else None,
                         reachable=_winner(app.rules, _probe(text)) is rule if text else None)

    def mount_route(self, app: AppObj, model: AppModel, mount: Mount) -> FileRoute:
        prefix = _default(mount.prefix)
        text = prefix.v if prefix is not None and isinstance(prefix.v, str) else None
        d = _default(mount.directory)
        shown, base = self.show(d)
        if d is None:
            self.unknown(f"{mount.via} directory", mount.directory, mount.pos, model)
        if text is not None and not text.startswith("/"):
            model.notes.append(Note(f"{mount.via} prefix {text!r} does not start with '/': it never matches",
                                    _at(mount.pos)))
        file, line = _loc(mount.pos)
        keys = sorted(d.keys) if d is not None else []
        rule = f"{text.rstrip('/')}/<path:filename>" if text is not None else None
        return FileRoute(rule, None, shown, mount.via, file, line, base,
                         (text.rstrip("/") + "/") if text is not None else None,
                         parametrized=False, config_key=keys[0] if keys else None, call=_at(mount.pos))

    # -- upload config ----------------------------------------------------------------
    def upload_config(self, app: AppObj, model: AppModel) -> None:
        config = app.config
        overrides = [f"{reason} ({pos})" if pos else reason for reason, pos in config.unknown_sources]
        for key in config.data:
            if UPLOAD_KEY.search(key):
                entry = self.config_value(app, model, key, config.data[key], config.set_at.get(key), overrides)
                entry.overridable_by = entry.overridable_by + [
                    f"${name}={value!r} in {where} (when python-dotenv loads it: load_dotenv() or `flask run`)"
                    for name in entry.env for value, where in self.dotenv.get(name, [])]
                model.upload_config[key] = entry
        folders = [k for k, v in model.upload_config.items() if FOLDER_KEY.search(k)]
        route_keys = [r.config_key for r in model.file_routes if r.config_key in folders]
        chosen = route_keys[0] if route_keys else next((k for k in KEY_PRIORITY if k in folders),
                                                       sorted(folders)[0] if folders else None)
        if chosen is None:
            return
        entry = model.upload_config[chosen]
        model.upload_folder_key = chosen
        model.upload_folder, model.upload_folder_base = entry.serve_path, entry.serve_base
        model.upload_folder_save_path = entry.save_path
        if entry.file:
            model.at["upload_folder"] = f"{entry.file}:{entry.line}"

    @staticmethod
    def whitenoise_uploads(model: AppModel) -> None:
        """WhiteNoise lists its files once, at start-up: uploads saved later are never served."""
        upload = model.upload_folder
        if upload is None:
            return
        for r in model.file_routes:
            if r.via == "WhiteNoise" and r.directory is not None and \
                    (upload == r.directory or upload.startswith(r.directory.rstrip("/") + "/")):
                model.notes.append(Note(f"{model.upload_folder_key} {upload} is inside the WhiteNoise root "
                                        f"{r.directory}: WhiteNoise indexes files at start-up, so new uploads 404 "
                                        f"until a restart", r.call))

    def config_value(self, app: AppObj, model: AppModel, key: str, value: Value, set_at: Pos | None,
                     overrides: list[str]) -> ConfigValue:
        d = _default(value)
        unset_by_default = isinstance(value, Cands) and value.default_option() is NOT_SET
        reason = None if unset_by_default else _unknown_reason(value)
        status = "candidates" if isinstance(value, Cands) else "unknown" if reason else "known"
        file, line = _loc(getattr(d, "pos", None) or getattr(value, "pos", None) or set_at)
        env = sorted((d.env if d is not None else frozenset()) | (value.env if isinstance(value, Cands) else set()))
        entry = ConfigValue(key, status, None, file, line, _at(set_at), reason, env, overridable_by=overrides)
        if reason:
            self.unknown(key, value, set_at, model)
        elif d is not None:
            view = self.value_view(app, d, key)
            entry.value = view["value"]
            entry.anchor = view.get("anchor")
            entry.serve_path, entry.serve_base = view.get("serve_path"), view.get("serve_base")
            entry.save_path, entry.save_base = view.get("save_path"), view.get("save_base")
            if entry.anchor == "relative" and entry.serve_base != entry.save_base:
                model.notes.append(Note(
                    f"{key} {d.v!r} is relative: send_from_directory reads {entry.serve_path} (the app's "
                    f"root_path) but file.save() writes under the process CWD; they agree only when the server "
                    f"starts in {model.root_path}", entry.set_at))
        if isinstance(value, Cands):
            for opt in value.options:
                if isinstance(opt, Unknown):
                    entry.candidates.append({"status": "unset" if opt is NOT_SET else "unknown", "value": None,
                                             "reason": opt.reason})
                else:
                    entry.candidates.append({"status": "known", **self.value_view(app, opt, key)})
        return entry

    def value_view(self, app: AppObj, v: Val, key: str) -> dict[str, Any]:
        """A config value as reported, with where a path lands for serving and for saving."""
        if not is_path(v.v) or key.upper().endswith("URL"):  # MEDIA_URL is a URL prefix, not a folder
            return {"value": _jsonable(v.v)}
        raw = fspath(v.v)
        save_path, save_base = self.show(v)
        anchor = "relative" if not raw.startswith("/") and not v.cwd else save_base
        serve_path, serve_base = self.show(_default(flaskops.join_root(app.root_path, v)))
        return {"value": save_path if anchor in ("project", "cwd") else raw, "anchor": anchor,
                "serve_path": serve_path, "serve_base": serve_base, "save_path": save_path, "save_base": save_base}

    # -- templates --------------------------------------------------------------------
    def template_urls(self, apps: list[tuple[AppObj, AppModel]]) -> list[TemplateAssetUrl]:
        folders: dict[Path, list[tuple[AppObj, AppModel, BlueprintReg | None]]] = {}
        for app, model in apps:
            owners: list[tuple[Value, BlueprintReg | None]] = [
                (flaskops.join_root(app.root_path, app.template_folder), None)]
            owners += [(flaskops.join_root(reg.bp.root_path, reg.bp.template_folder), reg) for reg in app.registrations]
            for value, reg in owners:
                d = _default(value)
                if d is None or d.v is None or not is_path(d.v):
                    continue
                path = Path(posixpath.normpath(str(self.root / fspath(d.v)) if d.cwd else fspath(d.v)))
                if path.is_dir() and (path == self.root or self.root in path.parents):
                    folders.setdefault(path, []).append((app, model, reg))
        out: list[TemplateAssetUrl] = []
        scanned: dict[Path, Any] = {}
        for folder, owners_ in folders.items():
            for tfile in templates.template_files(folder):
                if tfile not in scanned:
                    scanned[tfile] = templates.scan_template(tfile)
                    for problem in scanned[tfile][1]:
                        self.unresolvable.append(Unresolvable("template", problem.reason, self.rel(problem.file),
                                                              problem.line))
                raw_urls = scanned[tfile][0]
                for app, model, reg in owners_:
                    for raw in raw_urls:
                        out.append(self.asset_url(app, model, reg, raw))
        return out

    def rel(self, path: Path) -> str:
        return posixpath.relpath(str(path), str(self.root))

    def asset_url(self, app: AppObj, model: AppModel, reg: BlueprintReg | None,
                  raw: templates.RawAssetUrl) -> TemplateAssetUrl:
        url: str | None = raw.literal
        endpoint = raw.endpoint
        if raw.kind == "url_for" and endpoint is not None:
            if endpoint.startswith("."):
                endpoint = f"{reg.name}{endpoint}" if reg is not None else None
            rule = next((r for r in app.rules if r.endpoint == endpoint and r.kind == "static"), None)
            text = _default(rule.rule) if rule is not None else None
            url = None
            if text is not None and isinstance(text.v, str) and raw.filename is not None:
                url = text.v.replace("<path:filename>", quote(raw.filename, safe="!$&'()*+,/:;=@"))
            if rule is None:
                model.notes.append(Note(f"url_for({raw.endpoint!r}) in {self.rel(raw.file)} has no such static "
                                        f"endpoint in this app: BuildError when the template renders",
                                        f"{self.rel(raw.file)}:{raw.line}"))
        return TemplateAssetUrl(self.rel(raw.file), raw.line, raw.kind, model.id, endpoint, raw.filename, url,
                                raw.dynamic, raw.raw)


def _dotenv_files(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Variables set in the project's .env/.flaskenv: name -> [(value, "file:line")]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name in (".flaskenv", ".env"):
        path = root / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$", line)
            if m and not line.lstrip().startswith("#"):
                value = m.group(2)
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                    value = value[1:-1]
                out.setdefault(m.group(1), []).append((value, f"{name}:{number}"))
    return out


def _literal_prefix(rule: str | None) -> str | None:
    if rule is None:
        return None
    return rule.split("<", 1)[0]


def _probe(rule: str | None) -> str:
    prefix = (rule or "").split("<", 1)[0]
    return prefix.rstrip("/") + "/__nglint_probe__.css"


def _winner(rules: list[Rule], path: str) -> Rule | None:
    """The rule Werkzeug matches for ``path`` among rules ending in one variable: more
    literal segments win, a one-segment converter beats ``path``, then the first added."""
    best: tuple[tuple[int, int], Rule] | None = None
    for rule in rules:
        d = _default(rule.rule)
        if d is None or not isinstance(d.v, str):
            continue
        m = _PATH_RULE.match(d.v)
        if m is None or "<" in m.group("prefix"):
            continue
        prefix = m.group("prefix")
        rest = path[len(prefix) + 1:] if path.startswith(prefix + "/") else None
        if rest is None or not rest:
            continue
        is_path_conv = m.group("conv") == "path"
        if not is_path_conv and "/" in rest:
            continue
        score = (prefix.count("/"), 0 if is_path_conv else 1)
        if best is None or score > best[0]:
            best = (score, rule)
    return best[1] if best else None

