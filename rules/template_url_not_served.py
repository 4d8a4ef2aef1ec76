"""NGL034: a template links an asset URL that neither nginx nor the app serves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator
from urllib.parse import unquote

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import (CrossCheck, app_answers, crosscheck, deciding_directive, nginx_where,
                                      report_nginx)

if TYPE_CHECKING:
    from nglint.flask.model import AppModel


class TemplateUrlNotServed(Rule):
    """
    ## What it does
    Requests every hard-coded asset URL of the app's templates (`href="/staticfiles/app.css"`,
    `src="/js/app.js"`: a root-relative path whose last segment has a file extension)
    through the server blocks that pass requests to the app, and flags the URL when
    nginx answers an error itself, or passes it to the app and no route of the app (its
    static routes included) matches it.

    ## Why is this bad?
    The browser asks for exactly what the template says. A typo or an old prefix
    (`/staticfiles/` while the app and nginx use `/static/`) falls through to gunicorn,
    which has no such route: the page loads without its CSS or scripts, and nothing in
    nginx's config looks wrong. `url_for('static', filename=...)` cannot drift like this.

    ## Example
    ```html
    <script src="/staticfiles/js/app.js"></script>
    ```
    Use instead:
    ```html
    <script src="{{ url_for('static', filename='js/app.js') }}"></script>
    ```

    ## Fix safety
    No automatic fix: the template, not the nginx config, is usually what changes.
    """

    code = "NGL034"
    name = "template-url-not-served"
    severity = Severity.WARNING
    needs_app = True
    example_app = {
        "app.py": "from flask import Flask, render_template\n\napp = Flask(__name__)\n",
        "static/js/app.js": "console.log(1)\n",
        "templates/index.html": '<script src="/staticfiles/js/app.js"></script>\n',
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/static/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /staticfiles/ { return 404; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        # nginx serves the old prefix as files: the template's URL works.
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /staticfiles/ { alias /srv/app/static/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        seen: set[tuple[str, int, str]] = set()
        for t in cx.model.template_asset_urls:
            if t.kind != "literal" or t.dynamic or not t.url or "." not in t.url.rsplit("/", 1)[-1]:
                continue
            key = (t.file, t.line, t.url)
            if key in seen:
                continue
            seen.add(key)
            apps = [a for a in cx.model.apps if t.app is None or a.id == t.app] or cx.model.apps
            tpl = f"{cx.shown(t.file)}:{t.line}"
            related = cx.related(f"{t.file}:{t.line}", f"the template links {t.url}")
            for _srv, r in cx.routes(t.url):
                if r.action == "proxy":
                    if any(app_answers(a, unquote(r.upstream_uri or t.url).split("?", 1)[0]) for a in apps):
                        break
                    hint = _hint(cx, apps, t.url)
                    yield report_nginx(self, r.handler or deciding_directive(r), (
                        f"`{t.url}` ({tpl}) is not served by nginx: it is passed to the app "
                        f"({nginx_where(r.handler)}), which has no route for it (404){hint}"), related)
                elif r.action in ("error", "return") and (r.status or 0) >= 400:
                    d = deciding_directive(r)
                    if d is not None:
                        yield report_nginx(self, d, f"`{t.url}` ({tpl}) gets {r.status} from nginx "
                                                    f"({nginx_where(d)})", related)
                break


def _hint(cx: CrossCheck, apps: list[AppModel], url: str) -> str:
    """`; did you mean /static/js/app.js?` when the file is in a static folder under
    another first segment."""
    rest = unquote(url).lstrip("/").split("/", 1)
    candidates = [unquote(url).lstrip("/")] + ([rest[1]] if len(rest) == 2 else [])
    for app in apps:
        if app.static_folder is None or app.static_folder_base != "project" or app.static_url_path is None:
            continue
        for name in candidates:
            if (cx.local(app.static_folder) / name).is_file():
                return f"; the file is in the static folder: `{app.static_url_path}/{name}`"
    return ""
