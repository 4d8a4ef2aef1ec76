"""Find the Flask project that sits next to the nginx configs, without parsing Python.

Used when neither ``--app`` nor ``[tool.nglint] app`` names the project. The rule, kept
cheap and predictable:

- Only directories given on the command line (the default ``.`` included) are searched; a
  config file given alone gets no app (so linting one vhost never pays for libcst).
- Below each directory, at most ``MAX_DEPTH`` levels down, every ``*.py`` file of at most
  ``MAX_BYTES`` is read as bytes. It is a Flask app module when it contains ``Flask(``
  (also ``MyFlask(``) and a line that imports flask (``from flask import`` / ``import
  flask``). Hidden directories, ``node_modules``, ``__pycache__``, ``site-packages``,
  virtualenvs (a ``pyvenv.cfg`` inside), test directories (``tests``, ``test``) and
  symlinked directories are skipped; the walk stops after ``MAX_FILES`` Python files.
- An app module inside a package (its directory has ``__init__.py``) belongs to the
  directory holding the top package. The project is the deepest directory containing
  every app module found; the first command-line directory with a match wins.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

MAX_DEPTH = 6
MAX_FILES = 5000
MAX_BYTES = 1 << 20
SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "dist-packages", "tests", "test"})
_IMPORTS_FLASK = re.compile(rb"^[ \t]*(?:from[ \t]+flask[ \t]+import\b|import[ \t]+flask\b)", re.M)


class Discovery(NamedTuple):
    directory: Path  # the Flask project (as reachable from the current directory)
    modules: tuple[Path, ...]  # the files that create an app

    def describe(self) -> str:
        names = ", ".join(_shown(m) for m in self.modules[:3]) + (" ..." if len(self.modules) > 3 else "")
        return (f"Flask project {_shown(self.directory)}/ found next to the configs ({names}); "
                "--app DIR or `app` in [tool.nglint] chooses another")


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when below it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(absolute)


def is_app_module(data: bytes) -> bool:
    """Whether a Python file's bytes look like they create a Flask app."""
    return b"Flask(" in data and _IMPORTS_FLASK.search(data) is not None


def _python_files(top: Path) -> Iterator[Path]:
    budget = MAX_FILES
    stack: list[tuple[Path, int]] = [(top, 0)]
    while stack:
        directory, depth = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        if directory != top and any(e.name == "pyvenv.cfg" for e in entries):
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH and not entry.name.startswith(".") and entry.name not in SKIP_DIRS:
                        subdirs.append(Path(entry.path))
                elif entry.name.endswith(".py") and entry.is_file():
                    if budget <= 0:
                        return
                    budget -= 1
                    yield Path(entry.path)
            except OSError:
                continue
        stack.extend((d, depth + 1) for d in reversed(subdirs))


def _project_dir(module: Path, top: Path) -> Path:
    """The directory that holds the module's top-level package (or the module itself)."""
    directory = module.parent
    while directory != top and (directory / "__init__.py").is_file():
        directory = directory.parent
    return directory


def discover_app(paths: Sequence[str]) -> Discovery | None:
    """The Flask project found inside the first directory of ``paths`` that has one."""
    for given in paths:
        if given == "-" or not os.path.isdir(given):
            continue
        top = Path(given)
        modules = []
        for path in _python_files(top):
            try:
                if path.stat().st_size > MAX_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if is_app_module(data):
                modules.append(path)
        if modules:
            common = Path(os.path.commonpath([str(_project_dir(m, top)) for m in modules]))
            return Discovery(common, tuple(modules))
    return None
