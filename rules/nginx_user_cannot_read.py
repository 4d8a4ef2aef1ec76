from __future__ import annotations

import stat
from typing import Iterator, NamedTuple

from nglint.diagnostics import Diagnostic, Severity
from nglint.nginx.model import flag
from nglint.route.fs import FsView, Identity, Probe
from nglint.rule import Rule, RuleContext, related_at
from nglint.rules._fs import CachedView, SUPERUSER, Served, lstat, ls, sample, served_paths, view, who, worker


class NginxUserCannotRead(Rule):
    """
    ## What it does
    With `--fs` or `--fs-root DIR`, walks every component of each served path as nginx's
    worker user would (what `namei -l` shows): `x` on every directory from `/` down to
    the served directory, `r` on the files in it (a sample of up to 200 entries), and `r`
    on the directory itself where `autoindex on` lists it. It reports the first component
    that blocks, with its mode and owner. The user is the config's `user` directive; for a
    snippet, the `user` of the view's `/etc/nginx/nginx.conf` (`conf-root` setting); else
    nginx's compiled-in default `nobody` (Debian's build has no `--user`, so `nginx -V`
    shows none; Debian's and the official image's nginx.conf set `www-data` and `nginx`).

    ## Why is this bad?
    nginx opens files with the worker's permissions, not root's: a parent directory
    without `x` for that user (a 0700 or 0750 home directory holding the project) or an
    upload saved 0600 by the app makes nginx answer 403 (logged as "Permission denied").
    Under `try_files` the failed test is skipped instead and the fallback answers,
    often a 404 or the app. The files are there and `ls` as root shows them, which makes
    it hard to see.

    ## Example
    ```nginx
    # /home/deploy is drwx------ deploy:deploy
    location /static/ { alias /home/deploy/app/static/; }
    ```
    Use instead: give the worker user search permission on the way
    (`chmod o+x /home/deploy`, or `chmod 750` with the worker in the directory's group) and
    read permission on the files (`chmod -R o+r /home/deploy/app/static`), or serve the
    files from a directory outside the home, such as `/var/www/app/static/`.

    ## Fix safety
    No automatic fix: the change is to the filesystem (modes, owners, groups), not to the
    config, and opening a directory up is a security decision.
    """

    code = "NGL051"
    name = "nginx-user-cannot-read"
    severity = Severity.ERROR
    message = "{label}: {user} cannot {verb} {path}: {why}"
    example_fs = """
        /home/deploy/                     700 deploy
        /home/deploy/app/static/app.css   644 deploy
        /var/www/app/static/app.css
        /var/www/app/media/               755 app
        /var/www/app/media/ok.jpg         644 app
        /var/www/app/media/private.jpg    600 app
        /srv/open/                        711
        /srv/open/app.css
    """
    bad = [
        ("location /static/ { alias /home/deploy/app/static/; }", None),
        ("location /media/ { alias /var/www/app/media/; }", None),
        ("location /files/ { alias /srv/open/; autoindex on; }", None),
    ]
    good = [
        "location /static/ { alias /var/www/app/static/; }",
        "location /files/ { alias /srv/open/; }",
        "user root;\nevents {}\nhttp { server { location /static/ { alias /home/deploy/app/static/; } } }",
        "location /static/ { alias /srv/missing/; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        fs = view(ctx)
        if fs is None:
            return
        served = served_paths(ctx.config, ctx.cache)
        if not served:
            return
        w = worker(ctx.config, fs, ctx.project.settings, ctx.cache)
        for item in served:
            found = _blocked(fs, w.ident, item, ctx.cache)
            if found is None:
                continue
            verb, path, why = found
            if w.how:
                why += f" ({w.how})"
            related = [related_at(w.directive, f"nginx's workers run as {w.ident.user}")] if w.directive else []
            yield self.report(item.directive, user=w.ident.user, verb=verb, path=path, label=item.label, why=why,
                              related=related, **item.span())


class Denied(NamedTuple):
    at: str  # the component that refuses (resolved, as nginx sees it)
    bit: str  # the permission it lacks: "x" or "r"


def _blocked(fs: CachedView, ident: Identity, item: Served, cache: dict) -> tuple[str, str, str] | None:
    """(verb, path, explanation) of the first thing ``ident`` cannot do, or None."""
    exists = fs.probe(item.path, SUPERUSER, read=False)
    if not exists.ok:
        return None  # missing or a broken link: static-root-missing / broken-symlink
    if ident.uid == 0:
        return None
    if not exists.is_dir:
        p = fs.probe(item.path, ident, read=True)
        return None if p.ok else ("read", item.path, _why(fs, ident, _denied(p), item))
    p = fs.probe(item.path + "/.", ident, read=False)  # "/." : x on the directory itself too
    if not p.ok:
        return None if p.err != "EACCES" else ("reach", item.shown, _why(fs, ident, _denied(p), item))
    if flag(item.block, "autoindex", False):
        listing = fs.probe(item.path, ident, read=True)
        if listing.err == "EACCES":
            return "list", item.shown, _why(fs, ident, _denied(listing), item, "autoindex answers 403")
    key = f"fs:denied:{ident.uid}:{exists.at}"  # several locations often share a directory
    if key not in cache:
        cache[key] = _inside(fs, ident, exists.at)
    checked, denied = cache[key]
    if not denied:
        return None
    what = "entry" if checked == 1 else "entries"
    return ("read", f"{len(denied)} of {checked} {what} checked under {item.shown}",
            "e.g. " + _why(fs, ident, denied[0], item))


def _inside(fs: CachedView, ident: Identity, directory: str) -> tuple[int, list[Denied]]:
    """(entries looked at, those the worker cannot use) below a reachable directory:
    directories need x, files r; links are followed. What sits below a refused directory
    is not counted again."""
    entries = sample(fs, directory)
    denied: list[Denied] = []
    shut: set[str] = set()
    for path, st in entries:
        if path.rsplit("/", 1)[0] in shut:
            if stat.S_ISDIR(st.st_mode):
                shut.add(path)
            continue
        if stat.S_ISLNK(st.st_mode):
            target = fs.probe(path, SUPERUSER, read=False)
            if target.ok:  # a dangling link is broken-symlink's
                p = fs.probe(path + ("/." if target.is_dir else ""), ident, read=not target.is_dir)
                if p.err == "EACCES":
                    denied.append(_denied(p))
        elif stat.S_ISDIR(st.st_mode):
            if not FsView.allowed(st, ident, 1):  # the walk got here, so only this entry's bits matter
                denied.append(Denied(path, "x"))
                shut.add(path)
        elif stat.S_ISREG(st.st_mode) and not FsView.allowed(st, ident, 4):
            denied.append(Denied(path, "r"))
    return len(entries), denied


def _denied(p: Probe) -> Denied:
    return Denied(p.at, "r" if "no r permission" in p.detail else "x")


def _why(fs: CachedView, ident: Identity, d: Denied, item: Served, outcome: str | None = None) -> str:
    if outcome is None:
        # try_files only stat()s: a blocked directory fails the test, an unreadable file passes it
        outcome = ("try_files skips what is behind it (logged as Permission denied) and answers with its fallback"
                   if d.bit == "x" and item.block.find("try_files") is not None else "nginx answers 403")
    st = lstat(fs, d.at)
    if st is None:
        return f"{d.at} lacks {d.bit} permission; {outcome}"
    whom = {"owner": "its owner", "group": "its group"}.get(who(ident, st), "others")
    return f"`{ls(fs, d.at, st)}` gives {whom} no {d.bit}; {outcome}"
