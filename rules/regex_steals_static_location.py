from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Fix, Severity, TextEdit
from nglint.route import CompiledServer, Loc, compile_config, prefix_location, select_location, simulate
from nglint.rule import Rule, RuleContext, related_at
from nglint.rules._route import file_for, inside, per_layout, samples, serves_files


class RegexStealsStaticLocation(Rule):
    """
    ## What it does
    Flags a prefix location that serves static or media files while a regex location
    takes some of its URLs, e.g. `location ~* \\.(css|js|png)$` winning over
    `location /static/` for `/static/app.css`. The route simulator proves it with a
    concrete URL.

    ## Why is this bad?
    nginx remembers the longest matching prefix, then tries every regex location in
    config order and gives the request to the first that matches; the prefix is used only
    when none does. A regex meant to add `expires` to assets, or to proxy `.js` to the app,
    therefore steals `/static/app.css` from `location /static/`: the file is looked up
    under the wrong root, or the request goes to gunicorn, and the browser gets a 404. The
    `location /static/` block you are reading never runs for those URLs.

    ## Example
    ```nginx
    location /static/ { alias /var/www/yourapp/static/; }
    location ~* \\.(css|js|png)$ { expires 30d; proxy_pass http://127.0.0.1:8000; }
    ```
    Use instead:
    ```nginx
    location ^~ /static/ { alias /var/www/yourapp/static/; }
    location ~* \\.(css|js|png)$ { expires 30d; proxy_pass http://127.0.0.1:8000; }
    ```

    ## Fix safety
    Unsafe: `^~` makes the prefix stop the regex search, so the regex's settings (cache
    headers, a different root, the proxy) no longer apply under that prefix; copy what you
    still want (e.g. `expires`) into the static location. A static location nested in
    another one gets no fix when the regex sits at an outer level: a nested `^~` does not
    stop outer regexes.
    """

    code = "NGL020"
    name = "regex-steals-static-location"
    severity = Severity.ERROR
    message = ("regex location `{thief}` ({thief_at}) takes `{url}` from `location {static}`: {effect}; "
               "nginx tries regexes after the longest prefix unless the prefix has `^~`")
    fix_title = "Add `^~` so the prefix location stops the regex search"
    bad = [
        ("location /static/ { alias /srv/app/static/; }\nlocation ~* \\.(css|js|png)$ { expires 30d; }",
         "location ^~ /static/ { alias /srv/app/static/; }\nlocation ~* \\.(css|js|png)$ { expires 30d; }"),
        ("location /media/ { root /srv/app; }\nlocation ~ \\.jpg$ { proxy_pass http://127.0.0.1:8000; }",
         "location ^~ /media/ { root /srv/app; }\nlocation ~ \\.jpg$ { proxy_pass http://127.0.0.1:8000; }"),
    ]
    good = [
        "location ^~ /static/ { alias /srv/app/static/; }\nlocation ~* \\.(css|js)$ { expires 30d; }",
        "location /static/ { alias /srv/app/static/; location ~* \\.(css|js)$ { expires 30d; } }",
        "location /static/ { alias /srv/app/static/; }\nlocation ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }",
        "location /api/ { proxy_pass http://127.0.0.1:8000; }\nlocation ~* \\.json$ { expires 1h; }",
        "location /static/img/ { empty_gif; }\nlocation ~* \\.(png|gif)$ { expires 30d; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cc = compile_config(ctx.config)
        # Which URL a regex steals from which location depends only on the server's location layout.
        for server, thefts in per_layout(cc, _thefts):
            locations = server.all_locations()
            for victim, url, thief_at in thefts:
                loc, thief = locations[victim], locations[thief_at]
                if not serves_files(loc):
                    continue
                fix = None
                if _fix_target(loc, thief) is not None:
                    arg = loc.directive.args[0]
                    fix = Fix.unsafe(self.fix_title, [TextEdit(loc.directive.file, arg.start, arg.start, "^~ ")])
                related = related_at(thief.directive, f"this regex location answers {url}")
                # thief_at is thief.directive.location, from the line the related note already looked up
                yield self.report(loc.directive, fix=fix, thief=thief.text, thief_at=f"{related.file}:{related.line}",
                                  url=url, static=loc.match.pattern, effect=_effect(cc, server, loc, thief, url),
                                  related=[related])


def _thefts(server: CompiledServer) -> list[tuple[int, str, int]]:
    """(plain prefix location, sample URL, regex location that takes it), as positions in
    ``server.all_locations()``, for each plain prefix location a regex steals a URL from."""
    locations = server.all_locations()
    regexes = [loc for loc in locations if loc.regex is not None]
    if not regexes:
        return []  # nothing to steal with (the location search skips unusable regexes)
    position = {id(loc): i for i, loc in enumerate(locations)}
    out = []
    for i, loc in enumerate(locations):
        if loc.match.modifier == "":
            found = _steal(server, loc, regexes)
            if found is not None:
                out.append((i, found[0], position[id(found[1])]))
    return out


def _steal(server: CompiledServer, loc: Loc, regexes: list[Loc]) -> tuple[str, Loc] | None:
    """A sample URL the prefix search gives to ``loc`` but a regex outside it takes."""
    outside = [rx.regex for rx in regexes if not inside(rx, loc)]
    if not outside:
        return None
    for url in samples(loc.match.pattern):
        # Only a regex outside ``loc`` that matches the URL can take it: a plain search
        # rules out most URLs without running nginx's location search twice.
        if not any(rx.search(url) for rx in outside):
            continue
        winner = prefix_location(server, url)
        if winner is None or not inside(winner, loc):
            continue  # a longer prefix elsewhere owns this URL
        chosen = select_location(server, url)
        if chosen is not None and chosen.match.is_regex and not inside(chosen, loc):
            return url, chosen
    return None


def _fix_target(loc: Loc, thief: Loc) -> Loc | None:
    """``loc`` when `^~` on it stops the thief: only at the thief's own nesting level (a
    nested `^~` leaves the regexes of outer levels running, and `^~` on the outer location
    would change every URL under it)."""
    return loc if loc.parent is thief.parent else None


def _effect(cc, server: CompiledServer, loc: Loc, thief: Loc, url: str) -> str:
    r = simulate(cc, server, url, location=thief)  # the search's answer is known: the thief
    meant = file_for(loc, url, str(cc.config.prefix))
    instead = f" instead of `{meant}`" if meant else ""
    if r.action == "proxy":
        return f"it is proxied to `{r.upstream}`{instead}"
    if r.action == "file" and r.fs_path:
        return f"nginx looks for `{r.fs_path}`{instead}"
    if r.action in ("redirect", "return", "error") and r.status is not None:
        return f"it is answered with {r.status}{instead}"
    return f"it is handled there{instead}"
