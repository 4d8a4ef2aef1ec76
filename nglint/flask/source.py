"""Project files: which .py files exist, their module names, parsed trees and line numbers."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

import libcst as cst
from libcst._nodes.internal import CodegenState

# Never indexed: virtualenvs (recognised by pyvenv.cfg), caches, installed packages.
SKIP_DIRS = {"node_modules", "__pycache__", "site-packages"}
# Indexed (importable) but never run on their own: tests, docs, migrations, tooling.
NOT_ENTRY_DIRS = {"tests", "test", "testing", "migrations", "docs", "build", "dist", "htmlcov", "scripts"}
NOT_ENTRY_FILES = {"conftest.py", "setup.py", "noxfile.py", "fabfile.py", "tasks.py"}


class _LineState(CodegenState):
    """Code generation that records the line each node starts on.

    libcst's PositionProvider computes full ranges for every node and costs several times
    the parse; the reader only needs start lines, which a plain codegen pass gives when it
    counts newlines as tokens go by.
    """

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.line = 1
        self.lines: dict[int, int] = {}

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value:
            self.line += value.count("\n")

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.lines[id(node)] = self.line


@dataclass(eq=False)
class Source:
    """One Python file of the project."""

    path: Path  # absolute
    rel: str  # relative to the project directory, with /
    module_name: str  # dotted name when imported from its package root
    package_root: Path  # the sys.path entry it is imported from
    is_package: bool
    entry: bool = True  # run it while looking for apps (tests and tooling are not)
    _lines: dict[int, int] | None = field(default=None, repr=False)

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8-sig", errors="replace")

    @cached_property
    def tree(self) -> cst.Module:
        return cst.parse_module(self.text)

    def line_of(self, node: Any) -> int:
        if self._lines is None:
            state = _LineState(self.tree.default_indent, self.tree.default_newline)
            self.tree._codegen(state)
            self._lines = state.lines
        return self._lines.get(id(node), 0)

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.module_name if self.is_package else self.module_name.rpartition(".")[0]


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def iter_nodes(node: cst.CSTNode, into_functions: bool = True) -> Iterator[cst.CSTNode]:
    """Every node below ``node``. libcst's visitors rebuild the tree as they go and cost
    far more than this plain walk over the dataclass fields."""
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        yield current
        if not into_functions and current is not node and isinstance(current, (cst.FunctionDef, cst.Lambda)):
            continue
        cls = type(current)
        names = _CHILD_FIELDS.get(cls)
        if names is None:
            names = _CHILD_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                               if not f.name.startswith("whitespace"))
        for name in names:
            value = getattr(current, name)
            if isinstance(value, cst.CSTNode):
                stack.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, cst.CSTNode))


def names_in(node: cst.CSTNode) -> set[str]:
    """Every identifier used inside ``node`` (names and attribute names)."""
    return {n.value for n in iter_nodes(node) if type(n) is cst.Name}


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").exists()


def _skipped_dir(name: str) -> bool:
    return name.startswith(".") or name in SKIP_DIRS or name.endswith(".egg-info")


def _entry(rel: Path) -> bool:
    name = rel.name
    if name.startswith("test_") or name.endswith("_test.py") or name in NOT_ENTRY_FILES:
        return False
    return not any(part in NOT_ENTRY_DIRS for part in rel.parts[:-1])


class ProjectFiles:
    """Every Python file under the project directory, indexed by module name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: list[Source] = []
        self.by_path: dict[Path, Source] = {}
        # (package root, module name) -> source; a module is found relative to a root.
        self.by_name: dict[tuple[Path, str], Source] = {}
        # Where absolute imports are looked up after the importer's own package root.
        self.roots: list[Path] = [root] + ([root / "src"] if (root / "src").is_dir() else [])
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(d) and not _is_venv(here / d))
            for name in sorted(filenames):
                if name.endswith(".py"):
                    self._add(here / name)

    def _add(self, path: Path) -> None:
        # The module's name starts below the first folder upward that is not a package.
        parts = [path.stem]
        directory = path.parent
        while (directory / "__init__.py").exists() and directory != self.root.parent:
            parts.insert(0, directory.name)
            directory = directory.parent
        is_package = path.name == "__init__.py"
        if is_package:
            parts.pop()
        if not parts:
            return
        rel = path.relative_to(self.root)
        src = Source(path, rel.as_posix(), ".".join(parts), directory, is_package, _entry(rel))
        self.sources.append(src)
        self.by_path[path] = src
        self.by_name.setdefault((directory, src.module_name), src)

    def find_module(self, name: str, near: Source | None = None) -> Source | None:
        """The source imported as ``name``: from the importer's root first, then the others."""
        roots = ([near.package_root] if near is not None else []) + self.roots
        for root in roots:
            src = self.by_name.get((root, name))
            if src is not None:
                return src
        return None

    def find_file(self, path: Path) -> Source | None:
        """A project Python file by absolute path, also one skipped by discovery (config files)."""
        path = Path(os.path.normpath(path))
        if path in self.by_path:
            return self.by_path[path]
        if not path.is_file() or not _inside(path, self.root):
            return None
        src = Source(path, path.relative_to(self.root).as_posix(), path.stem, path.parent, False)
        self.by_path[path] = src
        return src


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
