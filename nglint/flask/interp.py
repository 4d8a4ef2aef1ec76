"""An abstract interpreter over libcst trees: runs module bodies, class bodies and the
functions they call (factories), with values from ``values`` and Flask semantics from
``flaskops``. It never imports or executes user code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import libcst as cst

from nglint.flask import flaskops, stdlib
from nglint.flask.objects import (ALIVE, BREAK, CONTINUE, DEAD, AppObj, BlueprintObj, BoundFunc, ClassObj,
                                  ConfigObj, DictObj, ExtensionObj, ExtRef, FileServe, FuncObj, InstanceObj, ListObj,
                                  Method, MiddlewareObj, ModuleObj, Mutable, RouteDecorator, SuperRef, merge_field)
from nglint.flask.source import ProjectFiles, Source, iter_nodes, names_in
from nglint.flask.stdlib import CallArgs
from nglint.flask.values import Cands, LinePos, NodePos, Pos, Unknown, Val, Value, cands, derive, lift, truth

MAX_DEPTH = 40
MAX_STEPS = 400_000
MAX_LOOP = 500

# Canonical names of modelled external objects (submodule spellings map to the public one).
ALIASES = {
    "flask.app.Flask": "flask.Flask", "flask.blueprints.Blueprint": "flask.Blueprint",
    "flask.helpers.send_from_directory": "flask.send_from_directory", "flask.helpers.send_file":
    "flask.send_file", "flask.globals.current_app": "flask.current_app",
    "werkzeug.wsgi.SharedDataMiddleware": "werkzeug.middleware.shared_data.SharedDataMiddleware",
    "werkzeug.SharedDataMiddleware": "werkzeug.middleware.shared_data.SharedDataMiddleware",
    "werkzeug.wsgi.DispatcherMiddleware": "werkzeug.middleware.dispatcher.DispatcherMiddleware",
    "werkzeug.DispatcherMiddleware": "werkzeug.middleware.dispatcher.DispatcherMiddleware",
    "whitenoise.base.WhiteNoise": "whitenoise.WhiteNoise", "posixpath": "os.path",
    "werkzeug.security.safe_join": "werkzeug.utils.safe_join", "flask.safe_join": "werkzeug.utils.safe_join",
    "pathlib.PosixPath": "pathlib.Path", "pathlib.PurePath": "pathlib.Path",
    "pathlib.PurePosixPath": "pathlib.Path",
}
BUILTINS = {"str", "int", "float", "bool", "dict", "list", "tuple", "set", "len", "print", "getattr", "hasattr",
            "isinstance", "super", "open", "type", "object", "Exception", "sorted", "repr", "staticmethod",
            "classmethod", "property", "range", "min", "max", "abs", "any", "all", "setattr"}
AUTH_NAME = re.compile(r"(required|requires|login|auth|permission|protect|admin_only|roles?_accepted)", re.I)


class BudgetExceeded(Exception):
    pass


@dataclass
class Frame:
    module: ModuleObj
    locals: dict[str, Value]
    parent: Frame | None
    kind: str  # module | function | class
    func: FuncObj | None = None
    self_val: Value | None = None  # for super()
    cls: ClassObj | None = None  # class whose method runs (for super())
    request_app: AppObj | None = None  # views analysed as if serving a request
    on_default: bool = True
    returns: list[tuple[Value, bool]] = field(default_factory=list)
    global_names: set[str] = field(default_factory=set)

    @property
    def src(self) -> Source:
        return self.module.src


@dataclass
class Unresolved:
    what: str
    reason: str
    pos: Pos | None
    app: AppObj | None = None


class Interpreter:
    def __init__(self, files: ProjectFiles) -> None:
        self.files = files
        self.modules: dict[Path, ModuleObj] = {}
        self.heap: list[Mutable] = []
        self.apps: list[AppObj] = []
        self.blueprints: list[BlueprintObj] = []
        self.unresolved: list[Unresolved] = []
        self.env_presets: dict[str, Value] = {}  # os.environ[...] = / setdefault in the code
        self.call_stack: list[tuple[FuncObj, Pos | None]] = []
        self.invoked: set[int] = set()  # ids of FuncObjs that ran
        self.functions: list[FuncObj] = []
        self.steps = 0
        self.frozen = False  # views run without changing the app
        self.serving: list[FileServe] | None = None
        self.generators: dict[int, bool] = {}  # id(FunctionDef) -> has a yield

    # -- bookkeeping -----------------------------------------------------------------
    def new(self, obj: Any) -> Any:
        if isinstance(obj, Mutable):
            self.heap.append(obj)
        return obj

    def unresolvable(self, what: str, reason: str, pos: Pos | None, app: AppObj | None = None) -> None:
        self.unresolved.append(Unresolved(what, reason, pos, app))

    def pos(self, node: cst.CSTNode, frame: Frame) -> NodePos:
        return NodePos(frame.src, node)

    # -- modules -------------------------------------------------------------------
    def run_module(self, src: Source) -> ModuleObj:
        mod = self.modules.get(src.path)
        if mod is not None:
            return mod
        mod = ModuleObj(src.module_name, src)
        self.modules[src.path] = mod
        # Python imports the parent packages first.
        parts = src.module_name.split(".")
        for i in range(1, len(parts)):
            parent = self.files.find_module(".".join(parts[:i]), src)
            if parent is not None:
                self.run_module(parent)
        # A module body is not part of the function that happened to import it, nor of a
        # view being analysed (an import inside a view runs the module for real).
        saved = self.call_stack, self.frozen, self.serving
        self.call_stack, self.frozen, self.serving = [], False, None
        try:
            self.exec_module_body(mod, src)
        finally:
            self.call_stack, self.frozen, self.serving = saved
        return mod

    def exec_module_body(self, mod: ModuleObj, src: Source, name: str | None = None) -> None:
        mod.ns.update({"__name__": Val(name or src.module_name), "__file__": Val(str(src.path), proj=True)})
        try:
            tree = src.tree
        except (cst.ParserSyntaxError, OSError, RecursionError) as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            line = e.raw_line if isinstance(e, cst.ParserSyntaxError) else 1
            self.unresolvable("module", f"cannot parse {src.rel}: {msg}", LinePos(src.rel, line))
            mod.done = True
            return
        frame = Frame(mod, mod.ns, None, "module")
        self.exec_block(tree.body, frame)
        mod.done = True

    def import_project(self, name: str, near: Source | None) -> ModuleObj | None:
        src = self.files.find_module(name, near)
        return self.run_module(src) if src is not None else None

    def import_value(self, name: str, frame: Frame) -> Value:
        mod = self.import_project(name, frame.src)
        if mod is not None:
            return Val(mod)
        return Val(ExtRef(ALIASES.get(name, name)))

    def module_attr(self, mod: ModuleObj, name: str, pos: Pos | None) -> Value:
        if name in mod.ns:
            return mod.ns[name]
        sub = self.import_project(f"{mod.name}.{name}", mod.src)
        if sub is not None:
            return Val(sub)
        if not mod.done:
            return Unknown(f"{mod.name}.{name} is used before it is defined (circular import)", pos)
        return Unknown(f"{mod.name} has no attribute {name!r}", pos)

    # -- statements ----------------------------------------------------------------
    def exec_block(self, stmts: Any, frame: Frame) -> int:
        for stmt in stmts:
            status = self.exec_stmt(stmt, frame)
            if status != ALIVE:
                return status
        return ALIVE

    def exec_suite(self, suite: cst.BaseSuite, frame: Frame) -> int:
        return self.exec_block(suite.body, frame)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> int:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BudgetExceeded
        if isinstance(stmt, cst.SimpleStatementLine):
            return self.exec_block(stmt.body, frame)
        handler = getattr(self, "stmt_" + type(stmt).__name__, None)
        if handler is None:
            return ALIVE
        return handler(stmt, frame)

    def stmt_Expr(self, stmt: cst.Expr, frame: Frame) -> int:
        self.eval(stmt.value, frame)
        return ALIVE

    def stmt_Assign(self, stmt: cst.Assign, frame: Frame) -> int:
        value = self.eval(stmt.value, frame)
        for target in stmt.targets:
            self.assign(target.target, value, frame, self.pos(stmt, frame))
        return ALIVE

    def stmt_AnnAssign(self, stmt: cst.AnnAssign, frame: Frame) -> int:
        if stmt.value is not None:
            self.assign(stmt.target, self.eval(stmt.value, frame), frame, self.pos(stmt, frame))
        return ALIVE

    def stmt_AugAssign(self, stmt: cst.AugAssign, frame: Frame) -> int:
        op = type(stmt.operator).__name__.replace("Assign", "")
        value = self.binop(op, self.eval(stmt.target, frame), self.eval(stmt.value, frame), self.pos(stmt, frame))
        self.assign(stmt.target, value, frame, self.pos(stmt, frame))
        return ALIVE

    def stmt_Return(self, stmt: cst.Return, frame: Frame) -> int:
        value = self.eval(stmt.value, frame) if stmt.value is not None else Val(None)
        frame.returns.append((value, frame.on_default))
        return DEAD

    def stmt_Raise(self, stmt: cst.Raise, frame: Frame) -> int:
        return DEAD

    def stmt_Break(self, stmt: cst.Break, frame: Frame) -> int:
        return BREAK

    def stmt_Continue(self, stmt: cst.Continue, frame: Frame) -> int:
        return CONTINUE

    def stmt_Global(self, stmt: cst.Global, frame: Frame) -> int:
        frame.global_names.update(n.name.value for n in stmt.names)
        return ALIVE

    def stmt_Import(self, stmt: cst.Import, frame: Frame) -> int:
        for alias in stmt.names:
            dotted = _dotted(alias.name)
            value = self.import_value(dotted, frame)
            if alias.asname is not None:
                self.bind(alias.asname.name.value, value, frame)
            else:
                top = dotted.split(".")[0]
                self.bind(top, self.import_value(top, frame) if top != dotted else value, frame)
        return ALIVE

    def stmt_ImportFrom(self, stmt: cst.ImportFrom, frame: Frame) -> int:
        base = _dotted(stmt.module) if stmt.module is not None else ""
        if stmt.relative:
            package = frame.src.package.split(".") if frame.src.package else []
            up = len(stmt.relative) - 1
            package = package[:len(package) - up] if up else package
            base = ".".join(p for p in [*package, base] if p)
        source = self.import_value(base, frame) if base else Unknown("relative import above the top package")
        if isinstance(stmt.names, cst.ImportStar):
            if isinstance(source, Val) and isinstance(source.v, ModuleObj):
                names = [n for n in source.v.ns if not n.startswith("_")]
                for n in names:
                    self.bind(n, source.v.ns[n], frame)
            return ALIVE
        for alias in stmt.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else _dotted(alias.name)
            target = alias.asname.name.value if alias.asname is not None else name
            self.bind(target, self.getattr(source, name, self.pos(stmt, frame), frame), frame)
        return ALIVE

    def stmt_If(self, stmt: cst.If, frame: Frame) -> int:
        test = self.eval(stmt.test, frame)
        orelse = stmt.orelse

        def run_else() -> int:
            if orelse is None:
                return ALIVE
            if isinstance(orelse, cst.If):
                return self.stmt_If(orelse, frame)
            return self.exec_suite(orelse.body, frame)

        if _is_main_check(stmt.test):
            # `python run.py` takes this branch, an import does not: both are real.
            return self.fork(frame, [lambda: self.exec_suite(stmt.body, frame), run_else], 1, frozenset())
        value, env = truth(test)
        if value is not None and not env:
            return self.exec_suite(stmt.body, frame) if value else run_else()
        default = None if value is None else (0 if value else 1)
        return self.fork(frame, [lambda: self.exec_suite(stmt.body, frame), run_else], default, env)

    def stmt_For(self, stmt: cst.For, frame: Frame) -> int:
        items = stdlib.iter_items(self.eval(stmt.iter, frame))
        if items is None:
            if names_in(stmt.body) & {"register_blueprint", "config", "static_folder", "route", "add_url_rule"}:
                self.unresolvable("loop", "loop over a value that is not statically known: its body was not "
                                          "evaluated", self.pos(stmt, frame))
            return ALIVE
        for item in items[:MAX_LOOP]:
            self.assign(stmt.target, item, frame, self.pos(stmt, frame))
            status = self.exec_suite(stmt.body, frame)
            if status == BREAK:
                return ALIVE
            if status == DEAD:
                return DEAD
        if stmt.orelse is not None:
            return self.exec_suite(stmt.orelse.body, frame)
        return ALIVE

    def stmt_Try(self, stmt: cst.Try, frame: Frame) -> int:
        # Handlers run only when something raises, which the reader does not model.
        status = self.exec_suite(stmt.body, frame)
        if status == ALIVE and stmt.orelse is not None:
            status = self.exec_suite(stmt.orelse.body, frame)
        if stmt.finalbody is not None:
            final = self.exec_suite(stmt.finalbody.body, frame)
            if final != ALIVE:
                return final
        return status

    def stmt_With(self, stmt: cst.With, frame: Frame) -> int:
        for item in stmt.items:
            self.eval(item.item, frame)
            if item.asname is not None:
                self.assign(item.asname.name, Unknown("context manager value"), frame, self.pos(stmt, frame))
        return self.exec_suite(stmt.body, frame)

    def stmt_FunctionDef(self, stmt: cst.FunctionDef, frame: Frame) -> int:
        defaults: dict[str, Value] = {}
        params = stmt.params
        for p in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if p.default is not None:
                defaults[p.name.value] = self.eval(p.default, frame)
        closure = frame.parent if frame.kind == "class" else frame
        prefix = f"{frame.module.name}." if frame.kind == "module" else ""
        func = FuncObj(stmt.name.value, stmt, frame.src, closure, defaults, qualname=prefix + stmt.name.value)
        self.functions.append(func)
        value: Value = Val(func, pos=self.pos(stmt.name, frame))
        for deco in reversed(stmt.decorators):
            value = self.decorate(value, deco, frame)
        self.bind(stmt.name.value, value, frame)
        return ALIVE

    def stmt_ClassDef(self, stmt: cst.ClassDef, frame: Frame) -> int:
        bases = [self.eval(arg.value, frame) for arg in stmt.bases if not arg.star and arg.keyword is None]
        cls = ClassObj(stmt.name.value, bases, {}, frame.src, self.pos(stmt.name, frame))
        body_frame = Frame(frame.module, cls.ns, frame, "class", request_app=frame.request_app)
        self.exec_suite(stmt.body, body_frame)
        self.bind(stmt.name.value, Val(cls, pos=self.pos(stmt.name, frame)), frame)
        return ALIVE

    # -- branches --------------------------------------------------------------------
    def snapshot(self, frame: Frame) -> tuple[dict[int, dict[str, Any]], dict[str, Value]]:
        # Views run frozen: nothing on the heap changes, only their locals.
        heap = {} if self.frozen else {id(o): o.snapshot() for o in self.heap}
        return heap, dict(frame.locals)

    def restore(self, frame: Frame, snap: tuple[dict[int, dict[str, Any]], dict[str, Value]]) -> None:
        heap_state, local_state = snap
        for obj in self.heap if heap_state else ():
            state = heap_state.get(id(obj))
            if state is not None:
                obj.restore(state)
        frame.locals.clear()
        frame.locals.update(local_state)

    def fork(self, frame: Frame, branches: list[Callable[[], int]], default: int | None,
             env: frozenset[str]) -> int:
        """Run each branch from the same state, then merge what differs into candidates."""
        base = self.snapshot(frame)
        outer_default = frame.on_default
        results: list[tuple[int, Any]] = []
        for i, run in enumerate(branches):
            self.restore(frame, base)
            frame.on_default = outer_default and default == i
            status = run()
            results.append((status, self.snapshot(frame)))
        frame.on_default = outer_default
        live = [i for i, (status, _) in enumerate(results) if status != DEAD]
        if not live:
            self.restore(frame, results[default if default is not None else 0][1])
            return DEAD
        states = [results[i][1] for i in live]
        live_default = live.index(default) if default in live else None
        for obj in [] if self.frozen else self.heap:
            per = [s[0].get(id(obj)) for s in states]
            if all(p is not None for p in per):
                obj.merge(per, live_default, env)
        merged = merge_field([s[1] for s in states], live_default, env)
        frame.locals.clear()
        frame.locals.update(merged)
        statuses = {results[i][0] for i in live}
        return statuses.pop() if len(statuses) == 1 else ALIVE

    # -- binding ---------------------------------------------------------------------
    def bind(self, name: str, value: Value, frame: Frame) -> None:
        if name in frame.global_names:
            frame.module.ns[name] = value
        else:
            frame.locals[name] = value
        if isinstance(value, Val) and isinstance(value.v, AppObj) and not self.frozen:
            app = value.v
            if name not in app.names:
                app.names.append(name)
            if frame.kind == "module" and f"{frame.module.name}:{name}" not in app.targets:
                app.targets.append(f"{frame.module.name}:{name}")

    def assign(self, target: cst.BaseExpression, value: Value, frame: Frame, pos: Pos) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value, frame)
        elif isinstance(target, cst.Attribute):
            self.setattr(self.eval(target.value, frame), target.attr.value, value, pos)
        elif isinstance(target, cst.Subscript):
            container = self.eval(target.value, frame)
            key = self.eval_slice(target, frame)
            self.setitem(container, key, value, pos)
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = stdlib.iter_items(value) if isinstance(value, Val) else None
            elements = target.elements
            for i, el in enumerate(elements):
                item = items[i] if items is not None and len(items) == len(elements) else \
                    Unknown("unpacking of a value that is not known", pos)
                self.assign(el.value, item, frame, pos)

    def setattr(self, obj: Value, name: str, value: Value, pos: Pos) -> None:
        if self.frozen or not isinstance(obj, Val):
            return
        o = obj.v
        if isinstance(o, AppObj):
            flaskops.app_setattr(self, o, name, value, pos)
        elif isinstance(o, BlueprintObj):
            flaskops.bp_setattr(o, name, value)
        elif isinstance(o, InstanceObj):
            o.attrs[name] = value
        elif isinstance(o, ClassObj):
            o.ns[name] = value
        elif isinstance(o, ModuleObj):
            o.ns[name] = value

    def setitem(self, container: Value, key: Value, value: Value, pos: Pos) -> None:
        if self.frozen or not isinstance(container, Val):
            return
        c = container.v
        if isinstance(c, ConfigObj):
            if isinstance(key, Val) and isinstance(key.v, str):
                c.set(key.v, value, pos)
            else:
                c.unknown_sources.append(("app.config[...] with a key that is not known", pos))
        elif isinstance(c, DictObj) and isinstance(key, Val):
            c.items[key.v] = value
        elif isinstance(c, ListObj) and isinstance(key, Val) and isinstance(key.v, int):
            if -len(c.items) <= key.v < len(c.items):
                c.items[key.v] = value
        elif isinstance(c, ExtRef) and c.qualname == "os.environ" and isinstance(key, Val):
            self.env_presets[key.v] = value

    # -- decorators --------------------------------------------------------------------
    def decorate(self, func_val: Value, deco: cst.Decorator, frame: Frame) -> Value:
        expr = deco.decorator
        name = _dotted(expr.func if isinstance(expr, cst.Call) else expr)
        pos = self.pos(deco, frame)
        if name in ("staticmethod", "classmethod", "property") and isinstance(func_val, Val) \
                and isinstance(func_val.v, FuncObj):
            func_val.v.kind = name
            return func_val
        value = self.eval(expr, frame)
        if isinstance(func_val, Val) and isinstance(func_val.v, FuncObj) and AUTH_NAME.search(name.split(".")[-1]) \
                and not _is_route(value):
            # A new object: a route registered by a decorator below keeps the unprotected view.
            func_val = Val(replace(func_val.v, protected_by=func_val.v.protected_by or f"@{name} ({pos})"),
                           pos=func_val.pos)
        if isinstance(value, Val) and isinstance(value.v, RouteDecorator):
            flaskops.apply_route(self, value.v, func_val)
        elif isinstance(value, Val) and isinstance(value.v, Method) and isinstance(value.v.recv, Val) \
                and isinstance(value.v.recv.v, (AppObj, BlueprintObj)) \
                and value.v.name in ("before_request", "before_app_request"):
            flaskops.before_request(self, value.v.recv.v, func_val, pos)
        # Other decorators (user-defined wrappers, extensions) keep the function as it is.
        return func_val

    # -- expressions ---------------------------------------------------------------
    def eval(self, node: cst.BaseExpression, frame: Frame) -> Value:
        handler = getattr(self, "ev_" + type(node).__name__, None)
        if handler is None:
            return Unknown(f"{type(node).__name__} expressions are not evaluated", self.pos(node, frame))
        return handler(node, frame)

    def ev_Name(self, node: cst.Name, frame: Frame) -> Value:
        name = node.value
        if name in ("True", "False", "None"):
            return Val({"True": True, "False": False, "None": None}[name], pos=self.pos(node, frame))
        value = self.lookup(name, frame)
        if value is None:
            return Unknown(f"name {name!r} is not defined here", self.pos(node, frame))
        return value

    def lookup(self, name: str, frame: Frame) -> Value | None:
        if name in frame.locals and name not in frame.global_names:
            return frame.locals[name]
        scope = frame.parent
        while scope is not None:
            if scope.kind == "function" and name in scope.locals:
                return scope.locals[name]
            scope = scope.parent
        if name in frame.module.ns:
            return frame.module.ns[name]
        if name in BUILTINS:
            return Val(ExtRef(f"builtins.{name}"))
        return None

    def ev_SimpleString(self, node: cst.SimpleString, frame: Frame) -> Value:
        return Val(node.evaluated_value, pos=self.pos(node, frame))

    def ev_Integer(self, node: cst.Integer, frame: Frame) -> Value:
        return Val(node.evaluated_value, pos=self.pos(node, frame))

    ev_Float = ev_Integer

    def ev_ConcatenatedString(self, node: cst.ConcatenatedString, frame: Frame) -> Value:
        return self.binop("Add", self.eval(node.left, frame), self.eval(node.right, frame), self.pos(node, frame))

    def ev_FormattedString(self, node: cst.FormattedString, frame: Frame) -> Value:
        pos = self.pos(node, frame)
        parts: list[Value] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(Val(part.value.replace("{{", "{").replace("}}", "}")))
            else:
                value = self.eval(part.expression, frame)
                spec = part.format_spec
                conv = part.conversion

                def fmt(v: Val, conv: str | None = conv, spec: Any = spec) -> Value:
                    if spec:
                        return Unknown("f-string format spec is not evaluated", pos)
                    raw = stdlib.fspath(v.v)
                    if conv == "r":
                        raw = repr(raw)
                    if not isinstance(raw, (str, int, float, bool)) and raw is not None:
                        return Unknown("f-string of a value that is not a plain value", pos)
                    return derive(str(raw), v)
                parts.append(lift(fmt, value))
        return lift(lambda *vs: derive("".join(v.v for v in vs), *vs, pos=pos), *parts) if parts else Val("", pos=pos)

    def ev_Attribute(self, node: cst.Attribute, frame: Frame) -> Value:
        return self.getattr(self.eval(node.value, frame), node.attr.value, self.pos(node, frame), frame)

    def getattr(self, obj: Value, name: str, pos: Pos | None, frame: Frame) -> Value:
        def get(o: Val) -> Value:
            v = o.v
            if isinstance(v, ModuleObj):
                return self.module_attr(v, name, pos)
            if isinstance(v, ExtRef) and v.qualname == "flask.current_app":
                # Bound at import time, resolved when used: only views run with an app.
                if frame.request_app is None:
                    return Unknown("current_app outside a request or app context", pos)
                return flaskops.app_getattr(self, frame.request_app, name, pos)
            if isinstance(v, ExtRef):
                qual = ALIASES.get(f"{v.qualname}.{name}", f"{v.qualname}.{name}")
                if qual == "typing.TYPE_CHECKING":
                    return Val(False, pos=pos)
                return Val(ExtRef(qual), pos=pos)
            if isinstance(v, AppObj):
                return flaskops.app_getattr(self, v, name, pos)
            if isinstance(v, BlueprintObj):
                return flaskops.bp_getattr(v, name, pos)
            if isinstance(v, ClassObj):
                found = v.lookup(name)
                if isinstance(found, Val) and isinstance(found.v, FuncObj) and found.v.kind == "classmethod":
                    return Val(BoundFunc(o, found.v), pos=pos)
                if found is not None:
                    return found
                if v.ext_base():
                    return Val(ExtRef(f"{v.ext_base()}.{name}"), pos=pos)
                return Unknown(f"class {v.name} has no attribute {name!r}", pos)
            if isinstance(v, InstanceObj):
                if name in v.attrs:
                    return v.attrs[name]
                found = v.cls.lookup(name)
                if isinstance(found, Val) and isinstance(found.v, FuncObj):
                    if found.v.kind == "property":
                        return self.call_function(found.v, CallArgs([o]), pos, frame)
                    if found.v.kind == "function":
                        return Val(BoundFunc(o, found.v), pos=pos)
                    if found.v.kind == "classmethod":
                        return Val(BoundFunc(Val(v.cls), found.v), pos=pos)
                return found if found is not None else Unknown(f"attribute {name!r} is not set", pos)
            if isinstance(v, SuperRef):
                return self.super_attr(v, name, pos)
            if isinstance(v, PurePosixPath):
                if name in ("parent", "name", "stem", "suffix", "parents"):
                    return stdlib.path_attr(o, name)
                return Val(Method(o, name), pos=pos)
            if isinstance(v, (str, DictObj, ListObj, ConfigObj, MiddlewareObj, ExtensionObj)):
                return Val(Method(o, name), pos=pos)
            return Unknown(f"attribute {name!r} of {type(v).__name__} is not modelled", pos)
        return lift(get, obj)

    def super_attr(self, ref: SuperRef, name: str, pos: Pos | None) -> Value:
        mro = ref.cls.mro()
        for c in mro[1:]:
            if isinstance(c, ClassObj) and name in c.ns:
                found = c.ns[name]
                if isinstance(found, Val) and isinstance(found.v, FuncObj):
                    return Val(BoundFunc(ref.self_val, found.v), pos=pos)
                return found
            if isinstance(c, ExtRef):
                return Val(Method(ref.self_val, f"{c.qualname}.{name}"), pos=pos)
        return Unknown(f"super().{name} is not found", pos)

    def ev_Subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        container = self.eval(node.value, frame)
        key = self.eval_slice(node, frame)
        pos = self.pos(node, frame)
        if isinstance(container, Val):
            c = container.v
            if isinstance(c, ConfigObj):
                return flaskops.config_get(c, key, pos)
            if isinstance(c, ExtRef) and c.qualname == "os.environ":
                return stdlib.environ_item(self, key, pos)
        return stdlib.subscript(container, key, pos)

    def eval_slice(self, node: cst.Subscript, frame: Frame) -> Value:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return Unknown("slices are not evaluated", self.pos(node, frame))
        return self.eval(node.slice[0].slice.value, frame)

    def ev_BinaryOperation(self, node: cst.BinaryOperation, frame: Frame) -> Value:
        return self.binop(type(node.operator).__name__, self.eval(node.left, frame), self.eval(node.right, frame),
                          self.pos(node, frame))

    def binop(self, op: str, left: Value, right: Value, pos: Pos | None) -> Value:
        def apply(a: Val, b: Val) -> Value:
            x, y = a.v, b.v
            if op == "Divide" and (isinstance(x, PurePosixPath) or isinstance(y, PurePosixPath)):
                return stdlib.path_div(a, b).with_pos(pos)
            if op == "Modulo" and isinstance(x, str):
                args = tuple(i.v for i in y) if isinstance(y, tuple) and all(isinstance(i, Val) for i in y) else y
                try:
                    return derive(x % args, a, b, pos=pos)
                except (TypeError, ValueError, KeyError):
                    return Unknown("%-formatting that would fail", pos)
            prim = (str, int, float, bool)
            if isinstance(x, prim) and isinstance(y, prim) and op in _BINOPS:
                try:
                    return derive(_BINOPS[op](x, y), a, b, pos=pos)
                except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                    return Unknown(f"{op} of {x!r} and {y!r} fails", pos)
            if op == "Add" and isinstance(x, tuple) and isinstance(y, tuple):
                return derive(x + y, a, b, pos=pos)
            if op == "Add" and isinstance(x, ListObj) and isinstance(y, ListObj):
                return derive(self.new(ListObj(x.items + y.items)), a, b, pos=pos)
            return Unknown(f"{op} of {type(x).__name__} and {type(y).__name__} is not modelled", pos)
        return lift(apply, left, right)

    def ev_UnaryOperation(self, node: cst.UnaryOperation, frame: Frame) -> Value:
        value = self.eval(node.expression, frame)
        pos = self.pos(node, frame)
        if isinstance(node.operator, cst.Not):
            t, env = truth(value)
            if t is None:
                return Unknown("negation of an unknown value", pos)
            if isinstance(value, Cands):
                return lift(lambda v: Val(not truth(v)[0], env=v.env), value)
            return Val(not t, env=env, pos=pos)
        if isinstance(node.operator, cst.Minus):
            return lift(lambda v: derive(-v.v, v) if isinstance(v.v, (int, float)) else Unknown("negation", pos),
                        value)
        return value

    def ev_BooleanOperation(self, node: cst.BooleanOperation, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        is_or = isinstance(node.operator, cst.Or)
        t, env = truth(left)
        if t is None:
            if isinstance(left, Unknown):
                return left
            right = self.eval(node.right, frame)
            return lift(lambda lv, rv: (lv if bool(truth(lv)[0]) == is_or else rv), left, right)
        if isinstance(left, Cands):
            right = self.eval(node.right, frame)
            return lift(lambda lv, rv: (lv if bool(truth(lv)[0]) == is_or else rv), left, right)
        if t == is_or:
            return left
        right = self.eval(node.right, frame)
        if env:
            # The left operand decides on the default path, but its variables can flip it.
            return lift(lambda rv: Val(rv.v, env=rv.env | env, proj=rv.proj, cwd=rv.cwd, params=rv.params,
                                       keys=rv.keys, pos=rv.pos), right)
        return right

    def ev_Comparison(self, node: cst.Comparison, frame: Frame) -> Value:
        left = self.eval(node.left, frame)
        result: Value = Val(True)
        pos = self.pos(node, frame)
        for target in node.comparisons:
            right = self.eval(target.comparator, frame)
            op = type(target.operator).__name__
            step = lift(lambda a, b, op=op: self.compare(op, a, b, pos), left, right)
            result = lift(lambda r, s: derive(bool(r.v) and bool(s.v), r, s), result, step)
            left = right
        return result

    def compare(self, op: str, a: Val, b: Val, pos: Pos | None) -> Value:
        x, y = a.v, b.v
        prim = (str, int, float, bool, type(None), PurePosixPath)
        if op in ("Is", "IsNot"):
            same = x is y if not isinstance(x, prim) or not isinstance(y, prim) else x == y and type(x) is type(y)
            return derive(same if op == "Is" else not same, a, b)
        if op in ("In", "NotIn"):
            items = stdlib.iter_items(b)
            if isinstance(y, str) and isinstance(x, str):
                hit = x in y
            elif items is not None and all(isinstance(i, Val) for i in items):
                hit = any(i.v == x for i in items)
            else:
                return Unknown("membership test on a value that is not known", pos)
            return derive(hit if op == "In" else not hit, a, b)
        if isinstance(x, prim) and isinstance(y, prim):
            try:
                return derive(_CMPOPS[op](x, y), a, b)
            except TypeError:
                return Unknown(f"comparison of {x!r} and {y!r}", pos)
        if op in ("Equal", "NotEqual"):
            return derive((x is y) == (op == "Equal"), a, b)
        return Unknown("comparison of objects", pos)

    def ev_IfExp(self, node: cst.IfExp, frame: Frame) -> Value:
        value, env = truth(self.eval(node.test, frame))
        if value is not None and not env:
            return self.eval(node.body if value else node.orelse, frame)
        options = [self.eval(node.body, frame), self.eval(node.orelse, frame)]
        return cands(options, None if value is None else (0 if value else 1), env, self.pos(node, frame))

    def ev_Tuple(self, node: cst.Tuple, frame: Frame) -> Value:
        items = self.eval_elements(node.elements, frame)
        return items if isinstance(items, Unknown) else Val(tuple(items), pos=self.pos(node, frame))

    def ev_List(self, node: cst.List, frame: Frame) -> Value:
        items = self.eval_elements(node.elements, frame)
        return items if isinstance(items, Unknown) else Val(self.new(ListObj(items)), pos=self.pos(node, frame))

    ev_Set = ev_List

    def eval_elements(self, elements: Any, frame: Frame) -> list[Value] | Unknown:
        out: list[Value] = []
        for el in elements:
            if isinstance(el, cst.StarredElement):
                more = stdlib.iter_items(self.eval(el.value, frame))
                if more is None:
                    return Unknown("*-unpacking of a value that is not known", self.pos(el, frame))
                out.extend(more)
            else:
                out.append(self.eval(el.value, frame))
        return out

    def ev_Dict(self, node: cst.Dict, frame: Frame) -> Value:
        items: dict[Any, Value] = {}
        for el in node.elements:
            if isinstance(el, cst.StarredDictElement):
                more = self.eval(el.value, frame)
                if isinstance(more, Val) and isinstance(more.v, DictObj):
                    items.update(more.v.items)
                else:
                    return Unknown("**-unpacking of a dict that is not known", self.pos(el, frame))
                continue
            key = self.eval(el.key, frame)
            if not isinstance(key, Val):
                return Unknown("dict with a key that is not known", self.pos(el, frame))
            try:
                hash(key.v)
            except TypeError:
                return Unknown("dict with an unhashable key", self.pos(el, frame))
            items[stdlib.fspath(key.v)] = self.eval(el.value, frame)
        return Val(self.new(DictObj(items)), pos=self.pos(node, frame))

    def ev_NamedExpr(self, node: cst.NamedExpr, frame: Frame) -> Value:
        value = self.eval(node.value, frame)
        self.assign(node.target, value, frame, self.pos(node, frame))
        return value

    # -- calls ---------------------------------------------------------------------
    def ev_Call(self, node: cst.Call, frame: Frame) -> Value:
        callee = self.eval(node.func, frame)
        pos = self.pos(node, frame)
        ca = CallArgs()
        for arg in node.args:
            if arg.star == "*":
                more = stdlib.iter_items(self.eval(arg.value, frame))
                if more is None:
                    ca.unknown_star = Unknown("*args not known", pos)
                else:
                    ca.args.extend(more)
            elif arg.star == "**":
                more_kw = self.eval(arg.value, frame)
                if isinstance(more_kw, Val) and isinstance(more_kw.v, DictObj):
                    ca.kwargs.update({str(k): v for k, v in more_kw.v.items.items()})
                else:
                    ca.unknown_star = Unknown("**kwargs not known", pos)
            elif arg.keyword is not None:
                ca.kwargs[arg.keyword.value] = self.eval(arg.value, frame)
            else:
                ca.args.append(self.eval(arg.value, frame))
        return self.call(callee, ca, pos, frame)

    def call(self, callee: Value, ca: CallArgs, pos: Pos | None, frame: Frame) -> Value:
        if isinstance(callee, Unknown):
            return Unknown(f"call of a value that is not known ({callee.reason})", pos)
        if isinstance(callee, Cands):
            # One branch per possible callee: each may change the app differently.
            results: list[Value] = []

            def run(option: Value) -> int:
                results.append(self.call(option, ca, pos, frame))
                return ALIVE
            self.fork(frame, [lambda o=o: run(o) for o in callee.options], callee.default, callee.env)
            return cands(results, callee.default, callee.env, pos)
        v = callee.v
        if isinstance(v, FuncObj):
            return self.call_function(v, ca, pos, frame)
        if isinstance(v, BoundFunc):
            return self.call_function(v.func, CallArgs([v.self_val, *ca.args], ca.kwargs, ca.unknown_star), pos,
                                      frame)
        if isinstance(v, ClassObj):
            return self.instantiate(v, ca, pos, frame)
        if isinstance(v, ExtRef):
            return flaskops.call_external(self, v.qualname, ca, pos, frame)
        if isinstance(v, Method):
            return flaskops.call_method(self, v, ca, pos, frame)
        if isinstance(v, RouteDecorator):
            if ca.args:
                flaskops.apply_route(self, v, ca.args[0])
            return ca.args[0] if ca.args else Val(None)
        return Unknown(f"call of a {type(v).__name__} value", pos)

    def call_function(self, func: FuncObj, ca: CallArgs, pos: Pos | None, frame: Frame | None,
                      request_app: AppObj | None = None) -> Value:
        if len(self.call_stack) >= MAX_DEPTH or sum(f is func for f, _ in self.call_stack) >= 3:
            return Unknown(f"call of {func.name} too deep to evaluate", pos)
        node: cst.FunctionDef = func.node
        generator = self.generators.get(id(node))
        if generator is None:
            generator = self.generators[id(node)] = _is_generator(node)
        if generator:
            return Unknown(f"{func.name} is a generator", pos)
        bound = self.bind_params(func, ca, pos)
        callee_frame = Frame(func.closure.module if func.closure else ModuleObj("?", func.src), bound, func.closure,
                             "function", func=func,
                             request_app=request_app or (frame.request_app if frame is not None else None))
        if ca.args and func.kind == "function":
            callee_frame.self_val = ca.args[0]
            callee_frame.cls = self.defining_class(func, ca.args[0])
        self.invoked.add(id(func))
        self.call_stack.append((func, pos))
        try:
            status = self.exec_suite(node.body, callee_frame)
        finally:
            self.call_stack.pop()
        if status != DEAD:
            callee_frame.returns.append((Val(None), callee_frame.on_default))
        returns = callee_frame.returns
        if not returns:
            return Unknown(f"{func.name} never returns", pos)
        default = next((i for i, (_, d) in enumerate(returns) if d), None)
        return cands([r for r, _ in returns], default, (), pos)

    def defining_class(self, func: FuncObj, self_val: Value) -> ClassObj | None:
        obj = self_val.v if isinstance(self_val, Val) else None
        cls = obj.cls if isinstance(obj, (InstanceObj, AppObj, BlueprintObj)) else None
        if cls is None:
            return None
        for c in cls.mro():
            if isinstance(c, ClassObj) and any(isinstance(v, Val) and v.v is func for v in c.ns.values()):
                return c
        return None

    def bind_params(self, func: FuncObj, ca: CallArgs, pos: Pos | None) -> dict[str, Value]:
        params: cst.Parameters = func.node.params
        positional = [p.name.value for p in [*params.posonly_params, *params.params]]
        out: dict[str, Value] = {}
        args = list(ca.args)
        for name in positional:
            if args:
                out[name] = args.pop(0)
        star = params.star_arg
        if isinstance(star, cst.Param):
            out[star.name.value] = Val(tuple(args))
        extra_kw: dict[str, Value] = {}
        names = set(positional) | {p.name.value for p in params.kwonly_params}
        for key, value in ca.kwargs.items():
            if key in names:
                out[key] = value
            else:
                extra_kw[key] = value
        if params.star_kwarg is not None:
            out[params.star_kwarg.name.value] = Val(self.new(DictObj(extra_kw))) if ca.unknown_star is None else \
                Unknown(f"**kwargs of {func.name} not known", pos)
        for name in [*positional, *(p.name.value for p in params.kwonly_params)]:
            if name not in out:
                if ca.unknown_star is not None:
                    out[name] = Unknown(f"argument {name!r} of {func.name} comes from *args/**kwargs", pos)
                elif name in func.defaults:
                    out[name] = func.defaults[name]
                else:
                    out[name] = Unknown(f"argument {name!r} of {func.name} was not passed", pos)
        return out

    def instantiate(self, cls: ClassObj, ca: CallArgs, pos: Pos | None, frame: Frame) -> Value:
        base = cls.ext_base()
        if base == "flask.Flask":
            app = self.new_app(cls, pos)
            return self.init_instance(cls, Val(app, pos=pos), ca, pos, frame,
                                      lambda: flaskops.construct_app(self, app, ca, pos, frame))
        if base == "flask.Blueprint":
            bp = self.new(BlueprintObj(cls, pos))
            self.blueprints.append(bp)
            return self.init_instance(cls, Val(bp, pos=pos), ca, pos, frame,
                                      lambda: flaskops.construct_blueprint(self, bp, ca, pos, frame))
        inst = self.new(InstanceObj(cls))
        return self.init_instance(cls, Val(inst, pos=pos), ca, pos, frame, None)

    def init_instance(self, cls: ClassObj, self_val: Val, ca: CallArgs, pos: Pos | None, frame: Frame,
                      ext_init: Callable[[], None] | None) -> Value:
        init = cls.lookup("__init__")
        if isinstance(init, Val) and isinstance(init.v, FuncObj):
            self.call_function(init.v, CallArgs([self_val, *ca.args], ca.kwargs, ca.unknown_star), pos, frame)
        elif ext_init is not None:
            ext_init()
        return self_val

    def new_app(self, cls: ClassObj | None, pos: Pos | None) -> AppObj:
        # The factory is the function building the app; the call site is where the
        # outermost project function was called from (wsgi.py, run.py).
        outer = self.call_stack[0][1] if self.call_stack else None
        factory = next((f.qualname for f, _ in reversed(self.call_stack) if f.kind == "function"
                        and not (f.name == "__init__")), None)
        app = self.new(AppObj(cls, pos, outer, factory))
        self.new(app.config)
        self.apps.append(app)
        return app

    # -- unsupported but harmless expressions -------------------------------------------
    def ev_Lambda(self, node: cst.Lambda, frame: Frame) -> Value:
        return Unknown("lambda", self.pos(node, frame))

    def ev_Ellipsis(self, node: cst.Ellipsis, frame: Frame) -> Value:
        return Val(..., pos=self.pos(node, frame))


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "Add": lambda a, b: a + b, "Subtract": lambda a, b: a - b, "Multiply": lambda a, b: a * b,
    "Divide": lambda a, b: a / b, "FloorDivide": lambda a, b: a // b, "Power": lambda a, b: a ** b,
    "Modulo": lambda a, b: a % b, "BitOr": lambda a, b: a | b, "BitAnd": lambda a, b: a & b,
}
_CMPOPS: dict[str, Callable[[Any, Any], bool]] = {
    "Equal": lambda a, b: a == b, "NotEqual": lambda a, b: a != b, "LessThan": lambda a, b: a < b,
    "GreaterThan": lambda a, b: a > b, "LessThanEqual": lambda a, b: a <= b,
    "GreaterThanEqual": lambda a, b: a >= b,
}


def _dotted(node: cst.CSTNode | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return _dotted(node.func)
    return ""


def _is_main_check(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = [test.left, test.comparisons[0].comparator]
    return isinstance(test.comparisons[0].operator, cst.Equal) and \
        any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and \
        any(isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides)


def _is_route(value: Value) -> bool:
    return isinstance(value, Val) and isinstance(value.v, RouteDecorator)


def _is_generator(node: cst.FunctionDef) -> bool:
    return any(isinstance(n, cst.Yield) for n in iter_nodes(node.body, into_functions=False))
