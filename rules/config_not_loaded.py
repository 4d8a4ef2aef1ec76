from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext


class ConfigNotLoaded(Rule):
    """
    ## What it does
    Flags a config file that nginx never reads: it sits below the directory of an
    `nginx.conf` (checked with `nglint check DIR`, or `nglint check FILE` when an
    `nginx.conf` is beside the file or one directory up) and nothing that `nginx.conf`
    loads includes it. A typical case is a vhost in `sites-available/` with no link in
    `sites-enabled/`. In a multi-file bundle written like `nginx -T` output, a file that no
    other file of the bundle includes is flagged too.

    Not flagged: a file that an include glob of `nginx.conf` could take once deployed, when
    that glob matches nothing in the repo (`sites-enabled/*` in a repo that keeps only
    `sites-available/`, `conf.d/*.conf` filled by a Dockerfile `COPY`).

    ## Why is this bad?
    Edits to the file change nothing: the "I fixed the alias but still get 404" case where
    the wrong file was edited. `nginx -T` shows what is really loaded.

    ## Example
    ```nginx
    # configuration file /etc/nginx/nginx.conf:
    events {}
    http { include /etc/nginx/sites-enabled/*; }
    # configuration file /etc/nginx/sites-enabled/app:
    server { listen 80; server_name app.example.com; }
    # configuration file /etc/nginx/sites-available/app-new:
    server { listen 80; server_name app.example.com; }
    ```
    Use instead: link the file into `sites-enabled/` (`ln -s ../sites-available/app-new
    /etc/nginx/sites-enabled/`), or make the edit in the file that is loaded.
    ```nginx
    # configuration file /etc/nginx/nginx.conf:
    events {}
    http { include /etc/nginx/sites-enabled/*; }
    # configuration file /etc/nginx/sites-enabled/app:
    server { listen 80; server_name app.example.com; }
    ```

    ## Fix safety
    No fix: enabling a site, or moving an edit to another file, is a deployment decision.
    """

    code = "NGL012"
    name = "config-not-loaded"
    severity = Severity.WARNING
    message = "{problem}"
    bad = [
        ("# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { include /etc/nginx/sites-enabled/*; }\n"
         "# configuration file /etc/nginx/sites-enabled/app:\nserver { listen 80; server_name app.example.com; }\n"
         "# configuration file /etc/nginx/sites-available/app-new:\n"
         "server { listen 80; server_name app.example.com; location /static/ { alias /srv/app/static/; } }\n",
         None),
    ]
    good = [
        "# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { include /etc/nginx/sites-enabled/*; }\n"
        "# configuration file /etc/nginx/sites-enabled/app:\nserver { listen 80; server_name app.example.com; }\n",
        "server { listen 80; server_name app.example.com; }\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for issue in ctx.config.issues:
            if issue.kind == "not-loaded" and issue.file is not None:
                yield self.report(file=issue.file, start=issue.offset, end=issue.end, problem=issue.message)
