from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext


class UnusedSuppression(Rule):
    """
    ## What it does
    Flags a `# nglint: disable=...` comment, or one of its entries, that suppresses nothing:
    the named rule ran and found nothing on the covered line, or no rule has that code or
    name. A `# nglint:` comment that is not a well-formed suppression is flagged too.

    A suppression is written `# nglint: disable=NGL003 -- reason` (codes or rule names,
    comma-separated). At the end of a line it covers that line; alone on its line it covers
    the next line.

    ## Why is this bad?
    A stale suppression hides the next real problem on that line, and a misspelt one
    (`disable=alias-trailing-slash`) silently suppresses nothing while looking like it
    does.

    ## Example
    ```nginx
    location /static/ {
        alias /srv/app/static/;  # nglint: disable=alias-trailing-slash -- fixed in #12
    }
    ```
    Use instead:
    ```nginx
    location /static/ {
        alias /srv/app/static/;
    }
    ```

    ## Fix safety
    Safe: the fix deletes only the unused entries, or the whole comment (with its line when
    the comment stood alone) when no entry is left; configuration directives are untouched.
    """

    code = "NGL011"
    name = "unused-suppression"
    severity = Severity.WARNING
    message = "unused suppression"
    bad = [
        ("location /static/ {\n    alias /srv/app/static/;  # nglint: disable=alias-trailing-slash -- fixed\n}\n",
         "location /static/ {\n    alias /srv/app/static/;\n}\n"),
        ("# nglint: disable=NGL999 -- rule was removed\nlocation /media/ {\n    alias /srv/app/media/;\n}\n",
         "location /media/ {\n    alias /srv/app/media/;\n}\n"),
    ]
    good = [
        "location /static/ {\n    alias /srv/app/static/;  # served by nginx, not Flask\n}\n",
        "location /static/ {\n    # nglint: disable=NGL001 -- the app really wants /srv/app/staticfoo\n"
        "    alias /srv/app/static;\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        # The engine implements this rule: only it sees which suppressions were used.
        return iter(())
