"""NGL031: nginx serves the app's static URLs from a directory that is not its static folder."""

from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import app_at, crosscheck, mapping_directive, nginx_where, report_nginx, url_in


class StaticFolderMismatch(Rule):
    """
    ## What it does
    Requests files of the Flask app's static folder at the app's static URLs through the
    server blocks that pass requests to the app; when nginx answers one of them from a
    file (`alias`, `root`, `try_files`), compares the path nginx opens with the app's
    static folder once deployed (see the deploy mapping: `[tool.nglint] app-root`, or
    inferred from an alias/root that ends with the static folder's path). Without a
    deploy root the check still catches paths that do not even end with the static
    folder's path and file name.

    ## Why is this bad?
    The URL is right but the directory is not: nginx answers 404 for every asset (or
    serves stale copies from an old deploy) while Flask, locally, works. Typical causes
    are an alias missing its trailing `/` (`/srv/app/staticcss/app.css`), a path left
    from another project, or a build folder (`static_folder="frontend/build"`) with
    nginx still pointing at `static/`.

    ## Example
    ```python
    app = Flask(__name__, static_folder="frontend/build", static_url_path="/static")
    ```
    ```nginx
    location /static/ { alias /srv/app/static/; }
    ```
    Use instead:
    ```nginx
    location /static/ { alias /srv/app/frontend/build/; }
    ```

    ## Fix safety
    No automatic fix: the deployed layout is not known for sure.
    """

    code = "NGL031"
    name = "static-folder-mismatch"
    severity = Severity.ERROR
    needs_app = True
    example_app = {
        "app.py": ("from flask import Flask\n\n"
                   "app = Flask(__name__, static_folder='frontend/build', static_url_path='/static')\n"),
        "frontend/build/main.js": "console.log(1)\n",
        "nglint.toml": 'app-root = "/srv/app"\n',
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/static/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /static/ { alias /srv/app/frontend/build; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /static/ { alias /srv/app/frontend/build/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        for app in cx.model.apps:
            folder, base = app.static_folder, app.static_folder_base
            if folder is None or app.static_url_path is None:
                if cx.unknown_reason(app, "static_folder"):
                    cx.note_unknown(app, "static_folder", "the static folder check")
                continue
            if app.static_reachable is False:
                continue
            if base == "cwd":
                cx.note(f"the static folder {folder} of the app at {cx.where(app_at(app))} is relative to the "
                        "server's working directory (deployment-dependent): only its tail is compared")
            at = app_at(app, "static_folder")
            reported: set[int] = set()
            for name in cx.folder_samples(folder, base, cx.referenced(app, "static")):
                url = url_in(app.static_url_path, name)
                for _srv, r in cx.routes(url):
                    if r.action != "file" or not r.fs_path:
                        continue
                    verdict = cx.compare(r.fs_path, posixpath.join(folder, name), base)
                    if verdict.same is None and not verdict.tail_only:
                        cx.note_no_root("the static folder check")
                    if verdict.same is not False:
                        continue
                    d = mapping_directive(r)
                    if d is None or id(d) in reported:
                        continue
                    reported.add(id(d))
                    opened = posixpath.normpath(r.fs_path)
                    if verdict.expected is not None:
                        tail = (f"but the app's static folder `{folder}` ({cx.where(at)}) is deployed at "
                                f"`{cx.deploy.host(folder, base)}`{cx.deploy.tag()}")
                    else:
                        tail = (f"which is not the app's static folder `{folder}` ({cx.where(at)}) wherever the "
                                f"project is deployed: the path does not end with "
                                f"`{posixpath.normpath(posixpath.join(folder, name))}`")
                    yield report_nginx(self, d, f"nginx serves `{url}` from `{opened}` ({nginx_where(d)}), {tail}",
                                       cx.related(at, f"the app's static folder {folder}"))
