from __future__ import annotations

import re
from typing import Iterator

from nglint.diagnostics import Diagnostic, Fix, Severity, TextEdit
from nglint.load import Directive
from nglint.nginx import location_match
from nglint.nginx.regex import RegexError, compile_pcre
from nglint.rule import Rule, RuleContext

_VARIABLE = re.compile(r"\$\{?([A-Za-z0-9_]+)")
_NAMED_GROUP = re.compile(r"\(\?(?:P?<|')([A-Za-z_][A-Za-z0-9_]*)[>']")
_NUMBERED = frozenset("123456789")  # $1..$9


class AliasRegexWithoutCapture(Rule):
    """
    ## What it does
    Flags `alias` in a regex `location` (`~` or `~*`) whose path uses none of the
    regex's captures (`$1`, `$name`), when the alias names a directory.

    ## Why is this bad?
    In a regex location nginx does not append anything to an `alias`: the evaluated alias
    *is* the file path. Without a capture every matching URL maps to the same directory,
    so `GET /static/app.css` answers 301 to `/static/app.css/` and then 403 (or loops on
    the index file), never the file. This is different from a prefix location, where the
    rest of the URI is appended to the alias.

    ## Example
    ```nginx
    location ~ ^/static/(.+)$ { alias /srv/app/static/; }
    ```
    Use instead:
    ```nginx
    location ~ ^/static/(.+)$ { alias /srv/app/static/$1; }
    ```

    ## Fix safety
    Unsafe, and offered only when the regex has one capture group, right after a `/`, that
    ends the pattern (`^/static/(.+)$`): the fix appends `$1` to the alias. It changes
    which files are served, by design. Aliases that name a single file
    (`location ~ ^/favicon\\.(ico|png)$ { alias /srv/app/static/favicon.ico; }`) and
    locations whose `try_files` adds the capture (`alias /srv/static/; try_files $1 =404;`)
    are not flagged.
    """

    code = "NGL003"
    name = "alias-regex-without-capture"
    severity = Severity.ERROR
    directives = ("alias",)
    message = ("`alias {path}` in regex `location {location}` uses no capture: every matching URL maps to "
               "that one directory (301, then 403), never to a file inside it")
    fix_title = "Append the capture to the alias: `alias {fixed}`"
    bad = [
        ("location ~ ^/static/(.+)$ { alias /srv/app/static/; }",
         "location ~ ^/static/(.+)$ { alias /srv/app/static/$1; }"),
        ("location ~* ^/media/(.*\\.(?:jpg|png))$ { alias /srv/app/media; }",
         "location ~* ^/media/(.*\\.(?:jpg|png))$ { alias /srv/app/media/$1; }"),
        ("location ~ ^/static/ { alias /srv/app/static/; }", None),
        ("location ~ ^/u/([a-z]+)/(.+)$ { alias /srv/$host/; }", None),
    ]
    good = [
        "location ~ ^/static/(.+)$ { alias /srv/app/static/$1; }",
        "location ~ ^/static/(?<file>.+)$ { alias /srv/app/static/$file; }",
        "location ~ ^/favicon\\.(ico|png)$ { alias /srv/app/static/favicon.ico; }",
        "location ~ ^/static/(.+)$ { alias /srv/app/static/; try_files $1 =404; }",
        "location /static/ { alias /srv/app/static/; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        node = ctx.directive
        assert node is not None
        loc = node.parent
        if loc is None or loc.name != "location" or len(node.args) != 1:
            return
        match = location_match(loc)
        if match is None or not match.is_regex:
            return
        path = node.args[0].value
        captures = _captures(match.pattern)
        if _uses(path, captures) or _names_a_file(path):
            return
        try_files = loc.find("try_files")
        if try_files is not None and any(_uses(a.value, captures) for a in try_files.args[:-1]):
            return
        yield self.report(node, fix=self._fix(node, match.pattern), path=path, location=str(match),
                          start=node.args[0].start, end=node.args[0].end)

    def _fix(self, node: Directive, pattern: str) -> Fix | None:
        arg = node.args[0]
        if "$" in arg.value or _group_count(pattern) != 1 or not _ends_with_path_group(pattern):
            return None
        tail = "$1" if arg.value.endswith("/") else "/$1"
        fixed = arg.value + tail
        return Fix.unsafe(self.fix_title.format(fixed=fixed), [TextEdit(node.file, arg.value_end, arg.value_end, tail)])


def _captures(pattern: str) -> frozenset[str]:
    """Variable names that refer to the regex's captures: `1`..`9` and named groups."""
    return _NUMBERED.union(_NAMED_GROUP.findall(pattern))


def _uses(value: str, captures: frozenset[str]) -> bool:
    return any(name in captures for name in _VARIABLE.findall(value))


def _names_a_file(path: str) -> bool:
    """`/srv/static/favicon.ico` (one file on purpose), not `/srv/static` or `/srv/static/`."""
    return not path.endswith("/") and "." in path.rsplit("/", 1)[-1]


def _group_count(pattern: str) -> int:
    """Capturing groups of a PCRE pattern; -1 if unknown."""
    try:
        return compile_pcre(pattern).groups
    except RegexError:
        return -1


def _ends_with_path_group(pattern: str) -> bool:
    """The pattern ends with a group that starts right after a `/` (`^/static/(.+)$`), so the
    group captures the rest of the path and not, say, the extension (`\\.(jpg|png)$`)."""
    body = pattern[:-1] if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    if not body.endswith(")") or body.endswith("\\)"):
        return False
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        escaped = i > 0 and body[i - 1] == "\\"
        if body[i] == ")" and not escaped:
            depth += 1
        elif body[i] == "(" and not escaped:
            depth -= 1
            if depth == 0:
                return body[i + 1:i + 2] != "?" and body[:i].endswith("/")
    return False
