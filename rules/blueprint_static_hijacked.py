"""NGL036: nginx answers a blueprint's static URLs from a directory that is not its folder."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import (FALLBACK_SAMPLE, CrossCheck, crosscheck, mapping_directive, nginx_where,
                                      report_nginx, url_in)

if TYPE_CHECKING:
    from nglint.flask.model import AppModel


class BlueprintStaticHijacked(Rule):
    """
    ## What it does
    Requests files of every blueprint's static folder at the blueprint's static URLs
    (`Blueprint(..., static_folder="static", static_url_path="/static/admin")`, prefixes
    from `url_prefix` and `register_blueprint` included) through the server blocks that
    pass requests to the app, and flags the nginx `alias`/`root` that answers them from a
    directory that is not the blueprint's static folder. Extensions' static routes
    (Flask-Admin at `/static/admin/` when mounted at `/`, flask-restx `/swaggerui/`, ...)
    are checked the same way: their files are in the installed package.

    ## Why is this bad?
    A blueprint's static files live in the blueprint's own folder (`admin/static/`), but
    its URLs often sit under the app's prefix: `/static/admin/...` goes to nginx's
    `location /static/ { alias /srv/app/static/; }`, which looks in
    `/srv/app/static/admin/` and answers 404. Flask alone (the development server) routes
    the longer rule to the blueprint, so the bug appears only behind nginx.

    ## Example
    ```python
    admin = Blueprint("admin", __name__, static_folder="static", static_url_path="/static/admin")
    ```
    ```nginx
    location /static/ { alias /srv/app/static/; }
    ```
    Use instead:
    ```nginx
    location /static/admin/ { alias /srv/app/admin/static/; }
    location /static/ { alias /srv/app/static/; }
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "NGL036"
    name = "blueprint-static-hijacked"
    severity = Severity.ERROR
    needs_app = True
    example_app = {
        "app.py": ("from flask import Flask\n\nfrom admin import admin\n\n"
                   "app = Flask(__name__)\napp.register_blueprint(admin)\n"),
        "admin/__init__.py": ("from flask import Blueprint\n\n"
                              "admin = Blueprint('admin', __name__, static_folder='static', "
                              "static_url_path='/static/admin')\n"),
        "admin/static/admin.css": "body {}\n",
        "static/app.css": "body {}\n",
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/static/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /static/admin/ { alias /srv/app/admin/static/; }\n"
        "    location /static/ { alias /srv/app/static/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        for app in cx.model.apps:
            for bp in app.blueprints:
                folder, base, prefix = bp.static_folder, bp.static_folder_base, bp.static_url_path
                if folder is None or prefix is None or not bp.reachable:
                    continue
                at = f"{bp.file}:{bp.line}"
                reported: set[int] = set()
                for name in cx.folder_samples(folder, base, cx.referenced(app, bp.static_endpoint or "")):
                    url = url_in(prefix, name)
                    for _srv, r in cx.routes(url):
                        if r.action != "file" or not r.fs_path:
                            continue
                        verdict = cx.compare(r.fs_path, posixpath.join(folder, name), base)
                        if verdict.same is None and not verdict.tail_only:
                            cx.note_no_root("the blueprint static check")
                        d = mapping_directive(r)
                        if verdict.same is not False or d is None or id(d) in reported:
                            continue
                        reported.add(id(d))
                        where = f"`{cx.deploy.host(folder, base)}`" if verdict.expected else \
                            f"the project's `{folder}`"
                        yield report_nginx(self, d, (
                            f"blueprint `{bp.name}` serves its static files at `{prefix}/` from `{folder}` "
                            f"({cx.where(at)}), but nginx answers `{url}` from `{posixpath.normpath(r.fs_path)}` "
                            f"({nginx_where(d)}): 404, the files are in {where}"
                            f"{cx.deploy.tag() if verdict.expected else ''}"),
                            cx.related(at, f"blueprint {bp.name} and its static folder {folder!r}"))
            yield from self._extensions(cx, app)

    def _extensions(self, cx: CrossCheck, app: AppModel) -> Iterator[Diagnostic]:
        """Extension static routes (Flask-Admin, flask-restx, ...): their files are in the
        installed package, so an nginx file mapping of their URLs answers 404, unless it
        points into site-packages or at a copy kept in the project."""
        for ext in app.extension_routes:
            if not ext.url_prefix or not ext.url_prefix.endswith("/"):
                continue
            url = ext.url_prefix + FALLBACK_SAMPLE
            at = f"{ext.file}:{ext.line}" if ext.file else None
            for _srv, r in cx.routes(url):
                if r.action != "file" or not r.fs_path or _installed(r.fs_path):
                    continue
                opened = posixpath.normpath(r.fs_path)
                local = cx.deploy.project_path(posixpath.dirname(opened))
                if local is not None and cx.local(local).is_dir():
                    continue  # the extension's files are copied into the project (collected statics)
                d = mapping_directive(r)
                if d is None:
                    continue
                yield report_nginx(self, d, (
                    f"{ext.extension} serves its static files at `{ext.url_prefix}` ({cx.where(at)}) from the "
                    f"installed package, but nginx answers `{url}` from `{opened}` ({nginx_where(d)}): 404 unless "
                    f"the deployment copies the extension's files there"),
                    cx.related(at, f"{ext.extension} registered here"))
                break


def _installed(path: str) -> bool:
    parts = path.split("/")
    return "site-packages" in parts or "dist-packages" in parts
