"""Run-time objects of the abstract interpreter: modules, classes, functions, Flask apps,
blueprints, config, middleware. Mutable ones fork at branches and merge afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from nglint.flask.values import Cands, Pos, Unknown, Val, Value, cands

NOT_SET = Unknown("not set on this branch")
# How a block of statements ended.
ALIVE, DEAD, BREAK, CONTINUE = 0, 1, 2, 3


class Mutable:
    """A heap object whose listed fields are copied at a fork and merged after it."""

    forked: ClassVar[tuple[str, ...]] = ()

    def snapshot(self) -> dict[str, Any]:
        return {name: _copy(getattr(self, name)) for name in self.forked}

    def restore(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, _copy(value))

    def merge(self, states: list[dict[str, Any]], default: int | None, env: frozenset[str]) -> None:
        for name in self.forked:
            setattr(self, name, merge_field([s[name] for s in states], default, env))


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _same(values: list[Any]) -> bool:
    first = values[0]
    return all(type(v) is type(first) and v == first for v in values[1:])


def merge_field(values: list[Any], default: int | None, env: frozenset[str]) -> Any:
    """Merge one field across branches: dicts key by key, lists as an ordered union, values
    as candidates."""
    if _same(values):
        return _copy(values[0])
    if all(isinstance(v, dict) for v in values):
        keys: list[Any] = []
        for v in values:
            keys.extend(k for k in v if k not in keys)
        return {k: merge_field([v.get(k, _MISSING) for v in values], default, env) for k in keys}
    if all(isinstance(v, list) for v in values):
        out: list[Any] = []
        for v in values:
            out.extend(item for item in v if not any(item is o for o in out))
        return out
    present = [v for v in values if v is not _MISSING]
    if all(isinstance(v, (Val, Unknown, Cands)) for v in present):
        return cands([NOT_SET if v is _MISSING else v for v in values], default, env)
    # Bookkeeping (positions, flags): the default branch's, else the first branch that has one.
    if default is not None and values[default] is not _MISSING:
        return values[default]
    return present[0]


_MISSING = object()


# -- Python-level objects ----------------------------------------------------------

@dataclass(eq=False)
class ModuleObj:
    name: str
    src: Any = field(repr=False)  # Source
    ns: dict[str, Value] = field(default_factory=dict, repr=False)
    done: bool = False


@dataclass(eq=False)
class ExtRef:
    """Something from outside the project (os.path.join, flask.Flask, an extension)."""

    qualname: str


@dataclass(eq=False)
class FuncObj:
    name: str
    node: Any = field(repr=False)  # libcst FunctionDef
    src: Any = field(repr=False)  # Source
    closure: Any = field(repr=False)  # Frame the function was defined in
    defaults: dict[str, Value] = field(repr=False)
    qualname: str = ""
    protected_by: str | None = None  # "login_required (views.py:12)"
    kind: str = "function"  # function | staticmethod | classmethod | property


@dataclass(eq=False)
class ClassObj:
    name: str
    bases: list[Value] = field(repr=False)
    ns: dict[str, Value] = field(repr=False)
    src: Any = field(repr=False)
    pos: Pos | None = None

    def mro(self) -> list[Any]:
        """Depth-first, left-to-right, each class once: enough for config class chains."""
        out: list[Any] = [self]
        for base in self.bases:
            b = base.v if isinstance(base, Val) else None
            for c in (b.mro() if isinstance(b, ClassObj) else [b] if b is not None else []):
                if not any(c is o for o in out):
                    out.append(c)
        return out

    def lookup(self, name: str) -> Value | None:
        for c in self.mro():
            if isinstance(c, ClassObj) and name in c.ns:
                return c.ns[name]
        return None

    def ext_base(self) -> str | None:
        """Qualified name of the first external base (flask.Flask for an app subclass)."""
        for c in self.mro():
            if isinstance(c, ExtRef):
                return c.qualname
        return None


class InstanceObj(Mutable):
    forked = ("attrs",)

    def __init__(self, cls: ClassObj) -> None:
        self.cls = cls
        self.attrs: dict[str, Value] = {}


class ListObj(Mutable):
    forked = ("items",)

    def __init__(self, items: list[Value]) -> None:
        self.items = items


class DictObj(Mutable):
    forked = ("items",)

    def __init__(self, items: dict[Any, Value]) -> None:
        self.items = items


@dataclass(eq=False)
class Method:
    """``recv.name`` of a modelled object, waiting to be called."""

    recv: Value
    name: str


@dataclass(eq=False)
class BoundFunc:
    self_val: Value
    func: FuncObj


@dataclass(eq=False)
class SuperRef:
    cls: ClassObj
    self_val: Value


# -- Flask objects ------------------------------------------------------------------

@dataclass(eq=False)
class Rule:
    """A URL rule added to an app's url_map, in order."""

    rule: Value  # str
    endpoint: str
    kind: str  # static | route
    pos: Pos | None
    view: FuncObj | None = None
    methods: tuple[str, ...] | None = None
    registration: BlueprintReg | None = None
    build_only: bool = False


@dataclass(eq=False)
class DeferredRoute:
    rule: Value
    endpoint: str | None
    view: FuncObj | None
    methods: tuple[str, ...] | None
    pos: Pos | None
    build_only: bool = False


@dataclass(eq=False)
class BlueprintReg:
    """One registration of a blueprint on an app (nested ones carry the dotted name)."""

    bp: BlueprintObj
    name: str
    url_prefix: Value  # str or None
    registered_prefix: Value  # the url_prefix given to register_blueprint (None if absent)
    pos: Pos | None
    parent: BlueprintReg | None
    static_rule: Rule | None = None
    static_folder: Value | None = None  # joined folder at registration time
    declared_static_url_path: Value | None = None
    before: list[tuple[str, Pos | None]] = field(default_factory=list)  # auth-like before_request checks


class ConfigObj(Mutable):
    forked = ("data", "set_at", "unknown_sources")

    def __init__(self, app: AppObj) -> None:
        self.app = app
        self.root: Value = Unknown("config root not known")  # base of from_pyfile/from_file paths
        self.data: dict[str, Value] = {}
        self.set_at: dict[str, Pos | None] = {}
        # Whole-config overrides that cannot be read: (reason, position).
        self.unknown_sources: list[tuple[str, Pos | None]] = []

    def set(self, key: str, value: Value, pos: Pos | None) -> None:
        self.data[key] = value
        self.set_at[key] = pos


class AppObj(Mutable):
    forked = ("static_folder_raw", "static_folder_at", "static_url_path_attr", "static_url_path_attr_at",
              "root_path", "root_path_at", "template_folder", "template_folder_at", "rules", "registrations",
              "mounts", "mount_prefix", "notes", "before_request", "extensions")

    def __init__(self, cls: ClassObj | None, pos: Pos | None, call_site: Pos | None, factory: str | None) -> None:
        self.cls = cls
        self.pos = pos
        self.call_site = call_site
        self.factory = factory
        self.initialised = False
        self.names: list[str] = []  # variables the app was bound to
        self.targets: list[str] = []  # module:variable of module-level bindings
        self.config = ConfigObj(self)
        self.import_name: Value = Unknown("app not initialised")
        self.root_path: Value = Unknown("app not initialised")
        self.root_path_at: Pos | None = None
        self.root_path_note: str | None = None
        self.instance_path: Value = Unknown("app not initialised")
        self.instance_relative: Value = Val(False)
        self.static_folder_raw: Value = Val(None)
        self.static_folder_at: Pos | None = None
        self.static_url_path_declared: Value = Val(None)
        self.static_url_path: Value = Val(None)  # the URL prefix of the static rule, fixed at init
        self.static_url_path_attr: Value = Val(None)
        self.static_url_path_attr_at: Pos | None = None
        self.template_folder: Value = Val("templates")
        self.template_folder_at: Pos | None = None
        self.rules: list[Rule] = []
        self.registrations: list[BlueprintReg] = []
        self.mounts: list[Mount] = []
        self.mount_prefix: Value = Val(None)
        self.wsgi_app: Value | None = None  # middleware assigned to app.wsgi_app
        self.extensions: list[ExtensionRoute] = []
        self.notes: list[tuple[str, Pos | None]] = []
        self.before_request: list[tuple[str, Pos | None]] = []  # auth-like checks for every request


class BlueprintObj(Mutable):
    forked = ("static_folder_raw", "static_url_path", "template_folder", "url_prefix", "deferred", "children",
              "before_request")

    def __init__(self, cls: ClassObj | None, pos: Pos | None) -> None:
        self.cls = cls
        self.pos = pos
        self.name: Value = Unknown("blueprint not initialised")
        self.import_name: Value = Unknown("blueprint not initialised")
        self.root_path: Value = Unknown("blueprint not initialised")
        self.root_note: str | None = None
        self.static_folder_raw: Value = Val(None)
        self.static_url_path: Value = Val(None)
        self.template_folder: Value = Val(None)
        self.url_prefix: Value = Val(None)
        self.deferred: list[DeferredRoute] = []
        self.children: list[tuple[BlueprintObj, dict[str, Value], Pos | None]] = []
        self.before_request: list[tuple[str, Pos | None]] = []


@dataclass(eq=False)
class WsgiRef:
    """``app.wsgi_app``: what middleware wraps."""

    app: AppObj


@dataclass(eq=False)
class Mount:
    """A directory served by WSGI middleware under a URL prefix (CWD-relative paths)."""

    prefix: Value
    directory: Value
    via: str
    pos: Pos | None


@dataclass(eq=False)
class MiddlewareObj:
    kind: str
    inner: Value
    app: AppObj | None
    pos: Pos | None


@dataclass(eq=False)
class ExtensionObj:
    """An instance of a Flask extension that registers its own static route."""

    qualname: str
    kwargs: dict[str, Value]
    pos: Pos | None


@dataclass(eq=False)
class ExtensionRoute:
    extension: str
    url_prefix: Value  # None when it depends on something the reader cannot tell
    pos: Pos | None
    note: str | None = None


@dataclass(eq=False)
class FileServe:
    """A send_from_directory/send_file/send_static_file call seen while analysing a view."""

    via: str
    directory: Value
    base: str  # root_path | cwd: what a relative directory is joined to
    pos: Pos | None
    file: Value | None = None


@dataclass(eq=False)
class RouteDecorator:
    owner: Any  # AppObj | BlueprintObj
    rule: Value
    endpoint: Value
    methods: tuple[str, ...] | None
    pos: Pos | None
