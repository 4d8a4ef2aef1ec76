from __future__ import annotations

import posixpath
import stat
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.route.fs import Probe
from nglint.rule import Rule, RuleContext
from nglint.rules._fs import CachedView, SUPERUSER, Served, sample, served_paths, symlink_policy, view, walk


class BrokenSymlink(Rule):
    """
    ## What it does
    With `--fs` or `--fs-root DIR`, follows the symlinks on the way to each served
    directory or file and among the entries inside a served directory (a sample of up
    to 200), and reports a link whose target does not exist, naming the missing part. With
    `disable_symlinks on` (or `if_not_owner`, for links whose owner differs from their
    target's) it also reports served paths that go through a link at all, since nginx
    refuses them. Absolute links in an `--fs-root` tree are resolved inside that tree.

    ## Why is this bad?
    Deploys often switch a `current -> releases/<id>` link or link `static/` to a build
    output; when the target is removed, renamed or never built, every request through the
    link answers 404 while the config and the link itself look right. With
    `disable_symlinks on` nginx opens each path component without following links, so a
    linked directory gives 404 and a linked file 403, even though the link works in a shell.

    ## Example
    ```nginx
    # /var/www/app/current -> /var/www/app/releases/41 (deleted by the last cleanup)
    location /static/ { alias /var/www/app/current/static/; }
    ```
    Use instead: point the link at an existing release
    (`ln -sfn releases/42 /var/www/app/current`), or serve the real directory:
    ```nginx
    location /static/ { alias /var/www/app/releases/42/static/; }
    ```
    With `disable_symlinks on`, serve the link's target directly, or exempt the trusted
    part with `disable_symlinks on from=$document_root;`.

    ## Fix safety
    No automatic fix: the link lives on the server, and which release or build it should
    point to is not in the config.
    """

    code = "NGL052"
    name = "broken-symlink"
    severity = Severity.ERROR
    message = "{label}: {text}"
    example_fs = """
        /var/www/app/releases/42/static/app.css
        /var/www/app/current -> releases/41
        /var/www/app/live -> releases/42
        /srv/assets/app.css
        /srv/assets/vendor.js -> ../node_modules/lib/vendor.js
        /srv/site/static/app.css
    """
    bad = [
        ("location /static/ { alias /var/www/app/current/static/; }", None),
        ("location /static/ { alias /var/www/app/live/static/; disable_symlinks on; }", None),
        ("location /assets/ { alias /srv/assets/; }", None),
    ]
    good = [
        "location /static/ { alias /var/www/app/live/static/; }",
        "location /static/ { alias /var/www/app/live/static/; disable_symlinks on from=/var/www/app/live; }",
        "location /static/ { root /srv/site; disable_symlinks on; }",
        "location /static/ { alias /var/www/app/missing/static/; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        fs = view(ctx)
        if fs is None:
            return
        for item in served_paths(ctx.config, ctx.cache):
            key = f"NGL052:{item.want}:{symlink_policy(item)}:{item.path}"  # many servers share a directory
            if key not in ctx.cache:
                ctx.cache[key] = list(_problems(fs, item))
            for text in ctx.cache[key]:
                yield self.report(item.directive, text=text, label=item.label, **item.span())


def _problems(fs: CachedView, item: Served) -> Iterator[str]:
    steps = walk(fs, item.path)
    last = steps[-1]
    if not last.probe.ok:
        if last.link is not None and last.probe.err == "ELOOP":
            yield f"{last.path} is a symlink loop ({last.probe.detail}): everything under {item.shown} answers 403"
        elif last.link is not None:
            yield (f"{last.path} is a symlink to {last.link}, which does not exist"
                   f"{_missing(last.probe.at, last.real, last.link)}: everything under {item.shown} answers 404")
        return
    mode, free = symlink_policy(item)
    if mode != "off":
        # a served directory is opened as a directory (a trailing / in nginx's terms)
        strict = fs.probe(item.path + ("/" if last.probe.is_dir else ""), SUPERUSER, read=False, symlinks=mode,
                          free_prefix=free)
        if not strict.ok and strict.err in ("ELOOP", "ENOTDIR"):
            why = "a symlink" if mode == "on" else "a symlink whose owner is not its target's owner"
            yield (f"`disable_symlinks {mode}` refuses {item.shown}: {strict.at} is {why}; "
                   f"requests under it answer {_status(strict)}")
            return
    if not last.probe.is_dir:
        return
    links = [path for path, st in sample(fs, last.probe.at) if stat.S_ISLNK(st.st_mode)]
    probes = {path: fs.probe(path, SUPERUSER, read=False) for path in links}
    dangling = [path for path in links if probes[path].err in ("ENOENT", "ENOTDIR")]
    if dangling:
        path = dangling[0]
        target = fs.link(path)
        missing = _missing(probes[path].at, path, target)
        if len(dangling) == 1:
            yield f"{path} is a symlink to {target}, which does not exist{missing}: requests for it answer 404"
        else:
            yield (f"{len(dangling)} symlinks under {item.shown} point to nothing, e.g. {path} -> {target}{missing}: "
                   "requests for them answer 404")
    if mode != "off":
        # a linked directory is refused when nginx opens a file below it (trailing / here)
        refused = [(path, fs.probe(path + ("/" if probes[path].is_dir else ""), SUPERUSER, read=False, symlinks=mode))
                   for path in links if probes[path].ok]
        refused = [(path, p) for path, p in refused if p.err in ("ELOOP", "ENOTDIR")]
        if refused:
            path, p = refused[0]
            many = f"{len(refused)} symlinked entries" if len(refused) > 1 else "a symlinked entry"
            yield (f"`disable_symlinks {mode}` refuses {many} under {item.shown}, e.g. {path}: "
                   f"requests for it answer {_status(p)}")


def _status(p: Probe) -> int:
    """nginx's answer to a refused link: a linked file fails with ELOOP (403), a linked
    directory on the way fails O_DIRECTORY with ENOTDIR (404)."""
    return 403 if p.err == "ELOOP" else 404


def _missing(at: str, link: str, target: str | None) -> str:
    """Where resolution failed, when that is not just the link's own target."""
    if target is not None and not target.startswith("/"):
        target = posixpath.join(posixpath.dirname(link), target)
    if target is not None:
        target = posixpath.normpath(target)
    return f" ({at} is missing)" if at and at not in (link, target) else ""
