"""Diagnostics, fixes and text edits: the data every rule produces."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Sequence

from nglint.load.tree import SourceFile


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class TextEdit:
    """Replace bytes [start, end) of ``file`` with ``text``; start == end inserts."""

    file: SourceFile
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: str  # "safe" | "unsafe" | "display-only"
    edits: tuple[TextEdit, ...]

    @classmethod
    def safe(cls, title: str, edits: Sequence[TextEdit]) -> Fix:
        return cls(title, "safe", tuple(edits))

    @classmethod
    def unsafe(cls, title: str, edits: Sequence[TextEdit]) -> Fix:
        return cls(title, "unsafe", tuple(edits))

    @classmethod
    def display_only(cls, title: str, edits: Sequence[TextEdit] = ()) -> Fix:
        """A suggestion shown to the user, never applied (not even by --unsafe-fixes)."""
        return cls(title, "display-only", tuple(edits))


@dataclass(frozen=True)
class Related:
    """A second place that matters to a diagnostic (the other server block, the app line)."""

    message: str
    file: str
    line: int
    column: int = 1


@dataclass
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    file: SourceFile | None
    start: int = 0
    end: int = 0
    fix: Fix | None = None
    related: list[Related] = field(default_factory=list)
    path: str | None = None  # file name when there is no SourceFile (app-side findings)
    line_override: tuple[int, int, int, int] | None = None

    @property
    def filename(self) -> str:
        return self.file.display if self.file is not None else (self.path or "-")

    @property
    def position(self) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column), 1-based."""
        if self.line_override is not None:
            return self.line_override
        if self.file is None:
            return (1, 1, 1, 1)
        line, col = self.file.line_col(self.start)
        end_line, end_col = self.file.line_col(max(self.end, self.start))
        return line, col, end_line, end_col

    @property
    def line(self) -> int:
        return self.position[0]

    @property
    def column(self) -> int:
        return self.position[1]

    def sort_key(self) -> tuple:
        return (self.filename, self.start, self.code)
