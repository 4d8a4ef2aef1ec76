from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.load import Directive
from nglint.nginx.model import LocationMatch, location_match, own_handler, path_directive
from nglint.rule import Rule, RuleContext, related_at

# Last segment of a location prefix that says what the location serves.
STATIC_NAMES = frozenset({"static", "assets", "staticfiles", "static-files", "static_files", "dist", "build"})
MEDIA_NAMES = frozenset({"media", "uploads", "upload", "user-uploads", "user_uploads", "usercontent",
                         "user-content"})
_PREFIX = ("", "^~")  # LocationMatch.is_prefix, without a property call per location


class StaticMediaSameDirectory(Rule):
    """
    ## What it does
    Flags a media (uploads) location whose directory is the directory of a static
    location in the same server, or lies inside it (or the other way round):
    `location /media/ { alias /srv/app/static/uploads/; }` next to
    `location /static/ { alias /srv/app/static/; }`. Locations count as static when their
    prefix ends in `static`, `assets`, `staticfiles`, `dist` or `build`, and as media when
    it ends in `media`, `uploads` or `upload`.

    ## Why is this bad?
    Static files are build output: deploys replace that directory (`rsync --delete`, a
    fresh release directory, `cp -r dist/*`), so uploads kept inside it vanish after the
    next deploy and their URLs 404. The two also need different treatment: static files
    get long `expires` caching, uploads must not be executable or served with the app's
    privileges, and a user could upload a file named like an asset (`app.js`) and replace
    it for everyone. Keep uploads in their own directory outside the static folder.

    ## Example
    ```nginx
    location /static/ { alias /srv/app/static/; }
    location /media/ { alias /srv/app/static/uploads/; }
    ```
    Use instead:
    ```nginx
    location /static/ { alias /srv/app/static/; }
    location /media/ { alias /srv/app/media/; }
    ```

    ## Fix safety
    No automatic fix: the uploads have to be moved on the server and the application's
    upload folder changed with them.
    """

    code = "NGL008"
    name = "static-media-same-directory"
    severity = Severity.WARNING
    message = "`location {media}` serves `{media_dir}`, {relation} `{static_dir}` served by `location {static}`"
    bad = [
        ("location /static/ { alias /srv/app/static/; }\nlocation /media/ { alias /srv/app/static/; }", None),
        ("location /static/ { alias /srv/app/static/; }\nlocation /media/ { alias /srv/app/static/uploads/; }",
         None),
        ("root /srv/app;\nlocation /static/ { }\nlocation /uploads/ { alias /srv/app/static/uploads/; }", None),
    ]
    good = [
        "location /static/ { alias /srv/app/static/; }\nlocation /media/ { alias /srv/app/media/; }",
        "root /srv/app;\nlocation /static/ { }\nlocation /media/ { }",
        "location /static/ { alias /srv/app/static/; }\nlocation /media/ { proxy_pass http://127.0.0.1:8000; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        kinds: dict[str, str] = {}  # prefix → "static", "media" or "": servers repeat the same few
        for server in ctx.config.servers():
            static_locs: list[tuple[Directive, LocationMatch]] = []
            media_locs: list[tuple[Directive, LocationMatch]] = []
            for loc in _locations(server, []):
                match = location_match(loc)
                if match is None or match.modifier not in _PREFIX:
                    continue
                kind = kinds.get(match.pattern)
                if kind is None:
                    kind = kinds[match.pattern] = _kind(match.pattern)
                if kind == "static":
                    static_locs.append((loc, match))
                elif kind:
                    media_locs.append((loc, match))
            if not static_locs or not media_locs:
                continue  # no static and media pair to compare
            statics: list[tuple[Directive, str]] = []
            for loc, match in static_locs:
                served = _directory(loc, match)
                if served is not None:
                    statics.append((loc, served[0]))
            medias: list[tuple[Directive, str, Directive]] = []
            for loc, match in media_locs:
                served = _directory(loc, match)
                if served is not None:
                    medias.append((loc, *served))
            for m_loc, m_dir, m_node in medias:
                for s_loc, s_dir in statics:
                    if m_dir == s_dir:
                        relation = "the same directory as"
                    elif m_dir.startswith(s_dir + "/"):
                        relation = "a directory inside"
                    elif s_dir.startswith(m_dir + "/"):
                        relation = "a directory that contains"
                    else:
                        continue
                    yield self.report(
                        m_node, media=_pattern(m_loc), media_dir=m_dir, relation=relation, static_dir=s_dir,
                        static=_pattern(s_loc), related=[related_at(s_loc, f"`location {_pattern(s_loc)}` serves static files from `{s_dir}`")],
                        start=m_node.args[0].start if m_node.args else m_node.start,
                        end=m_node.args[0].end if m_node.args else m_node.name_end)
                    break


def _locations(block: Directive, out: list[Directive]) -> list[Directive]:
    """The locations in ``block``, nested ones after their parent, appended to ``out``."""
    for loc in block.named("location"):
        out.append(loc)
        if "location" in loc.child_names():
            _locations(loc, out)
    return out


def _pattern(loc: Directive) -> str:
    match = location_match(loc)
    return str(match) if match is not None else " ".join(loc.values)


def _kind(prefix: str) -> str:
    """What a prefix location serves, by its last segment: "static", "media" or ""."""
    segment = prefix.rstrip("/").rsplit("/", 1)[-1].lower()
    if segment in STATIC_NAMES:
        return "static"
    if segment in MEDIA_NAMES:
        return "media"
    return ""


def _directory(loc: Directive, match: LocationMatch) -> tuple[str, Directive] | None:
    """The directory a prefix location serves files from, with the directive that says so
    (its own `alias`, else the `root` in effect + the prefix); None for proxies, variables
    and locations inside an aliased one (its own rules apply there)."""
    if own_handler(loc) is not None:
        return None
    d = path_directive(loc)
    if d is None or (d.name == "alias" and d.parent is not loc):
        return None
    path = d.args[0].value if d.args else ""
    if not path.startswith("/") or "$" in path:
        return None
    if d.name == "alias":
        return posixpath.normpath(path), d
    return posixpath.normpath(path.rstrip("/") + "/" + match.pattern.strip("/")), d
