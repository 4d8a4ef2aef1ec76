from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.nginx.servers import PLACEHOLDER_NAMES, format_address
from nglint.route import compile_config
from nglint.rule import Rule, RuleContext, related_at


class ServerWithoutName(Rule):
    """
    ## What it does
    Flags a `server` block with no usable `server_name` (none, `""` or `_`) that is not the
    default server of any address:port it listens on.

    ## Why is this bad?
    nginx picks a server by the `Host` header among the servers on the connection's
    address:port. A server without a name only matches requests that carry no `Host` at
    all, and unknown hosts go to the *default* server (the one with `default_server`, else
    the first one). So a nameless server that is not the default never answers a browser:
    the locations you edited in it (`/static/`, `/media/`) do nothing, and another server
    block (often a distribution's default site) answers with 404. `server_name _` is a
    common attempt at a catch-all, but `_` is just a name that no host matches; only
    `default_server` makes a catch-all.

    ## Example
    ```nginx
    server { listen 80; server_name shop.example.com; }
    server { listen 80; location /static/ { alias /srv/app/static/; } }
    ```
    Use instead:
    ```nginx
    server { listen 80; server_name shop.example.com; }
    server { listen 80; server_name app.example.com; location /static/ { alias /srv/app/static/; } }
    ```

    ## Fix safety
    No automatic fix: only you know which host name the block was meant for (or whether it
    should become the `default_server`).
    """

    code = "NGL005"
    name = "server-without-name"
    severity = Severity.WARNING
    message = "{what}, and it is not the default server for {socket}: requests with a `Host` header never reach it"
    bad = [
        ("server { listen 80; server_name shop.example.com; }\nserver { listen 80; }", None),
        ("server { listen 80; server_name shop.example.com; }\nserver { listen 80; server_name _; }", None),
        ("server { server_name a.example.com; }\nserver { listen 80; location / { } }", None),
    ]
    good = [
        "server { listen 80; }\nserver { listen 80; server_name shop.example.com; }",
        "server { listen 80; server_name shop.example.com; }\nserver { listen 80 default_server; server_name _; }",
        "server { listen 80; server_name a.example.com; }\nserver { listen 8080; }",
        "server { listen 127.0.0.1:80; server_name a.example.com; }\nserver { listen 80; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cc = compile_config(ctx.config)
        for server in cc.servers:
            if server.directive.synthetic or not PLACEHOLDER_NAMES.issuperset(server.names):
                continue
            groups = [cc.groups[li.key] for li in server.listens]
            # A server flagged `default_server` meant to be the catch-all; a clash between two
            # such flags is the duplicate-default-server rule's finding.
            if not groups or any(li.default_server for li in server.listens) or \
                    any(g.default is server for g in groups):
                continue
            sockets = [format_address(g.key, as_nginx=True) for g in groups]
            declared = server.directive.find("server_name")
            what = ("`server_name {}` matches no host".format(" ".join(declared.values) or '""')
                    if declared is not None else "server block has no `server_name`")
            related = [related_at(g.default.directive, f"default server for {s}: it answers unknown hosts")
                       for s, g in dict(zip(sockets, groups)).items()]
            yield self.report(server.directive, what=what, socket=", ".join(sockets), related=related,
                              start=server.directive.start, end=server.directive.name_end)
