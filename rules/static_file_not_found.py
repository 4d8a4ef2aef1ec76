"""NGL035: a template links a static file that is not in the static folder."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Iterator
from urllib.parse import unquote

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import (CrossCheck, app_at, crosscheck, deciding_directive, mapping_directive,
                                      nginx_where, report_app, report_nginx)

if TYPE_CHECKING:
    from nglint.flask.model import TemplateAssetUrl


class StaticFileNotFound(Rule):
    """
    ## What it does
    Checks that every file a template links in a static folder exists in the project:
    `url_for('static', filename='css/app.css')`, `url_for('admin.static', ...)` and
    hard-coded URLs under the app's static prefix (`href="/static/app.css"`). The finding
    is placed at the nginx directive that answers the URL (the alias/root serving it, or
    the proxy_pass to the app), with the template's file:line in the message.

    A static folder (or a subfolder of it) that is not in the project at all is taken to
    be build output (`npm run build`, collected assets) and skipped with a note.

    ## Why is this bad?
    Nothing checks a `filename=` argument: Flask builds the URL whether the file exists
    or not, and in production nginx answers 404 for it. A renamed or never-committed
    file shows up only as a broken page.

    ## Example
    ```html
    <link rel="stylesheet" href="{{ url_for('static', filename='css/main.css') }}">
    ```
    with only `static/css/app.css` in the project.

    Use instead:
    ```html
    <link rel="stylesheet" href="{{ url_for('static', filename='css/app.css') }}">
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "NGL035"
    name = "static-file-not-found"
    severity = Severity.WARNING
    needs_app = True
    example_app = {
        "app.py": "from flask import Flask, render_template\n\napp = Flask(__name__)\n",
        "static/css/app.css": "body {}\n",
        "templates/base.html": "<link rel=\"stylesheet\" href=\"{{ url_for('static', filename='css/main.css') }}\">\n",
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/static/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n    return 301 https://example.com$request_uri;\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        seen: set[tuple[str, int, str]] = set()
        for t in cx.model.template_asset_urls:
            if t.dynamic or not t.url:
                continue
            target = _static_target(cx, t)
            if target is None:
                continue
            folder, name, owner_at = target
            if (t.file, t.line, name) in seen:
                continue
            seen.add((t.file, t.line, name))
            local = cx.local(folder)
            if not local.is_dir():
                cx.note(f"static folder {folder} ({cx.where(owner_at)}) is not in {cx.label} (build output?): "
                        "its files were not checked")
                continue
            path = local / name
            if path.is_file():
                continue
            parent = posixpath.dirname(name)
            if parent and not (local / parent).is_dir():
                cx.note(f"{posixpath.join(folder, parent)}/ is not in {cx.label} (build output?): "
                        f"{t.url} ({cx.shown(t.file)}:{t.line}) was not checked")
                continue
            tpl = f"{cx.shown(t.file)}:{t.line}"
            text = (f"`{t.url}` ({tpl}) names `{name}`, which is not in the static folder `{folder}` "
                    f"({cx.where(owner_at)})")
            related = cx.related(f"{t.file}:{t.line}", f"the template links {t.url}") + \
                cx.related(owner_at, f"static folder {folder!r}")
            r = next((r for _s, r in cx.routes(t.url)), None)
            if r is not None and r.action == "file" and (d := mapping_directive(r)) is not None:
                yield report_nginx(self, d, f"{text}: nginx answers 404 for it ({nginx_where(d)})", related)
            elif r is not None and r.action == "proxy":
                d = r.handler or deciding_directive(r)
                yield report_nginx(self, d, f"{text}: the app answers 404 for it (passed on at {nginx_where(d)})",
                                   related)
            else:
                yield report_app(self, cx, f"{t.file}:{t.line}", f"{text}: it answers 404", related[1:])


def _static_target(cx: CrossCheck, t: TemplateAssetUrl) -> tuple[str, str, str] | None:
    """(static folder, file name in it, where the folder is set) of a template URL
    that names a static file in the project, else None."""
    apps = [a for a in cx.model.apps if t.app is None or a.id == t.app] or cx.model.apps
    for app in apps:
        folders: list[tuple[str | None, str | None, str | None, str | None, str]] = [
            ("static", app.static_folder, app.static_folder_base, app.static_url_path, app_at(app, "static_folder"))]
        folders += [(bp.static_endpoint, bp.static_folder, bp.static_folder_base, bp.static_url_path,
                     f"{bp.file}:{bp.line}") for bp in app.blueprints if bp.reachable]
        for endpoint, folder, base, prefix, at in folders:
            if folder is None or base != "project":
                continue
            if t.kind == "url_for" and t.endpoint == endpoint and t.filename:
                return folder, posixpath.normpath(t.filename), at
            if t.kind == "literal" and prefix is not None and t.url.startswith(prefix.rstrip("/") + "/"):
                return folder, posixpath.normpath(unquote(t.url[len(prefix.rstrip("/")) + 1:])), at
    return None
