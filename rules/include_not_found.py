from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext


class IncludeNotFound(Rule):
    """
    ## What it does
    Flags an `include` of a plain file (not a glob) that does not exist where nginx looks
    for it: relative paths resolve against the directory of the main config (`nginx.conf`),
    never against the including file. Absolute paths under `/etc/nginx` in a repo are read
    from the repo's config directory (`--conf-root` names another root).

    Not flagged: a glob that matches nothing (nginx accepts it), an include filled in by a
    template engine (`${CONF_DIR}/x.conf`), and files that a package installs on the host
    and repos rarely carry (`mime.types`, `proxy_params`, `fastcgi_params`, `uwsgi_params`,
    `snippets/...`, certbot's `/etc/letsencrypt/options-ssl-nginx.conf`).

    ## Why is this bad?
    `nginx -t` fails with `open() ... failed (2: No such file or directory)` and a reload
    keeps the old configuration: none of the edits take effect. Often the snippet lives
    beside the vhost and the include was written relative to the vhost, which nginx does
    not do.

    ## Example
    ```nginx
    server {
        listen 80;
        include static-locations.conf;  # exists only in sites-available/
    }
    ```
    Use instead:
    ```nginx
    server {
        listen 80;
        include sites-available/static-locations.conf;
    }
    ```

    ## Fix safety
    No fix: which file was meant is not known.
    """

    code = "NGL010"
    name = "include-not-found"
    severity = Severity.WARNING
    message = "{problem}"
    bad = [
        ("server {\n    listen 80;\n    include nglint-example-missing.conf;\n}\n", None),
        ("location /static/ {\n    include /nonexistent/nglint/static.conf;\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    include /etc/nginx/nglint-example.d/*.conf;\n}\n",
        "http {\n    include /etc/nginx/mime.types;\n    include proxy_params;\n}\n",
        "server {\n    include ${NGINX_CONF_DIR}/locations.conf;\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for issue in ctx.config.issues:
            # info-level misses are files a package provides on the host: no finding
            if issue.kind == "include-not-found" and issue.severity == "warning" and issue.file is not None:
                yield self.report(file=issue.file, start=issue.offset, end=issue.end, problem=issue.message)
