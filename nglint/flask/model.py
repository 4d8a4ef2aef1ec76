"""The Flask project model the reader produces, for rules and `nglint app`.

Paths are strings relative to the project directory (normalised, ``.`` for the directory
itself) or absolute when they are absolute in the source. A path that Flask resolves
against the process working directory has ``*_base == "cwd"``: it is deployment-dependent.
Every item carries the file and line it comes from; secondary positions are
``"file:line"`` strings in ``at``.

Values that cannot be known statically are ``None`` here and listed in
``ProjectModel.unresolvable`` with the reason; values that depend on a branch (an
environment variable with a default, a dict lookup chosen by one) carry their
``candidates``, the first being the one the default path takes when it is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


@dataclass
class ConfigValue:
    key: str
    status: str  # known | candidates | unknown
    value: Any  # the default-path value (JSON-able); None when unknown
    file: str | None  # where the value is written
    line: int | None
    set_at: str | None  # where it enters app.config ("app.py:12")
    reason: str | None = None  # why it is unknown
    env: list[str] = field(default_factory=list)  # environment variables that can change it
    anchor: str | None = None  # for paths: relative | project | absolute | cwd
    serve_path: str | None = None  # what send_from_directory reads (joined to the app's root_path)
    serve_base: str | None = None  # project | absolute | cwd
    save_path: str | None = None  # what file.save(os.path.join(value, name)) writes (CWD-relative)
    save_base: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    overridable_by: list[str] = field(default_factory=list)  # from_envvar/from_prefixed_env at file:line


@dataclass
class BlueprintModel:
    name: str  # registered (dotted when nested) name: the endpoint prefix
    blueprint: str | None  # Blueprint(name, ...)
    file: str
    line: int
    registered_at: str | None
    url_prefix: str | None  # effective (register-time wins over the constructor)
    url_prefix_declared: str | None
    url_prefix_registered: str | None
    declared_static_url_path: str | None
    static_url_path: str | None  # URL prefix of its static rule (url_prefix included)
    static_folder: str | None
    static_folder_base: str | None
    static_route: str | None
    static_endpoint: str | None
    reachable: bool | None  # None: no static route
    shadowed_by: str | None  # endpoint answering the blueprint's static URLs instead
    template_folder: str | None
    parent: str | None = None


@dataclass
class FileRoute:
    rule: str | None
    endpoint: str | None
    directory: str | None
    # static | blueprint-static | send_from_directory | send_file | send_static_file | SharedDataMiddleware |
    # WhiteNoise
    via: str
    file: str | None
    line: int | None
    directory_base: str | None = None  # project | absolute | cwd
    url_prefix: str | None = None  # the literal part of the rule before its first variable
    protected: bool = False
    protected_by: str | None = None
    parametrized: bool = False  # URL variables inside the directory
    config_key: str | None = None  # app.config key the directory comes from
    methods: list[str] | None = None
    call: str | None = None  # the send_* call ("views.py:30")
    served_file: str | None = None  # send_file of one fixed file
    blueprint: str | None = None
    reachable: bool | None = None


@dataclass
class RouteModel:
    rule: str | None
    endpoint: str
    file: str | None
    line: int | None
    kind: str  # static | route
    methods: list[str] | None = None
    build_only: bool = False


@dataclass
class ExtensionStatic:
    """A static route an extension adds; its files are in site-packages, not the project."""

    extension: str
    url_prefix: str | None
    file: str | None
    line: int | None
    note: str | None = None


@dataclass
class Note:
    message: str
    at: str | None


@dataclass
class AppModel:
    id: str
    name: str | None
    file: str
    line: int
    app_class: str  # Flask or the subclass
    kind: str  # module | factory
    factory: str | None
    call_sites: list[str]
    targets: list[str]  # "module:variable" of module-level bindings (gunicorn targets)
    import_name: str | None
    root_path: str | None
    root_path_base: str | None
    static_url_path: str | None  # URL prefix of the static route, fixed at construction
    static_url_path_declared: str | None
    static_url_path_attr: str | None  # app.static_url_path as read later (no effect on the route)
    static_folder: str | None  # where the static route reads files (last assignment reached)
    static_folder_base: str | None
    static_route: str | None
    static_reachable: bool | None
    template_folder: str | None
    template_folder_base: str | None
    instance_path: str | None
    instance_path_base: str | None
    instance_relative_config: bool | None
    upload_folder: str | None
    upload_folder_key: str | None
    upload_folder_base: str | None
    upload_folder_save_path: str | None
    upload_config: dict[str, ConfigValue]
    blueprints: list[BlueprintModel]
    file_routes: list[FileRoute]
    routes: list[RouteModel]
    mount_prefix: str | None  # DispatcherMiddleware prefix in front of every URL of the app
    extension_routes: list[ExtensionStatic]
    at: dict[str, str]
    candidates: dict[str, list[Any]]
    notes: list[Note]


@dataclass
class TemplateAssetUrl:
    file: str
    line: int
    kind: str  # url_for | literal
    app: str | None  # AppModel.id
    endpoint: str | None
    filename: str | None
    url: str | None  # path part; None when not buildable
    dynamic: bool  # part of the URL comes from an expression
    raw: str


@dataclass
class Unresolvable:
    what: str
    reason: str
    file: str | None
    line: int | None
    app: str | None = None


@dataclass
class ProjectModel:
    root: str
    apps: list[AppModel]
    template_asset_urls: list[TemplateAssetUrl]
    unresolvable: list[Unresolvable]

    def to_json(self) -> dict[str, Any]:
        return {"apps": [_json(a) for a in self.apps],
                "template_asset_urls": [_json(t) for t in self.template_asset_urls],
                "unresolvable": [_json(u) for u in self.unresolvable]}


def _json(obj: Any) -> Any:
    if is_dataclass(obj):
        return {f.name: _json(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {k: _json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json(v) for v in obj]
    return obj
