from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.route import CompiledServer, Loc, compile_config, select_location
from nglint.route.compile import Level
from nglint.rule import Rule, RuleContext, related_at
from nglint.rules._route import catch_all, literal_prefix, per_layout


class UnreachableLocation(Rule):
    """
    ## What it does
    Flags a location no request can ever select, because another location always wins
    first:
    - a regex location after a regex that matches every URI (`~ .`, `~ ^/`, `~* (.*)`);
    - a regex whose every match starts with a literal path under a `^~` prefix location
      (`^~` stops the regex search), or that matches a single URI taken by an `=` location;
    - a prefix location whose every URI is matched by a regex of the same level
      (`location /app/` next to `location ~ ^/app/`), since regexes beat plain prefixes.

    ## Why is this bad?
    The block looks active but nginx never uses it: edits made there (a corrected
    `alias`, a new `expires`, the static files location you just added) change nothing,
    and requests keep going where they went before, often to the app or to a 404.

    ## Example
    ```nginx
    location ^~ /static/ { alias /srv/app/static/; }
    location ~ ^/static/.*\\.css$ { expires 30d; }
    ```
    Use instead:
    ```nginx
    location ^~ /static/ {
        alias /srv/app/static/;
        location ~ \\.css$ { expires 30d; }
    }
    ```

    ## Fix safety
    No automatic fix: whether the dead block or the one shadowing it holds the intended
    settings is a decision for the author.
    """

    code = "NGL021"
    name = "unreachable-location"
    severity = Severity.WARNING
    message = "`location {loc}` is never used: {why}"
    bad = [
        ("location ^~ /static/ { alias /srv/app/static/; }\nlocation ~ ^/static/.*\\.css$ { expires 30d; }", None),
        ("location ~ ^/ { proxy_pass http://127.0.0.1:8000; }\nlocation ~ \\.css$ { expires 30d; }", None),
        ("location /app/ { root /srv; }\nlocation ~ ^/app/ { proxy_pass http://127.0.0.1:8000; }", None),
        ("location = /favicon.ico { access_log off; }\nlocation ~ ^/favicon\\.ico$ { expires 1y; }", None),
    ]
    good = [
        "location /static/ { alias /srv/app/static/; }\nlocation ~ ^/static/.*\\.css$ { expires 30d; }",
        "location ^~ /static/ { alias /srv/app/static/; }\nlocation ~* ^/STATIC/ { return 404; }",
        "location ~ \\.css$ { expires 30d; }\nlocation ~ \\.js$ { expires 30d; }",
        "location /app/ { location ~ \\.css$ { } }\nlocation ~ ^/app/ { proxy_pass http://127.0.0.1:8000; }",
        "location ^~ /static/ { }\nlocation /static/v2/ { }\nlocation ~ ^/static/v2/.*\\.css$ { expires 30d; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        # Which locations are dead depends only on the server's location layout.
        for server, dead in per_layout(compile_config(ctx.config), _dead_in):
            locations = server.all_locations()
            for at, culprit_at, why, lit in dead:
                loc, culprit = locations[at], locations[culprit_at]
                text = _WHY[why].format(text=culprit.text, at=culprit.directive.location, lit=lit,
                                        prefix=loc.match.pattern)
                yield self.report(loc.directive, loc=loc.text, why=text,
                                  related=[related_at(culprit.directive, "this location wins first")])


# Why a location is dead; {text} and {at} are the location that wins first.
_WHY = {
    "after-catch-all": "the earlier regex `{text}` ({at}) matches every URI, and the first matching regex wins",
    "exact": "it matches only `{lit}`, which `{text}` ({at}) takes first",
    "noregex": "every URI it matches starts with `{lit}`, where `{text}` ({at}) stops the regex search",
    "catch-all": "the regex `{text}` ({at}) matches every URI, and regexes win over plain prefixes",
    "covered": "the regex `{text}` ({at}) matches every URI under `{prefix}`, and regexes win over plain prefixes",
}


def _dead_in(server: CompiledServer) -> list[tuple[int, int, str, str]]:
    """(dead location, location that wins first, key of _WHY, literal URI part or ""), the
    locations as positions in ``server.all_locations()``, level by level."""
    locations = server.all_locations()
    position = {id(loc): i for i, loc in enumerate(locations)}
    out = []
    for level in [server.locations()] + [loc.level for loc in locations]:
        if not level.regexes and not level.prefix:
            continue  # most levels: no location of theirs can be dead
        for loc, culprit, why, lit in _dead(server, level):
            out.append((position[id(loc)], position[id(culprit)], why, lit))
    return out


def _dead(server: CompiledServer, level: Level) -> Iterator[tuple[Loc, Loc, str, str]]:
    regexes = [r for r in level.regexes if r.regex is not None]
    first = next((i for i, r in enumerate(regexes) if catch_all(r.match.pattern)), len(regexes))
    first_catch_all = regexes[first] if first < len(regexes) else None
    prefixes = list(level.prefix.values())
    for i, rx in enumerate(regexes):
        earlier = first_catch_all if first < i else None  # the first catch-all regex before this one
        if earlier is not None:
            yield rx, earlier, "after-catch-all", ""
            continue
        split = literal_prefix(rx.match.pattern)
        if split is None:
            continue
        lit, rest = split
        caseless_letters = rx.match.modifier == "~*" and any(c.isalpha() for c in lit)
        if rest == "$" and lit in level.exact and not caseless_letters:
            exact = level.exact[lit]
            if select_location(server, lit) is exact:
                yield rx, exact, "exact", lit
                continue
        if caseless_letters:
            continue
        shorter = [p for p in prefixes if lit.startswith(p.match.pattern)]
        longer = [p for p in prefixes if p.match.pattern.startswith(lit) and len(p.match.pattern) > len(lit)]
        if not shorter:
            continue
        owner = max(shorter, key=lambda p: len(p.match.pattern))
        if owner.noregex and all(p.noregex for p in longer):
            yield rx, owner, "noregex", lit
    for p in prefixes:
        if p.match.modifier != "" or not p.level.empty or p.auto_redirect:
            continue  # ^~ and nested locations can win; a *_pass prefix still sends its 301
        if first_catch_all is not None:
            yield p, first_catch_all, "catch-all", ""
            continue
        cover = next((r for r in regexes if _covers(r, p.match.pattern)), None)
        if cover is not None:
            yield p, cover, "covered", ""


def _covers(rx: Loc, prefix: str) -> bool:
    """``rx`` matches every URI that starts with ``prefix`` (`^/app/`, `^/app/(.*)`)."""
    split = literal_prefix(rx.match.pattern)
    if split is None:
        return False
    lit, rest = split
    return prefix.startswith(lit) and rest.replace("(", "").replace(")", "") in ("", ".*", ".*$")
