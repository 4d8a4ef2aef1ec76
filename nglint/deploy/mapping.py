"""Deploy mapping: the Flask project directory here ↔ its path on the server.

The Flask reader gives paths relative to the project directory; nginx names host paths.
``[tool.nglint] app-root = "/var/www/yourapp"`` says where the project directory is
deployed. Without it the root is inferred: an nginx `alias`/`root` whose directory ends
with a static folder's project-relative path (`alias /var/www/yourapp/app/static/;` and
the static folder `app/static` give `/var/www/yourapp`). Messages that rely on an
inferred root say so; when nothing fits, the checks that need the root are skipped with
a note saying what to set.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any, Iterable, NamedTuple

from nglint.load import Config, Directive
from nglint.nginx.model import BlockIndex, location_match, path_directive

SETTING = "app-root"
SHOWN = 3  # candidates named in a note


class DeployMap(NamedTuple):
    root: str | None  # host path of the project directory; None when unknown
    how: str  # "setting" | "inferred" | "unknown"
    origin: str  # where the root comes from, or why it is unknown

    @property
    def known(self) -> bool:
        return self.root is not None

    def host(self, path: str | None, base: str | None) -> str | None:
        """The host path of a model path: absolute paths as they are, project-relative
        ones below the root (None when the root or the base is unknown)."""
        if path is None:
            return None
        if posixpath.isabs(path):
            return posixpath.normpath(path)
        if base == "project" and self.root is not None:
            return posixpath.normpath(posixpath.join(self.root, path))
        return None

    def project_path(self, host_path: str) -> str | None:
        """The project-relative path of a host path below the root (None: not below it)."""
        if self.root is None:
            return None
        rel = posixpath.relpath(posixpath.normpath(host_path), self.root)
        return None if rel == ".." or rel.startswith("../") else rel

    def tag(self) -> str:
        """What a message adds when it relies on the root."""
        return f" ({SETTING} {self.root}, {self.origin})" if self.how == "inferred" else ""


class Served(NamedTuple):
    """A URL prefix that a location (or a server's root) maps to a directory."""

    prefix: str  # the URL prefix, without its trailing `/` ("" for the site root)
    directory: str  # the directory the prefix maps to
    directive: Directive  # the alias/root
    location: Directive | None

    def url(self, path: str) -> str:
        """The URL of ``path`` (a host path inside ``directory``)."""
        return self.prefix + "/" + posixpath.relpath(path, self.directory)


def _absolute(value: str, config: Config) -> str | None:
    if "$" in value:
        return None
    if not value.startswith("/"):
        value = posixpath.join(str(config.prefix), value)
    return posixpath.normpath(value)


def served_directories(config: Config, index: BlockIndex | None = None) -> list[Served]:
    """Directories that prefix locations (and servers, for `/`) map URLs to, with the
    `alias`/`root` that does it; values with variables are left out."""
    index = index or BlockIndex()
    out: list[Served] = []
    for d in config.walk():
        if d.name == "server":
            own = next((c for c in d.directives() if c.name == "root" and c.args), None)
            if own is not None:
                directory = _absolute(own.args[0].value, config)
                if directory is not None:
                    out.append(Served("", directory, own, None))
            continue
        if d.name != "location":
            continue
        m = location_match(d)
        if m is None or not m.is_prefix:
            continue
        pd = path_directive(d, index)
        if pd is None or not pd.args:
            continue
        directory = _absolute(pd.args[0].value, config)
        if directory is None:
            continue
        prefix = "/" + m.pattern.strip("/") if m.pattern.strip("/") else ""
        if pd.name == "alias":
            if pd.parent is not d:
                continue  # a nested location below an alias: its own prefix is not the alias's
        elif prefix:
            directory = posixpath.normpath(directory + prefix)
        out.append(Served(prefix, directory, pd, d))
    return out


def _tail(path: str | None, base: str | None) -> str | None:
    """A project-relative folder usable to recognise its deployed copy."""
    if path is None or base != "project" or posixpath.isabs(path):
        return None
    norm = posixpath.normpath(path)
    if norm == "." or norm == ".." or norm.startswith("../"):
        return None
    return norm


def static_tails(project: Any) -> list[str]:
    """Project-relative static folders of every app and blueprint (the inference keys)."""
    tails: list[str] = []
    for app in project.apps:
        folders = [(app.static_folder, app.static_folder_base)]
        folders += [(bp.static_folder, bp.static_folder_base) for bp in app.blueprints]
        for folder, base in folders:
            t = _tail(folder, base)
            if t is not None and t not in tails:
                tails.append(t)
    return tails


def deploy_map(config: Config, project: Any, settings: dict[str, Any], project_label: str,
               static_prefixes: Iterable[str] = (), index: BlockIndex | None = None) -> DeployMap:
    """Where ``project`` (a ProjectModel) lives on the server as seen from ``config``."""
    root = settings.get(SETTING)
    if root:
        source = os.path.basename(settings.get("_file", "")) or "settings"
        return DeployMap(posixpath.normpath(root), "setting", f"app-root {root} from {source}")
    tails = static_tails(project)
    found: dict[str, list[Served]] = {}
    for served in served_directories(config, index):
        for tail in tails:
            if served.directory.endswith("/" + tail):
                base = served.directory[: -len(tail) - 1] or "/"
                found.setdefault(base, []).append(served)
    prefixes = [p.rstrip("/") + "/" for p in static_prefixes]
    if len(found) > 1:
        # Several candidates: keep the ones that serve the app's own static URLs.
        preferred = {b: s for b, s in found.items()
                     if any(x.location is not None and _prefix(x.location) in prefixes for x in s)}
        if len(preferred) == 1:
            found = preferred
    what = f"set `{SETTING} = \"/path/on/server\"` in [tool.nglint]"
    if len(found) == 1:
        base, served = next(iter(found.items()))
        d = served[0].directive
        return DeployMap(base, "inferred", f"inferred from `{d.name} {d.args[0].value}` at {d.location}")
    if found:
        options = [f"{b} (from {s[0].directive.location})" for b, s in sorted(found.items())]
        more = f" and {len(options) - SHOWN} more" if len(options) > SHOWN else ""
        return DeployMap(None, "unknown", f"nginx suggests several places for {project_label}: "
                                          f"{'; '.join(options[:SHOWN])}{more}; {what}")
    if not tails:
        why = "its static folder is not a folder inside the project"
    else:
        why = f"no alias/root ends with its static folder {', '.join(tails)}"
    return DeployMap(None, "unknown", f"cannot tell where {project_label} is deployed ({why}); {what}")


def _prefix(location: Directive) -> str:
    m = location_match(location)
    return (m.pattern.rstrip("/") + "/") if m is not None else ""
