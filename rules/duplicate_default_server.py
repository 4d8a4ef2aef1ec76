from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Fix, Severity, TextEdit
from nglint.load import Directive
from nglint.nginx.servers import DEFAULT_FLAGS, format_address
from nglint.route import compile_config
from nglint.rule import Rule, RuleContext, related_at


class DuplicateDefaultServer(Rule):
    """
    ## What it does
    Flags a second `default_server` on the same address:port (`listen 80`, `listen *:80`
    and `listen 0.0.0.0:80` are the same socket; `[::]:80` and `127.0.0.1:80` are not).

    ## Why is this bad?
    nginx refuses the whole configuration: `nginx -t` fails with `a duplicate default
    server for 0.0.0.0:80`, and a reload keeps the old configuration running, so none of
    your other edits take effect either. It usually appears when a new vhost copied from a
    tutorial says `listen 80 default_server;` while the distribution's `default` site
    (or another vhost) already does.

    ## Example
    ```nginx
    server { listen 80 default_server; server_name _; return 444; }
    server { listen 80 default_server; server_name app.example.com; }
    ```
    Use instead:
    ```nginx
    server { listen 80 default_server; server_name _; return 444; }
    server { listen 80; server_name app.example.com; }
    ```

    ## Fix safety
    Unsafe: the fix removes `default_server` from every listen after the first one on the
    same socket, which makes the first block the catch-all. If the later block was the one
    meant to answer unknown hosts, remove the flag from the first one instead.
    """

    code = "NGL007"
    name = "duplicate-default-server"
    severity = Severity.ERROR
    message = "a second `default_server` for {socket} (the first is at {first}): `nginx -t` fails with \"a duplicate default server\""
    fix_title = "Remove `default_server` from this `listen`"
    bad = [
        ("server { listen 80 default_server; }\nserver { listen 80 default_server; server_name a.example.com; }",
         "server { listen 80 default_server; }\nserver { listen 80; server_name a.example.com; }"),
        ("server { listen *:8080 default_server; }\nserver { listen 8080 default; server_name a.example.com; }",
         "server { listen *:8080 default_server; }\nserver { listen 8080; server_name a.example.com; }"),
    ]
    good = [
        "server { listen 80 default_server; }\nserver { listen 80; server_name a.example.com; }",
        "server { listen 80 default_server; }\nserver { listen [::]:80 default_server; }",
        "server { listen 80 default_server; }\nserver { listen 127.0.0.1:80 default_server; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for group in compile_config(ctx.config).groups.values():
            socket = format_address(group.key, as_nginx=True)
            defaults = [li.directive for li in group.listens if li.default_server and li.directive is not None]
            for listen in defaults[1:]:
                yield self.report(listen, socket=socket, first=defaults[0].location,
                                  related=[related_at(defaults[0], f"the first `default_server` for {socket}")],
                                  fix=self._fix(listen), **_flag_span(listen))

    def _fix(self, listen: Directive) -> Fix:
        data = listen.file.data
        edits = []
        for arg in listen.args[1:]:
            if arg.value in DEFAULT_FLAGS:
                start = arg.start
                while start > 0 and data[start - 1:start] in (b" ", b"\t"):
                    start -= 1  # take the separating blanks with the flag
                edits.append(TextEdit(listen.file, start, arg.end, ""))
        return Fix.unsafe(self.fix_title, edits)


def _flag_span(listen: Directive) -> dict[str, int]:
    flag = next(a for a in listen.args[1:] if a.value in DEFAULT_FLAGS)
    return {"start": flag.start, "end": flag.end}
