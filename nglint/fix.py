"""Apply fixes: non-overlapping byte edits, re-parse, re-lint until stable, write atomically."""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Callable

from nglint.diagnostics import Diagnostic, TextEdit
from nglint.load import Config, parse_file
from nglint.load.parser import ParseError
from nglint.load.tree import SourceFile

MAX_PASSES = 20


@dataclass
class FixResult:
    new_data: dict[str, bytes] = field(default_factory=dict)  # file path → fixed bytes
    old_data: dict[str, bytes] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)  # file path → name shown to users
    applied: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # e.g. "did not converge", "would not parse"

    def diff(self) -> str:
        chunks = []
        for path, new in self.new_data.items():
            old = self.old_data[path]
            name = self.display.get(path, path)
            chunks.extend(difflib.unified_diff(old.decode("utf-8").splitlines(True),
                                               new.decode("utf-8").splitlines(True),
                                               f"a/{name}", f"b/{name}"))
        return "".join(c if c.endswith("\n") else c + "\n\\ No newline at end of file\n" for c in chunks)


def wanted(d: Diagnostic, unsafe: bool) -> bool:
    return d.fix is not None and d.fix.edits and (
        d.fix.applicability == "safe" or (unsafe and d.fix.applicability == "unsafe"))


def apply_edits(data: bytes, edits: list[TextEdit]) -> bytes:
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(data[pos:e.start])
        out.append(e.text.encode("utf-8"))
        pos = e.end
    out.append(data[pos:])
    return b"".join(out)


def _select_non_overlapping(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Take whole fixes in order; skip a fix whose edits touch a range already taken."""
    taken: dict[str, list[tuple[int, int]]] = {}
    chosen = []
    for d in sorted(diags, key=lambda d: (d.filename, d.start)):
        assert d.fix is not None
        ok = True
        for e in d.fix.edits:
            for s, t in taken.get(str(e.file.path), []):
                if e.start < t and s < e.end or (e.start == e.end == s) or (s == t == e.start):
                    ok = False
        if ok:
            chosen.append(d)
            for e in d.fix.edits:
                taken.setdefault(str(e.file.path), []).append((e.start, e.end))
    return chosen


def fix_project(relint: Callable[[dict[str, bytes]], tuple[list[Config], list[Diagnostic]]],
                configs: list[Config], diags: list[Diagnostic], unsafe: bool) -> FixResult:
    """Loop: apply the wanted fixes, re-load with the patched bytes, re-lint, until nothing
    more applies. ``relint(overrides)`` re-runs the load + lint with file bytes replaced."""
    result = FixResult()
    overrides: dict[str, bytes] = {}
    originals = {str(src.path): src for c in configs for src in c.files.values()}
    for _ in range(MAX_PASSES):
        todo = _select_non_overlapping([d for d in diags if wanted(d, unsafe)])
        if not todo:
            break
        by_file: dict[str, list[TextEdit]] = {}
        for d in todo:
            for e in d.fix.edits:  # type: ignore[union-attr]
                by_file.setdefault(str(e.file.path), []).append(e)
        pass_overrides = dict(overrides)
        broken = False
        for name, edits in by_file.items():
            src: SourceFile = edits[0].file
            new = apply_edits(src.data, edits)
            err = reparse_error(src, new)
            if err:
                result.errors.append(f"{name}: fix would break the file ({err}); kept the original")
                broken = True
                break
            pass_overrides[name] = new
        if broken:
            break
        overrides = pass_overrides
        result.applied.extend(todo)
        configs, diags = relint(overrides)
    else:
        result.errors.append(f"fixes did not converge after {MAX_PASSES} passes")
    for name, new in overrides.items():
        old = originals[name].data if name in originals else b""
        if new != old:
            result.new_data[name] = new
            result.old_data[name] = old
            result.display[name] = originals[name].display if name in originals else name
    return result


def reparse_error(src: SourceFile, data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return str(e)
    try:
        parse_file(SourceFile(src.path, data, text, src.display))
    except ParseError as e:
        return str(e)
    return None


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` via a temp file + rename in the same dir, keeping its mode."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".nglint-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
