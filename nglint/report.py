"""Render diagnostics: text, JSON, SARIF 2.1.0, GitHub workflow commands."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence
from urllib.parse import quote

from nglint import __version__
from nglint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from nglint.rule import Rule

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
_NOT_TAB = re.compile(r"[^\t]")


def fix_json(d: Diagnostic) -> dict | None:
    if d.fix is None:
        return None
    return {
        "applicability": d.fix.applicability,
        "title": d.fix.title,
        "edits": [
            {"file": e.file.display, "start": e.start, "end": e.end, "text": e.text,
             "line": e.file.line_col(e.start)[0], "column": e.file.line_col(e.start)[1],
             "end_line": e.file.line_col(e.end)[0], "end_column": e.file.line_col(e.end)[1]}
            for e in d.fix.edits
        ],
    }


def to_json_obj(d: Diagnostic) -> dict:
    line, col, end_line, end_col = d.position
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "message": d.message,
        "file": d.filename,
        "line": line,
        "column": col,
        "end_line": end_line,
        "end_column": end_col,
        "fix": fix_json(d),
        "related": [{"message": r.message, "file": r.file, "line": r.line, "column": r.column}
                    for r in d.related],
    }


def render_json(diags: Iterable[Diagnostic]) -> str:
    """A JSON list with one object per diagnostic (see ``to_json_obj``)."""
    return json.dumps([to_json_obj(d) for d in diags], indent=2) + "\n"


def render_text(diags: list[Diagnostic], color: bool = False, summary: bool = True,
                fixable_hint: bool = True, unloaded: int = 0) -> str:
    """``file:line:col: CODE [name] message``, the source line with a caret under the span,
    notes and the fix hint, then a summary line. ``color`` adds ANSI colours; ``unloaded``
    counts configs that did not load (their errors went to stderr), so the summary never
    says "All checks passed." about them."""
    def c(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    out = []
    for d in diags:
        line, col, end_line, end_col = d.position
        sev = d.severity.value
        out.append(f"{c(_BOLD, f'{d.filename}:{line}:{col}:')} {c(_COLORS[sev], d.code)} "
                   f"[{d.name}] {d.message}")
        if d.file is not None and d.file.data:
            src_line = d.file.line_text(line)
            width = max(1, (end_col - col) if end_line == line else len(src_line) - col + 1)
            out.append(f"  {line:>4} | {src_line}")
            before = src_line[:col - 1]
            pad = " " * len(before) if "\t" not in before else _NOT_TAB.sub(" ", before)  # tabs keep the caret aligned
            out.append(f"       | {pad}{c(_COLORS[sev], '^' * width)}")
        for r in d.related:
            out.append(f"  {c(_DIM, 'note:')} {r.file}:{r.line}:{r.column}: {r.message}")
        if d.fix is not None:
            tag = {"safe": "fix", "unsafe": "unsafe fix", "display-only": "suggestion"}[d.fix.applicability]
            out.append(f"  {c(_DIM, 'help:')} {d.fix.title} ({tag})")
        out.append("")
    if summary:
        out.append(summary_line(diags, fixable_hint, unloaded))
    return "\n".join(out) + "\n"


def summary_line(diags: list[Diagnostic], fixable_hint: bool = True, unloaded: int = 0) -> str:
    failed = f"{unloaded} config{'s' if unloaded != 1 else ''} did not load."
    if not diags:
        return f"No problems found in what loaded; {failed}" if unloaded else "All checks passed."
    safe = sum(1 for d in diags if d.fix and d.fix.applicability == "safe" and d.fix.edits)
    unsafe = sum(1 for d in diags if d.fix and d.fix.applicability == "unsafe" and d.fix.edits)
    parts = [f"Found {len(diags)} problem{'s' if len(diags) != 1 else ''}."]
    if fixable_hint and safe:
        parts.append(f"{safe} fixable with `--fix`.")
    if fixable_hint and unsafe:
        parts.append(f"{unsafe} more with `--unsafe-fixes`.")
    if unloaded:
        parts.append(failed)
    return " ".join(parts)


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def render_github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands (``::warning file=...,line=...,col=...::msg``)."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for d in diags:
        line, col, end_line, end_col = d.position
        lines.append(f"::{level[d.severity.value]} file={_gh_escape(d.filename, True)},line={line},"
                     f"col={col},endLine={end_line},endColumn={end_col},"
                     f"title={_gh_escape(d.code + ' ' + d.name, True)}::{_gh_escape(d.message)}")
    return "".join(x + "\n" for x in lines)


def sarif_uri(name: str) -> str:
    """A file name as a SARIF artifact URI: ``file://`` for absolute paths, else a
    percent-encoded relative reference (``<stdin>`` and spaces are not valid in a URI)."""
    if os.path.isabs(name):
        return Path(name).as_uri()
    return quote(name.replace(os.sep, "/"), safe="/")


def render_sarif(diags: list[Diagnostic], rules: Sequence[type[Rule]]) -> str:
    """A SARIF 2.1.0 log: one run, the rules that ran as the driver's rule metadata."""
    level = {"error": "error", "warning": "warning", "info": "note"}
    rule_index = {cls.code: i for i, cls in enumerate(rules)}
    results = []
    for d in diags:
        line, col, end_line, end_col = d.position
        result = {
            "ruleId": d.code,
            "level": level[d.severity.value],
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": sarif_uri(d.filename)},
                "region": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col},
            }}],
        }
        if d.code in rule_index:
            result["ruleIndex"] = rule_index[d.code]
        if d.related:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": r.message}, "physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(r.file)},
                    "region": {"startLine": r.line, "startColumn": r.column}}}
                for i, r in enumerate(d.related)]
        if d.fix is not None and d.fix.edits:
            changes: dict[str, list[dict]] = {}
            for e in d.fix.edits:
                changes.setdefault(e.file.display, []).append({
                    "deletedRegion": {"byteOffset": e.start, "byteLength": e.end - e.start},
                    "insertedContent": {"text": e.text}})
            result["fixes"] = [{"description": {"text": d.fix.title}, "artifactChanges": [
                {"artifactLocation": {"uri": sarif_uri(name)}, "replacements": replacements}
                for name, replacements in changes.items()]}]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "nglint",
                "version": __version__,
                "rules": [{
                    "id": cls.code,
                    "name": cls.name,
                    "shortDescription": {"text": _first_paragraph(cls)},
                    "fullDescription": {"text": cls.documentation()},
                    "help": {"text": cls.documentation(), "markdown": cls.documentation()},
                    "defaultConfiguration": {"level": level[cls.severity.value]},
                } for cls in rules],
            }},
            "columnKind": "unicodeCodePoints",  # our columns count characters, not UTF-16 units
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _first_paragraph(cls: type[Rule]) -> str:
    doc = cls.documentation()
    after = doc.split("## What it does", 1)[-1].strip()
    return after.split("\n\n", 1)[0].replace("\n", " ").strip() or cls.name
