"""Flask ↔ nginx cross-checks (NGL030–NGL039), the deploy mapping and app discovery.

The rules' fixtures run in tests/test_rules.py; here:
- the demo's must-show: `nglint check fixtures/demo` names the nginx line and the app
  line of each app↔nginx mismatch in one message; both end with the safe `--fix`, and
  real nginx answers the demo's /static/ and /media/ requests 404 before it, the files after;
- every cross-check finding of the fixtures carries both places;
- real nginx is the oracle for what the findings claim: each fixture project is
  "deployed" under a temporary root, the fixture's server block runs on a loopback port
  with an echo upstream standing for gunicorn, and the request behind each finding gets
  the answer written down here by hand (404, the file's bytes, or the upstream);
- app discovery, its cost (a single vhost never imports libcst), the deploy mapping
  (setting, inferred, unknown, ambiguous) and notes for values the reader cannot know.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from _nginx import Nginx, free_port, main_conf, make_tmp, remove_tree, require_nginx, send, start_echo
from conftest import Run

from nglint.deploy import DeployMap, deploy_map, discover_app
from nglint.deploy.discover import is_app_module
from nglint.engine import Project, all_rules, lint
from nglint.flask import read_project
from nglint.load import load_text
from nglint.load.discover import load_paths
from nglint.rules._crosscheck import rule_regex

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CROSS = [r for r in all_rules() if "NGL030" <= r.code <= "NGL049"]


def _cases(kind: str) -> list[Path]:
    return sorted(p for r in CROSS for p in (FIXTURES / r.name).glob(f"{kind}-*") if p.is_dir())


# -- the demo ----------------------------------------------------------------------------------

SITE = "demo/nginx/sites-enabled/yourapp.conf"
APP = "demo/app/app.py"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "demo", tmp_path / "demo")
    return tmp_path / "demo"


def _findings(run: Run) -> dict[tuple[str, int, str], str]:
    """(file, line, code) → message of every finding in a text report."""
    return {(m.group(1), int(m.group(2)), m.group(3)): m.group(4)
            for m in re.finditer(r"^(\S+?):(\d+):\d+: (NGL\d{3}) \[[a-z0-9-]+\] (.*)$", run.out, re.M)}


def test_demo_reports_app_nginx_mismatches_with_both_places(demo: Path, nglint: Callable[..., Run]) -> None:
    run = nglint("check", "demo", cwd=demo.parent)
    assert run.code == 1
    found = _findings(run)
    # The static alias lacks its `/`: nginx opens .../staticcss/app.css, not the app's static folder.
    static = found[(SITE, 30, "NGL031")]
    assert f"({SITE}:30)" in static and f"({APP}:10)" in static
    assert "/var/www/yourapp/app/staticcss/app.css" in static and "inferred" in static
    # The media alias lacks its `/` too: uploads go to /var/www/yourapp/media, nginx opens .../mediaphoto.jpg.
    uploads = found[(SITE, 36, "NGL032")]
    assert f"({SITE}:36)" in uploads and f"{APP}:11" in uploads and f"({APP}:38)" in uploads
    assert "`/var/www/yourapp/media`" in uploads and "/var/www/yourapp/mediaphoto.jpg" in uploads
    # The app was discovered next to the configs, and the user is told so (not a finding).
    assert "nglint: note: Flask project demo/app/ found next to the configs (demo/app/app.py)" in run.err


def test_demo_json_has_the_app_place_as_related(demo: Path, nglint: Callable[..., Run]) -> None:
    run = nglint("check", "--select", "NGL032", "--format", "json", "demo", cwd=demo.parent)
    [d] = json.loads(run.out)
    assert (d["file"], d["line"]) == (SITE, 36)
    assert {(r["file"], r["line"]) for r in d["related"]} == {(APP, 11), (APP, 38)}


def test_demo_mismatches_end_with_the_safe_fix(demo: Path, nglint: Callable[..., Run]) -> None:
    """Both mismatches are consequences of the missing trailing slashes (NGL001): the
    safe fix repairs the slashes and, with them, what the app and nginx disagreed on."""
    assert nglint("--fix", "demo", cwd=demo.parent).code == 0
    run = nglint("check", "--select", "NGL03", "demo", cwd=demo.parent)
    assert (run.code, _findings(run)) == (0, {}), run.out


# What real nginx answers for the demo's server block, before and after `nglint --fix`:
# the URL → the file it must send (a path on the server), or "app" for the upstream.
DEMO_REQUESTS = {
    "/static/css/app.css": "/var/www/yourapp/app/static/css/app.css",
    # where the app's upload() saves photo.jpg (its UPLOAD_FOLDER default, fixtures/demo/app/app.py:11)
    "/media/photo.jpg": "/var/www/yourapp/media/photo.jpg",
    "/": "app",
}


def _deploy_demo(demo: Path, host_root: Path) -> None:
    """The server's files under ``host_root``: the app at /var/www/yourapp/app and one
    photo the app has saved (where its UPLOAD_FOLDER default puts it)."""
    shutil.copytree(demo / "app", host_root / "var/www/yourapp/app")
    photo = host_root / "var/www/yourapp/media/photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"JPEG /var/www/yourapp/media/photo.jpg\n")
    for p in [host_root, *host_root.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def _demo_answers(demo: Path, tmp: Path, host_root: Path, echo_name: str) -> dict[str, int | str]:
    """Run the demo's yourapp.conf in real nginx (loopback port, paths under ``host_root``,
    the echo server as gunicorn): URL → status, "app", or the path of the file served."""
    port = free_port(("127.0.0.1",))
    site = (demo / "nginx/sites-enabled/yourapp.conf").read_text(encoding="utf-8")
    for old, new, count in (("    listen [::]:80", "    # listen [::]:80", 3),
                            ("listen 80", f"listen 127.0.0.1:{port}", 3),
                            ("alias /var/www/", f"alias {host_root}/var/www/", 2),
                            ("server unix:/run/gunicorn.sock", f"server {echo_name}", 1)):
        assert site.count(old) == count, old
        site = site.replace(old, new)
    ngx = tmp / f"ngx{port}"
    ngx.mkdir()
    shutil.copy(demo / "nginx/proxy_params", ngx / "proxy_params")
    conf = ngx / "nginx.conf"
    conf.write_text(main_conf(site, ngx, level="error"), encoding="utf-8")
    answers: dict[str, int | str] = {}
    with Nginx(conf, ngx, [f"127.0.0.1:{port}"]):
        for url, expected in DEMO_REQUESTS.items():
            r = send(f"127.0.0.1:{port}", url, "yourapp.example.com")
            if r.status == 200 and r.text.startswith("UPSTREAM"):
                answers[url] = "app"
            elif r.status == 200 and expected != "app":
                assert r.body == (host_root / expected.lstrip("/")).read_bytes(), (url, r.text[:200])
                answers[url] = expected
            else:
                answers[url] = r.status
    return answers


def test_real_nginx_demo_404s_until_the_safe_fix(demo: Path, nglint: Callable[..., Run]) -> None:
    """The demo's story with real nginx: the stylesheet and the uploaded photo answer 404
    (the missing slashes glue the file name onto the directory), and after `nglint --fix`
    both are served from where the app keeps them; the app itself answers throughout."""
    require_nginx()
    tmp = make_tmp()
    echo = start_echo()
    try:
        _deploy_demo(demo, tmp / "host")
        before = _demo_answers(demo, tmp, tmp / "host", echo.name)
        assert before == {"/static/css/app.css": 404, "/media/photo.jpg": 404, "/": "app"}
        assert nglint("--fix", "demo", cwd=demo.parent).code == 0
        assert _demo_answers(demo, tmp, tmp / "host", echo.name) == DEMO_REQUESTS
    finally:
        echo.close()
        remove_tree(tmp)


# -- both places in every message ----------------------------------------------------------------

def _lint_case(case: Path) -> list:
    from nglint.settings import load_settings

    settings = load_settings(case / "nglint.toml") if (case / "nglint.toml").is_file() else {}
    configs = load_paths([str(case.relative_to(ROOT))])
    rule = next(r for r in CROSS if r.name == case.parent.name)
    return lint(Project(configs, case, settings), [rule])


@pytest.mark.parametrize("case", _cases("bad"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_findings_name_the_nginx_and_the_app_place(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    diags = _lint_case(case)
    assert diags
    for d in diags:
        assert d.related, d.message
        for r in d.related:  # app places: real files, real lines
            path = ROOT / r.file
            assert path.is_file() and path.is_relative_to(case), r
            assert 1 <= r.line <= len(path.read_text(encoding="utf-8").splitlines()), r
        places = re.findall(r"([\w./-]+):(\d+)", d.message)
        app_places = [p for p in places if not p[0].endswith(".conf")]
        assert app_places, f"no app file:line in {d.message!r}"
        if d.file is not None:  # primary span in nginx: its file:line is in the text too
            assert (d.file.display, str(d.line)) in places, d.message
        else:  # an app-only finding (nothing in nginx is involved): at the app line
            assert d.filename.startswith(str(case.relative_to(ROOT))), d.filename


# -- real nginx: the request behind each finding ---------------------------------------------------

# (case, app-root, URL, what real nginx answers, files the running app would have written):
# "file:<path>" = 200 with that file (a project path, or an absolute path on the server);
# "app" = passed to the upstream; a number = that status from nginx itself.
ORACLE = [
    ("static-prefix-not-served/bad-assets-vs-static", "/srv/shop", "/assets/css/site.css", "app", ()),
    ("static-prefix-not-served/bad-static-internal", "/srv/app", "/static/app.js", 404, ()),
    ("static-prefix-not-served/ok-matching-prefix", "/srv/shop", "/assets/css/site.css",
     "file:assets/css/site.css", ()),
    ("static-folder-mismatch/bad-build-folder", "/srv/app", "/static/js/main.js", 404, ()),
    ("static-folder-mismatch/bad-other-project-path", "/srv/app", "/static/css/app.css", 404, ()),
    ("static-folder-mismatch/ok-inferred-root", "/srv/app", "/static/css/app.css", "file:static/css/app.css", ()),
    ("static-folder-mismatch/ok-root-directive", "/srv/site", "/public/img/logo.svg", "file:public/img/logo.svg", ()),
    ("upload-folder-not-served/bad-media-vs-uploads", "/var/www/yourapp/app", "/media/photo.jpg", 404,
     ("/var/www/yourapp/uploads/photo.jpg",)),
    ("upload-folder-not-served/bad-media-location-only", "/srv/app", "/media/photo.jpg", 404,
     ("/srv/app/uploads/photo.jpg",)),
    ("upload-folder-not-served/ok-aligned", "/var/www/yourapp/app", "/media/photo.jpg",
     "file:/var/www/yourapp/media/photo.jpg", ("/var/www/yourapp/media/photo.jpg",)),
    ("uploads-in-static-folder/bad-uploads-under-static", "/srv/app", "/static/uploads/photo.jpg",
     "file:static/uploads/photo.jpg", ("/srv/app/static/uploads/photo.jpg",)),
    ("template-url-not-served/bad-staticfiles-prefix", "/srv/app", "/staticfiles/css/app.css", "app", ()),
    ("template-url-not-served/bad-blocked-by-nginx", "/srv/app", "/vendor/jquery.min.js", 404, ()),
    ("template-url-not-served/ok-served-urls", "/srv/app", "/static/css/app.css", "file:static/css/app.css", ()),
    ("static-file-not-found/bad-renamed-css", "/srv/app", "/static/css/main.css", 404, ()),
    ("static-file-not-found/bad-renamed-css", "/srv/app", "/static/css/app.css", "file:static/css/app.css", ()),
    ("blueprint-static-hijacked/bad-admin-under-static", "/srv/app", "/static/admin/admin.css", 404, ()),
    ("blueprint-static-hijacked/ok-own-location", "/srv/app", "/static/admin/admin.css",
     "file:admin/static/admin.css", ()),
    ("blueprint-static-hijacked/bad-flask-admin-at-root", "/srv/app", "/static/admin/app.css", 404, ()),
    ("blueprint-static-hijacked/ok-flask-admin-own-prefix", "/srv/app", "/admin/static/app.css", "app", ()),
    ("app-source-served/bad-root-try-files", "/srv/app", "/app.py", "file:app.py", ()),
    ("app-source-served/bad-root-try-files", "/srv/app", "/.env", "file:.env", ()),
    ("app-source-served/bad-alias-project-dir", "/srv/app", "/files/app.py", "file:app.py", ()),
    ("app-source-served/ok-root-with-proxy", "/srv/app", "/app.py", "app", ()),
    ("static-folder-exposes-source/bad-project-root-static", "/srv/app", "/app.py", "app", ()),
    ("static-folder-exposes-source/ok-blocked-by-nginx", "/srv/app", "/app.py", 404, ()),
    ("protected-files-served/bad-login-required-alias", "/srv/app", "/invoices/report.pdf",
     "file:/srv/invoices/report.pdf", ("/srv/invoices/report.pdf",)),
    ("protected-files-served/ok-internal-location", "/srv/app", "/invoices/report.pdf", "app",
     ("/srv/invoices/report.pdf",)),
]
_HOST_PATH = re.compile(r"(?<=\s)(/srv/|/var/www/)")


def _server_blocks(nginx_conf: str) -> str:
    body = nginx_conf[nginx_conf.index("http {") + len("http {"):]
    return body[:body.rindex("}")]


@pytest.mark.parametrize("case, app_root, url, expected, data", ORACLE, ids=lambda v: str(v))
def test_real_nginx_answers_what_the_finding_says(case: str, app_root: str, url: str, expected: str | int,
                                                  data: tuple[str, ...]) -> None:
    require_nginx()
    tmp = make_tmp()
    echo = start_echo()
    try:
        src = FIXTURES / case
        host_root = tmp / "host"
        shutil.copytree(src, host_root / app_root.lstrip("/"))
        for path in data:
            target = host_root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"DATA {path}\n")
        for p in [host_root, *host_root.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        port = free_port(("127.0.0.1",))
        servers = _server_blocks((src / "nginx.conf").read_text(encoding="utf-8"))
        servers = _HOST_PATH.sub(lambda m: f"{host_root}{m.group(1)}", servers)
        servers = servers.replace("listen 80;", f"listen 127.0.0.1:{port};")
        servers = servers.replace("proxy_pass http://127.0.0.1:8000;", f"proxy_pass http://{echo.name};")
        ngx = tmp / "ngx"
        ngx.mkdir()
        conf = ngx / "nginx.conf"
        conf.write_text(main_conf(servers, ngx, level="error"), encoding="utf-8")
        host = re.search(r"server_name (\S+);", servers).group(1)  # type: ignore[union-attr]
        with Nginx(conf, ngx, [f"127.0.0.1:{port}"]):
            r = send(f"127.0.0.1:{port}", url, host)
        if expected == "app":
            assert r.status == 200 and r.text.startswith("UPSTREAM"), (r.status, r.text[:200])
        elif isinstance(expected, int):
            assert r.status == expected, (r.status, r.text[:200])
        else:
            rel = expected.removeprefix("file:")
            file = host_root / rel.lstrip("/") if rel.startswith("/") else host_root / app_root.lstrip("/") / rel
            assert r.status == 200 and r.body == file.read_bytes(), (r.status, r.text[:200])
    finally:
        echo.close()
        remove_tree(tmp)


def test_oracle_covers_every_bad_fixture() -> None:
    covered = {case for case, *_ in ORACLE}
    missing = [f"{p.parent.name}/{p.name}" for p in _cases("bad")
               if f"{p.parent.name}/{p.name}" not in covered and p.name not in SKIP_ORACLE]
    assert not missing, missing


# App-side findings (no nginx request shows them) and findings about a relative folder.
SKIP_ORACLE = {"bad-same-directory", "bad-literal-missing", "bad-relative-folder"}


# -- app discovery ------------------------------------------------------------------------------------

FLASK_APP = "from flask import Flask\n\napp = Flask(__name__)\n"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_discovery_finds_the_module_that_creates_the_app(tmp_path: Path) -> None:
    _tree(tmp_path, {"deploy/nginx/site.conf": "server {}\n", "web/app.py": FLASK_APP, "web/util.py": "x = 1\n"})
    found = discover_app([str(tmp_path)])
    assert found is not None
    assert found.directory == tmp_path / "web" and found.modules == (tmp_path / "web" / "app.py",)


def test_discovery_takes_the_directory_above_a_package(tmp_path: Path) -> None:
    _tree(tmp_path, {"src/shop/__init__.py": FLASK_APP, "src/shop/views.py": "from flask import render_template\n"})
    assert discover_app([str(tmp_path)]).directory == tmp_path / "src"  # type: ignore[union-attr]


def test_discovery_common_directory_of_several_apps(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/app.py": FLASK_APP, "b/app.py": FLASK_APP})
    assert discover_app([str(tmp_path)]).directory == tmp_path  # type: ignore[union-attr]


def test_discovery_skips_tests_hidden_dirs_and_virtualenvs(tmp_path: Path) -> None:
    _tree(tmp_path, {"tests/app.py": FLASK_APP, ".venv/app.py": FLASK_APP, "env/pyvenv.cfg": "home = /usr\n",
                     "env/lib/app.py": FLASK_APP, "node_modules/x/app.py": FLASK_APP})
    assert discover_app([str(tmp_path)]) is None


def test_discovery_needs_a_flask_import_and_a_constructor() -> None:
    assert is_app_module(FLASK_APP.encode())
    assert is_app_module(b"import flask\napp = flask.Flask(__name__)\n")
    assert is_app_module(b"from flask import Flask\nclass MyFlask(Flask): ...\napp = MyFlask(__name__)\n")
    assert not is_app_module(b"from flask import Blueprint\nbp = Blueprint('x', __name__)\n")
    assert not is_app_module(b'"""Flask(__name__) in a docstring of a module that never imports it"""\n')


def test_discovery_only_searches_directories_given(tmp_path: Path) -> None:
    _tree(tmp_path, {"app.py": FLASK_APP, "nginx/site.conf": "server {}\n"})
    assert discover_app([str(tmp_path / "nginx" / "site.conf")]) is None
    assert discover_app(["-"]) is None


def _cold_check(cwd: Path, *args: str) -> dict:
    """`nglint check ARGS` in a fresh interpreter: exit code and which heavy modules it loaded."""
    code = ("import io, json, sys, contextlib\nfrom nglint.cli import main\n"
            "out = io.StringIO()\nwith contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    rc = main(['check', *{list(args)!r}])\n"
            "print(json.dumps({'rc': rc, 'heavy': sorted(m for m in ('libcst', 'jinja2') if m in sys.modules)}))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


SITE_CONF = ("server {\n    listen 80;\n    server_name a.example.com;\n"
             "    location /static/ { alias /srv/app/static/; }\n"
             "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n")


def test_single_vhost_never_imports_libcst(tmp_path: Path) -> None:
    _tree(tmp_path, {"app.py": FLASK_APP, "nginx/site.conf": SITE_CONF})
    assert _cold_check(tmp_path, "nginx/site.conf")["heavy"] == []


def test_directory_with_an_app_is_cross_checked(tmp_path: Path) -> None:
    _tree(tmp_path, {"app.py": FLASK_APP.replace("(__name__)", "(__name__, static_folder='assets')"),
                     "assets/app.css": "", "nginx/site.conf": SITE_CONF})
    result = _cold_check(tmp_path, "--select", "NGL030", ".")
    assert result["rc"] == 1 and "libcst" in result["heavy"]


def test_directory_without_an_app_stays_light(tmp_path: Path) -> None:
    _tree(tmp_path, {"nginx/site.conf": SITE_CONF, "tools/gen.py": "print('no flask here')\n"})
    assert _cold_check(tmp_path, ".")["heavy"] == []


def test_explicit_app_wins_over_discovery(tmp_path: Path, nglint: Callable[..., Run]) -> None:
    _tree(tmp_path, {"a/app.py": FLASK_APP.replace("(__name__)", "(__name__, static_folder='assets')"),
                     "b/app.py": FLASK_APP, "b/static/app.css": "", "nginx/site.conf": SITE_CONF})
    assert nglint("check", "--select", "NGL030", ".", cwd=tmp_path).code == 0  # a/ and b/: b serves /static/
    run = nglint("check", "--select", "NGL030", "--app", "a", ".", cwd=tmp_path)
    assert run.code == 1 and "found next to the configs" not in run.err


# -- deploy mapping ------------------------------------------------------------------------------------

def _map(tmp_path: Path, files: dict[str, str], conf: str, settings: dict | None = None) -> DeployMap:
    _tree(tmp_path, files)
    model = read_project(tmp_path)
    return deploy_map(load_text(conf, "site.conf"), model, settings or {}, "the project",
                      [a.static_url_path for a in model.apps])


def test_app_root_setting_wins(tmp_path: Path) -> None:
    m = _map(tmp_path, {"app.py": FLASK_APP}, SITE_CONF, {"app-root": "/opt/web/", "_file": "/x/pyproject.toml"})
    assert (m.root, m.how) == ("/opt/web", "setting")
    assert m.host("static/app.css", "project") == "/opt/web/static/app.css"
    assert m.host("/abs/uploads", "absolute") == "/abs/uploads"
    assert m.host("uploads", "cwd") is None and m.tag() == ""


def test_app_root_inferred_from_the_static_alias(tmp_path: Path) -> None:
    m = _map(tmp_path, {"web/app.py": FLASK_APP}, SITE_CONF.replace("/srv/app/static/", "/srv/site/web/static/"))
    assert (m.root, m.how) == ("/srv/site", "inferred")  # the static folder is web/static in the project
    assert "inferred from `alias /srv/site/web/static/` at site.conf:4" in m.tag()


def test_app_root_inferred_from_root_plus_location(tmp_path: Path) -> None:
    conf = SITE_CONF.replace("alias /srv/app/static/;", "root /home/deploy/site;")
    m = _map(tmp_path, {"app.py": FLASK_APP}, conf)
    assert (m.root, m.how) == ("/home/deploy/site", "inferred")


def test_app_root_unknown_says_what_to_set(tmp_path: Path) -> None:
    m = _map(tmp_path, {"app.py": FLASK_APP}, SITE_CONF.replace("/srv/app/static/", "/srv/app/public/"))
    assert m.root is None and m.how == "unknown"
    assert 'set `app-root = "/path/on/server"` in [tool.nglint]' in m.origin
    assert "no alias/root ends with its static folder static" in m.origin


def test_app_root_ambiguous_lists_the_candidates(tmp_path: Path) -> None:
    conf = SITE_CONF.replace("    location / {", "    location /old/static/ { alias /srv/old/static/; }\n"
                                               "    location / {")
    conf = conf.replace("location /static/", "location /assets/")
    m = _map(tmp_path, {"app.py": FLASK_APP}, conf)
    assert m.root is None and "/srv/app (from site.conf:4)" in m.origin and "/srv/old (from site.conf:5)" in m.origin


def test_app_root_prefers_the_location_of_the_app_static_url(tmp_path: Path) -> None:
    conf = SITE_CONF.replace("    location / {", "    location /old/static/ { alias /srv/old/static/; }\n"
                                               "    location / {")
    m = _map(tmp_path, {"app.py": FLASK_APP}, conf)
    assert (m.root, m.how) == ("/srv/app", "inferred")


def test_missing_app_root_is_a_note_not_a_finding(tmp_path: Path, nglint: Callable[..., Run]) -> None:
    _tree(tmp_path, {"app.py": FLASK_APP, ".env": "SECRET_KEY=x\n",
                     "nginx/site.conf": SITE_CONF.replace("/srv/app/static/", "/srv/x/public/")})
    run = nglint("check", "--select", "NGL037", "--app", ".", "nginx/site.conf", cwd=tmp_path)
    assert run.code == 0 and run.out.strip() == "All checks passed."
    assert "set `app-root" in run.err and "the source exposure check skipped" in run.err


def test_unknown_upload_folder_is_a_note_not_a_finding(nglint: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    case = "fixtures/upload-folder-not-served/ok-unknown-env"
    run = nglint("check", "--select", "NGL03", "--app", case, case, cwd=ROOT)
    assert run.code == 0
    assert "UPLOAD_FOLDER of the app at" in run.err and "has no default" in run.err and "skipped" in run.err


def test_shared_host_checks_only_the_servers_of_the_project(tmp_path: Path, nglint: Callable[..., Run]) -> None:
    """Many app server blocks (a shared host): without app-root nothing says which are this
    project's, so none is checked (a note says why); with it, only those serving files
    below the root."""
    servers = "".join(SITE_CONF.replace("a.example.com", f"s{i}.example.com").replace("/srv/app/", f"/srv/s{i}/")
                      .replace("location /static/", "location /assets/") for i in range(20))
    _tree(tmp_path, {"app.py": FLASK_APP, "static/app.css": "", "nginx/sites.conf": servers})
    run = nglint("check", "--select", "NGL030", "--app", ".", "nginx/sites.conf", cwd=tmp_path)
    assert run.code == 0 and "20 server blocks" in run.err and "look only at the 0" in run.err
    (tmp_path / "nglint.toml").write_text('app-root = "/srv/s7"\n')
    run = nglint("check", "--select", "NGL030", "--app", ".", "nginx/sites.conf", cwd=tmp_path)
    assert run.code == 1 and "look only at the 1" in run.err
    # Server s7 spans lines 43-48 (6 lines per server); its `location /assets/` is line 46.
    [finding] = [line for line in run.out.splitlines() if "NGL030" in line]
    assert finding.startswith("nginx/sites.conf:46:")


# -- Werkzeug rules ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, path, matches", [
    ("/static/<path:filename>", "/static/css/app.css", True),
    ("/static/<path:filename>", "/static/", False),
    ("/static/<path:filename>", "/staticfiles/app.css", False),
    ("/media/<filename>", "/media/a/b.jpg", False),
    ("/media/<filename>", "/media/b.jpg", True),
    ("/u/<int:id>", "/u/12", True),
    ("/u/<int:id>", "/u/x", False),
    ("/docs/", "/docs", True),  # Werkzeug redirects to the slash
    ("/docs", "/docs/", False),
    ("/<any(a, 'b'):x>/f", "/b/f", True),
    ("/<path:filename>", "/app.py", True),
])
def test_rule_regex(rule: str, path: str, matches: bool) -> None:
    assert bool(rule_regex(rule).fullmatch(path)) is matches
