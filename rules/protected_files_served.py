"""NGL039: nginx serves files that the app only sends to logged-in users."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import CrossCheck, crosscheck, mapping_directive, nginx_where, report_nginx

SAMPLE = "report.pdf"


class ProtectedFilesServed(Rule):
    """
    ## What it does
    Finds the app's file-serving routes guarded by an authentication decorator
    (`@login_required` and the like around `send_from_directory`) and requests a file at
    their URL through the server blocks that pass requests to the app; flags the nginx
    `alias`/`root` that answers it directly.

    ## Why is this bad?
    nginx answers a location with an alias before the request reaches Flask, so the
    login check never runs: anyone who knows or guesses a file name downloads it. Files
    that need a login go through the app (or through `X-Accel-Redirect` to an `internal`
    location).

    ## Example
    ```python
    @app.route("/private/<path:name>")
    @login_required
    def private(name):
        return send_from_directory("/srv/private", name)
    ```
    ```nginx
    location /private/ { alias /srv/private/; }
    ```
    Use instead:
    ```nginx
    location /private/ { internal; alias /srv/private/; }   # for X-Accel-Redirect
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "NGL039"
    name = "protected-files-served"
    severity = Severity.ERROR
    needs_app = True
    example_app = {
        "app.py": ("from flask import Flask, send_from_directory\nfrom flask_login import login_required\n\n"
                   "app = Flask(__name__)\n\n\n"
                   "@app.route('/private/<path:name>')\n@login_required\n"
                   "def private(name):\n    return send_from_directory('/srv/private', name)\n"),
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /private/ { alias /srv/private/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /private/ { internal; alias /srv/private/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        for app in cx.model.apps:
            for fr in app.file_routes:
                if not fr.protected or not fr.url_prefix or not fr.url_prefix.endswith("/"):
                    continue
                url = fr.url_prefix + SAMPLE
                at = f"{fr.file}:{fr.line}" if fr.file else None
                for _srv, r in cx.routes(url):
                    if r.action != "file" or not r.fs_path:
                        continue
                    d = mapping_directive(r)
                    if d is None:
                        continue
                    guard = _guard(cx, fr.protected_by)
                    yield report_nginx(self, d, (
                        f"the app sends `{fr.url_prefix}` files ({cx.where(at)}) only through {guard}, but nginx "
                        f"serves `{url}` from `{posixpath.normpath(r.fs_path)}` itself ({nginx_where(d)}): the "
                        f"login check never runs"), cx.related(at, f"the protected route {fr.rule}"))


def _guard(cx: CrossCheck, protected_by: str | None) -> str:
    """``"@login_required (app.py:9)"`` with the path shown from the current directory."""
    m = re.fullmatch(r"(?P<name>\S+) \((?P<at>[^()]+:\d+)\)", protected_by or "")
    if m is None:
        return f"`{protected_by}`" if protected_by else "an authentication decorator"
    return f"`{m.group('name')}` ({cx.where(m.group('at'))})"
