from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Fix, Severity, TextEdit
from nglint.nginx import location_match
from nglint.rule import Rule, RuleContext


class RootInsteadOfAlias(Rule):
    """
    ## What it does
    Flags a `root` inside a prefix `location` whose path already ends with the location's
    prefix, as in `location /static/ { root /var/www/app/static; }`.

    ## Why is this bad?
    `root` appends the *whole* request URI to its path, prefix included. `GET
    /static/css/app.css` opens `/var/www/app/static/static/css/app.css`, a directory that
    does not exist, so every asset answers 404. The directive was written as if it were
    `alias`, which replaces the prefix instead of keeping it.

    ## Example
    ```nginx
    location /static/ { root /var/www/app/static; }
    ```
    Use instead:
    ```nginx
    location /static/ { root /var/www/app; }
    ```
    or, equivalently for this location, `alias /var/www/app/static/;`.

    ## Fix safety
    Unsafe: the fix drops the duplicated prefix from the `root` path
    (`root /var/www/app;`), so `/static/css/app.css` maps to
    `/var/www/app/static/css/app.css`. It keeps `root` rather than switching to `alias`
    because `root` keeps working with `try_files $uri` and nested regex locations, where
    `alias` has traps of its own; `alias /var/www/app/static/;` serves the same files if
    you prefer it. Unsafe because it changes which files are served: if a
    `.../static/static/` directory really exists, the fix is wrong.
    """

    code = "NGL002"
    name = "root-instead-of-alias"
    severity = Severity.ERROR
    directives = ("root",)
    message = ("`root {path}` in `location {prefix}` serves `{example}` from `{doubled}`: "
               "the prefix is in the path twice (use `root {parent}` or `alias {path_slash}`)")
    fix_title = "Drop the location prefix from the root path: `root {parent}`"
    bad = [
        ("location /static/ { root /var/www/app/static; }", "location /static/ { root /var/www/app; }"),
        ("location ^~ /media/ { root /srv/app/media/; }", "location ^~ /media/ { root /srv/app; }"),
        ("location /static/img/ { root /srv/app/static/img; }", "location /static/img/ { root /srv/app; }"),
    ]
    good = [
        "location /static/ { root /var/www/app; }",
        "location /static/ { alias /var/www/app/static/; }",
        "location / { root /var/www/app/static; }",
        "location /static/ { root /var/www/$host/static; }",
        "location /static/ { root /srv/static-files; }",
        "location ~ ^/static/(.*)$ { root /srv/app/static; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        node = ctx.directive
        assert node is not None
        loc = node.parent
        if loc is None or loc.name != "location" or len(node.args) != 1:
            return
        match = location_match(loc)
        if match is None or not match.is_prefix:
            return
        prefix = match.pattern.rstrip("/")
        arg = node.args[0]
        path = arg.value
        if not prefix.startswith("/") or "$" in path or "$" in prefix:
            return
        trimmed = path.rstrip("/")
        # The prefix starts with `/`, so a match is always on a path-segment boundary.
        if not trimmed.endswith(prefix):
            return
        parent = trimmed[: len(trimmed) - len(prefix)] or "/"
        example = match.pattern.rstrip("/") + "/<file>"
        doubled = posixpath.join(trimmed, example.lstrip("/"))
        title = self.fix_title.format(parent=parent)
        fix = Fix.unsafe(title, [TextEdit(node.file, arg.value_start, arg.value_end, parent)])
        yield self.report(node, fix=fix, path=path, prefix=match.pattern, example=example, doubled=doubled,
                          parent=parent, path_slash=trimmed + "/" * match.pattern.endswith("/"), start=arg.start, end=arg.end)
