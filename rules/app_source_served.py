"""NGL037: an nginx alias/root serves the Flask project's source files."""

from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import crosscheck, mapping_directive, nginx_where, report_nginx, source_files, under


class AppSourceServed(Rule):
    """
    ## What it does
    Looks for nginx `alias`/`root` directories that contain the deployed Flask project's
    source (the modules that create the app, `.env` files) and requests those files
    through the server blocks that pass requests to the app; flags the directive when
    nginx would send a source file itself. Needs to know where the project is deployed
    (`[tool.nglint] app-root`, or inferred from a static alias/root).

    ## Why is this bad?
    `root /var/www/yourapp;` with `try_files $uri @app;` (or an alias one level too
    high) makes `GET /app.py`, `GET /config.py` and `GET /.env` return the code, the
    secret key and the database password.

    ## Example
    ```nginx
    root /srv/app;
    location / { try_files $uri @app; }
    location @app { proxy_pass http://127.0.0.1:8000; }
    ```
    Use instead:
    ```nginx
    location /static/ { alias /srv/app/static/; }
    location / { proxy_pass http://127.0.0.1:8000; }
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "NGL037"
    name = "app-source-served"
    severity = Severity.ERROR
    needs_app = True
    example_app = {
        "app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        "static/app.css": "body {}\n",
        ".env": "SECRET_KEY=x\n",
        "nglint.toml": 'app-root = "/srv/app"\n',
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n    root /srv/app;\n"
         "    location / { try_files $uri @app; }\n"
         "    location @app { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n    root /srv/app;\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /static/ { alias /srv/app/static/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        sources = source_files(cx)
        if not sources:
            return
        if not cx.deploy.known:
            cx.note_no_root("the source exposure check")
            return
        reported: set[int] = set()
        for served in cx.served:
            d = served.directive
            value = posixpath.normpath(served.directory)
            for rel, at in sources:
                host = cx.deploy.host(rel, "project")
                if host is None or not under(host, value) or host == value:
                    continue
                url = served.url(host)
                for _srv, r in cx.routes(url):
                    if r.action != "file" or not r.fs_path or posixpath.normpath(r.fs_path) != host:
                        continue
                    m = mapping_directive(r) or d
                    if id(m) in reported:
                        continue
                    reported.add(id(m))
                    yield report_nginx(self, m, (
                        f"nginx serves the app's source: `{url}` returns `{host}`, the project's `{rel}` "
                        f"({cx.where(at)}), through `{m.name} {m.args[0].value if m.args else ''}` "
                        f"({nginx_where(m)}){cx.deploy.tag()}"), cx.related(at, f"{rel} in the project"))

