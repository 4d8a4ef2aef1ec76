"""`[tool.nglint]` in pyproject.toml or `nglint.toml`, found upward from the current dir."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

KNOWN_KEYS = {"select", "ignore", "per-file-ignores", "prefix", "conf-root", "app", "app-root", "format",
              "fs-root", "user", "extend-select"}


class SettingsError(Exception):
    pass


def find_settings(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in [here, *here.parents]:
        for name in ("nglint.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                if name == "nglint.toml" or b"[tool.nglint" in candidate.read_bytes():
                    return candidate
    return None


def load_settings(path: Path | None) -> dict[str, Any]:
    """Settings dict with keys as written (kebab-case); paths made relative to the file's dir."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: {e}") from None
    table = data.get("tool", {}).get("nglint", {}) if path.name == "pyproject.toml" else data.get("tool", {}).get(
        "nglint", data)
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    table = dict(table)
    table["_base"] = str(path.parent)
    return table
