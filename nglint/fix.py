"""Apply fixes: non-overlapping byte edits, re-parse, re-lint until stable, write atomically.

Also the helpers rule authors use to build edits: new directives rendered with
``crossplane.build`` and indented like the lines around them, and node removal that takes
the node's line with it when the node stood alone on it.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from nglint.diagnostics import Diagnostic, TextEdit
from nglint.load import Comment, Config, Directive, SourceFile, parse_file
from nglint.load.parser import ParseError

# Ruff stops at 100; nginx configs are small and each pass re-loads every file, so fewer.
MAX_PASSES = 25

# relint(overlay) re-runs load + lint with the given files' bytes replaced (path → bytes).
Relint = Callable[[dict[str, bytes]], tuple[list[Config], list[Diagnostic]]]


@dataclass
class FixResult:
    new_data: dict[str, bytes] = field(default_factory=dict)  # file path → fixed bytes (changed files only)
    old_data: dict[str, bytes] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)  # file path → name shown to users
    applied: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)  # diagnostics of the fixed text
    problems: list[str] = field(default_factory=list)  # fixes refused, "failed to converge"
    converged: bool = True

    def diff(self) -> str:
        """A unified diff of every changed file (`a/NAME`, `b/NAME`), patch(1)-compatible."""
        chunks: list[str] = []
        for path, new in self.new_data.items():
            name = self.display.get(path, path)
            lines = difflib.unified_diff(_lines(self.old_data[path].decode("utf-8")), _lines(new.decode("utf-8")),
                                         f"a/{name}", f"b/{name}")
            chunks.extend(c if c.endswith("\n") else c + "\n\\ No newline at end of file\n" for c in lines)
        return "".join(chunks)


def _lines(text: str) -> list[str]:
    # Split on "\n" only: str.splitlines() would also split on \x0c, \u2028 and friends.
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def wanted(d: Diagnostic, unsafe: bool) -> bool:
    """Whether ``d`` carries a fix at the requested level (display-only fixes never apply)."""
    return d.fix is not None and bool(d.fix.edits) and (
        d.fix.applicability == "safe" or (unsafe and d.fix.applicability == "unsafe"))


def apply_edits(data: bytes, edits: Iterable[TextEdit]) -> bytes:
    """``data`` with non-overlapping ``edits`` applied; insertions at one offset keep list order."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(data[pos:e.start])
        out.append(e.text.encode("utf-8"))
        pos = e.end
    out.append(data[pos:])
    return b"".join(out)


def _key(e: TextEdit) -> str:
    return str(e.file.path)


def _fix_is_valid(d: Diagnostic, state: dict[str, bytes]) -> str | None:
    """Why the fix of ``d`` cannot be applied to the current text, or None."""
    assert d.fix is not None
    spans: dict[str, list[tuple[int, int]]] = {}
    for e in d.fix.edits:
        data = state.get(_key(e))
        if data is None:
            return f"it edits {e.file.display}, which is not part of the loaded configuration"
        if e.file.data is not data and e.file.data != data:
            return f"its offsets refer to an older text of {e.file.display}"
        if not 0 <= e.start <= e.end <= len(data):
            return f"edit {e.start}..{e.end} is outside {e.file.display}"
        spans.setdefault(_key(e), []).append((e.start, e.end))
    for ranges in spans.values():
        ranges.sort()
        if any(b[0] < a[1] for a, b in zip(ranges, ranges[1:])):
            return "its edits overlap each other"
    return None


def _conflicts(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Edits of two different fixes conflict when their ranges overlap *or touch*.

    Touching edits (two insertions at one offset, an insertion at either end of a
    replacement) have no defined order between fixes: applying both could glue their texts
    ("/" + "/" → "//"). Deferring one to the next pass is always safe: it is re-linted
    against the new text and re-offered if still needed.
    """
    return a[0] <= b[1] and b[0] <= a[1]


def select_fixes(diags: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Whole fixes in source order, skipping any whose edits conflict with a taken one."""
    taken: dict[str, list[tuple[int, int]]] = {}
    chosen = []
    for d in sorted(diags, key=lambda d: (_key(d.fix.edits[0]), d.fix.edits[0].start, d.code)):  # type: ignore[union-attr]
        edits = d.fix.edits  # type: ignore[union-attr]
        if any(_conflicts((e.start, e.end), span) for e in edits for span in taken.get(_key(e), ())):
            continue
        chosen.append(d)
        for e in edits:
            taken.setdefault(_key(e), []).append((e.start, e.end))
    return chosen


def _apply(state: dict[str, bytes], fixes: Iterable[Diagnostic]) -> dict[str, bytes]:
    by_file: dict[str, list[TextEdit]] = {}
    for d in fixes:
        for e in d.fix.edits:  # type: ignore[union-attr]
            by_file.setdefault(_key(e), []).append(e)
    return {path: apply_edits(state[path], edits) for path, edits in by_file.items()}


def reparse_error(src: SourceFile, data: bytes) -> str | None:
    """The syntax error ``data`` would have as the text of ``src``, or None if it parses."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return str(e)
    try:
        parse_file(SourceFile(src.path, data, text, src.display))
    except ParseError as e:
        return str(e)
    return None


def _where(d: Diagnostic) -> str:
    return f"{d.filename}:{d.line}:{d.column}"


def _fingerprint(state: dict[str, bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(state):
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + hashlib.blake2b(state[path]).digest())
    return h.digest()


def fix_project(relint: Relint, configs: list[Config], diags: list[Diagnostic], unsafe: bool,
                max_passes: int = MAX_PASSES) -> FixResult:
    """Apply fixes until none is left to apply, in at most ``max_passes`` passes.

    Each pass takes the wanted fixes that do not conflict, applies them to the current
    text, keeps only those whose result still parses (a fix that breaks a file is refused
    and reported, the others go ahead), then re-loads and re-lints the patched text with
    ``relint`` so that the next pass works on fresh offsets. Nothing is written here.
    """
    result = FixResult()
    sources = {str(src.path): src for c in configs for src in c.files.values()}
    original = {path: src.data for path, src in sources.items()}
    state = dict(original)
    seen = {_fingerprint(state)}
    refused: set[tuple[str, ...]] = set()

    def refuse(d: Diagnostic, why: str) -> None:
        assert d.fix is not None
        refused.add((d.code, d.filename, d.message, d.fix.title))
        result.problems.append(f"{_where(d)}: {d.code} fix \"{d.fix.title}\" not applied: {why}")

    def pending() -> list[Diagnostic]:
        out = []
        for d in diags:
            if not wanted(d, unsafe) or (d.code, d.filename, d.message, d.fix.title) in refused:  # type: ignore[union-attr]
                continue
            why = _fix_is_valid(d, state)
            if why is None:
                out.append(d)
            else:
                refuse(d, why)
        return out

    for _ in range(max_passes):
        todo = select_fixes(pending())
        if not todo:
            break
        changed = _apply(state, todo)
        if any(reparse_error(sources[p], data) for p, data in changed.items()):
            # Find the culprits: add fixes one by one, refusing each that breaks a file.
            accepted: list[Diagnostic] = []
            for d in todo:
                trial = _apply(state, [*accepted, d])
                err = next((e for p in {_key(x) for x in d.fix.edits}  # type: ignore[union-attr]
                            if (e := reparse_error(sources[p], trial[p]))), None)
                if err:
                    refuse(d, f"the result would not parse ({err})")
                else:
                    accepted.append(d)
            todo, changed = accepted, _apply(state, accepted)
            if not todo:
                continue
        new_state = {**state, **changed}
        mark = _fingerprint(new_state)
        if mark in seen:
            codes = ", ".join(sorted({d.code for d in todo}))
            why = "change nothing" if new_state == state else "bring back an earlier text"
            result.problems.append(f"fixes failed to converge: the fixes of {codes} {why}")
            result.converged = False
            break
        seen.add(mark)
        new_configs, new_diags = relint({p: b for p, b in new_state.items() if b != original.get(p)})
        new_fatal = [i for c in new_configs for i in c.fatal]
        if new_fatal:
            for d in todo:
                refuse(d, f"the fixed configuration would not load ({new_fatal[0]})")
            continue
        result.applied.extend(todo)
        configs, diags = new_configs, new_diags
        state = new_state
        for src in (s for c in configs for s in c.files.values()):
            path = str(src.path)
            sources[path] = src
            state[path] = src.data  # the same bytes; the identity lets _fix_is_valid skip a compare
            original.setdefault(path, src.data)  # a file that a fix made reachable
    else:
        if select_fixes(pending()):
            result.problems.append(f"fixes failed to converge after {max_passes} passes; "
                                   "the text of the last pass is used")
            result.converged = False
    result.remaining = diags
    for path, data in state.items():
        if data != original[path]:
            result.new_data[path] = data
            result.old_data[path] = original[path]
            result.display[path] = sources[path].display
    return result


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file at ``path`` by ``data``: temp file in the same directory, fsync,
    rename. Keeps the file's mode (and owner when allowed); a symlink (sites-enabled →
    sites-available) stays a symlink and its target is replaced."""
    target = os.path.realpath(path)
    st = os.stat(target)
    fd, tmp = tempfile.mkstemp(prefix=".nglint-", suffix=".tmp", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, st.st_mode & 0o7777)
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except PermissionError:  # not root: the new file is ours, as with any editor
            pass
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- helpers for rules that create or remove text ---------------------------------------

# Items of a rendered block: (name, args), (name, args, block) or crossplane payload dicts.
Block = Sequence[Any]


def newline_of(src: SourceFile) -> str:
    """The file's line terminator: CRLF if it uses any, else LF."""
    return "\r\n" if b"\r\n" in src.data else "\n"


def line_indent(src: SourceFile, offset: int) -> str:
    """Leading whitespace of the line that holds byte ``offset``."""
    start = src.data.rfind(b"\n", 0, offset) + 1
    m = re.match(rb"[ \t]*", src.data[start:offset])
    return m.group(0).decode("ascii") if m else ""


def indent_unit(src: SourceFile) -> str:
    """One indentation step of the file: a tab if lines are tab-indented, else the smallest
    space indent found (4 when the file has none)."""
    widths = [len(m.group(1)) for m in re.finditer(rb"^( +)\S", src.data, re.M)]
    if re.search(rb"^\t+\S", src.data, re.M) and not widths:
        return "\t"
    return " " * min(widths) if widths else "    "


def _payload(name: str, args: Sequence[str], block: Block | None) -> dict[str, Any]:
    item: dict[str, Any] = {"directive": name, "args": list(args)}
    if block is not None:
        item["block"] = [b if isinstance(b, dict) else _payload(b[0], b[1], b[2] if len(b) > 2 else None)
                         for b in block]
    return item


def render_directive(name: str, args: Sequence[str] = (), block: Block | None = None, *, indent: str = "",
                     unit: str = "    ", newline: str = "\n") -> str:
    """One directive (with its block) as config text, rendered by ``crossplane.build``
    (which quotes arguments as needed). Every line starts with ``indent``, nested lines
    add ``unit`` per level; lines are joined by ``newline``; no trailing newline.

    ``block`` items are ``(name, args)``, ``(name, args, block)`` or crossplane payload dicts.
    """
    import crossplane  # only fixes that create text need it

    text = crossplane.build([_payload(name, args, block)], indent=len(unit), tabs=unit == "\t", header=False)
    return newline.join(indent + line if line else line for line in text.split("\n"))


def _rest_of_line(src: SourceFile, offset: int) -> tuple[bytes, int]:
    """(bytes from ``offset`` to the end of its line, offset of the line terminator)."""
    nl = src.data.find(b"\n", offset)
    end = len(src.data) if nl < 0 else nl
    if end > offset and src.data[end - 1:end] == b"\r":
        end -= 1
    return src.data[offset:end], end


def _inline(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines())


def insert_directive_after(node: Directive, name: str, args: Sequence[str] = (), block: Block | None = None) -> TextEdit:
    """An edit adding a directive right after ``node``, at ``node``'s indentation.

    When ``node`` ends its line (a trailing comment may follow) the new directive gets a
    line of its own after that line; inside a one-line block it is written on the same line.
    """
    src = node.file
    rest, eol = _rest_of_line(src, node.end)
    if rest.strip() and not rest.lstrip().startswith(b"#"):
        return TextEdit(src, node.end, node.end, " " + _inline(render_directive(name, args, block)))
    nl = newline_of(src)
    text = render_directive(name, args, block, indent=line_indent(src, node.start), unit=indent_unit(src), newline=nl)
    return TextEdit(src, eol, eol, nl + text)


def _child_indent(parent: Directive) -> str:
    src = parent.file
    for child in parent.block or ():
        if not src.data[src.data.rfind(b"\n", 0, child.start) + 1:child.start].strip():
            return line_indent(src, child.start)
    return line_indent(src, parent.start) + indent_unit(src)


def insert_directive_in(parent: Directive, name: str, args: Sequence[str] = (), block: Block | None = None, *,
                        first: bool = False) -> TextEdit:
    """An edit adding a directive as the last child of ``parent``'s block (``first``: on a
    new line after the line that opens the block), indented like its other children. A synthetic block (the server nglint wraps around a
    location snippet) has no braces: the directive goes to the end (or start) of the file."""
    src = parent.file
    nl, unit = newline_of(src), indent_unit(src)
    if parent.synthetic:
        text = render_directive(name, args, block, unit=unit, newline=nl)
        if first:
            return TextEdit(src, 0, 0, text + nl)
        if not src.data or src.data.endswith(b"\n"):
            return TextEdit(src, len(src.data), len(src.data), text + nl)
        return TextEdit(src, len(src.data), len(src.data), nl + text)
    if parent.block is None:
        raise ValueError(f"{parent.name} has no block")
    one_line = src.line_col(parent.block_start)[0] == src.line_col(parent.block_end)[0]
    if one_line:
        text = _inline(render_directive(name, args, block))
        if first:
            return TextEdit(src, parent.block_start + 1, parent.block_start + 1, " " + text)
        return TextEdit(src, parent.block_end, parent.block_end, text + " ")
    text = render_directive(name, args, block, indent=_child_indent(parent), unit=unit, newline=nl)
    if first:
        _, eol = _rest_of_line(src, parent.block_start + 1)
        return TextEdit(src, eol, eol, nl + text)
    before_close = src.data[src.data.rfind(b"\n", 0, parent.block_end) + 1:parent.block_end]
    if before_close.strip():  # `}` shares its line with the last child: give both their own lines
        blanks = len(before_close) - len(before_close.rstrip())
        return TextEdit(src, parent.block_end - blanks, parent.block_end, nl + text + nl + line_indent(src, parent.start))
    line_start = parent.block_end - len(before_close)
    return TextEdit(src, line_start, line_start, text + nl)


def remove_node(node: Directive | Comment) -> TextEdit:
    """An edit deleting ``node`` (a directive with its block, or a comment). When the node
    is alone on its line(s), the whole line goes, terminator included; otherwise only the
    node and the blanks that separate it from its neighbour."""
    src, data = node.file, node.file.data
    line_start = data.rfind(b"\n", 0, node.start) + 1
    before = data[line_start:node.start]
    rest, eol = _rest_of_line(src, node.end)
    if not before.strip() and not rest.strip():
        if eol < len(data):  # drop through the line terminator
            return TextEdit(src, line_start, data.index(b"\n", eol) + 1, "")
        # The last line, without a terminator: drop the previous line's terminator instead,
        # so the file still ends the way it did.
        prev_end = line_start - 1 if line_start else 0
        if prev_end > 0 and data[prev_end - 1:prev_end] == b"\r":
            prev_end -= 1
        return TextEdit(src, prev_end, eol, "")
    if before.strip():  # something precedes on the line: take the blanks before the node
        start = node.start - (len(before) - len(before.rstrip()))
        return TextEdit(src, start, node.end, "")
    end = node.end + (len(rest) - len(rest.lstrip()))
    return TextEdit(src, node.start, end, "")
