"""Asset URLs in Jinja templates, found with jinja2's own parser: ``url_for('static', ...)``
and ``url_for('<blueprint>.static', ...)`` calls, and literal root-relative href/src."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_SUFFIXES = {".html", ".htm", ".j2", ".jinja", ".jinja2", ".xml", ".svg"}
MAX_TEMPLATE_BYTES = 2_000_000
_LITERAL = re.compile(r"""\b(?:href|src)\s*=\s*(["']?)(/(?!/)[^"'\s>]*)(["']?)""", re.I)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass
class RawAssetUrl:
    file: Path
    line: int
    kind: str  # url_for | literal
    endpoint: str | None
    filename: str | None
    literal: str | None  # the literal URL (without query/fragment)
    dynamic: bool
    raw: str


@dataclass
class TemplateProblem:
    file: Path
    line: int
    reason: str


def template_files(folder: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.suffix.lower() in TEMPLATE_SUFFIXES:
                out.append(path)
    return out


def scan_template(path: Path) -> tuple[list[RawAssetUrl], list[TemplateProblem]]:
    import jinja2
    from jinja2 import nodes

    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            return [], [TemplateProblem(path, 1, "template too large to scan")]
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [], [TemplateProblem(path, 1, f"cannot read template: {e}")]
    env = _environment()
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as e:
        return [], [TemplateProblem(path, e.lineno or 1, f"template syntax error: {e.message}")]
    out: list[RawAssetUrl] = []
    found = list(tree.find_all((nodes.Call, nodes.TemplateData)))
    for call in found:
        if not isinstance(call, nodes.Call) or not (isinstance(call.node, nodes.Name) and
                                                     call.node.name == "url_for") or not call.args:
            continue
        first = call.args[0]
        endpoint = first.value if isinstance(first, nodes.Const) and isinstance(first.value, str) else None
        if endpoint is not None and endpoint != "static" and not endpoint.endswith(".static"):
            continue
        filename_node = next((k.value for k in call.kwargs if k.key == "filename"), None)
        filename = filename_node.value if isinstance(filename_node, nodes.Const) and \
            isinstance(filename_node.value, str) else None
        dynamic = endpoint is None or filename is None
        if endpoint is None and filename_node is None:
            continue  # url_for(variable) without a filename: not an asset URL
        out.append(RawAssetUrl(path, call.lineno, "url_for", endpoint, filename, None, dynamic,
                               _source_line(source, call.lineno)))
    for data in found:
        if not isinstance(data, nodes.TemplateData):
            continue
        text = _HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), data.data)
        for m in _LITERAL.finditer(text):
            quote, value, closing = m.group(1), m.group(2), m.group(3)
            # No closing quote inside this chunk: an expression continues the URL.
            dynamic = bool(quote) and closing != quote
            url = re.split(r"[?#]", value, maxsplit=1)[0]
            line = data.lineno + text.count("\n", 0, m.start())
            out.append(RawAssetUrl(path, line, "literal", None, None, url, dynamic, m.group(0)))
    out.sort(key=lambda r: (r.line, r.kind))
    return out, []


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    """One environment for every template: building one compiles its lexer."""
    import jinja2

    return jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", "jinja2.ext.i18n"])


def _source_line(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""
