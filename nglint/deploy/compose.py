"""docker compose files: which service sees which files, so that paths in an nginx config
(as the nginx container sees them) can be traced to host directories and named volumes.

``nglint.deploy.locate.find_compose`` looks for `compose.yaml`/`docker-compose.yml` beside a
config and a few directories up (stopping at a repository root); ``load_compose`` reads it with the
override file next to it, `.env` interpolation, short and long volume syntax,
`volumes_from`, and the COPY/ADD destinations of each built service's Dockerfile (what the
image holds besides its mounts). PyYAML is imported only when a compose file is read.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")
# Images whose content nglint knows: the nginx builds people run unchanged. They hold the
# welcome page and nothing an app serves; the document root itself exists.
STOCK_IMAGES = frozenset({"nginx", "nginx-unprivileged", "openresty", "angie"})
STOCK_CONTENT = ("/usr/share/nginx/html", "/usr/share/nginx/html/index.html", "/usr/share/nginx/html/50x.html",
                 "/usr/local/openresty/nginx/html")
_NGINX_IMAGE = re.compile(r"nginx|openresty|angie", re.I)
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class ComposeError(Exception):
    """A compose file nglint cannot read; the message starts with file:line."""


@dataclass(frozen=True)
class Mount:
    """One entry of a service's `volumes:`."""

    target: str  # path inside the container, normalised
    kind: str  # "bind", "volume", "tmpfs" or "anonymous"
    source: str | None  # absolute host path (bind) or volume name; None when a variable is unset
    line: int  # 1-based line of the entry in the compose file
    text: str  # the entry as written (long syntax: "source:target")
    written: str = ""  # the source as written (`./media`, `${MEDIA_DIR:-./media}`, `media`)

    def covers(self, path: str) -> bool:
        return path == self.target or path.startswith(self.target.rstrip("/") + "/")


@dataclass
class Service:
    name: str
    line: int
    image: str | None  # `image:`, or the final FROM of the Dockerfile it builds
    mounts: list[Mount] = field(default_factory=list)
    volumes_from: list[str] = field(default_factory=list)
    built: bool = False
    # Destinations of COPY/ADD in the final build stage (the image's own files); None
    # when the service is built from a Dockerfile nglint could not read.
    baked: list[str] | None = field(default_factory=list)
    copied: list[tuple[str, str]] = field(default_factory=list)  # (host source, destination) of those

    @property
    def content_known(self) -> bool:
        """Whether nglint knows what the image holds: a stock nginx image, unchanged or
        built on with a Dockerfile it could read."""
        stock = self.image is not None and _repo(self.image) in STOCK_IMAGES
        return stock and (not self.built or self.baked is not None)

    def in_image(self, path: str) -> str | None:
        """Where the image itself puts files at or below ``path``: the path itself for an
        nginx image's own document root, else the COPY/ADD destination; None: nowhere."""
        if self.image is not None and _NGINX_IMAGE.search(_repo(self.image)) and path in STOCK_CONTENT:
            return path
        for d in self.baked or ():
            if path == d or path.startswith(d.rstrip("/") + "/") or d.startswith(path.rstrip("/") + "/"):
                return d
        return None


@dataclass
class Compose:
    path: Path
    services: dict[str, Service]
    volumes: dict[str, dict[str, Any]]  # top-level `volumes:`

    def mounts(self, service: Service) -> list[Mount]:
        """The service's own mounts and those it takes with `volumes_from`."""
        out: list[Mount] = []
        seen: set[str] = set()

        def add(s: Service) -> None:
            if s.name in seen:
                return
            seen.add(s.name)
            out.extend(s.mounts)
            for other in s.volumes_from:
                if other in self.services:
                    add(self.services[other])

        add(service)
        return out

    def opaque(self, service: Service) -> bool:
        """Whether what the container holds cannot be known: an image nglint does not
        know, an unreadable Dockerfile, or a mount target naming an unset variable."""
        return not service.content_known or any("\0" in m.target for m in self.mounts(service))

    def mount_for(self, service: Service, path: str) -> Mount | None:
        """The mount that provides ``path`` in the service's container (the deepest one)."""
        found = [m for m in self.mounts(service) if m.covers(path)]
        return max(found, key=lambda m: len(m.target)) if found else None

    def storage(self, mount: Mount, path: str) -> tuple[str, str] | None:
        """What really holds ``path`` through ``mount``: ("dir", host path) or ("volume",
        name), down to the same sub-path, so two services can be compared; None: unknown."""
        if mount.source is None or mount.kind not in ("bind", "volume"):
            return None
        rest = path[len(mount.target):].lstrip("/")
        if mount.kind == "bind":
            return "dir", posixpath.normpath(posixpath.join(mount.source, rest))
        device = self.volume_device(mount.source)
        if device is not None:
            return "dir", posixpath.normpath(posixpath.join(device, rest))
        return "volume", f"{mount.source}/{rest}".rstrip("/")

    def volume_device(self, name: str) -> str | None:
        """The host directory behind a named volume declared as a bind (`driver_opts`)."""
        opts = (self.volumes.get(name) or {}).get("driver_opts") or {}
        if isinstance(opts, dict) and "bind" in str(opts.get("o", "")).split(",") and opts.get("device"):
            return posixpath.normpath(str(self.path.parent / str(opts["device"])))
        return None

    def external(self, name: str) -> bool:
        """A volume created outside this file (`external: true`): it may hold anything."""
        return bool((self.volumes.get(name) or {}).get("external"))


def load_compose(path: Path) -> Compose:
    """Read a compose file and its override file (raises ComposeError)."""
    import yaml  # lazy: only projects with a compose file pay for it

    env = _dotenv(path.parent / ".env")
    services: dict[str, Service] = {}
    volumes: dict[str, dict[str, Any]] = {}
    files = [path] + [path.parent / n for n in OVERRIDE_FILES if (path.parent / n).is_file()][:1]
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except OSError as e:
            raise ComposeError(f"{f}: cannot read: {e.strerror or e}") from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"{f}:{mark.line + 1}" if mark is not None else str(f)
            raise ComposeError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ComposeError(f"{f}:1: a compose file is a mapping (services:, volumes:)")
        lines = _Lines(root)
        for name, vol in (data.get("volumes") or {}).items():
            volumes[str(name)] = vol if isinstance(vol, dict) else {}
        for name, spec in (data.get("services") or {}).items():
            if not isinstance(spec, dict):
                continue
            name = str(name)
            svc = services.get(name) or Service(name, lines.line("services", name), None)
            services[name] = svc
            _read_service(svc, spec, f.parent, env, lines)
    return Compose(path, services, volumes)


def nginx_services(compose: Compose, config_files: set[str]) -> list[Service]:
    """The services running this nginx config: those that mount one of its files, or a
    directory holding one at an nginx path (`./nginx:/etc/nginx`; an app mounting the whole
    project at /app does not count), or build an image that copies it in the same way.
    None when no service does: a compose file for other purposes (a dev database, an
    nginx with a config of its own) says nothing about where this config runs."""
    files = {os.path.realpath(f) for f in config_files}

    def runs(source: str, target: str) -> bool:
        source = os.path.realpath(source)
        return source in files or (_NGINX_IMAGE.search(target) is not None and
                                   any(f.startswith(source.rstrip("/") + "/") for f in files))

    return [svc for svc in compose.services.values()
            if any(m.kind == "bind" and m.source and runs(m.source, m.target) for m in compose.mounts(svc))
            or any(runs(src, dest) for src, dest in svc.copied)]


# -- reading a service ----------------------------------------------------------------------------

def _read_service(svc: Service, spec: dict[str, Any], base: Path, env: dict[str, str], lines: _Lines) -> None:
    if spec.get("image"):
        svc.image = _interpolate(str(spec["image"]), env)
    build = spec.get("build")
    if build is not None:
        svc.built = True
        context, dockerfile = (build, "Dockerfile") if isinstance(build, str) else \
            (build.get("context", "."), build.get("dockerfile", "Dockerfile"))
        ctx_dir = base / (_interpolate(str(context), env) or ".")
        image, svc.baked, copied = _dockerfile(ctx_dir / (_interpolate(str(dockerfile), env) or "Dockerfile"))
        svc.copied = [(posixpath.normpath(str(ctx_dir / src)), dest) for src, dest in copied]
        svc.image = image or svc.image
    entries = spec.get("volumes")
    if isinstance(entries, list):
        for i, entry in enumerate(entries):
            m = _mount(entry, base, env, lines.line("services", svc.name, "volumes", i) or svc.line)
            if m is not None:
                svc.mounts.append(m)
    for ref in spec.get("volumes_from") or []:
        ref = str(ref).split(":")[0]
        if not ref.startswith("container"):
            svc.volumes_from.append(ref)


def _mount(entry: Any, base: Path, env: dict[str, str], line: int) -> Mount | None:
    if isinstance(entry, dict):
        kind = str(entry.get("type", "volume"))
        target = entry.get("target")
        if not target:
            return None
        raw = entry.get("source")
        source = _interpolate(str(raw), env) if raw is not None else None
        text = f"{raw}:{target}" if raw is not None else str(target)
        if kind == "volume" and raw is None:
            kind = "anonymous"
        target = _interpolate(str(target), env, keep_unset=True)
    else:
        text = str(entry)
        written = _split(text)
        parts = [_interpolate(p, env, keep_unset=True) or "" for p in written]
        if len(parts) == 1:
            return Mount(posixpath.normpath(parts[0]), "anonymous", None, line, text)
        raw, target = parts[0], parts[1]
        kind = "bind" if raw.startswith(("/", ".", "~", "\0")) else "volume"
        source = None if "\0" in raw else raw
        raw = written[0]
    if target is None or not str(target).startswith("/"):
        return None
    if kind == "bind" and source is not None:
        source = posixpath.normpath(str(base / os.path.expanduser(source)))
    return Mount(posixpath.normpath(str(target)), kind, source, line, text, str(raw or ""))


def _split(entry: str) -> list[str]:
    """`SRC:DST[:MODE]` split on the colons outside `${...}` (`${DIR:-./media}:/m:ro`)."""
    parts, depth, current = [], 0, ""
    for i, ch in enumerate(entry):
        if ch == "{" and entry[i - 1:i] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            parts.append(current)
            current = ""
            continue
        current += ch
    return parts + [current]


def _interpolate(text: str, env: dict[str, str], keep_unset: bool = False) -> str | None:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$` with values
    from `.env`. An unset variable without a default makes the value unknown: None, or
    with ``keep_unset`` a NUL marker in its place (so the rest can still be read)."""
    unknown = False

    def sub(m: re.Match[str]) -> str:
        nonlocal unknown
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, default = m.group(2), m.group(3)
        value = env.get(name)
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return default or ""
        if value is None:
            unknown = True
            return "\0"
        return value

    out = _VAR.sub(sub, text)
    return out if keep_unset or not unknown else None


def _dotenv(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return env
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        env[key.strip()] = value.strip().strip("'\"")
    return env


def _dockerfile(path: Path) -> tuple[str | None, list[str] | None, list[tuple[str, str]]]:
    """(base image of the final stage, COPY/ADD destinations of that stage and the stages
    it builds on, (source in the build context, destination) of those copying from the
    context); (None, None, []) when the Dockerfile cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None, None, []
    stages: dict[str, tuple[str | None, list[str], list[tuple[str, str]]]] = {}
    image: str | None = None
    baked: list[str] = []
    copied: list[tuple[str, str]] = []
    workdir = "/"
    for line in _instructions(text):
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            args = [a for a in rest.split() if not a.startswith("--")]
            if not args:
                continue
            base = args[0]
            image, baked, copied = stages.get(base.lower(), (base, [], []))
            baked, copied = list(baked), list(copied)
            workdir = "/"
            if len(args) >= 3 and args[1].lower() == "as":
                stages[args[2].lower()] = (image, baked, copied)
        elif word == "WORKDIR" and rest.strip():
            workdir = posixpath.join(workdir, rest.strip())
        elif word in ("COPY", "ADD"):
            flags, args = _copy_args(rest)
            if len(args) >= 2:
                dest = posixpath.normpath(posixpath.join(workdir, args[-1]))
                baked.append(dest)
                if not any(f.startswith("--from") for f in flags):
                    copied.extend((src, dest) for src in args[:-1])
    return image, baked, copied


def _instructions(text: str) -> list[str]:
    """Dockerfile lines with continuations joined and comments dropped."""
    out: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        out.append((current + line).strip())
        current = ""
    if current.strip():
        out.append(current.strip())
    return out


def _copy_args(rest: str) -> tuple[list[str], list[str]]:
    """(flags, sources and destination) of a COPY/ADD, shell or JSON form."""
    rest = rest.strip()
    flags = []
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        flags.append(flag)
        rest = rest.strip()
    if rest.startswith("["):
        try:
            return flags, [str(w) for w in json.loads(rest)]
        except ValueError:
            return flags, []
    try:
        return flags, shlex.split(rest)
    except ValueError:
        return flags, rest.split()


def _repo(image: str) -> str:
    """`docker.io/library/nginx:1.25-alpine@sha256:...` → `nginx`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


class _Lines:
    """Line numbers of keys and list items in the composed YAML node tree."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def line(self, *keys: str | int) -> int:
        import yaml

        node = self.root
        line = 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == key:
                        line, node = k.start_mark.line + 1, v
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line
