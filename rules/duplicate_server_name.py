from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.load import Directive
from nglint.nginx.servers import PLACEHOLDER_NAMES, format_address, name_keys
from nglint.route import compile_config
from nglint.rule import Rule, RuleContext, related_at


class DuplicateServerName(Rule):
    """
    ## What it does
    Flags a server name that an earlier `server` block already claims on the same
    address:port (names compared as nginx does: case-insensitively, `.example.com`
    claiming `example.com` and `*.example.com`, identical regexes included).

    ## Why is this bad?
    nginx keeps the first server for a name and ignores the name in every later block
    (`nginx -t` only warns: `conflicting server name "example.com" on 0.0.0.0:80,
    ignored`). Requests for that host go to the first block, so the `location /static/`
    you just fixed in the second one never runs: the guide's "wrong server block is
    active" cause. It typically happens when a new vhost file is added to `sites-enabled/`
    or `conf.d/` while an old one for the same domain is still there. A clashing
    `.example.com` is dropped whole: neither `example.com` nor its subdomains reach the
    block. (Two servers without any name are the `server-without-name` rule's case and are
    not repeated here.)

    ## Example
    ```nginx
    server { listen 80; server_name example.com; location / { proxy_pass http://old; } }
    server { listen 80; server_name example.com www.example.com; location /static/ { alias /srv/app/static/; } }
    ```
    Use instead:
    ```nginx
    server { listen 80; server_name example.com www.example.com; location /static/ { alias /srv/app/static/; } }
    ```

    ## Fix safety
    No automatic fix: deciding which block should own the name (and removing or renaming
    the other) changes which site answers.
    """

    code = "NGL006"
    name = "duplicate-server-name"
    severity = Severity.ERROR
    message = "server name `{name}` on {socket} is already claimed at {first}: nginx ignores it in this server{whole}"
    bad = [
        ("server { listen 80; server_name example.com; }\nserver { listen 80; server_name www.example.com example.com; }",
         None),
        ("server { listen 80; server_name Example.COM; }\nserver { listen *:80; server_name example.com; }", None),
        ("server { server_name .example.com; }\nserver { listen 80; server_name example.com; }", None),
    ]
    good = [
        "server { listen 80; server_name example.com; }\nserver { listen 80; server_name www.example.com; }",
        "server { listen 80; server_name example.com; }\nserver { listen 8080; server_name example.com; }",
        "server { listen 80; server_name example.com; }\nserver { listen 127.0.0.1:80; server_name example.com; }",
        "server { listen 80; server_name example.com example.com; }",
        "server { listen 80; }\nserver { listen 80; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        reported: set[int] = set()  # ids of the arguments already reported
        keys_of: dict[str, tuple[tuple[str, str], ...]] = {}  # a server is in a group per address
        for group in compile_config(ctx.config).groups.values():
            socket = format_address(group.key, as_nginx=True)
            owner: dict[tuple[str, str], tuple[Directive, Directive]] = {}  # claim → (server, server_name)
            for srv in group.servers:
                server = srv.directive
                for name in srv.declared:
                    if name.name in PLACEHOLDER_NAMES:
                        continue
                    # Identical regexes claim each other too: nginx does not warn, but the
                    # first one always matches first.
                    keys = keys_of.get(name.name)
                    if keys is None:
                        keys = keys_of[name.name] = name_keys(name.name)
                    clash = None
                    for key in keys:  # a loop, not next() over a generator: thousands of names
                        claim = owner.get(key)
                        if claim is not None and claim[0] is not server:
                            clash = claim
                            break
                    if clash is None:
                        for key in keys:
                            owner.setdefault(key, (server, name.directive))
                        continue
                    if id(name.arg) in reported:
                        continue
                    reported.add(id(name.arg))
                    first = clash[1]
                    whole = f" (`{name.name[1:]}` and `*{name.name}` both)" if len(keys) == 2 else ""
                    yield self.report(name.directive, name=name.name, socket=socket, first=first.location, whole=whole,
                                      related=[related_at(first, "the server that keeps the name")],
                                      start=name.arg.start, end=name.arg.end)
