from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from nglint.diagnostics import Diagnostic, Related, Severity
from nglint.load import Config
from nglint.rule import Rule, RuleContext
from nglint.rules._fs import Served, served_paths

if TYPE_CHECKING:  # imported when a compose file is found, not by every run
    from nglint.deploy.compose import Compose, Mount, Service


class ComposeMountMissing(Rule):
    """
    ## What it does
    When a `compose.yaml` or `docker-compose.yml` sits beside the config (or up to three
    directories above it, within the repository), finds the services running this config
    (those that mount it, or a directory holding it at an nginx path, or build an image that
    copies it in) and checks every `root`/`alias` path the config serves files from, as
    that container sees it:

    - the path is covered by one of the service's volumes, or is in its image (an unmodified
      nginx image's document root, or a COPY/ADD destination of the Dockerfile it builds);
    - another service mounting the same container path (the app writing uploads to
      `/app/media`) uses the same storage: the same host directory or named volume;
    - a named volume nginx serves from is mounted by some other service too (or is
      `external`): a volume only nginx mounts starts empty and stays empty.

    Needs no `--fs`: it reads the compose file and Dockerfiles of the repository. With `--fs`
    (compose runs on this machine) a bind-mounted directory must also exist here.

    ## Why is this bad?
    nginx in a container sees only its image and its mounts. Files that exist on the host or
    in the app's container, but not in the nginx container, answer 404, and uploads the app
    writes into a volume nginx does not mount never become visible. The config and the
    host's files both look right; only the mount table is wrong.

    ## Example
    ```yaml
    services:
      web:
        build: .
        volumes: ["media:/app/media"]
      nginx:
        image: nginx:1.25
        volumes: ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    volumes:
      media:
    ```
    ```nginx
    location /media/ { alias /app/media/; }
    ```
    Use instead: mount the volume in the nginx service as well:
    ```yaml
      nginx:
        image: nginx:1.25
        volumes:
          - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
          - media:/app/media:ro
    ```

    ## Fix safety
    No automatic fix: the fix goes into the compose file (nglint edits nginx configs only),
    and which storage is the right one (host directory or volume) is the deployer's choice.
    """

    code = "NGL053"
    name = "compose-mount-missing"
    severity = Severity.ERROR
    message = "{label}: {text}"
    # Compose files for the embedded examples, beside the example config (see tests).
    example_files = {
        "docker-compose.yml": """\
services:
  web:
    build: ./app
    volumes:
      - media:/app/media
      - uploads:/app/uploads
  nginx:
    image: nginx:1.25-alpine
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
      - ./app/static:/app/static:ro
      - media:/app/media:ro
      - ./uploads:/app/uploads:ro
      - cache:/srv/cache:ro
volumes:
  media:
  uploads:
  cache:
""",
        "app/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
    }
    bad = [
        ("location /assets/ { alias /app/assets/; }", None),
        ("location /uploads/ { alias /app/uploads/; }", None),
        ("location /cache/ { alias /srv/cache/; }", None),
    ]
    good = [
        "location /static/ { alias /app/static/; }",
        "location /media/ { alias /app/media/; }",
        "location / { root /usr/share/nginx/html; }",
        "location /api/ { proxy_pass http://web:8000; }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        found = _compose(ctx)
        if found is None:
            return
        compose, shown = found
        from nglint.deploy.compose import nginx_services

        nginx = nginx_services(compose, set(ctx.config.files))
        others = [s for s in compose.services.values() if s not in nginx]
        # with --fs (this machine runs compose) bind-mounted directories must exist here
        fs = getattr(ctx.project, "fs", None)
        local = fs is not None and fs.root == "/"
        for item in served_paths(ctx.config, ctx.cache):
            value = item.directive.args[0].value
            if not value.startswith("/"):
                continue  # relative to the container's prefix, which nglint does not know
            for svc in nginx:
                problem = _problem(compose, shown, svc, others, item, local)
                if problem is not None:
                    text, related = problem
                    yield self.report(item.directive, label=item.label, text=text, related=related, **item.span())


def _compose(ctx: RuleContext) -> tuple[Compose, str] | None:
    """(Compose, how to show its path) for the config, cached per config; None when there is
    no compose file or it cannot be read (then a note says why)."""
    key = "compose"
    if key not in ctx.cache:
        ctx.cache[key] = _load(ctx, ctx.config)
    return ctx.cache[key]


def _load(ctx: RuleContext, config: Config) -> tuple[Compose, str] | None:
    main = Path(config.main.path)
    if not main.is_absolute() or not main.parent.is_dir():
        return None  # stdin: no directory to look in
    from nglint.deploy.locate import find_compose

    path = find_compose(main.parent)
    if path is None:
        return None
    from nglint.deploy.compose import ComposeError, load_compose

    try:
        compose = load_compose(path)
    except ComposeError as e:
        ctx.project.note(f"{e}; {ComposeMountMissing.code} skipped")
        return None
    # name the compose file the way the config is named (relative stays relative)
    shown = os.path.normpath(os.path.join(os.path.dirname(config.main.display), os.path.relpath(path, main.parent)))
    return compose, shown


def _problem(compose: Compose, shown: str, svc: Service, others: list[Service], item: Served, local: bool
             ) -> tuple[str, list[Related]] | None:
    path = item.path
    mount = compose.mount_for(svc, path)
    here = [Related(f"service `{svc.name}`", shown, svc.line)]
    if mount is None:
        if svc.in_image(path) or compose.opaque(svc):
            return None
        text = f"{item.shown} is not in the `{svc.name}` container: none of its volumes covers it"
        text += ", nor does its image" if svc.built else ""
        return text + _hint(compose, others, path), here
    nginx_store = compose.storage(mount, path)
    at = [Related(f"`{svc.name}` mounts `{mount.text}`", shown, mount.line)]
    if nginx_store is None:
        return None
    if local and nginx_store[0] == "dir" and not os.path.exists(nginx_store[1]):
        return (f"{item.shown} is {nginx_store[1]} on this machine ({_describe(mount)}), which does not exist: "
                "Docker mounts an empty directory there"), at
    for other in others:
        for m in compose.mounts(other):
            if not (m.covers(path) or path.startswith(m.target.rstrip("/") + "/") or
                    m.target.startswith(path.rstrip("/") + "/")):
                continue
            deeper = max(m.target, path, key=len)
            theirs = compose.storage(m, deeper)
            ours_mount = compose.mount_for(svc, deeper)
            ours = compose.storage(ours_mount, deeper) if ours_mount is not None else None
            if theirs is None or ours is None or theirs == ours:
                continue
            text = (f"`{svc.name}` reads {deeper} from {_describe(ours_mount)} but service `{other.name}` keeps it in "
                    f"{_describe(m)}: files `{other.name}` writes there (uploads) never reach nginx")
            return text, at + [Related(f"`{other.name}` mounts `{m.text}`", shown, m.line)]
    if nginx_store[0] == "volume" and mount.source is not None and not compose.external(mount.source):
        users = [o for o in others if any(m.kind == "volume" and m.source == mount.source for m in compose.mounts(o))]
        if not users and not svc.in_image(mount.target):
            text = (f"{item.shown} comes from volume `{mount.source}`, which no other service mounts: it starts "
                    "empty and nothing puts files in it")
            return text, at
    return None


def _describe(mount: Mount) -> str:
    if mount.kind == "bind":
        return f"the host directory {mount.written} (bind mount)"
    return f"volume `{mount.source}`"


def _hint(compose: Compose, others: list[Service], path: str) -> str:
    """Where else the path lives: another service's mount (mount it here too) or image."""
    for other in others:
        for m in compose.mounts(other):
            if m.kind in ("bind", "volume") and m.source is not None and (
                    m.covers(path) or m.target.startswith(path.rstrip("/") + "/")):
                return (f"; service `{other.name}` has it in {_describe(m)}: mount `{m.written}:{m.target}:ro` in "
                        "nginx too")
        baked = other.in_image(path) if other.built else None
        if baked is not None:
            return (f"; the image of service `{other.name}` has files at {baked} (COPY/ADD in its Dockerfile), which "
                    "the nginx container does not see: share them through a named volume mounted in both, or copy "
                    "them into the nginx image")
    return ""
