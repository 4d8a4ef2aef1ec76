"""NGL038: the app's static folder holds its source, and nginx passes those URLs to the app."""

from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import (app_at, crosscheck, deciding_directive, nginx_where, report_nginx, source_files,
                                      under, url_in)


class StaticFolderExposesSource(Rule):
    """
    ## What it does
    Flags a Flask app whose static folder contains the project's own source
    (`static_folder="."`, `static_folder=""`, or the folder holding the app module)
    with a reachable static route (`static_url_path=""` puts it at the site root), when
    nginx passes such a URL (`/app.py`, `/.env`) to the app.

    ## Why is this bad?
    Flask's static view sends any file below the static folder: with the project root
    as static folder, `GET /app.py` and `GET /.env` answer 200 with the code and its
    secrets. nginx proxies the request, so nothing in the server block looks wrong.

    ## Example
    ```python
    app = Flask(__name__, static_folder=".", static_url_path="")
    ```
    Use instead:
    ```python
    app = Flask(__name__, static_folder="static", static_url_path="")
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "NGL038"
    name = "static-folder-exposes-source"
    severity = Severity.ERROR
    needs_app = True
    example_app = {
        "app.py": "from flask import Flask\n\napp = Flask(__name__, static_folder='.', static_url_path='')\n",
        ".env": "SECRET_KEY=x\n",
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        # nginx refuses source files before they reach the app.
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location ~ \\.(py|env)$ { return 404; }\n"
        "    location ~ /\\. { return 404; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        sources = source_files(cx)
        for app in cx.model.apps:
            folder, prefix = app.static_folder, app.static_url_path
            if folder is None or prefix is None or app.static_folder_base != "project" or not app.static_reachable:
                continue
            folder = posixpath.normpath(folder)
            at = app_at(app, "static_folder")
            for rel, _src_at in sources:
                if not under(rel, folder) or folder.startswith(".."):
                    continue
                url = url_in(prefix, posixpath.relpath(rel, folder))
                r = next((r for _s, r in cx.routes(url) if r.action == "proxy"), None)
                if r is None:
                    continue
                d = r.handler or deciding_directive(r)
                yield report_nginx(self, d, (
                    f"the app's static folder `{folder}` ({cx.where(at)}) holds its source: nginx passes `{url}` "
                    f"to the app ({nginx_where(d)}), whose static route sends the project's `{rel}`"),
                    cx.related(at, f"static folder {folder!r}, URL prefix {prefix or '/'}"))
                break
