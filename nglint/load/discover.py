"""Turn command-line paths into configs: files, directories, `-` (stdin), `nginx -T` dumps.

A directory is read the way nginx would see it: each main config (`nginx.conf`, or any
file with `http {`/`events {` at its top) is loaded with everything it includes; every
other config file is linted once, standalone (a vhost or snippet), unless another snippet
includes it. A standalone file below the directory of a main config that does not load it
gets a "not-loaded" issue (NGL012): edits to it change nothing. So does a single vhost
given on the command line when the nginx.conf beside it (or one level up) does not load it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from pathlib import Path

from nglint.load.loader import CONF_SUBDIRS, Config, LoadError, load, load_text, not_loaded_issue, split_dump

# Not deployment configs (hidden directories, .git, .venv, caches, are skipped too).
_SKIP_DIRS = {"node_modules", "venv", "__pycache__", "site-packages", "dist", "build"}
_CONF_SUFFIXES = (".conf", ".nginx", ".vhost")
# What makes a file in a scanned directory nginx config: a typical block at the start of a line.
_LOOKS_NGINX = re.compile(rb"^[ \t]*(?:server|http|location|upstream|events|stream|map|geo|split_clients|types)"
                          rb"\b[^;{}\n]*\{", re.M)
_LOOKS_MAIN = re.compile(rb"^[ \t]*(?:http|events)[ \t\r\n]*\{", re.M)

_stdin_cache: list[bytes] = []


def _stdin() -> bytes:
    """stdin is read once; fix passes re-load it from this copy."""
    if not _stdin_cache:
        _stdin_cache.append(sys.stdin.buffer.read())
    return _stdin_cache[0]


def load_paths(paths: list[str], *, prefix: str | None = None, conf_root: str | None = None,
               stdin_name: str = "<stdin>", overlay: dict[str, bytes] | None = None) -> list[Config]:
    """Configs for every path given: a file, a directory (see the module doc), `-` for stdin.
    A file or stdin holding an `nginx -T` dump is split back into its files."""
    configs: list[Config] = []
    for arg in paths:
        if arg == "-":
            configs.append(load_text(_stdin(), stdin_name, prefix=prefix, conf_root=conf_root, overlay=overlay))
            continue
        path = Path(arg)
        if path.is_dir():
            configs.extend(load_directory(path, prefix=prefix, conf_root=conf_root, overlay=overlay))
        elif not path.exists():
            raise LoadError(f"{arg}: no such file or directory")
        elif _is_dump(path):
            configs.append(load_text(path.read_bytes(), str(path), prefix=prefix, conf_root=conf_root))
        else:
            config = load(path, prefix=prefix, conf_root=conf_root, overlay=overlay)
            if config.context != "main":
                _check_loaded(config, _neighbour_main(path, prefix, conf_root, overlay))
            configs.append(config)
    return configs


def _neighbour_main(path: Path, prefix: str | None, conf_root: str | None,
                    overlay: dict[str, bytes] | None) -> list[Config]:
    """The nginx.conf next to a snippet, or one directory up (sites-available/x), loaded."""
    for d in (path.parent, path.parent.parent):
        if (d / "nginx.conf").is_file():
            return [load(d / "nginx.conf", prefix=prefix, conf_root=conf_root, overlay=overlay)]
    return []


def _is_dump(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except OSError:
        return False  # load() reports why it cannot be read
    return split_dump(head) is not None


def _head(path: Path) -> bytes | None:
    try:
        with path.open("rb") as f:
            return f.read(65536)
    except OSError:
        return None


def _candidates(root: Path) -> tuple[list[Path], list[Path]]:
    """(main configs, other nginx config files) below ``root``, each real file once."""
    mains: list[Path] = []
    others: list[Path] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        base = Path(dirpath)
        for name in sorted(filenames):
            path = base / name
            if name != "nginx.conf" and not name.endswith(_CONF_SUFFIXES) and base.name not in CONF_SUBDIRS:
                continue
            head = _head(path)
            real = os.path.realpath(path)
            if head is None or real in seen:
                continue
            if name == "nginx.conf" or _LOOKS_MAIN.search(head):
                mains.append(path)
            elif _LOOKS_NGINX.search(head):
                others.append(path)
            else:
                continue
            seen.add(real)
    return mains, others


def _real_files(config: Config) -> set[str]:
    return {os.path.realpath(src.path) for src in config.files.values()}


def load_directory(root: Path, *, prefix: str | None = None, conf_root: str | None = None,
                   overlay: dict[str, bytes] | None = None) -> list[Config]:
    mains, others = _candidates(root)
    main_configs = [load(p, prefix=prefix, conf_root=conf_root, overlay=overlay) for p in mains]
    loaded: set[str] = set()
    for config in main_configs:
        loaded |= _real_files(config)
    snippets = [load(p, prefix=prefix, conf_root=conf_root, overlay=overlay)
                for p in others if os.path.realpath(p) not in loaded]
    reach = [(os.path.realpath(c.main.path), _real_files(c)) for c in snippets]
    kept: list[Config] = []
    for config, (me, mine) in zip(snippets, reach):
        # Another snippet includes this one (and is not included by it): lint it there only.
        if any(me in theirs and other not in mine for other, theirs in reach if other != me):
            continue
        config.standalone = True
        _check_loaded(config, main_configs)
        kept.append(config)
    return main_configs + kept


def _check_loaded(config: Config, mains: list[Config]) -> None:
    """Add a not-loaded issue to ``config`` when a main config whose directory holds its
    file does not load it, unless one of that config's include globs matched nothing here
    and could take the file once deployed (a repo with sites-available/ only, a Dockerfile
    copying app.conf into conf.d/)."""
    path = Path(os.path.abspath(config.main.path))
    real = os.path.realpath(path)
    for main in mains:
        if main.context != "main" or not path.is_relative_to(main.conf_dir) or real in _real_files(main):
            continue
        if any(fnmatch.fnmatch(path.name, os.path.basename(g)) for g in main.unmatched_includes):
            continue
        config.issues.append(not_loaded_issue(config.main, f"{main.main.display} does not include it"))
        return
