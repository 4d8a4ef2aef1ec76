"""`[tool.nglint]` in pyproject.toml or `nglint.toml`, found upward from the current dir.

```toml
[tool.nglint]                     # in nglint.toml: the same keys at the top level
select = ["NGL0"]                 # codes, code prefixes, rule names or "ALL"
ignore = ["NGL004"]
per-file-ignores = { "snippets/*.conf" = ["server-without-name"] }
prefix = "deploy/nginx"           # nginx -p; relative to this file
conf-root = "/etc/nginx"          # where the configs live on the server
app = "."                         # the Flask project; relative to this file
app-root = "/var/www/app"         # where the project lives on the server
fs-root = "/srv/image-export"     # check files under this dir as nginx sees them (as `/`)
```
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

FORMATS = ("text", "json", "sarif", "github")


def _str(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "a non-empty string"


def _str_list(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    return None if ok else "a list of strings"


def _table_of_lists(value: Any) -> str | None:
    ok = isinstance(value, dict) and all(_str_list(v) is None for v in value.values())
    return None if ok else "a table of glob = [codes]"


def _format(value: Any) -> str | None:
    return None if value in FORMATS else f"one of {', '.join(FORMATS)}"


# key → validator returning what the value should have been, or None when it is fine.
SCHEMA = {
    "select": _str_list,
    "ignore": _str_list,
    "per-file-ignores": _table_of_lists,
    "prefix": _str,
    "conf-root": _str,
    "app": _str,
    "app-root": _str,
    "fs-root": _str,
    "format": _format,
}
# Keys holding paths on this machine, relative to the settings file. conf-root and
# app-root are paths on the server, taken as written.
LOCAL_PATHS = ("prefix", "app", "fs-root")


class SettingsError(Exception):
    """A settings file nglint cannot use; the message names the file and the key."""


def find_settings(start: Path | None = None) -> Path | None:
    """The nearest ``nglint.toml``, or ``pyproject.toml`` with a ``[tool.nglint]`` table, in
    ``start`` (default: the current dir) or a parent; ``nglint.toml`` wins in one dir."""
    here = (start or Path.cwd()).resolve()
    for directory in [here, *here.parents]:
        candidate = directory / "nglint.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_nglint_table(candidate):
            return candidate
    return None


def _toml() -> Any:
    """tomllib, imported on first use (~8 ms): most runs find no settings file to read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib


def _has_nglint_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # somebody else's unreadable pyproject is not our settings file
    if "nglint" not in text:
        return False  # no parse needed: the table's name appears in any spelling of it
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False  # somebody else's broken pyproject is not our settings file
    tool = data.get("tool")
    return isinstance(tool, dict) and "nglint" in tool


def load_settings(path: Path | None) -> dict[str, Any]:
    """The settings in ``path`` (kebab-case keys as written, validated), with local paths
    made absolute against the file's directory, plus ``_file``: the file it came from.
    ``None`` gives empty settings."""
    if path is None:
        return {}
    tomllib = _toml()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: invalid TOML: {e}") from None
    if path.name == "pyproject.toml" or "tool" in data:
        tool = data.get("tool", {})
        table = tool.get("nglint", {}) if isinstance(tool, dict) else {}
        where = "[tool.nglint]"
    else:
        table, where = data, "top level"
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.nglint] must be a table")
    unknown = sorted(set(table) - set(SCHEMA))
    if unknown:
        raise SettingsError(f"{path}: unknown setting{'s' if len(unknown) > 1 else ''} "
                            f"{', '.join(unknown)} in {where} (known: {', '.join(SCHEMA)})")
    out: dict[str, Any] = {}
    for key, value in table.items():
        expected = SCHEMA[key](value)
        if expected:
            raise SettingsError(f"{path}: setting {key} must be {expected}, not {value!r}")
        if key in LOCAL_PATHS:
            value = os.path.normpath(os.path.join(path.parent.resolve(), os.path.expanduser(value)))
        out[key] = value
    out["_file"] = str(path)
    return out
