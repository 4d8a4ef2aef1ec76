"""Diagnostics, fixes and text edits: the data every rule produces."""

from __future__ import annotations

import enum
from typing import NamedTuple, Sequence

from nglint.load.tree import SourceFile


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


# Value types are NamedTuples and the mutable Diagnostic a plain slotted class: @dataclass
# would cost ~1 ms per class at every start, a tenth of a cold `nglint check`.
class TextEdit(NamedTuple):
    """Replace bytes [start, end) of ``file`` with ``text``; start == end inserts."""

    file: SourceFile
    start: int
    end: int
    text: str


class Fix(NamedTuple):
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


class Related(NamedTuple):
    """A second place that matters to a diagnostic (the other server block, the app line)."""

    message: str
    file: str
    line: int
    column: int = 1


class Diagnostic:
    __slots__ = ("code", "name", "severity", "message", "file", "start", "end", "fix", "related", "path",
                 "line_override")

    def __init__(self, code: str, name: str, severity: Severity, message: str, file: SourceFile | None,
                 start: int = 0, end: int = 0, fix: Fix | None = None, related: list[Related] | None = None,
                 path: str | None = None, line_override: tuple[int, int, int, int] | None = None) -> None:
        self.code = code
        self.name = name
        self.severity = severity
        self.message = message
        self.file = file
        self.start = start
        self.end = end
        self.fix = fix
        self.related = [] if related is None else related
        self.path = path  # file name when there is no SourceFile (app-side findings)
        self.line_override = line_override

    def __repr__(self) -> str:
        return f"Diagnostic({self.code} {self.filename}:{self.start}-{self.end} {self.message!r})"

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
