"""The static Flask reader on fixture projects, with expectations written by hand from the
fixture sources (positions, unknowns and their reasons, candidates, protection, templates)
— what real Flask cannot tell us. test_flask_vs_real.py checks the values against Flask."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from nglint.cli import main
from nglint.flask import read_project
from nglint.flask.model import AppModel, ProjectModel

FIXTURES = Path(__file__).parent / "flask_apps"


def read(name: str) -> ProjectModel:
    return read_project(FIXTURES / name)


def only_app(model: ProjectModel) -> AppModel:
    assert len(model.apps) == 1, [a.id for a in model.apps]
    return model.apps[0]


def app_named(model: ProjectModel, name: str) -> AppModel:
    return next(a for a in model.apps if a.name == name)


def route(app: AppModel, rule: str) -> Any:
    return next(r for r in app.file_routes if r.rule == rule)


def unresolved(model: ProjectModel, what: str) -> list[Any]:
    return [u for u in model.unresolvable if u.what == what]


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


# -- CLI ---------------------------------------------------------------------------------

APP_KEYS = {"name", "file", "line", "static_url_path", "static_folder", "static_route", "template_folder",
            "upload_folder", "upload_folder_key", "upload_config", "blueprints", "file_routes"}
BLUEPRINT_KEYS = {"name", "url_prefix", "declared_static_url_path", "static_url_path", "static_folder", "reachable"}
FILE_ROUTE_KEYS = {"rule", "endpoint", "directory", "via"}


def test_cli_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", str(FIXTURES / "factory_wsgi"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"apps", "template_asset_urls", "unresolvable"}
    app = data["apps"][0]
    assert APP_KEYS <= set(app)
    assert BLUEPRINT_KEYS <= set(app["blueprints"][0])
    assert FILE_ROUTE_KEYS <= set(app["file_routes"][0])
    admin = next(b for b in app["blueprints"] if b["name"] == "admin")
    assert (admin["url_prefix"], admin["declared_static_url_path"], admin["static_url_path"]) == \
        ("/manage", "/admin-static", "/manage/admin-static")


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", str(FIXTURES / "module_app")]) == 0
    out = capsys.readouterr().out
    assert "app app.py:7" in out
    assert "/static/<path:filename> -> static" in out
    assert "templates/index.html:7" in out and "/staticfiles/js/app.js" in out


def test_cli_bad_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "nglint.cli", "app", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "not a directory" in proc.stderr


def test_paths_are_relative_to_the_directory_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", str(FIXTURES / "package_app"), "--format", "json"]) == 0
    app = json.loads(capsys.readouterr().out)["apps"][0]
    assert (app["root_path"], app["static_folder"], app["template_folder"]) == ("shop", "shop/assets",
                                                                                "shop/templates")
    # Absolute in the source: stays absolute.
    assert app["upload_folder"] == "/var/www/shop/uploads"


# -- apps, static folders and URLs ---------------------------------------------------------

def test_module_app_positions() -> None:
    model = read("module_app")
    app = only_app(model)
    assert (app.file, app.line, app.name, app.kind, app.targets) == ("app.py", 7, "app", "module", ["app:app"])
    assert app.static_route == "/static/<path:filename>"
    entry = app.upload_config["UPLOAD_FOLDER"]
    assert (entry.file, entry.line, entry.set_at, entry.value) == ("app.py", 8, "app.py:8", "uploads")
    uploads = route(app, "/uploads/<path:filename>")
    assert (uploads.file, uploads.line, uploads.call) == ("app.py", 17, "app.py:20")
    assert uploads.config_key == "UPLOAD_FOLDER"


def test_relative_upload_folder_has_two_bases() -> None:
    app = only_app(read("send_routes"))
    entry = app.upload_config["UPLOAD_FOLDER"]
    assert (entry.anchor, entry.serve_path, entry.serve_base) == ("relative", "shop/uploads", "project")
    assert (entry.save_path, entry.save_base) == ("uploads", "cwd")
    assert (app.upload_folder, app.upload_folder_save_path) == ("shop/uploads", "uploads")
    assert any("file.save()" in n.message and "shop/uploads" in n.message for n in app.notes)


def test_subclass_injects_static_folder() -> None:
    model = read("subclass_app")
    app = app_named(model, "app")
    assert (app.app_class, app.static_folder, app.static_url_path) == ("AssetsFlask", "frontend/dist", "/assets")
    assert app.at["static_folder"] == "app.py:8"  # the kwargs.setdefault value
    other = app_named(model, "other")
    assert (other.app_class, other.static_url_path, other.static_folder) == ("PlainFlask", "/o", "other_static")


def test_positional_arguments_follow_each_signature() -> None:
    app = only_app(read("positional_args"))
    assert (app.static_url_path, app.static_folder, app.template_folder) == ("/s", "public", "views")
    shop = app.blueprints[0]
    assert (shop.static_folder, shop.declared_static_url_path, shop.url_prefix) == \
        ("shop_static", "/shop-assets", "/shop")


def test_static_url_path_variants() -> None:
    model = read("static_url_variants")
    assert {a.name: (a.static_url_path, a.static_folder) for a in model.apps} == {
        "root_slash": ("", "static"), "trailing": ("/static", "static"), "assets": ("/public", "assets"),
        "build": ("/build", "frontend/build")}


def test_static_folder_none_means_no_route() -> None:
    model = read("static_none")
    app = app_named(model, "app")
    assert (app.static_route, app.static_folder, app.static_url_path_declared) == (None, None, "/x")
    second = app_named(model, "second")
    assert second.root_path_base == "cwd" and any("not importable" in n.message for n in second.notes)


def test_later_assignments() -> None:
    app = only_app(read("later_assign"))
    assert (app.static_url_path, app.static_route) == ("/static", "/static/<path:filename>")
    assert app.static_url_path_attr == "/ui"
    assert (app.static_folder, app.at["static_folder"]) == ("build", "app.py:9")
    assert app.template_folder == "views"
    assert any("static_url_path assigned after construction" in n.message and n.at == "app.py:8"
               for n in app.notes)


def test_dangerous_static_folders() -> None:
    model = read("dangerous_dot")
    exposed = app_named(model, "exposed")
    assert (exposed.static_folder, exposed.static_url_path, exposed.static_reachable) == (".", "", True)
    assert any("root_path" in n.message and ".env" in n.message for n in exposed.notes)
    dotted = app_named(model, "dotted")
    assert (dotted.static_url_path, dotted.static_reachable) == ("/.", False)


def test_import_names_as_strings() -> None:
    model = read("import_name_str")
    assert {a.name: (a.root_path, a.instance_path) for a in model.apps} == {
        "by_string": ("pkg", "instance"), "by_split": ("pkg", "instance"), "by_module": ("pkg", "instance")}


# -- blueprints ----------------------------------------------------------------------------

def test_register_time_prefix_wins() -> None:
    app = only_app(read("blueprint_prefixes"))
    bps = {b.name: b for b in app.blueprints}
    assert (bps["blog"].url_prefix, bps["blog"].url_prefix_declared, bps["blog"].url_prefix_registered) == \
        ("/journal", "/blog", "/journal")
    assert bps["shop"].static_route == "/shop/shop-static/<path:filename>"
    assert bps["docs"].static_route == "/r/rstat/<path:filename>"
    assert bps["blog"].registered_at == "app.py:9"


def test_nested_blueprints() -> None:
    app = only_app(read("nested_blueprints"))
    bps = {b.name: b for b in app.blueprints}
    assert set(bps) == {"api", "api.v1", "api.legacy"}
    assert (bps["api.v1"].url_prefix, bps["api.v1"].parent) == ("/api/v1", "api")
    assert bps["api.legacy"].static_endpoint == "api.legacy.static"
    assert route(app, "/api/old/docs/<path:name>").directory == "exports"


def test_shadowed_blueprint_static() -> None:
    app = only_app(read("shadowed_bp"))
    bps = {b.name: b for b in app.blueprints}
    assert (bps["reports"].reachable, bps["reports"].shadowed_by) == (False, "static")
    assert (bps["results"].reachable, bps["results"].static_url_path) == (True, "/static/results")
    assert bps["same"].reachable is False


# -- config --------------------------------------------------------------------------------

def test_config_classes_inheritance_and_modules() -> None:
    app = only_app(read("config_classes"))
    cfg = app.upload_config
    assert (cfg["UPLOAD_FOLDER"].value, cfg["UPLOAD_FOLDER"].file, cfg["UPLOAD_FOLDER"].line) == \
        ("myapp/uploads", "myapp/config.py", 8)
    assert cfg["UPLOAD_FOLDER"].set_at == "app.py:6"
    assert cfg["UPLOADS_DEFAULT_DEST"].value == "var/myapp"  # f-string over a Path and a constant
    assert (cfg["MEDIA_ROOT"].anchor, cfg["MEDIA_ROOT"].value) == ("cwd", "media")  # os.getcwd()
    assert "lowercase_ignored" not in cfg


def test_dict_lookup_chosen_by_env_default() -> None:
    app = only_app(read("factory_wsgi"))
    entry = app.upload_config["UPLOAD_FOLDER"]
    assert entry.status == "candidates" and "APP_ENV" in entry.env
    assert entry.value == "uploads"  # DevelopmentConfig, the getenv default
    assert [c["value"] for c in entry.candidates] == ["uploads", "/srv/media/uploads"]
    media = app.upload_config["MEDIA_ROOT"]
    assert media.value is None and [c["status"] for c in media.candidates] == ["unset", "known"]


def test_pyfile_file_and_instance_config() -> None:
    model = read("config_pyfile")
    app = app_named(model, "app")
    assert (app.upload_config["UPLOAD_FOLDER"].value, app.upload_config["UPLOAD_FOLDER"].file) == \
        ("cfg_uploads", "settings.cfg")
    assert (app.upload_config["MEDIA_ROOT"].value, app.upload_config["MEDIA_ROOT"].line) == ("/srv/json-media", 3)
    assert app.upload_config["UPLOAD_EXTENSIONS"].value == [".png", ".jpg"]
    inst = app_named(model, "inst")
    assert inst.instance_relative_config is True
    assert inst.upload_config["UPLOAD_FOLDER"].value == "/srv/instance-uploads"
    missing = [u for u in model.unresolvable if "missing.cfg" in u.reason]
    assert missing and (missing[0].file, missing[0].line) == ("app.py", 11)


def test_mapping_update_setdefault() -> None:
    app = only_app(read("config_mapping_update"))
    cfg = app.upload_config
    assert cfg["UPLOAD_FOLDER"].value == "uploads/acme"  # setdefault did not replace it
    assert cfg["MEDIA_FOLDER"].value == "media/acme"
    assert cfg["UPLOAD_TMP"].value == "/tmp/acme"
    assert cfg["UPLOAD_DIR"].value == "dir"
    assert "upload_lower" not in cfg and "media_lower" in cfg  # from_mapping: uppercase only


def test_env_defaults_and_unknowns() -> None:
    model = read("env_defaults")
    cfg = only_app(model).upload_config
    assert (cfg["UPLOAD_FOLDER"].value, cfg["UPLOAD_FOLDER"].env) == ("/srv/up", ["UPLOADS"])
    assert (cfg["MEDIA_DIR"].value, cfg["MEDIA_DIR"].env) == ("media", ["MEDIA_DIR"])
    required = cfg["UPLOAD_REQUIRED"]
    assert required.status == "unknown" and "REQUIRED_UPLOAD_DIR" in required.reason
    assert "UPLOAD_TMP" in cfg["UPLOAD_TMP"].reason
    assert [(u.file, u.line) for u in unresolved(model, "UPLOAD_REQUIRED")] == [("app.py", 8)]
    media = cfg["MEDIA_ROOT"]
    assert media.env == ["FLASK_ENV"] and media.value == "media"
    assert {c["value"] for c in media.candidates} == {"/srv/media", "media"}


def test_unknowable_sources_are_listed_with_positions() -> None:
    model = read("unknowns")
    config = {(u.line, u.reason.split("(")[0]) for u in unresolved(model, "config")}
    assert config == {(7, "from_envvar"), (8, "from_prefixed_env")}
    static = unresolved(model, "static_folder")
    assert static and (static[0].file, static[0].line) == ("app.py", 5) and "STATIC_DIR" in static[0].reason
    app = next(a for a in model.apps if a.line == 5)
    assert app.upload_config["UPLOAD_FOLDER"].overridable_by


def test_flaskr_factory_without_call_site() -> None:
    model = read("flaskr_factory")
    app = only_app(model)
    assert (app.kind, app.factory, app.call_sites) == ("factory", "flaskr.create_app", [])
    assert any("no call site" in n.message for n in app.notes)
    assert (app.instance_relative_config, app.upload_folder) == (True, "instance/uploads")
    assert [b.name for b in app.blueprints] == ["auth"]
    assert unresolved(model, "config")[0].reason.startswith("from_pyfile('config.py')")


def test_factory_call_sites() -> None:
    app = only_app(read("factory_wsgi"))
    assert (app.call_sites, app.targets, app.factory) == (["wsgi.py:3"], ["wsgi:application"], "app.create_app")
    main_app = only_app(read("run_main"))
    assert (main_app.call_sites, main_app.upload_config["UPLOAD_FOLDER"].value) == (["run.py:4"],
                                                                                     "/srv/site/uploads")


def test_branch_on_config_callee() -> None:
    app = only_app(read("branches_factory"))
    assert app.call_sites == ["flasky.py:5"]
    media = app.upload_config["MEDIA_ROOT"]
    assert media.env == ["FLASK_CONFIG"] and [c["status"] for c in media.candidates] == ["unset", "known"]


# -- file routes ------------------------------------------------------------------------------

def test_protection_and_parameters() -> None:
    app = only_app(read("send_routes"))
    uploads = route(app, "/media/uploads/<path:filename>")
    assert uploads.protected and "login_required" in uploads.protected_by
    # @login_required above @route wraps a function Flask never sees.
    assert not route(app, "/media/public/<path:filename>").protected
    reports = route(app, "/admin/reports/<path:filename>")
    assert reports.protected and "before_request" in reports.protected_by
    themes = route(app, "/media/themes/<theme>/static/<path:filename>")
    assert (themes.parametrized, themes.directory, themes.url_prefix) == \
        (True, "shop/themes/<theme>/static", "/media/themes/")
    export = route(app, "/media/exports/<name>")
    assert (export.via, export.directory, export.parametrized, export.config_key) == \
        ("send_file", "var/exports", False, "EXPORT_DIR")
    robots = route(app, "/robots.txt")
    assert robots.served_file == "shop/static/robots.txt"


def test_middleware_mounts() -> None:
    model = read("middleware")
    app = next(a for a in model.apps if a.file == "app.py")
    shared = [r for r in app.file_routes if r.via == "SharedDataMiddleware"]
    assert [(r.url_prefix, r.directory, r.directory_base) for r in shared] == [
        ("/uploads/", "uploads", "cwd"), ("/public/", "public", "project")]
    assert next(r for r in app.routes if r.endpoint == "download_file").build_only
    mounted = next(a for a in model.apps if a.file == "mounted.py")
    assert mounted.mount_prefix == "/blog"


def test_whitenoise(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app.py": """
        from flask import Flask
        from whitenoise import WhiteNoise

        app = Flask(__name__)
        app.wsgi_app = WhiteNoise(app.wsgi_app, root="static/", prefix="assets/")
        app.wsgi_app.add_files("media/", prefix="media")
    """})
    app = only_app(read_project(root))
    noise = [(r.url_prefix, r.directory, r.directory_base) for r in app.file_routes if r.via == "WhiteNoise"]
    assert noise == [("/assets/", "static", "cwd"), ("/media/", "media", "cwd")]


def test_static_catch_all() -> None:
    app = only_app(read("static_root_url"))
    assert app.static_route == "/<path:filename>"
    spa = route(app, "/<path:path>")
    assert spa.reachable is False  # the identical static rule was added first


# -- templates --------------------------------------------------------------------------------

def test_template_urls_and_lines() -> None:
    urls = read("module_app").template_asset_urls
    got = [(u.line, u.kind, u.url, u.dynamic) for u in urls]
    assert got == [(4, "url_for", "/static/css/app.css", False), (5, "literal", "/static/favicon.ico", False),
                   (7, "literal", "/staticfiles/js/app.js", False), (10, "literal", "/static/img/", True)]
    assert all(u.file == "templates/index.html" and u.app == "app.py:7" for u in urls)


def test_blueprint_templates() -> None:
    model = read("templates_bp")
    urls = {(u.file, u.line): u for u in model.template_asset_urls}
    assert urls[("admin/templates/admin/index.html", 3)].url == "/admin/static/admin.css"  # '.static'
    assert urls[("admin/templates/admin/index.html", 4)].url == "/admin/static/js/admin.js"
    assert urls[("admin/templates/admin/index.html", 5)].dynamic
    assert urls[("templates/layout.html", 4)].url == "/static/css/site%20file.css"
    assert urls[("templates/layout.html", 8)].url == "/static/js/app.js"
    assert not any("commented-out" in u.raw for u in model.template_asset_urls)
    missing = urls[("admin/templates/admin/index.html", 7)]
    assert missing.url is None
    assert any("missing.static" in n.message for n in model.apps[0].notes)
    broken = unresolved(model, "template")
    assert broken and broken[0].file == "templates/broken.html" and "syntax error" in broken[0].reason


# -- safety and robustness ----------------------------------------------------------------------

def test_user_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    root = write_project(tmp_path / "proj", {"app.py": f"""
        import os
        from flask import Flask

        open({str(marker)!r}, "w").write("imported!")
        os.system("touch {marker}")
        app = Flask(__name__)
        raise SystemExit("user code ran")
    """})
    model = read_project(root)
    assert not marker.exists()
    assert only_app(model).static_route == "/static/<path:filename>"
    assert "app" not in sys.modules or getattr(sys.modules["app"], "__file__", "") != str(root / "app.py")


def test_syntax_error_is_reported_not_raised(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__\n",
                                    "ok.py": "from flask import Flask\nok = Flask('ok')\n"})
    model = read_project(root)
    assert [a.name for a in model.apps] == ["ok"]
    assert any("cannot parse app.py" in u.reason for u in model.unresolvable)


def test_line_numbers_match_libcst_positions() -> None:
    """The fast line table agrees with libcst's PositionProvider."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from nglint.flask.source import ProjectFiles

    checked = 0
    for name in ("factory_wsgi", "send_routes", "config_mapping_update"):
        for src in ProjectFiles(FIXTURES / name).sources:
            positions = MetadataWrapper(src.tree, unsafe_skip_copy=True).resolve(PositionProvider)
            for node, pos in positions.items():
                if isinstance(node, (cst.Call, cst.Name, cst.Attribute, cst.SimpleString, cst.Assign)):
                    assert src.line_of(node) == pos.start.line, (src.rel, node)
                    checked += 1
    assert checked > 100


def test_check_without_app_does_not_import_libcst(tmp_path: Path) -> None:
    vhost = tmp_path / "site.conf"
    vhost.write_text("server {\n    listen 8080;\n    server_name example.com;\n"
                     "    location /static/ { alias /srv/app/static/; }\n}\n")
    code = ("import sys, nglint.cli, nglint.flask\n"
            f"rc = nglint.cli.main(['check', {str(vhost)!r}])\n"
            "print(rc, sorted(m for m in ('libcst', 'jinja2', 'yaml') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rc, loaded = proc.stdout.strip().splitlines()[-1].split(" ", 1)
    assert rc in ("0", "1") and loaded == "[]"


def test_extension_static_routes(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app.py": """
        from flasgger import Swagger
        from flask import Flask
        from flask_admin import Admin
        from flask_bootstrap import Bootstrap
        from flask_debugtoolbar import DebugToolbarExtension

        app = Flask(__name__)
        admin = Admin(app, url="/backoffice")
        toolbar = DebugToolbarExtension()
        toolbar.init_app(app)
        Swagger(app)
        Bootstrap(app)
    """})
    app = only_app(read_project(root))
    assert [(e.extension, e.url_prefix, e.line) for e in app.extension_routes] == [
        ("Flask-Admin", "/backoffice/static/", 9), ("Flask-DebugToolbar", "/_debug_toolbar/static/", 11),
        ("flasgger", "/flasgger_static/", 12), ("Flask-Bootstrap", None, 13)]
    assert "installed" in app.extension_routes[-1].note


def test_whitenoise_root_holding_uploads(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app.py": """
        from flask import Flask
        from whitenoise import WhiteNoise

        app = Flask(__name__, static_folder="..\\\\static")
        app.config["UPLOAD_FOLDER"] = "public/uploads"
        app.wsgi_app = WhiteNoise(app.wsgi_app, root="public", prefix="/")
    """})
    app = only_app(read_project(root))
    assert any("WhiteNoise indexes files at start-up" in n.message and n.at == "app.py:7" for n in app.notes)
    assert any("backslash" in n.message for n in app.notes)


def test_entry_script_importing_the_app(tmp_path: Path) -> None:
    """wsgi.py imports the app and the views module (which never imports flask)."""
    root = write_project(tmp_path, {
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "views.py": "from app import app\nfrom helpers import serve\n\n\n@app.route('/files/<path:name>')\n"
                    "def files(name):\n    return serve(name)\n",
        "helpers.py": "import os\n\n\ndef serve(name):\n    from flask import send_from_directory\n"
                      "    return send_from_directory(os.path.join('/srv', 'files'), name)\n",
        "wsgi.py": "from app import app as application\nimport views  # noqa: F401\n",
    })
    app = only_app(read_project(root))
    assert {"app:app", "wsgi:application"} <= set(app.targets)
    files = route(app, "/files/<path:name>")
    assert (files.directory, files.directory_base, files.file, files.line) == ("/srv/files", "absolute", "views.py", 5)


def test_dotenv_values_are_listed_as_overrides(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "app.py": """
            import os
            from dotenv import load_dotenv
            from flask import Flask

            load_dotenv()
            app = Flask(__name__)
            app.config["UPLOAD_FOLDER"] = os.getenv("UPLOAD_DIR", "uploads")
        """,
        ".env": "# local settings\nexport UPLOAD_DIR='/srv/up'\nOTHER=1\n"})
    entry = only_app(read_project(root)).upload_config["UPLOAD_FOLDER"]
    assert entry.value == "uploads" and entry.env == ["UPLOAD_DIR"]
    assert any("$UPLOAD_DIR='/srv/up' in .env:2" in o for o in entry.overridable_by)


def test_config_object_named_by_env_default(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "config.py": "class DevelopmentConfig:\n    UPLOAD_FOLDER = 'up'\n",
        "app.py": "import os\nfrom flask import Flask\n\napp = Flask(__name__)\n"
                  "app.config.from_object(os.environ.get('APP_SETTINGS', 'config.DevelopmentConfig'))\n"})
    entry = only_app(read_project(root)).upload_config["UPLOAD_FOLDER"]
    assert (entry.value, entry.env, entry.file, entry.line, entry.set_at) == \
        ("up", ["APP_SETTINGS"], "config.py", 2, "app.py:5")
