"""NGL033: the app's upload folder is its static folder or lies inside it."""

from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import (app_at, crosscheck, mapping_directive, nginx_where, report_app, report_nginx,
                                      under, url_in)


class UploadsInStaticFolder(Rule):
    """
    ## What it does
    Compares the Flask app's upload folder (`UPLOAD_FOLDER`, `MEDIA_ROOT`, ...) with its
    static folder and flags an upload folder that is the static folder or lies inside it.
    The finding points at the nginx location that serves the static URLs when there is
    one (that is where uploads become public), else at the app's upload setting.

    ## Why is this bad?
    Static files are build artefacts: deploys replace the folder (deleting every upload),
    nginx serves it with long `expires` caching, and anything a user uploads — an `.html`
    or `.svg` with script — is served from the site's own origin as a trusted asset.
    Uploads and static files need separate directories and separate locations.

    ## Example
    ```python
    app = Flask(__name__)
    app.config["UPLOAD_FOLDER"] = os.path.join(app.root_path, "static", "uploads")
    ```
    Use instead:
    ```python
    app.config["UPLOAD_FOLDER"] = os.path.join(app.root_path, "uploads")
    ```
    ```nginx
    location /media/ { alias /srv/app/uploads/; }
    ```

    ## Fix safety
    No automatic fix: existing uploads must be moved too.
    """

    code = "NGL033"
    name = "uploads-in-static-folder"
    severity = Severity.WARNING
    needs_app = True
    example_app = {
        "app.py": ("import os\nfrom flask import Flask\n\n"
                   "app = Flask(__name__)\n"
                   "app.config['UPLOAD_FOLDER'] = os.path.join(app.root_path, 'static', 'uploads')\n"),
        "static/app.css": "body {}\n",
        "nglint.toml": 'app-root = "/srv/app"\n',
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/static/; expires 30d; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
        # Without an nginx static location the finding is on the app's setting.
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        # Only a config that serves no app at all says nothing about the app.
        "server {\n    listen 80;\n    server_name example.com;\n    return 301 https://example.com$request_uri;\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        for app in cx.model.apps:
            key = app.upload_folder_key
            upload, ubase = app.upload_folder, app.upload_folder_base
            static, sbase = app.static_folder, app.static_folder_base
            if key is None or upload is None or static is None:
                continue
            if ubase == sbase and ubase in ("project", "absolute"):
                a, b = posixpath.normpath(upload), posixpath.normpath(static)
            else:
                a, b = cx.deploy.host(upload, ubase), cx.deploy.host(static, sbase)
                if a is None or b is None:
                    if ubase == "cwd" or sbase == "cwd":
                        continue  # deployment-dependent: the reader's own notes say so
                    cx.note_no_root("the uploads-in-static check")
                    continue
            if not under(a, b):
                continue
            up_at, st_at = app_at(app, "upload_folder"), app_at(app, "static_folder")
            how = "is the static folder" if posixpath.normpath(a) == posixpath.normpath(b) else \
                "is inside the static folder"
            text = (f"{key} `{upload}` ({cx.where(up_at)}) {how} `{static}` ({cx.where(st_at)}): uploads "
                    f"are served as static files")
            related = cx.related(up_at, f"{key} = {upload!r}") + cx.related(st_at, f"static folder {static!r}")
            served = None
            if app.static_url_path is not None and app.static_reachable is not False:
                url = url_in(app.static_url_path, "x")
                served = next(((r, d) for _s, r in cx.routes(url) if r.action == "file"
                               for d in [mapping_directive(r)] if d is not None), None)
            if served is not None:
                _r, d = served
                yield report_nginx(self, d, f"{text} by nginx ({nginx_where(d)}), cached like them and deleted "
                                            "with them on the next deploy", related)
            else:
                yield report_app(self, cx, up_at, f"{text}, cached like them and deleted with them on the next "
                                                  "deploy", related[1:])
