from __future__ import annotations

import os
import stat
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.nginx.model import flag
from nglint.rule import Rule, RuleContext
from nglint.rules._fs import CachedView, SUPERUSER, Served, lstat, served_paths, view, walk

_LISTED = 6  # entries of the closest parent shown in the message


class StaticRootMissing(Rule):
    """
    ## What it does
    With `--fs` (this machine) or `--fs-root DIR` (an image export or staging copy taken
    as `/`), checks that the directory each file-serving `location` reads from exists:
    its `alias`, or its `root` plus the location prefix (`root /srv/app;` in
    `location /static/` reads `/srv/app/static/`). An exact location (`= /robots.txt`)
    must find its file. The message names the closest parent that does exist, what it
    holds, and the entry that looks like the intended one. Without `--fs`/`--fs-root` the
    rule does nothing.

    ## Why is this bad?
    Every request under the location answers 404: the alias points at the wrong
    directory (`/var/www/yourapp/static/` while the build went to `staticfiles/`), or the
    files were never deployed (`collectstatic` or `cp -r dist/*` did not run on this
    server). `nginx -t` does not look at `root`/`alias` paths, so the config tests fine.

    ## Example
    ```nginx
    # the server has /var/www/app/staticfiles/, not /var/www/app/static/
    location /static/ { alias /var/www/app/static/; }
    ```
    Use instead:
    ```nginx
    location /static/ { alias /var/www/app/staticfiles/; }
    ```
    or deploy the files to `/var/www/app/static/`.

    ## Fix safety
    No automatic fix: whether the config or the deployment is wrong is a decision for a
    person; the message gives the closest existing directory and a likely intended entry.
    A path holding variables is checked only up to its first variable; an exact
    location with `log_not_found off` (a favicon that may be missing) is not checked.
    """

    code = "NGL050"
    name = "static-root-missing"
    severity = Severity.ERROR
    message = "{label}: {problem}"
    # A filesystem for the embedded examples (see tests/_fstree.py for the format).
    example_fs = """
        /var/www/app/staticfiles/app.css
        /var/www/app/media/
        /srv/site/robots.txt
    """
    bad = [
        ("location /static/ { alias /var/www/app/static/; }", None),
        ("location /static/ { root /var/www/app; }", None),
        ("location = /favicon.ico { root /srv/site; }", None),
        ("location /media/ { alias /var/www/app/media/uploads/; }", None),
    ]
    good = [
        "location /static/ { alias /var/www/app/staticfiles/; }",
        "location /media/ { alias /var/www/app/media/; }",
        "location = /robots.txt { root /srv/site; }",
        "location /static/ { proxy_pass http://127.0.0.1:8000; }",
        "location ~ ^/u/(.+)$ { alias /var/www/app/media/$1; }",
        "location = /favicon.ico { root /srv/site; log_not_found off; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        fs = view(ctx)
        if fs is None:
            return
        for served in served_paths(ctx.config, ctx.cache):
            if served.want == "file" and not flag(served.block, "log_not_found", True):
                continue  # `location = /favicon.ico { log_not_found off; }`: missing on purpose
            key = f"NGL050:{served.want}:{served.path}"  # many servers share a directory
            if key not in ctx.cache:
                ctx.cache[key] = _problem(fs, served)
            problem = ctx.cache[key]
            if problem is not None:
                yield self.report(served.directive, label=served.label, problem=problem, **served.span())


def _problem(fs: CachedView, served: Served) -> str | None:
    probe = fs.probe(served.path, SUPERUSER, read=False)
    if probe.ok:
        if served.want == "dir" and not probe.is_dir:
            return f"{served.path} is a file, not a directory: every request under it answers 404"
        if served.want == "file" and probe.is_dir:
            return f"{served.path} is a directory, not a file"
        return None
    if probe.err not in ("ENOENT", "ENOTDIR"):
        return None  # UNKNOWN: nglint itself cannot look there
    steps = walk(fs, served.path)
    last = steps[-1]
    if not last.probe.ok and last.link is not None:
        return None  # a dangling symlink: broken-symlink (NGL052) reports it
    parent = steps[-2].path if len(steps) > 1 else "/"
    missing = last.path
    if len(steps) > 1 and not steps[-2].probe.is_dir:  # a file where a directory must be
        missing, parent = parent, parent.rsplit("/", 1)[0] or "/"
        text = f"{served.shown} cannot exist: {missing} is a file, not a directory"
    else:
        where = f" ({last.probe.at} is missing)" if last.probe.at not in ("", missing) else ""
        text = f"{served.shown} does not exist{where}; closest existing parent: {parent}"
    return text + _hint(fs, parent, missing.rsplit("/", 1)[-1])


def _hint(fs: CachedView, parent: str, wanted: str) -> str:
    """What the closest parent holds, and the entry whose name is closest to ``wanted``."""
    if parent == "/":
        return ""
    base = fs.probe(parent, SUPERUSER, read=False).at or parent  # resolved: no link on the way
    try:
        names = sorted(os.listdir(fs.host_path(base)))
    except OSError:
        return ""
    if not names:
        return " (it is empty)"
    shown = []
    for name in names[:_LISTED]:
        st = lstat(fs, f"{base}/{name}")
        shown.append(name + ("/" if st is not None and stat.S_ISDIR(st.st_mode) else ""))
    more = f", … {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    text = f" (it holds {', '.join(shown)}{more})"
    import difflib  # only for a missing path: not imported by every run

    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    if close:
        st = lstat(fs, f"{base}/{close[0]}")
        slash = "/" if st is not None and stat.S_ISDIR(st.st_mode) else ""
        text += f"; did you mean {parent.rstrip('/')}/{close[0]}{slash}?"
    return text
