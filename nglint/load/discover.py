"""Turn command-line paths into configs: files, directories, `-` (stdin, dumps)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from nglint.load.loader import Config, LoadError, load, load_text

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
              "site-packages", "dist", "build"}
# What makes a file in a scanned directory worth treating as nginx config.
_LOOKS_NGINX = re.compile(rb"^\s*(server|http|location|upstream|events)\s*\{", re.M)
_CONF_DIRS = {"sites-enabled", "sites-available", "conf.d", "nginx", "vhosts", "vhost.d"}


def _candidates(root: Path) -> tuple[list[Path], list[Path]]:
    """(nginx.conf entry points, other files that look like nginx config) under root."""
    mains, others = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        base = Path(dirpath)
        for name in sorted(filenames):
            path = base / name
            if name == "nginx.conf":
                mains.append(path)
            elif name.endswith(".conf") or base.name in _CONF_DIRS:
                try:
                    head = path.read_bytes()[:65536]
                except OSError:
                    continue
                if _LOOKS_NGINX.search(head):
                    others.append(path)
    return mains, others


_stdin_cache: list[bytes] = []


def _stdin() -> bytes:
    """stdin is read once; fix passes re-load it from this copy."""
    if not _stdin_cache:
        _stdin_cache.append(sys.stdin.buffer.read())
    return _stdin_cache[0]


def load_paths(paths: list[str], *, prefix: str | None = None, conf_root: str | None = None,
               stdin_name: str = "<stdin>", overlay: dict[str, bytes] | None = None) -> list[Config]:
    """Configs for every path given. A directory yields its nginx.conf files (with whatever
    they include) plus every config file that none of them includes, linted standalone."""
    configs: list[Config] = []
    for arg in paths:
        if arg == "-":
            configs.append(load_text(_stdin(), stdin_name, prefix=prefix, conf_root=conf_root, overlay=overlay))
            continue
        path = Path(arg)
        if path.is_dir():
            mains, others = _candidates(path)
            loaded: set[str] = set()
            for main in mains:
                config = load(main, prefix=prefix, conf_root=conf_root, overlay=overlay)
                configs.append(config)
                loaded.update(str(src.path) for src in config.files.values())
            for other in others:
                if os.path.abspath(other) not in loaded:
                    config = load(other, prefix=prefix, conf_root=conf_root, overlay=overlay)
                    config.standalone = True
                    config.not_loaded = bool(mains)  # type: ignore[attr-defined]
                    configs.append(config)
            continue
        if not path.exists():
            raise LoadError(f"{arg}: no such file or directory")
        data_head = path.read_bytes()[:4096] if path.is_file() else b""
        if data_head.startswith(b"nginx: the configuration file") or b"# configuration file " in data_head:
            configs.append(load_text(path.read_bytes(), str(path), prefix=prefix, conf_root=conf_root, overlay=overlay))
        else:
            configs.append(load(path, prefix=prefix, conf_root=conf_root, overlay=overlay))
    return configs
