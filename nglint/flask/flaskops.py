"""Flask 3.1 / Werkzeug 3.1 semantics for the abstract interpreter: app and blueprint
construction, static routes, blueprint registration, config loading, file-serving calls
and WSGI middleware mounts."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from nglint.flask import stdlib
from nglint.flask.objects import (ALIVE, AppObj, BlueprintObj, BlueprintReg, ClassObj, ConfigObj, DeferredRoute,
                                  DictObj, ExtensionObj, ExtensionRoute, ExtRef, FileServe, FuncObj, InstanceObj,
                                  ListObj, Method, MiddlewareObj, ModuleObj, Mount, RouteDecorator, Rule, SuperRef,
                                  WsgiRef)
from nglint.flask.stdlib import CallArgs, bind, fspath
from nglint.flask.values import LinePos, Pos, Unknown, Val, Value, derive, lift

if TYPE_CHECKING:
    from nglint.flask.interp import Frame, Interpreter

FLASK_PARAMS = [("import_name", None), ("static_url_path", None), ("static_folder", "static"),
                ("static_host", None), ("host_matching", False), ("subdomain_matching", False),
                ("template_folder", "templates"), ("instance_path", None), ("instance_relative_config", False),
                ("root_path", None)]
BLUEPRINT_PARAMS = [("name", None), ("import_name", None), ("static_folder", None), ("static_url_path", None),
                    ("template_folder", None), ("url_prefix", None), ("subdomain", None), ("url_defaults", None),
                    ("root_path", None), ("cli_group", None)]
ROUTE_METHODS = {"get": "GET", "post": "POST", "put": "PUT", "delete": "DELETE", "patch": "PATCH"}
AUTH_BODY = re.compile(r"is_authenticated|login_required|current_user|abort\(\s*40[13]|verify_jwt|"
                       r"session\s*(\.get\(|\[)|\blogin\b|unauthorized")
SERVE_FUNCS = {"flask.send_from_directory": ("send_from_directory", "root_path"),
               "flask.send_file": ("send_file", "root_path"),
               "werkzeug.utils.send_from_directory": ("send_from_directory", "cwd"),
               "werkzeug.utils.send_file": ("send_file", "cwd")}
MIDDLEWARE = {"werkzeug.middleware.shared_data.SharedDataMiddleware": "SharedDataMiddleware",
              "whitenoise.WhiteNoise": "WhiteNoise",
              "werkzeug.middleware.dispatcher.DispatcherMiddleware": "DispatcherMiddleware"}
NOOP_CALLS = {"os.makedirs", "os.mkdir", "dotenv.load_dotenv", "builtins.print", "logging.basicConfig",
              "builtins.setattr"}
# Extensions that add a static route of their own (files in site-packages).
EXTENSIONS = {
    "flask_admin.Admin": "Flask-Admin", "flask_admin.base.Admin": "Flask-Admin",
    "flask_restx.Api": "flask-restx", "flask_restplus.Api": "flask-restplus",
    "flasgger.Swagger": "flasgger", "flask_debugtoolbar.DebugToolbarExtension": "Flask-DebugToolbar",
    "flask_bootstrap.Bootstrap": "Flask-Bootstrap", "flask_bootstrap.Bootstrap4": "Bootstrap-Flask",
    "flask_bootstrap.Bootstrap5": "Bootstrap-Flask",
}
DATA_LOADERS = {"json.load": "json", "tomllib.load": "toml", "tomli.load": "toml", "toml.load": "toml"}


# -- root_path / instance_path ------------------------------------------------------

def _module_dir(interp: Interpreter, import_name: Val, frame: Frame) -> tuple[Value, str | None]:
    name = import_name.v
    if not isinstance(name, str):
        return Unknown("import name is not a string"), None
    src = interp.files.find_module(name, frame.src)
    if src is not None:
        return Val(str(src.path.parent), proj=True), None
    return Val(".", cwd=True), (f"import name {name!r} is not importable from the project: Flask uses the "
                                f"process CWD as root_path (deployment-dependent)")


def root_path_for(interp: Interpreter, explicit: Value, import_name: Value, frame: Frame,
                  pos: Pos | None) -> tuple[Value, str | None]:
    if not (isinstance(explicit, Val) and explicit.v is None):
        def given(v: Val) -> Value:
            if not stdlib.is_path(v.v):
                return Unknown("root_path is not a path", pos)
            p = fspath(v.v)
            return v if p.startswith("/") else Val(p, **{**stdlib.flags(v), "cwd": True}, pos=v.pos)
        return lift(given, explicit), None
    notes: list[str] = []

    def derived(n: Val) -> Value:
        value, note = _module_dir(interp, n, frame)
        if note:
            notes.append(note)
        return value
    return lift(derived, import_name), (notes[0] if notes else None)


def default_instance_path(interp: Interpreter, import_name: Value, frame: Frame) -> Value:
    def derived(n: Val) -> Value:
        if not isinstance(n.v, str):
            return Unknown("import name is not a string")
        src = interp.files.find_module(n.v.partition(".")[0], frame.src)
        if src is None:
            return Val("instance", cwd=True)
        return Val(str(src.package_root / "instance"), proj=True)
    return lift(derived, import_name)


def join_root(root: Value, folder: Value) -> Value:
    """Scaffold's folder getter: root_path joined to the folder on every read."""
    def join(r: Val, f: Val) -> Value:
        if f.v is None:
            return f
        if not stdlib.is_path(f.v):
            return Unknown("folder is not a path", f.pos)
        return stdlib.path_join(r, f)
    return lift(join, root, folder)


def _strip(value: Value, chars: str) -> Value:
    return lift(lambda v: stdlib.strip_slashes(v, chars), value)


def _derived_url(declared: Value, joined_folder: Value) -> Value:
    """static_url_path: the declared one, else "/" + basename of the folder."""
    def url(d: Val, f: Val) -> Value:
        if d.v is not None:
            return d
        if f.v is None:
            return Val(None)
        return derive(("/" + posixpath.basename(fspath(f.v))).rstrip("/"), f)
    return lift(url, declared, joined_folder)


# -- construction -------------------------------------------------------------------

def construct_app(interp: Interpreter, app: AppObj, ca: CallArgs, pos: Pos | None, frame: Frame) -> None:
    if app.initialised:
        return
    app.initialised = True
    b = bind(FLASK_PARAMS, ca, "Flask(...)")
    if isinstance(b["import_name"], Val) and b["import_name"].v is None:
        b["import_name"] = Unknown("Flask() without an import name", pos)
    app.import_name = b["import_name"]
    app.root_path, app.root_path_note = root_path_for(interp, b["root_path"], b["import_name"], frame, pos)
    app.root_path_at = pos
    app.static_folder_raw = _strip(b["static_folder"], "\\/")
    app.static_folder_at = _pos(b["static_folder"], pos)
    app.static_url_path_declared = _strip(b["static_url_path"], "/")
    app.static_url_path_attr = app.static_url_path_declared
    app.static_url_path_attr_at = _pos(b["static_url_path"], pos)
    app.template_folder = b["template_folder"]
    app.template_folder_at = _pos(b["template_folder"], pos)
    app.instance_relative = b["instance_relative_config"]
    explicit = b["instance_path"]
    if isinstance(explicit, Val) and explicit.v is None:
        app.instance_path = default_instance_path(interp, b["import_name"], frame)
    else:
        app.instance_path = explicit
        if isinstance(explicit, Val) and not fspath(explicit.v or "").startswith("/"):
            app.notes.append(("instance_path must be absolute: Flask raises ValueError", _pos(explicit, pos)))
    # Config(root_path) is fixed here: from_pyfile/from_file resolve against it.
    app.config.root = lift(lambda rel, inst, root: inst if rel.v else root, app.instance_relative,
                           app.instance_path, app.root_path)
    # The static rule exists from here on; later attribute changes do not move it.
    joined = join_root(app.root_path, app.static_folder_raw)
    app.static_url_path = lift(lambda f, u: u if f.v is not None else Val(None), joined,
                               _derived_url(app.static_url_path_declared, joined))
    rule = lift(lambda u: Val(None) if u.v is None else derive(f"{u.v}/<path:filename>", u), app.static_url_path)
    if isinstance(rule, Val) and rule.v is None:
        return
    if isinstance(rule, Val) and not rule.v.startswith("/"):
        app.notes.append((f"static URL rule {rule.v!r} does not start with '/': Flask raises ValueError",
                          _pos(b["static_url_path"], pos)))
        return
    app.rules.append(Rule(rule, "static", "static", pos))


def construct_blueprint(interp: Interpreter, bp: BlueprintObj, ca: CallArgs, pos: Pos | None, frame: Frame) -> None:
    b = bind(BLUEPRINT_PARAMS, ca, "Blueprint(...)")
    bp.name = b["name"]
    bp.import_name = b["import_name"]
    bp.root_path, note = root_path_for(interp, b["root_path"], b["import_name"], frame, pos)
    bp.root_note = note
    bp.static_folder_raw = _strip(b["static_folder"], "\\/")
    bp.static_url_path = _strip(b["static_url_path"], "/")
    bp.template_folder = b["template_folder"]
    bp.url_prefix = b["url_prefix"]


def _pos(value: Value, fallback: Pos | None) -> Pos | None:
    return getattr(value, "pos", None) or fallback


# -- attributes ------------------------------------------------------------------------

def app_getattr(interp: Interpreter, app: AppObj, name: str, pos: Pos | None) -> Value:
    if name == "config":
        return Val(app.config, pos=pos)
    if name == "root_path":
        return app.root_path
    if name == "static_folder":
        return join_root(app.root_path, app.static_folder_raw)
    if name == "static_url_path":
        return _derived_url(app.static_url_path_attr, join_root(app.root_path, app.static_folder_raw))
    if name == "instance_path":
        return app.instance_path
    if name == "template_folder":
        return app.template_folder
    if name in ("import_name", "name"):
        return app.import_name
    if name == "wsgi_app":
        return app.wsgi_app if app.wsgi_app is not None else Val(WsgiRef(app), pos=pos)
    return Val(Method(Val(app), name), pos=pos)


def app_setattr(interp: Interpreter, app: AppObj, name: str, value: Value, pos: Pos) -> None:
    if name == "static_folder":
        app.static_folder_raw = _strip(value, "\\/")
        app.static_folder_at = pos
    elif name == "static_url_path":
        app.static_url_path_attr = _strip(value, "/")
        app.static_url_path_attr_at = pos
        app.notes.append(("app.static_url_path assigned after construction: the static route and url_for keep "
                          "the URL from the constructor", pos))
    elif name == "template_folder":
        app.template_folder = value
        app.template_folder_at = pos
    elif name == "root_path":
        app.root_path = value
        app.root_path_at = pos
    elif name == "wsgi_app":
        app.wsgi_app = value
        if not (isinstance(value, Val) and isinstance(value.v, (WsgiRef, MiddlewareObj))):
            app.notes.append(("app.wsgi_app is wrapped by a middleware the reader does not model: URL prefixes "
                              "it adds are not known", pos))
    elif name == "config":
        app.config.unknown_sources.append(("app.config replaced", pos))


def bp_getattr(bp: BlueprintObj, name: str, pos: Pos | None) -> Value:
    if name == "static_folder":
        return join_root(bp.root_path, bp.static_folder_raw)
    if name == "static_url_path":
        return _derived_url(bp.static_url_path, join_root(bp.root_path, bp.static_folder_raw))
    if name in ("name", "import_name", "root_path", "url_prefix", "template_folder"):
        return getattr(bp, name)
    return Val(Method(Val(bp), name), pos=pos)


def bp_setattr(bp: BlueprintObj, name: str, value: Value) -> None:
    if name == "static_folder":
        bp.static_folder_raw = _strip(value, "\\/")
    elif name == "static_url_path":
        bp.static_url_path = _strip(value, "/")
    elif name in ("url_prefix", "template_folder", "root_path"):
        setattr(bp, name, value)


# -- routes and blueprints ---------------------------------------------------------------

def _route_decorator(owner: Any, ca: CallArgs, pos: Pos | None, method: str | None) -> Value:
    rule = ca.args[0] if ca.args else ca.kwargs.get("rule", Unknown("route without a rule", pos))
    endpoint = ca.kwargs.get("endpoint", Val(None))
    methods = (method,) if method else _methods(ca.kwargs.get("methods"))
    return Val(RouteDecorator(owner, rule, endpoint, methods, pos), pos=pos)


def _methods(value: Value | None) -> tuple[str, ...] | None:
    items = stdlib.iter_items(value) if value is not None else None
    if items is None or not all(isinstance(i, Val) and isinstance(i.v, str) for i in items):
        return None
    return tuple(i.v.upper() for i in items)


def apply_route(interp: Interpreter, deco: RouteDecorator, func_val: Value) -> None:
    func = func_val.v if isinstance(func_val, Val) and isinstance(func_val.v, FuncObj) else None
    endpoint = deco.endpoint.v if isinstance(deco.endpoint, Val) and isinstance(deco.endpoint.v, str) else None
    add_rule(interp, deco.owner, deco.rule, endpoint or (func.name if func else None), func, deco.methods,
             deco.pos)


def add_rule(interp: Interpreter, owner: Any, rule: Value, endpoint: str | None, view: FuncObj | None,
             methods: tuple[str, ...] | None, pos: Pos | None, build_only: bool = False) -> None:
    if interp.frozen:
        return
    if isinstance(owner, AppObj):
        if isinstance(rule, Val) and isinstance(rule.v, str) and not rule.v.startswith("/"):
            owner.notes.append((f"URL rule {rule.v!r} does not start with '/': Flask raises ValueError", pos))
            return
        owner.rules.append(Rule(rule, endpoint or "?", "route", pos, view, methods, build_only=build_only))
    elif isinstance(owner, BlueprintObj):
        owner.deferred.append(DeferredRoute(rule, endpoint, view, methods, pos, build_only))


def _join_prefix(prefix: Value, rule: Value) -> Value:
    """BlueprintSetupState.add_url_rule: url_prefix.rstrip('/') + '/' + rule.lstrip('/')."""
    def join(p: Val, r: Val) -> Value:
        if p.v is None:
            return r
        if not isinstance(p.v, str) or not isinstance(r.v, str):
            return Unknown("URL prefix or rule is not a string")
        if not r.v:
            return derive(p.v, p)
        return derive("/".join((p.v.rstrip("/"), r.v.lstrip("/"))), p, r)
    return lift(join, prefix, rule)


def register_blueprint(interp: Interpreter, app: AppObj, bp: BlueprintObj, options: dict[str, Value],
                       pos: Pos | None, parent: BlueprintReg | None = None) -> None:
    """Blueprint.register: static rule, deferred routes, then nested blueprints."""
    prefix_name = options.get("name_prefix", Val(""))
    self_name = options.get("name", bp.name)
    name_val = lift(lambda p, s: derive(f"{p.v}.{s.v}".lstrip("."), p, s), prefix_name, self_name)
    name = name_val.v if isinstance(name_val, Val) and isinstance(name_val.v, str) else "?"
    if any(r.name == name for r in app.registrations):
        app.notes.append((f"blueprint name {name!r} is registered twice: Flask raises ValueError", pos))
        return
    registered = options.get("url_prefix", Val(None))
    url_prefix = lift(lambda r, d: d if r.v is None else r, registered, bp.url_prefix)
    reg = BlueprintReg(bp, name, url_prefix, registered, pos, parent)
    app.registrations.append(reg)
    joined = join_root(bp.root_path, bp.static_folder_raw)
    reg.static_folder = joined
    reg.declared_static_url_path = bp.static_url_path
    has_static = lift(lambda f: Val(f.v is not None), joined)
    if not (isinstance(has_static, Val) and has_static.v is False):
        url = _derived_url(bp.static_url_path, joined)
        rule = _join_prefix(url_prefix, lift(lambda u: derive(f"{u.v}/<path:filename>", u)
                                             if isinstance(u.v, str) else Unknown("no static URL"), url))
        reg.static_rule = Rule(rule, f"{name}.static", "static", bp.pos, registration=reg)
        app.rules.append(reg.static_rule)
    for d in bp.deferred:
        app.rules.append(Rule(_join_prefix(url_prefix, d.rule), f"{name}.{d.endpoint or '?'}", "route", d.pos, d.view,
                              d.methods, reg, d.build_only))
    reg.before = list(bp.before_request) + (parent.before if parent is not None else [])
    for child, child_opts, child_pos in bp.children:
        opts = dict(child_opts)
        child_prefix = opts.get("url_prefix", Val(None))
        child_prefix = lift(lambda c, d: d if c.v is None else c, child_prefix, child.url_prefix)

        def nested(state: Val, c: Val) -> Value:
            if state.v is not None and c.v is not None:
                return derive(state.v.rstrip("/") + "/" + c.v.lstrip("/"), state, c)
            return c if c.v is not None else state
        opts["url_prefix"] = lift(nested, url_prefix, child_prefix)
        opts["name_prefix"] = Val(name)
        register_blueprint(interp, app, child, opts, child_pos, reg)


def before_request(interp: Interpreter, owner: Any, func_val: Value, pos: Pos | None) -> None:
    if interp.frozen or not (isinstance(func_val, Val) and isinstance(func_val.v, FuncObj)):
        return
    func = func_val.v
    if AUTH_BODY.search(func.src.tree.code_for_node(func.node)):
        owner.before_request.append((f"before_request {func.name} ({pos})", pos))


# -- config ------------------------------------------------------------------------------

def _mark_key(value: Value, key: str) -> Value:
    return lift(lambda v: replace(v, keys=v.keys | {key}), value)


def config_get(config: ConfigObj, key: Value, pos: Pos | None, default: Value | None = None) -> Value:
    def get(k: Val) -> Value:
        if not isinstance(k.v, str):
            return Unknown("config key is not a string", pos)
        if k.v in config.data:
            return _mark_key(config.data[k.v], k.v)
        if default is not None:
            return default
        if config.unknown_sources:
            reason, where = config.unknown_sources[0]
            return Unknown(f"app.config[{k.v!r}] is not set in the code; it may come from {reason} ({where})", pos)
        return Unknown(f"app.config[{k.v!r}] is not set (KeyError at runtime)", pos)
    return lift(get, key)


def _import_string(interp: Interpreter, dotted: str, frame: Frame) -> Value:
    name = dotted.replace(":", ".")
    mod = interp.import_project(name, frame.src)
    if mod is not None:
        return Val(mod)
    module, _, attr = name.rpartition(".")
    owner = interp.import_project(module, frame.src) if module else None
    if owner is None:
        return Unknown(f"from_object({dotted!r}): module is not in the project")
    return interp.module_attr(owner, attr, None)


def _upper_attrs(interp: Interpreter, obj: Val, pos: Pos | None, frame: Frame) -> dict[str, Value] | Unknown:
    v = obj.v
    if isinstance(v, ModuleObj):
        return {k: val for k, val in v.ns.items() if k.isupper()}
    if isinstance(v, ClassObj):
        out: dict[str, Value] = {}
        for c in v.mro():
            if isinstance(c, ClassObj):
                for k, val in c.ns.items():
                    if k.isupper() and k not in out:
                        out[k] = _property_value(interp, val, obj, pos, frame)
        return out
    if isinstance(v, InstanceObj):
        out = {k: val for k, val in v.attrs.items() if k.isupper()}
        for k, val in _upper_attrs(interp, Val(v.cls), pos, frame).items():  # type: ignore[union-attr]
            out.setdefault(k, _property_value(interp, val, obj, pos, frame))
        return out
    if isinstance(v, DictObj):
        return {}  # from_object(dict) reads attributes, and a dict has no uppercase ones
    return Unknown(f"from_object of a {type(v).__name__} value", pos)


def _property_value(interp: Interpreter, val: Value, self_val: Val, pos: Pos | None, frame: Frame) -> Value:
    if isinstance(val, Val) and isinstance(val.v, FuncObj) and val.v.kind == "property":
        return interp.call_function(val.v, CallArgs([self_val]), pos, frame)
    return val


def config_from_object(interp: Interpreter, config: ConfigObj, obj: Value, pos: Pos | None, frame: Frame) -> None:
    def apply(o: Value) -> None:
        if isinstance(o, Unknown):
            config.unknown_sources.append((f"from_object() of a value that is not known: {o.reason}", pos))
            return
        chooser = o.env if isinstance(o, Val) else frozenset()  # from_object(os.getenv("X", "cfg.Dev"))
        if isinstance(o, Val) and isinstance(o.v, str):
            o = _import_string(interp, o.v, frame)
            if not isinstance(o, Val):
                apply(o)
                return
        attrs = _upper_attrs(interp, o, pos, frame)
        if isinstance(attrs, Unknown):
            config.unknown_sources.append((attrs.reason, pos))
            return
        for k, val in attrs.items():
            if chooser:
                val = lift(lambda v: replace(v, env=v.env | chooser), val)
            config.set(k, val, pos)

    if isinstance(obj, Val) or isinstance(obj, Unknown):
        apply(obj)
        return
    interp.fork(frame, [lambda o=o: (apply(o), ALIVE)[1] for o in obj.options], obj.default, obj.env)


def _config_file(interp: Interpreter, config: ConfigObj, filename: Value, what: str, silent: bool,
                 pos: Pos | None) -> Path | None:
    path = lift(lambda r, f: stdlib.path_join(r, f), config.root, filename)
    if not isinstance(path, Val):
        config.unknown_sources.append((f"{what}: path not known", pos))
        return None
    p = fspath(path.v)
    if path.cwd or not p.startswith("/"):
        config.unknown_sources.append((f"{what}: {p} is relative to the process CWD", pos))
        return None
    real = Path(posixpath.normpath(p))
    if not real.is_file() or not _inside(real, interp.files.root):
        shown = _show_path(interp, real)
        suffix = " (silent=True)" if silent else ""
        config.unknown_sources.append((f"{what}: {shown} is not in the repository{suffix}", pos))
        return None
    return real


def _show_path(interp: Interpreter, path: Path) -> str:
    return posixpath.relpath(str(path), str(interp.files.root)) if _inside(path, interp.files.root) else str(path)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def config_from_pyfile(interp: Interpreter, config: ConfigObj, b: dict[str, Value], pos: Pos | None) -> None:
    silent = isinstance(b["silent"], Val) and bool(b["silent"].v)
    real = _config_file(interp, config, b["filename"], f"from_pyfile({_show(b['filename'])})", silent, pos)
    if real is None:
        return
    src = interp.files.find_file(real)
    mod = ModuleObj("config", src)
    interp.exec_module_body(mod, src, name="config")
    for k, val in mod.ns.items():
        if k.isupper():
            config.set(k, val, pos)


def config_from_file(interp: Interpreter, config: ConfigObj, b: dict[str, Value], pos: Pos | None) -> None:
    loader = b["load"].v.qualname if isinstance(b["load"], Val) and isinstance(b["load"].v, ExtRef) else None
    kind = DATA_LOADERS.get(loader or "")
    what = f"from_file({_show(b['filename'])})"
    if kind is None:
        config.unknown_sources.append((f"{what}: the load function is not a known data loader", pos))
        return
    silent = isinstance(b["silent"], Val) and bool(b["silent"].v)
    real = _config_file(interp, config, b["filename"], what, silent, pos)
    if real is None:
        return
    text = real.read_text(encoding="utf-8", errors="replace")
    try:
        if kind == "json":
            data = json.loads(text)
        else:
            import tomllib

            data = tomllib.loads(text)
    except ValueError as e:
        config.unknown_sources.append((f"{what}: cannot parse: {e}", pos))
        return
    if not isinstance(data, dict):
        config.unknown_sources.append((f"{what}: not a mapping", pos))
        return
    rel = _show_path(interp, real)
    for k, val in data.items():
        if isinstance(k, str) and k.isupper():
            config.set(k, Val(val, pos=LinePos(rel, _line_of_key(text, k))), pos)


def _line_of_key(text: str, key: str) -> int:
    m = re.search(rf"(^|[\"'\s]){re.escape(key)}[\"'\s]*[:=]", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _show(value: Value) -> str:
    return repr(fspath(value.v)) if isinstance(value, Val) else "..."


def call_config(interp: Interpreter, config: ConfigObj, name: str, ca: CallArgs, pos: Pos | None,
                frame: Frame) -> Value:
    if interp.frozen and name not in ("get",):
        return Val(None)
    if name == "get":
        key = ca.args[0] if ca.args else Val(None)
        default = ca.args[1] if len(ca.args) > 1 else ca.kwargs.get("default", Val(None))
        return config_get(config, key, pos, default)
    if name == "from_object":
        config_from_object(interp, config, ca.args[0] if ca.args else ca.kwargs.get("obj", Val(None)), pos, frame)
    elif name in ("update", "from_mapping"):
        items: dict[str, Value] = {}
        mapping = ca.args[0] if ca.args else ca.kwargs.pop("mapping", None) if name == "from_mapping" else None
        if mapping is not None:
            if isinstance(mapping, Val) and isinstance(mapping.v, DictObj):
                items.update({str(k): v for k, v in mapping.v.items.items()})
            elif not (isinstance(mapping, Val) and mapping.v is None):
                config.unknown_sources.append((f"config.{name}() of a mapping that is not known", pos))
        items.update({k: v for k, v in ca.kwargs.items() if k != "mapping"})
        if ca.unknown_star is not None:
            config.unknown_sources.append((f"config.{name}(**kwargs) with kwargs that are not known", pos))
        for k, v in items.items():
            if name == "update" or k.isupper():
                config.set(k, v, pos)
    elif name == "setdefault":
        key = ca.args[0] if ca.args else None
        if isinstance(key, Val) and isinstance(key.v, str) and key.v not in config.data:
            config.set(key.v, ca.args[1] if len(ca.args) > 1 else Val(None), pos)
    elif name == "from_pyfile":
        config_from_pyfile(interp, config, bind([("filename", None), ("silent", False)], ca, "from_pyfile"), pos)
    elif name in ("from_file", "from_json"):
        params = [("filename", None), ("load", None), ("silent", False), ("text", True)]
        b = bind(params if name == "from_file" else [("filename", None), ("silent", False)], ca, name)
        if name == "from_json":
            b["load"] = Val(ExtRef("json.load"))
        config_from_file(interp, config, b, pos)
    elif name == "from_envvar":
        var = ca.args[0] if ca.args else ca.kwargs.get("variable_name", Val(None))
        shown = var.v if isinstance(var, Val) else "?"
        config.unknown_sources.append((f"from_envvar({shown!r}) loads the file named by ${shown}", pos))
    elif name == "from_prefixed_env":
        prefix = ca.args[0] if ca.args else ca.kwargs.get("prefix", Val("FLASK"))
        shown = prefix.v if isinstance(prefix, Val) else "?"
        config.unknown_sources.append((f"from_prefixed_env() lets every ${shown}_* variable override config", pos))
    else:
        return Unknown(f"config.{name}() is not modelled", pos)
    return Val(None)


# -- calls --------------------------------------------------------------------------------

def _find_app(value: Value | None) -> AppObj | None:
    if not isinstance(value, Val):
        return None
    v = value.v
    if isinstance(v, AppObj):
        return v
    if isinstance(v, WsgiRef):
        return v.app
    if isinstance(v, MiddlewareObj):
        return v.app
    return None


def _pairs(value: Value | None) -> list[tuple[Value, Value]] | None:
    if isinstance(value, Val) and isinstance(value.v, DictObj):
        return [(Val(k), v) for k, v in value.v.items.items()]
    items = stdlib.iter_items(value) if value is not None else None
    if items is None:
        return None
    out = []
    for item in items:
        pair = stdlib.iter_items(item)
        if pair is None or len(pair) != 2:
            return None
        out.append((pair[0], pair[1]))
    return out


def _whitenoise_prefix(prefix: Value) -> Value:
    return lift(lambda p: derive("/" + (p.v or "").strip("/") + "/" if (p.v or "").strip("/") else "/", p)
                if isinstance(p.v, str) or p.v is None else Unknown("prefix is not a string"), prefix)


def make_middleware(interp: Interpreter, kind: str, ca: CallArgs, pos: Pos | None) -> Value:
    inner = ca.args[0] if ca.args else ca.kwargs.get("app", ca.kwargs.get("application"))
    app = _find_app(inner)
    mw = MiddlewareObj(kind, inner or Val(None), app, pos)
    if kind == "DispatcherMiddleware":
        # Each mounted app answers below its prefix; the first argument gets the rest.
        mounts = ca.args[1] if len(ca.args) > 1 else ca.kwargs.get("mounts")
        pairs = _pairs(mounts)
        if pairs is None:
            interp.unresolvable("middleware", "DispatcherMiddleware mounts are not known", pos)
        for prefix, target in pairs or []:
            mounted = _find_app(target)
            if mounted is not None and not interp.frozen:
                mounted.mount_prefix = prefix
                mw.app = mw.app or mounted
        return Val(mw, pos=pos)
    if app is None:
        interp.unresolvable("middleware", f"{kind} wraps an app the reader cannot identify", pos)
        return Val(mw, pos=pos)
    if interp.frozen:
        return Val(mw, pos=pos)
    if kind == "SharedDataMiddleware":
        exports = ca.args[1] if len(ca.args) > 1 else ca.kwargs.get("exports")
        pairs = _pairs(exports)
        if pairs is None:
            interp.unresolvable("middleware", "SharedDataMiddleware exports are not known", pos, app)
        for prefix, directory in pairs or []:
            app.mounts.append(Mount(prefix, directory, kind, pos))
    elif kind == "WhiteNoise":
        b = bind([("application", None), ("root", None), ("prefix", None)], ca, "WhiteNoise")
        if not (isinstance(b["root"], Val) and b["root"].v is None):
            app.mounts.append(Mount(_whitenoise_prefix(b["prefix"]), b["root"], kind, pos))
    return Val(mw, pos=pos)


def serve_call(interp: Interpreter, qualname: str, ca: CallArgs, pos: Pos | None) -> Value:
    via, base = SERVE_FUNCS[qualname]
    if interp.serving is not None:
        if via == "send_from_directory":
            directory = ca.args[0] if ca.args else ca.kwargs.get("directory", Unknown("no directory", pos))
            interp.serving.append(FileServe(via, directory, base, pos))
        else:
            path = ca.args[0] if ca.args else ca.kwargs.get("path_or_file", Unknown("no path", pos))
            def parent(p: Val) -> Value:
                if not stdlib.is_path(p.v):
                    return Unknown("send_file of a file object", pos)
                folder = posixpath.dirname(fspath(p.v))
                # Only URL variables left in the folder make the directory vary.
                return replace(derive(folder, p), params=frozenset(x for x in p.params if f"<{x}>" in folder))
            directory = lift(parent, path)
            interp.serving.append(FileServe(via, directory, base, pos, file=path))
    return Unknown("a response", pos)


def call_external(interp: Interpreter, qualname: str, ca: CallArgs, pos: Pos | None, frame: Frame) -> Value:
    q = qualname
    args = ca.args
    if q in stdlib.PATH_FUNCS:
        return lift(stdlib.PATH_FUNCS[q], *args).with_pos(pos) if args else Unknown(f"{q}() without arguments", pos)
    if q in ("os.getenv", "os.environ.get"):
        name = args[0] if args else ca.kwargs.get("key", Val(None))
        default = args[1] if len(args) > 1 else ca.kwargs.get("default", Val(None))
        return stdlib.env_lookup(interp, name, default, pos)
    if q == "os.environ.setdefault" and len(args) == 2:
        if isinstance(args[0], Val) and args[0].v not in interp.env_presets and not interp.frozen:
            interp.env_presets[args[0].v] = args[1]
        return stdlib.env_lookup(interp, args[0], args[1], pos)
    if q == "os.getcwd":
        return Val(".", cwd=True, pos=pos)
    if q == "pathlib.Path":
        if not args:
            return Val(PurePosixPath("."), pos=pos)
        return lift(lambda *ps: derive(PurePosixPath(*[fspath(p.v) for p in ps]), *ps, pos=pos)
                    if all(stdlib.is_path(p.v) for p in ps) else Unknown("Path() of a non-path", pos), *args)
    if q == "pathlib.Path.cwd":
        return Val(PurePosixPath("."), cwd=True, pos=pos)
    if q in NOOP_CALLS:
        return Val(None, pos=pos)
    if q.startswith("builtins."):
        return _builtin(interp, q[9:], ca, pos, frame)
    if q == "flask.Flask":
        app = interp.new_app(None, pos)
        construct_app(interp, app, ca, pos, frame)
        return Val(app, pos=pos)
    if q == "flask.Blueprint":
        bp = interp.new(BlueprintObj(None, pos))
        interp.blueprints.append(bp)
        construct_blueprint(interp, bp, ca, pos, frame)
        return Val(bp, pos=pos)
    if q in ("flask.Flask.__init__", "flask.Blueprint.__init__") and args:
        return call_method(interp, Method(args[0], q), CallArgs(args[1:], ca.kwargs, ca.unknown_star), pos, frame)
    if q in SERVE_FUNCS:
        return serve_call(interp, q, ca, pos)
    if q == "werkzeug.utils.safe_join":
        return lift(stdlib.path_join, *args) if args else Unknown("safe_join()", pos)
    if q in MIDDLEWARE:
        return make_middleware(interp, MIDDLEWARE[q], ca, pos)
    if q in EXTENSIONS:
        ext = ExtensionObj(q, dict(ca.kwargs), pos)
        app = _find_app(ca.args[0] if ca.args else ca.kwargs.get("app"))
        if app is not None:
            extension_route(interp, app, ext, pos)
        return Val(ext, pos=pos)
    return Unknown(f"call to {q} is not evaluated", pos)


def extension_route(interp: Interpreter, app: AppObj, ext: ExtensionObj, pos: Pos | None) -> None:
    """The static route an extension adds (its files live in site-packages)."""
    if interp.frozen:
        return
    name = EXTENSIONS[ext.qualname]
    note = None
    prefix: Value
    if name == "Flask-Admin":
        url = ext.kwargs.get("url", Val("/admin"))
        prefix = lift(lambda u: derive("/static/admin/" if u.v in ("/", "") else f"{u.v.rstrip('/')}/static/", u)
                      if isinstance(u.v, str) else Unknown("Admin url is not a string"), url)
    elif name in ("flask-restx", "flask-restplus"):
        prefix = Val("/swaggerui/")
    elif name == "flasgger":
        prefix = Val("/flasgger_static/")
    elif name == "Flask-DebugToolbar":
        prefix = Val("/_debug_toolbar/static/")
    elif name == "Bootstrap-Flask":
        prefix = Val("/bootstrap/static/")
    else:
        # flask_bootstrap.Bootstrap exists in both Flask-Bootstrap and Bootstrap-Flask.
        prefix = Val(None)
        note = ("Flask-Bootstrap serves /static/bootstrap/, Bootstrap-Flask /bootstrap/static/: the installed "
                "package decides")
    app.extensions.append(ExtensionRoute(name, prefix, pos, note))


def _builtin(interp: Interpreter, name: str, ca: CallArgs, pos: Pos | None, frame: Frame) -> Value:
    args = ca.args
    if name == "str":
        return lift(lambda v: derive(str(fspath(v.v)), v, pos=pos) if isinstance(fspath(v.v), (str, int, float))
                    else Unknown("str() of an object", pos), args[0]) if args else Val("", pos=pos)
    if name in ("int", "float", "bool") and args:
        conv = {"int": int, "float": float, "bool": bool}[name]

        def convert(v: Val) -> Value:
            try:
                return derive(conv(v.v), v, pos=pos)
            except (TypeError, ValueError):
                return Unknown(f"{name}() of {v.v!r} fails", pos)
        return lift(convert, args[0])
    if name == "dict":
        items: dict[Any, Value] = {}
        if args and isinstance(args[0], Val) and isinstance(args[0].v, DictObj):
            items.update(args[0].v.items)
        elif args:
            return Unknown("dict() of a value that is not a known dict", pos)
        items.update(ca.kwargs)
        return Val(interp.new(DictObj(items)), pos=pos)
    if name in ("list", "tuple") and args:
        elements = stdlib.iter_items(args[0])
        if elements is None:
            return Unknown(f"{name}() of a value that is not known", pos)
        return Val(interp.new(ListObj(elements)) if name == "list" else tuple(elements), pos=pos)
    if name == "getattr" and len(args) >= 2 and isinstance(args[1], Val) and isinstance(args[1].v, str):
        found = interp.getattr(args[0], args[1].v, pos, frame)
        if isinstance(found, Unknown) and len(args) > 2:
            return args[2]
        return found
    if name == "super":
        if frame.cls is not None and frame.self_val is not None:
            return Val(SuperRef(frame.cls, frame.self_val), pos=pos)
        return Unknown("super() outside a method", pos)
    if name == "len" and args:
        elements = stdlib.iter_items(args[0])
        return Val(len(elements), pos=pos) if elements is not None else Unknown("len() of an unknown", pos)
    return Unknown(f"{name}() is not evaluated", pos)


def call_method(interp: Interpreter, m: Method, ca: CallArgs, pos: Pos | None, frame: Frame) -> Value:
    recv = m.recv
    if not isinstance(recv, Val):
        return Unknown(f"method {m.name} of a value that is not known", pos)
    v = recv.v
    name = m.name
    if isinstance(v, str):
        return stdlib.str_method(recv, name, ca.args, ca.kwargs)
    if isinstance(v, PurePosixPath):
        if not all(isinstance(a, Val) for a in ca.args):
            return Unknown(f"Path.{name} with an argument that is not known", pos)
        return stdlib.path_method(recv, name, ca.args)  # type: ignore[arg-type]
    if isinstance(v, DictObj):
        if name in ("update", "setdefault", "pop") and not interp.frozen:
            if name == "update" and ca.args and isinstance(ca.args[0], Val) and isinstance(ca.args[0].v, DictObj):
                v.items.update(ca.args[0].v.items)
            if name == "update":
                v.items.update(ca.kwargs)
            elif name == "setdefault" and ca.args and isinstance(ca.args[0], Val):
                v.items.setdefault(ca.args[0].v, ca.args[1] if len(ca.args) > 1 else Val(None))
                return v.items[ca.args[0].v]
            elif name == "pop" and ca.args and isinstance(ca.args[0], Val):
                return v.items.pop(ca.args[0].v, ca.args[1] if len(ca.args) > 1 else Unknown("popped key"))
            return Val(None)
        return stdlib.dict_method(recv, name, ca.args, pos)
    if isinstance(v, ListObj):
        return stdlib.list_method(recv, name, ca.args, pos, interp.frozen)
    if isinstance(v, ConfigObj):
        return call_config(interp, v, name, ca, pos, frame)
    if isinstance(v, ExtensionObj):
        app = _find_app(ca.args[0] if ca.args else ca.kwargs.get("app"))
        if name == "init_app" and app is not None:
            extension_route(interp, app, v, pos)
        return Val(None)
    if isinstance(v, MiddlewareObj):
        if name == "add_files" and v.kind == "WhiteNoise" and v.app is not None and not interp.frozen:
            b = bind([("root", None), ("prefix", None)], ca, "WhiteNoise.add_files")
            v.app.mounts.append(Mount(_whitenoise_prefix(b["prefix"]), b["root"], "WhiteNoise", pos))
        return Val(None)
    if isinstance(v, (AppObj, BlueprintObj, InstanceObj)) and name in ("flask.Flask.__init__",
                                                                         "flask.Blueprint.__init__"):
        if isinstance(v, AppObj):
            construct_app(interp, v, ca, v.pos, frame)
        elif isinstance(v, BlueprintObj):
            construct_blueprint(interp, v, ca, v.pos, frame)
        return Val(None)
    if isinstance(v, (AppObj, BlueprintObj)):
        return _scaffold_method(interp, v, name, ca, pos, frame)
    return Unknown(f"method {name} of {type(v).__name__} is not modelled", pos)


def _scaffold_method(interp: Interpreter, owner: AppObj | BlueprintObj, name: str, ca: CallArgs, pos: Pos | None,
                     frame: Frame) -> Value:
    if name == "route":
        return _route_decorator(owner, ca, pos, None)
    if name in ROUTE_METHODS:
        return _route_decorator(owner, ca, pos, ROUTE_METHODS[name])
    if name == "add_url_rule":
        b = bind([("rule", None), ("endpoint", None), ("view_func", None)], CallArgs(ca.args, ca.kwargs), name)
        view = b["view_func"].v if isinstance(b["view_func"], Val) and isinstance(b["view_func"].v, FuncObj) else None
        endpoint = b["endpoint"].v if isinstance(b["endpoint"], Val) and isinstance(b["endpoint"].v, str) else None
        build_only = ca.kwargs.get("build_only")
        add_rule(interp, owner, b["rule"], endpoint or (view.name if view else None), view,
                 _methods(ca.kwargs.get("methods")), pos,
                 build_only=isinstance(build_only, Val) and bool(build_only.v))
        return Val(None)
    if name == "register_blueprint":
        if interp.frozen:
            return Val(None)
        target = ca.args[0] if ca.args else ca.kwargs.get("blueprint", Unknown("no blueprint", pos))
        options = {k: v for k, v in ca.kwargs.items() if k != "blueprint"}
        if not (isinstance(target, Val) and isinstance(target.v, BlueprintObj)):
            reason = target.reason if isinstance(target, Unknown) else "not a blueprint the reader can follow"
            interp.unresolvable("blueprint", f"register_blueprint(): {reason}", pos,
                                owner if isinstance(owner, AppObj) else None)
            return Val(None)
        if isinstance(owner, AppObj):
            register_blueprint(interp, owner, target.v, options, pos)
        else:
            owner.children.append((target.v, options, pos))
        return Val(None)
    if name in ("before_request", "before_app_request") and ca.args:
        before_request(interp, owner, ca.args[0], pos)
        return ca.args[0]
    if name == "send_static_file" and isinstance(owner, (AppObj, BlueprintObj)):
        if interp.serving is not None:
            folder = join_root(owner.root_path, owner.static_folder_raw)
            name = ca.args[0] if ca.args else ca.kwargs.get("filename", Unknown("no file name", pos))
            # send_static_file is send_from_directory(static_folder): joined to root_path again.
            interp.serving.append(FileServe("send_static_file", folder, "root_path", pos,
                                            file=lift(stdlib.path_join, folder, name)))
        return Unknown("a response", pos)
    return Unknown(f"{name}() is not evaluated", pos)
