from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Fix, Severity, TextEdit
from nglint.load import Directive
from nglint.nginx.model import LocationMatch, duplicate_location, location_match
from nglint.rule import Rule, RuleContext


class AliasTrailingSlashMismatch(Rule):
    """
    ## What it does
    Flags an `alias` whose trailing `/` disagrees with the trailing `/` of its prefix
    `location`.

    ## Why is this bad?
    nginx replaces the matched location prefix with the alias text, byte for byte.
    `location /static/ { alias /srv/app/static; }` turns `GET /static/app.css` into
    `/srv/app/staticapp.css`: every asset 404s. The opposite,
    `location /static { alias /srv/app/static/; }`, lets `GET /static../app.py` open
    `/srv/app/static/../app.py`: the directory above the static folder leaks.

    ## Example
    ```nginx
    location /static/ { alias /srv/app/static; }
    ```
    Use instead:
    ```nginx
    location /static/ { alias /srv/app/static/; }
    ```

    ## Fix safety
    Safe: the slash is added where it is missing (to the alias in the first case, to the
    location in the second), which is the only mapping that serves the directory as
    intended and closes the traversal. No fix is offered when the block already has a
    `location /static/` (or `^~ /static/`) next to `location /static`: a second one would
    be a duplicate location, which `nginx -t` rejects.
    """

    code = "NGL001"
    name = "alias-trailing-slash-mismatch"
    severity = Severity.ERROR
    directives = ("alias",)
    message = "`alias {path}` and `location {prefix}` disagree on the trailing `/`: {effect}"
    bad = [
        ("location /static/ { alias /srv/app/static; }", "location /static/ { alias /srv/app/static/; }"),
        ("location /static { alias /srv/app/static/; }", "location /static/ { alias /srv/app/static/; }"),
        ("location /static { alias /srv/app/static/; }\nlocation ^~ /static/ { }", None),
    ]
    good = [
        "location /static/ { alias /srv/app/static/; }",
        "location /static { alias /srv/app/static; }",
        "location ~ ^/i/(.+)$ { alias /srv/img/$1; }",
        "location /favicon.ico { alias /srv/app/static/favicon.ico; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        node = ctx.directive
        assert node is not None
        loc = node.parent
        if loc is None or loc.name != "location" or not node.args:
            return
        match = location_match(loc)
        if match is None or not match.is_prefix:
            return
        arg = node.args[0]
        path = arg.value
        if "$" in path:
            return
        if match.pattern.endswith("/") and not path.endswith("/"):
            sample = _sample_file(match.pattern)
            effect = f"`{match.pattern}{sample}` opens `{path}{sample}`"
            fix = Fix.safe("Append `/` to the alias path", [TextEdit(node.file, arg.value_end, arg.value_end, "/")])
            yield self.report(node, fix=fix, path=path, prefix=match.pattern, effect=effect,
                              start=arg.start, end=arg.end)
        elif path.endswith("/") and not match.pattern.endswith("/"):
            effect = f"`{match.pattern}../` reaches the parent of `{path}` (path traversal)"
            pat_arg = loc.args[-1]
            # `location /static/` next to an existing one would be a duplicate location
            # (nginx -t fails), so there is no fix to offer then.
            fix = None if _has_sibling(loc, LocationMatch(match.modifier, match.pattern + "/")) else Fix.safe(
                "Append `/` to the location prefix", [TextEdit(loc.file, pat_arg.value_end, pat_arg.value_end, "/")])
            yield self.report(node, fix=fix, path=path, prefix=match.pattern, effect=effect,
                              start=arg.start, end=arg.end)


def _has_sibling(loc: Directive, wanted: LocationMatch) -> bool:
    """Another location in the same block that nginx would refuse next to ``wanted``."""
    siblings = loc.parent.directives("location") if loc.parent is not None else ()
    for other in siblings:
        match = location_match(other)
        if other is not loc and match is not None and duplicate_location(match, wanted):
            return True
    return False


def _sample_file(prefix: str) -> str:
    """A file name that reads naturally under ``prefix`` in the message."""
    media = ("media", "upload", "photo", "image", "img", "files")
    return "photo.jpg" if any(word in prefix.lower() for word in media) else "app.css"
