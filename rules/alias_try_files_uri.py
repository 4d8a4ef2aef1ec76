from __future__ import annotations

import re
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.load import Directive
from nglint.nginx.model import LocationMatch, owner_match, path_directive
from nglint.rule import Rule, RuleContext, related_at

# Variables whose value starts with the request URI (the ones people put in try_files).
_URI_VARIABLE = re.compile(r"\$(?:\{)?(uri|document_uri|request_uri)\b")


class AliasTryFilesUri(Rule):
    """
    ## What it does
    Flags the `try_files` arguments that nginx resolves wrongly next to an `alias` (nginx's
    long-standing alias + try_files trap), checked against nginx 1.22:

    1. In a **regex** location with `alias` (or nested in one), an argument with `$uri`.
    2. In a **prefix** location with `alias`, a literal (variable-free) file argument that
       starts with the location prefix.
    3. In a **prefix** location with `alias`, a fallback URI (the last argument) that has a
       variable and starts with the prefix or with `$uri`.

    ## Why is this bad?
    `try_files` builds each candidate as *alias + argument*:

    1. A regex alias already is the whole file path, so `try_files $uri =404` under
       `location ~ ^/static/(.+)$ { alias /srv/static/$1; }` looks for
       `/srv/static/app.css/static/app.css` and every request 404s.
    2. In a prefix location nginx strips the location prefix only from arguments that
       contain variables. `try_files /static/offline.html $uri =404` under
       `location /static/ { alias /srv/static/; }` looks for
       `/srv/static//static/offline.html`.
    3. The same prefix stripping hits the fallback URI when it contains a variable:
       `try_files $uri /static/index.html?$args;` redirects internally to
       `index.html?...` (prefix cut off, not even a valid URI), and the request 404s in
       some other location.

    `try_files $uri`, `$uri/` and `$uri.gz` in a prefix location with `alias` work.

    ## Example
    ```nginx
    location ~ ^/static/(.+)$ {
        alias /srv/app/static/$1;
        try_files $uri =404;
    }
    ```
    Use instead:
    ```nginx
    location /static/ {
        alias /srv/app/static/;
        try_files $uri =404;
    }
    ```

    ## Fix safety
    No automatic fix: the right shape (a prefix location, `root` instead of `alias`, or a
    fallback without variables) depends on what the location is for.
    """

    code = "NGL004"
    name = "alias-try-files-uri"
    severity = Severity.ERROR
    directives = ("try_files",)
    bad = [
        ("location ~ ^/static/(.+)$ { alias /srv/app/static/$1; try_files $uri =404; }", None),
        ("location ~ ^/media/ { alias /srv/media/; location ~ \\.jpg$ { try_files $uri $uri/ =404; } }", None),
        ("location /static/ { alias /srv/app/static/; try_files /static/offline.html $uri =404; }", None),
        ("location /static/ { alias /srv/app/static/; try_files $uri /static/index.html?$args; }", None),
    ]
    good = [
        "location /static/ { alias /srv/app/static/; try_files $uri $uri/ =404; }",
        "location /static/ { alias /srv/app/static/; try_files $uri /static/index.html; }",
        "location /static/ { alias /srv/app/static/; try_files $uri @app; }",
        "location ~ ^/static/(.+)$ { alias /srv/app/static/; try_files $1 =404; }",
        "location ~ ^/static/(.+)$ { root /srv/app; try_files $uri =404; }",
        "location /static/ { alias /srv/app/static/; location ~ \\.css$ { try_files $uri =404; } }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        node = ctx.directive
        assert node is not None
        found = _alias_of(node)
        if found is None or len(node.args) < 2:
            return
        alias, owner = found
        path = alias.values[0] if alias.args else ""
        related = [related_at(alias, f"`alias {path}` of `location {owner}`")]
        files, fallback = node.args[:-1], node.args[-1]
        if owner.is_regex:
            wrong = [arg for arg in files if _URI_VARIABLE.search(arg.value)]
            if wrong:
                shown = " ".join(arg.value for arg in wrong)
                yield self.report(
                    node, start=wrong[0].start, end=wrong[-1].end, related=related,
                    message=f"`try_files {shown}` next to the regex `alias {path}`: the alias already is the "
                            f"whole file path, so nginx looks for `{path}` + the URI and never finds the file")
            return
        prefix = owner.pattern
        for arg in files:
            if "$" not in arg.value and arg.value.startswith(prefix):
                yield self.report(
                    node, start=arg.start, end=arg.end, related=related,
                    message=f"`try_files {arg.value}` is appended to `alias {path}` as written (nginx strips "
                            f"`{prefix}` only from arguments with variables): it looks for "
                            f"`{path}{arg.value}`")
        value = fallback.value
        if "$" in value and (value.startswith(prefix) or _URI_VARIABLE.match(value)):
            yield self.report(
                node, start=fallback.start, end=fallback.end, related=related,
                message=f"fallback `{value}` has a variable and starts with `{prefix}`: next to `alias` nginx "
                        f"strips that prefix before the internal redirect, so the request goes to "
                        f"`{value[len(prefix):] if value.startswith(prefix) else 'the URI without its prefix'}`, "
                        f"not `{value}`")


def _alias_of(try_files: Directive) -> tuple[Directive, LocationMatch] | None:
    """The `alias` that applies where ``try_files`` is, and the match of the location that
    declares it (nginx decides prefix vs regex alias handling there, not where it is inherited)."""
    d = path_directive(try_files.parent) if try_files.parent is not None else None
    match = owner_match(d) if d is not None and d.name == "alias" else None
    return (d, match) if d is not None and match is not None else None
