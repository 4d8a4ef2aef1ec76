"""Deterministic benchmark inputs: nginx config trees of N servers and a large Flask project.

Everything is generated from a seeded RNG, so the same arguments always give byte-identical
files; a stamp file lets run.py reuse a tree instead of rewriting it.

    python benchmarks/generate.py [--out DIR] [--sizes 100 1000 ...] [--flask]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

# Bump when the shape of the output changes, so cached trees are regenerated.
GENERATOR_VERSION = 1
DEFAULT_SEED = 20240601
DEFAULT_OUT = Path(__file__).resolve().parent / ".data"
SERVERS_PER_FILE = 10  # vhost files in conf.d/ hold this many servers each (generated fleets do)
SERVERS_PER_UPSTREAM = 10

# -- nginx ---------------------------------------------------------------------------

_NGINX_CONF = """\
user www-data;
worker_processes auto;
pid /run/nginx.pid;

events {{
    worker_connections 4096;
}}

http {{
    include mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;
    client_max_body_size 20m;

    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time';
    access_log /var/log/nginx/access.log main;
    error_log /var/log/nginx/error.log warn;

    gzip on;
    gzip_types text/css application/javascript application/json image/svg+xml;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}

    map $request_uri $static_cache {{
        default off;
        ~*\\.(?:css|js)$ "public, max-age=31536000, immutable";
        ~*\\.(?:png|jpe?g|gif|svg|webp)$ "public, max-age=2592000";
    }}

    map $http_host $tenant {{
        hostnames;
        default unknown;
{tenant_map}
    }}

    server {{
        listen 80 default_server;
        listen 443 ssl default_server;
        server_name _;
        ssl_certificate /etc/ssl/certs/default.pem;
        ssl_certificate_key /etc/ssl/private/default.key;
        return 444;
    }}

    include conf.d/*.conf;
}}
"""

_MIME_TYPES = """\
types {
    text/html html htm shtml;
    text/css css;
    text/xml xml;
    image/gif gif;
    image/jpeg jpeg jpg;
    application/javascript js;
    application/json json;
    text/plain txt;
    image/png png;
    image/svg+xml svg svgz;
    image/webp webp;
    image/x-icon ico;
    font/woff woff;
    font/woff2 woff2;
    application/pdf pdf;
    application/zip zip;
    video/mp4 mp4;
    audio/mpeg mp3;
}
"""

_SNIPPETS = {
    "snippets/proxy.conf": """\
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $connection_upgrade;
proxy_read_timeout 60s;
""",
    "snippets/ssl-params.conf": """\
ssl_protocols TLSv1.2 TLSv1.3;
ssl_prefer_server_ciphers off;
ssl_session_cache shared:SSL:10m;
ssl_session_timeout 1d;
""",
    "snippets/security-headers.conf": """\
add_header X-Frame-Options SAMEORIGIN always;
add_header X-Content-Type-Options nosniff always;
add_header Referrer-Policy strict-origin-when-cross-origin always;
""",
}


@dataclass
class NginxTree:
    """Where a generated tree lives and what it holds."""

    root: Path
    servers: int
    lines: int
    files: int

    @property
    def main(self) -> Path:
        return self.root / "nginx.conf"

    @property
    def urls(self) -> Path:
        """JSON list of [host, uri] pairs that hit the generated servers' locations."""
        return self.root / "urls.json"


def _host(i: int) -> str:
    return f"site{i:05d}.example.com"


def _locations(rng: random.Random, i: int, pool: str) -> tuple[list[str], list[str]]:
    """Five location lines for server i and URIs that exercise them."""
    app = f"/srv/site{i:05d}"
    # ~1% of sites carry the classic alias/prefix slash mismatch, so the rules have work to do.
    static_alias = f"{app}/app/static" if rng.random() < 0.01 else f"{app}/app/static/"
    proxy = "include snippets/proxy.conf;"
    locs = [f"location /static/ {{ alias {static_alias}; expires 30d; }}"]
    uris = [f"/static/css/app-{rng.randrange(1000)}.css", "/static/js/main.js"]
    if rng.random() < 0.8:
        locs.append(f"location /media/ {{ alias {app}/media/; }}")
        uris.append(f"/media/uploads/{rng.randrange(10000)}.jpg")
    else:
        locs.append(f"location ^~ /assets/ {{ root {app}/public; try_files $uri =404; }}")
        uris.append("/assets/logo.svg")
    choice = rng.random()
    if choice < 0.5:
        locs.append(f"location ~* \\.(?:ico|png|svg|woff2?)$ {{ root {app}/public; expires 7d; access_log off; }}")
        uris.append("/favicon.ico")
    elif choice < 0.8:
        locs.append("location = /favicon.ico { log_not_found off; access_log off; }")
        uris.append("/favicon.ico")
    else:
        locs.append("location ~ ^/download/(?<file>[\\w.-]+)$ "
                    f"{{ alias {app}/downloads/$file; }}")
        uris.append("/download/report.pdf")
    if rng.random() < 0.7:
        locs.append(f"location /api/ {{ proxy_pass http://{pool}; {proxy} }}")
        uris.append(f"/api/v1/items/{rng.randrange(500)}")
    else:
        locs.append("location = /health { access_log off; return 200 'ok'; }")
        uris.append("/health")
    if rng.random() < 0.75:
        locs.append(f"location / {{ proxy_pass http://{pool}; {proxy} }}")
    else:
        locs.append(f"location / {{ root {app}/public; try_files $uri $uri/ /index.html; }}")
    uris.extend(["/", "/accounts/login/"])
    return locs, uris


def _server(rng: random.Random, i: int, pool: str) -> tuple[list[str], list[tuple[str, str]]]:
    host = _host(i)
    names = [host, f"www.{host}"] if rng.random() < 0.6 else [host]
    ssl = rng.random() < 0.7
    out = ["server {", "    listen 80;"]
    if ssl:
        out.append("    listen 443 ssl;")
    out.append(f"    server_name {' '.join(names)};")
    if ssl:
        out += [f"    ssl_certificate /etc/ssl/certs/{host}.pem;",
                f"    ssl_certificate_key /etc/ssl/private/{host}.key;"]
        if rng.random() < 0.3:
            out.append("    include snippets/ssl-params.conf;")
    if rng.random() < 0.2:
        out.append("    include snippets/security-headers.conf;")
    locs, uris = _locations(rng, i, pool)
    out += [f"    {loc}" for loc in locs]
    out.append("}")
    return out, [(rng.choice(names), uri) for uri in uris]


def generate_nginx(servers: int, out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> NginxTree:
    """Write (or reuse) ``out/nginx-<servers>/``: nginx.conf, mime.types, snippets/, conf.d/."""
    root = out / f"nginx-{servers}"
    stamp = {"version": GENERATOR_VERSION, "seed": seed, "servers": servers}
    stamp_file = root / "stamp.json"
    if stamp_file.is_file():
        saved = json.loads(stamp_file.read_text())
        if {k: saved.get(k) for k in stamp} == stamp:
            return NginxTree(root, servers, saved["lines"], saved["files"])
    if root.exists():
        shutil.rmtree(root)
    (root / "conf.d").mkdir(parents=True)
    rng = random.Random(f"{seed}-{servers}")
    files: dict[str, str] = {"mime.types": _MIME_TYPES, **_SNIPPETS}

    pools = max(1, servers // SERVERS_PER_UPSTREAM)
    upstreams = []
    for p in range(pools):
        members = [f"    server 10.{p // 250 % 250}.{p % 250}.{k + 10}:8000 max_fails=3;"
                   for k in range(rng.randint(1, 3))]
        upstreams += [f"upstream pool{p:04d} {{", *members, "    keepalive 16;", "}", ""]
    files["conf.d/00-upstreams.conf"] = "\n".join(upstreams)

    tenant_map = "\n".join(f"        {_host(i)} t{i % 97:02d};" for i in range(0, servers, max(1, servers // 50)))
    files["nginx.conf"] = _NGINX_CONF.format(tenant_map=tenant_map)

    urls: list[tuple[str, str]] = []
    for first in range(0, servers, SERVERS_PER_FILE):
        lines = [f"# vhosts {first}-{min(first + SERVERS_PER_FILE, servers) - 1} (generated)"]
        for i in range(first, min(first + SERVERS_PER_FILE, servers)):
            block, hits = _server(rng, i, f"pool{i // SERVERS_PER_UPSTREAM % pools:04d}")
            lines += block + [""]
            urls += hits
        files[f"conf.d/site-{first // SERVERS_PER_FILE:05d}.conf"] = "\n".join(lines)

    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    total_lines = sum(text.count("\n") + (not text.endswith("\n")) for text in files.values())
    rng.shuffle(urls)
    (root / "urls.json").write_text(json.dumps(urls))
    stamp.update(lines=total_lines, files=len(files))
    stamp_file.write_text(json.dumps(stamp))
    return NginxTree(root, servers, total_lines, len(files))


def write_vhost(out: Path = DEFAULT_OUT) -> Path:
    """A ~30-line standalone vhost (the cold-start input)."""
    path = out / "vhost-30.conf"
    text = """\
upstream app {
    server 127.0.0.1:8000;
}

server {
    listen 80;
    listen 443 ssl;
    server_name shop.example.com www.shop.example.com;
    ssl_certificate /etc/ssl/certs/shop.pem;
    ssl_certificate_key /etc/ssl/private/shop.key;
    client_max_body_size 10m;

    location /static/ {
        alias /srv/shop/app/static/;
        expires 30d;
    }
    location /media/ {
        alias /srv/shop/media/;
    }
    location = /favicon.ico {
        access_log off;
        log_not_found off;
    }
    location / {
        proxy_pass http://app;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
"""
    out.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return path


# -- Flask ---------------------------------------------------------------------------

_WORDS = ["billing", "catalog", "orders", "accounts", "reports", "search", "admin", "inventory", "shipping",
          "reviews", "support", "blog", "media", "analytics", "payments", "profiles", "messages", "events",
          "jobs", "forum", "wiki", "exports", "imports", "teams", "projects", "tasks", "calendar", "files",
          "notifications", "settings", "audit", "tags", "coupons", "vendors", "returns", "gallery", "news",
          "surveys", "tickets", "webhooks"]
_BP_MODULES = ("__init__", "views", "forms", "models", "api")

_APP_INIT = '''\
"""Application factory."""

import os

from flask import Flask

from .config import config_by_name
from .extensions import init_extensions


def create_app(config_name=None):
    config_name = config_name or os.environ.get("FLASK_CONFIG", "production")
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.from_object(config_by_name[config_name])
    app.config["UPLOAD_FOLDER"] = os.environ.get("UPLOAD_FOLDER", os.path.join(app.root_path, "uploads"))
    init_extensions(app)
{imports}
{registers}
    return app
'''

_CONFIG = '''\
"""Configuration classes, chosen by FLASK_CONFIG."""

import os

BASE_DIR = os.path.abspath(os.path.dirname(__file__))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
    MEDIA_URL = "/media/"
    MEDIA_ROOT = os.path.join(BASE_DIR, "..", "media")
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SEND_FILE_MAX_AGE_DEFAULT = 0


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    MEDIA_ROOT = "/tmp/media"


class ProductionConfig(Config):
    SEND_FILE_MAX_AGE_DEFAULT = 31536000
    MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/srv/app/media")
    PREFERRED_URL_SCHEME = "https"


config_by_name = {{
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}}
'''

_EXTENSIONS = '''\
"""Extension objects, bound to the app in init_extensions()."""


class _Registry:
    def __init__(self):
        self.apps = []

    def init_app(self, app):
        self.apps.append(app)


db = _Registry()
cache = _Registry()


def init_extensions(app):
    db.init_app(app)
    cache.init_app(app)
'''

_WSGI = '''\
from myapp import create_app

app = create_app()
'''


def _bp_init(name: str, static: bool) -> str:
    kwargs = f', static_folder="static", static_url_path="/{name}/static"' if static else ""
    return (f'"""The {name} blueprint."""\n\nfrom flask import Blueprint\n\n'
            f'bp = Blueprint("{name}", __name__, template_folder="templates"{kwargs}, url_prefix="/{name}")\n\n'
            f"from . import api, views  # noqa: E402,F401  (routes register on import)\n")


def _bp_views(name: str, templates: list[str], rng: random.Random) -> str:
    out = [f'"""Views of {name}."""', "", "from flask import current_app, redirect, render_template, "
           "send_from_directory, url_for", "", "from . import bp", "from .forms import validate",
           "from .models import Record", ""]
    for k, tpl in enumerate(templates):
        out += ["", f'@bp.route("/{tpl.rsplit("/", 1)[-1].removesuffix(".html")}/<int:item_id>")',
                f"def view_{k}(item_id):",
                "    record = Record.get(item_id)",
                "    if not validate(record):",
                f'        return redirect(url_for("{name}.view_0", item_id=0))',
                f'    return render_template("{tpl}", record=record, page={rng.randrange(1, 9)})', ""]
    out += ["", '@bp.route("/uploads/<path:filename>")', "def uploaded(filename):",
            '    return send_from_directory(current_app.config["UPLOAD_FOLDER"], filename)', ""]
    return "\n".join(out)


def _bp_module(name: str, module: str, rng: random.Random) -> str:
    if module == "forms":
        fields = [f"field_{k}" for k in range(rng.randint(3, 8))]
        return (f'"""Form validation for {name}."""\n\nREQUIRED = {fields!r}\n\n\n'
                "def validate(record):\n    return record is not None and all(f in record.data for f in REQUIRED)\n")
    if module == "models":
        return (f'"""Models of {name}."""\n\nfrom ..extensions import db\n\n\nclass Record:\n'
                f'    table = "{name}_records"\n\n    def __init__(self, ident, data):\n'
                "        self.ident = ident\n        self.data = data\n\n    @classmethod\n"
                "    def get(cls, ident):\n        return cls(ident, {})\n")
    # api
    routes = []
    for k in range(rng.randint(2, 6)):
        routes += [f'@bp.route("/api/v1/{name}/{k}", methods=["GET", "POST"])', f"def api_{k}():",
                   f'    return jsonify({{"resource": "{name}", "n": {k}, "asset": url_for("static", '
                   f'filename="img/{name}-{k}.png")}})', "", ""]
    return f'"""JSON API of {name}."""\n\nfrom flask import jsonify, url_for\n\nfrom . import bp\n\n\n' + \
        "\n".join(routes)


def _template(name: str, page: str, static: bool, rng: random.Random) -> str:
    own = f"{{{{ url_for('{name}.static', filename='js/{page}.js') }}}}" if static else \
        f"{{{{ url_for('static', filename='js/{name}.js') }}}}"
    rows = "\n".join(f"      <li><a href=\"{{{{ url_for('{name}.view_{k}', item_id=item.id) }}}}\">{{{{ item.title }}}}"
                     f"</a></li>" for k in range(rng.randint(1, 4)))
    return f"""\
{{% extends "base.html" %}}
{{% from "macros.html" import card %}}
{{% block title %}}{name.title()} {page}{{% endblock %}}
{{% block head %}}
  {{{{ super() }}}}
  <link rel="stylesheet" href="{{{{ url_for('static', filename='css/{name}.css') }}}}">
  <script defer src="{own}"></script>
{{% endblock %}}
{{% block content %}}
  <h1>{{{{ record.ident }}}}</h1>
  <img src="/static/img/{name}/{page}.png" alt="">
  {{% for item in record.data.get('items', []) %}}
    {{{{ card(item) }}}}
    <ul>
{rows}
    </ul>
  {{% else %}}
    <p>Nothing here yet. <a href="/media/help/{page}.pdf">Help</a></p>
  {{% endfor %}}
{{% endblock %}}
"""


_BASE_HTML = """\
<!doctype html>
<html lang="en">
<head>
  {% block head %}
  <meta charset="utf-8">
  <title>{% block title %}{% endblock %} · MyApp</title>
  <link rel="icon" href="{{ url_for('static', filename='favicon.ico') }}">
  <link rel="stylesheet" href="{{ url_for('static', filename='css/base.css') }}">
  {% endblock %}
</head>
<body>
  {% include "partials/nav.html" %}
  <main>{% block content %}{% endblock %}</main>
  <script src="{{ url_for('static', filename='js/base.js') }}"></script>
</body>
</html>
"""

_MACROS_HTML = """\
{% macro card(item) %}
<div class="card">
  <img src="{{ url_for('static', filename='img/placeholder.png') }}" alt="">
  <span>{{ item.title }}</span>
</div>
{% endmacro %}
"""


@dataclass
class FlaskTree:
    root: Path
    modules: int
    templates: int


def generate_flask(modules: int = 200, templates: int = 300, out: Path = DEFAULT_OUT,
                   seed: int = DEFAULT_SEED) -> FlaskTree:
    """Write (or reuse) ``out/flask-<modules>-<templates>/``: a `myapp` package with a factory,
    config classes and one blueprint per 5 modules, plus Jinja templates using url_for."""
    root = out / f"flask-{modules}-{templates}"
    stamp = {"version": GENERATOR_VERSION, "seed": seed, "modules": modules, "templates": templates}
    stamp_file = root / "stamp.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        return FlaskTree(root, modules, templates)
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(f"{seed}-flask-{modules}-{templates}")
    files: dict[str, str] = {}
    core = {"wsgi.py": _WSGI, "myapp/config.py": _CONFIG.format(), "myapp/extensions.py": _EXTENSIONS}
    n_bp = max(1, (modules - len(core) - 1) // len(_BP_MODULES))  # -1: myapp/__init__.py
    names = [(_WORDS[k % len(_WORDS)] + (str(k // len(_WORDS)) if k >= len(_WORDS) else "")) for k in range(n_bp)]
    shared = ["base.html", "macros.html", "partials/nav.html"]
    per_bp = max(1, (templates - len(shared)) // n_bp)
    extra = templates - len(shared) - per_bp * n_bp  # spread the remainder over the first blueprints
    for k, name in enumerate(names):
        static = k % 3 == 0
        count = per_bp + (1 if k < extra else 0)
        pages = [f"{name}/page_{j:02d}.html" for j in range(count)]
        pkg = f"myapp/{name}"
        files[f"{pkg}/__init__.py"] = _bp_init(name, static)
        files[f"{pkg}/views.py"] = _bp_views(name, pages, rng)
        for module in ("forms", "models", "api"):
            files[f"{pkg}/{module}.py"] = _bp_module(name, module, rng)
        for page in pages:
            files[f"{pkg}/templates/{page}"] = _template(name, page.rsplit("/", 1)[1][:-5], static, rng)
        if static:
            files[f"{pkg}/static/js/page_00.js"] = "console.log('ok');\n"
    imports = "\n".join(f"    from .{name} import bp as {name}_bp" for name in names)
    registers = "\n".join(f"    app.register_blueprint({name}_bp)" for name in names)
    files["myapp/__init__.py"] = _APP_INIT.format(imports=imports, registers=registers)
    files.update(core)
    # Pad with small helper modules up to the requested module count.
    n_py = sum(1 for p in files if p.endswith(".py"))
    for k in range(modules - n_py):
        files[f"myapp/helper_{k:03d}.py"] = (f'"""Helper {k}."""\n\nimport os\n\nDATA_DIR = os.path.join('
                                             f'os.path.dirname(__file__), "data_{k}")\n\n\n'
                                             f"def helper_{k}(value):\n    return value * {k + 1}\n")
    files["myapp/templates/base.html"] = _BASE_HTML
    files["myapp/templates/macros.html"] = _MACROS_HTML
    files["myapp/templates/partials/nav.html"] = "\n".join(
        f"<a href=\"{{{{ url_for('{name}.view_0', item_id=0) }}}}\">{name.title()}</a>" for name in names) + "\n"
    files["myapp/static/css/base.css"] = "body { margin: 0; }\n"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    stamp_file.write_text(json.dumps(stamp))
    return FlaskTree(root, sum(1 for p in files if p.endswith(".py")),
                     sum(1 for p in files if p.endswith(".html")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2000, 5000, 10000])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--flask", action="store_true", help="also write the Flask project (200 modules, 300 templates)")
    args = ap.parse_args()
    for n in args.sizes:
        tree = generate_nginx(n, args.out, args.seed)
        print(f"{tree.root}: {tree.servers} servers, {tree.lines} lines, {tree.files} files")
    if args.flask:
        ft = generate_flask(out=args.out, seed=args.seed)
        print(f"{ft.root}: {ft.modules} modules, {ft.templates} templates")


if __name__ == "__main__":
    main()
