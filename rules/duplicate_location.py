from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Fix, Severity
from nglint.load import Directive
from nglint.nginx.model import LocationMatch, duplicate_location, location_match
from nglint.rule import Rule, RuleContext, related_at


class DuplicateLocation(Rule):
    """
    ## What it does
    Flags a location that repeats another one at the same level: the same prefix (`/x`
    and `^~ /x` count as the same), the same `= /x`, the same `@name`, or the same regex
    where the first one matches everything the second does (`~ x` twice, or `~* x` then
    `~ x`).

    ## Why is this bad?
    For prefix and exact locations nginx refuses to start: `nginx -t` fails with
    `duplicate location "/static/"`, so a reload keeps the old configuration running and
    your fix never goes live. Repeated regexes and named locations are accepted, but nginx
    always uses the first one: the second block, often the one just added or edited, is
    dead.

    ## Example
    ```nginx
    location ~* \\.(css|js)$ { expires 30d; }
    location ~* \\.(css|js)$ { expires 1y; add_header Cache-Control public; }
    ```
    Use instead:
    ```nginx
    location ~* \\.(css|js)$ { expires 1y; add_header Cache-Control public; }
    ```

    ## Fix safety
    Only a dead regex or named duplicate gets a fix, which deletes it. It is unsafe: nginx
    behaves the same afterwards, but if the deleted block held the settings you wanted,
    move them into the first block instead. Duplicates `nginx -t` rejects have no automatic
    fix: which of the two blocks to keep is your call.
    """

    code = "NGL022"
    name = "duplicate-location"
    severity = Severity.ERROR
    directives = ("location",)
    message = "`location {loc}` repeats {first_at}: {effect}"
    fix_title = "Remove the duplicate location that never runs"
    bad = [
        ("location ~* \\.(css|js)$ { expires 30d; }\nlocation ~* \\.(css|js)$ { expires 1y; }",
         "location ~* \\.(css|js)$ { expires 30d; }"),
        ("location @app { proxy_pass http://127.0.0.1:8001; }\nlocation @app { proxy_pass http://127.0.0.1:8002; }",
         "location @app { proxy_pass http://127.0.0.1:8001; }"),
        ("location ~* \\.png$ { }\nlocation ~ \\.png$ { }", "location ~* \\.png$ { }"),
    ]
    good = [
        "location /static/ { }\nlocation = /static/ { }",
        "location ~ \\.png$ { }\nlocation ~* \\.png$ { }",
        "location /a/ { location ~ x { } }\nlocation /b/ { location ~ x { } }",
        "location /static/ { }\nlocation /static { }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        node = ctx.directive
        assert node is not None
        parent = node.parent
        if parent is None:
            return
        # The clashes of all the locations of ``parent`` are found on its first location's
        # turn: matching each location against every earlier sibling again is quadratic.
        by_parent = ctx.cache.get("duplicate-location")
        if by_parent is None:  # not setdefault(): that would build a dict per location
            by_parent = ctx.cache["duplicate-location"] = {}
        clashes = by_parent.get(id(parent))
        if clashes is None:
            clashes = by_parent[id(parent)] = _clashes(parent)
        if not clashes:
            return  # most blocks
        found = clashes.get(id(node))
        if found is None:
            return
        other, om, m, effect = found
        from nglint.fix import remove_node  # difflib, hashlib: only when there is something to fix

        fix = Fix.unsafe(self.fix_title, [remove_node(node)]) if not duplicate_location(om, m) else None
        yield self.report(node, fix=fix, loc=str(m), first_at=_at(other), effect=effect,
                          related=[related_at(other, "the first one")])


def _clashes(parent: Directive) -> dict[int, tuple[Directive, LocationMatch, LocationMatch, str]]:
    """id of each location in ``parent`` that repeats an earlier one → (the first one it
    clashes with, their matches, what happens). Only locations with the same pattern can
    clash, so each is compared with its namesakes alone."""
    out: dict[int, tuple[Directive, LocationMatch, LocationMatch, str]] = {}
    earlier: dict[str, list[tuple[Directive, LocationMatch]]] = {}
    for d in parent.named("location"):
        m = location_match(d)
        if m is None:
            continue
        namesakes = earlier.get(m.pattern)
        if namesakes is None:  # the usual case: a pattern not seen before in the block
            earlier[m.pattern] = [(d, m)]
            continue
        for other, om in namesakes:
            effect = _clash(om, m)
            if effect is not None:
                out[id(d)] = (other, om, m, effect)
                break
        namesakes.append((d, m))
    return out


def _clash(first: LocationMatch, second: LocationMatch) -> str | None:
    if first.pattern != second.pattern:
        return None
    if duplicate_location(first, second):
        return f'nginx -t fails with `duplicate location "{second.pattern}"` and nginx keeps the old configuration'
    if first.is_named and second.is_named:
        return "nginx uses the first named location of that name; this one never runs"
    if first.is_regex and second.is_regex and (first.modifier == "~*" or second.modifier == "~"):
        return "the first regex matches every URI this one does, so this one never runs"
    return None


def _at(d: Directive) -> str:
    return f"`location {location_match(d)}` at {d.location}"
