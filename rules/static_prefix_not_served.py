"""NGL030: the app's static URL prefix is not the one nginx serves files for."""

from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.route import CompiledServer, Loc
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import (CrossCheck, app_at, crosscheck, deciding_directive, nginx_where,
                                      report_nginx, url_in)

# URL or folder names that say "static files live here".
STATIC_NAMES = frozenset({"static", "assets", "public", "dist", "build", "staticfiles", "static_files"})


class StaticPrefixNotServed(Rule):
    """
    ## What it does
    Requests a file under the Flask app's static URL prefix (`static_url_path`, derived
    from `static_folder` when not given) through the server blocks that pass requests to
    the app, and flags two outcomes: the request goes to the app while nginx maps some
    other static-looking prefix (`location /static/` with an `alias`/`root`) that no app
    URL uses; or nginx itself refuses it (`deny`, `return 404`, `internal`).

    ## Why is this bad?
    Templates build static URLs with `url_for('static', ...)`, so they follow the app's
    prefix. With `Flask(__name__, static_folder="assets")` the pages ask for
    `/assets/app.css`; an nginx `location /static/` never sees those requests, so either
    gunicorn serves every asset (slow, no caching headers, and a 404 as soon as the
    static files are only deployed where nginx reads them), or nginx answers the error.

    ## Example
    ```python
    app = Flask(__name__, static_folder="assets")      # URLs: /assets/<file>
    ```
    ```nginx
    location /static/ { alias /srv/app/assets/; }
    location / { proxy_pass http://127.0.0.1:8000; }
    ```
    Use instead:
    ```nginx
    location /assets/ { alias /srv/app/assets/; }
    location / { proxy_pass http://127.0.0.1:8000; }
    ```
    (or `static_url_path="/static"` in the app).

    ## Fix safety
    No automatic fix: either side may be the one to change.
    """

    code = "NGL030"
    name = "static-prefix-not-served"
    severity = Severity.WARNING
    needs_app = True
    example_app = {
        "app.py": "from flask import Flask\n\napp = Flask(__name__, static_folder='assets')\n",
        "assets/app.css": "body {}\n",
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/assets/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /assets/ { deny all; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /assets/ { alias /srv/app/assets/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        # No static mapping at all: gunicorn serves the assets, slower but correct.
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        for app in cx.model.apps:
            prefix = app.static_url_path
            if prefix is None:
                if cx.unknown_reason(app, "static_url_path"):
                    cx.note_unknown(app, "static_url_path", "the static prefix check")
                continue
            if app.static_reachable is False:
                continue
            shown = prefix or "/"
            app_where = cx.where(app_at(app, "static_url_path"))
            related = cx.related(app_at(app, "static_url_path"), f"the app's static URL prefix {shown}")
            names = cx.folder_samples(app.static_folder, app.static_folder_base, cx.referenced(app, "static"))
            for srv in cx.servers:
                for name in names:
                    url = url_in(prefix, name)
                    r = cx.route(srv, url)
                    if r is None:
                        continue
                    if r.action == "proxy":
                        unused = _unused_static_locations(cx, srv, app.static_folder)
                        if not unused:
                            break
                        loc = unused[0]
                        mapped = "`, `".join(x.match.pattern for x in unused)
                        yield report_nginx(self, loc.directive, (
                            f"app serves static files at `{shown}` ({app_where}) but nginx only maps `{mapped}` "
                            f"({loc.directive.location}); `{url}` is passed to the app "
                            f"({nginx_where(r.handler)})"), related)
                        break
                    if r.action in ("error", "return") and (r.status or 0) >= 400:
                        d = deciding_directive(r)
                        if d is not None:
                            yield report_nginx(self, d, (
                                f"app serves static files at `{shown}` ({app_where}) but nginx answers {r.status} "
                                f"for `{url}` (`{d.name}` at {nginx_where(d)})"), related)
                        break


def _unused_static_locations(cx: CrossCheck, srv: CompiledServer, folder: str | None) -> list[Loc]:
    """Prefix locations of ``srv`` that map a static-looking directory to files but serve
    no URL the app produces."""
    app_prefixes: list[str] = []
    for app in cx.model.apps:
        if app.static_url_path is not None:
            app_prefixes.append(app.static_url_path + "/")
        app_prefixes += [bp.static_url_path + "/" for bp in app.blueprints if bp.static_url_path is not None]
        app_prefixes += [fr.url_prefix for fr in app.file_routes if fr.url_prefix]
    folder_name = posixpath.basename(posixpath.normpath(folder)) if folder else None
    out = []
    for loc in srv.all_locations():
        m = loc.match
        pattern = m.pattern
        if not m.is_prefix or not pattern.endswith("/") or pattern == "/":
            continue
        mapping = next((c for c in loc.directive.directives() if c.name in ("alias", "root") and c.args), None)
        if mapping is None or any(c.name.endswith("_pass") for c in loc.directive.directives()):
            continue
        if any(p.startswith(pattern) or pattern.startswith(p) for p in app_prefixes):
            continue
        served = posixpath.basename(posixpath.normpath(mapping.args[0].value))
        segment = pattern.strip("/").rsplit("/", 1)[-1]
        if segment in STATIC_NAMES or served in STATIC_NAMES or (folder_name and served == folder_name):
            out.append(loc)
    return out
