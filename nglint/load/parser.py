"""Text → directive tree for one file.

The tree is built straight from the matches of the tokenizer's regex (``lexer.TOKEN``): no
token list, no token objects. ``lexer.tokenize`` reads the same matches the same way, and
its output is what the crossplane-agreement tests check; tests/test_parser.py checks that
both paths agree on every file of the corpus.
"""

from __future__ import annotations

import sys
from typing import Callable

from nglint.load.lexer import (G_CLOSE, G_COMMENT, G_DQ, G_OPEN, G_OPEN_QUOTE, G_SEMI, G_SQ, G_WORD,
                               LUA_BLOCK_DIRECTIVES, TOKEN, LexError, lua_block)
from nglint.load.tree import Arg, Comment, Directive, Node, SourceFile


class ParseError(Exception):
    """A syntax error at a byte offset of a file."""

    def __init__(self, message: str, file: SourceFile, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.offset = offset

    @property
    def line_col(self) -> tuple[int, int]:
        return self.file.line_col(self.offset)

    def __str__(self) -> str:
        line, col = self.line_col
        return f"{self.file.display}:{line}:{col}: {self.message}"


class _Unbalanced(Exception):
    def __init__(self, message: str, offset: int | None, opener: Directive | None = None) -> None:
        self.message = message
        self.offset = offset  # char offset; None: the end of the file
        self.opener = opener  # the block left open at the end of the file


# Files up to this size share offset ints (see parse_file); a bigger file would need a
# table as long as itself, for offsets that no other file has.
_SHARE_MAX = 1 << 16


def parse_file(src: SourceFile, ints: list[int] | None = None) -> list[Node]:
    """Parse one file's text into its top-level nodes (includes are not followed).

    ``ints``, a list shared by the files of one load with ``ints[i] is i``, makes each span
    offset one int object per value instead of one per use: the 1,000 files of a 10k-server
    config hold ~800k offsets but only ~30k distinct values (28 bytes each: 30 MB less).
    This call extends it as far as the file needs.

    Raises ParseError, with the byte offset nginx would complain at, for unbalanced braces,
    a directive without `;`, and unterminated quotes or Lua blocks."""
    text = src.text
    to_bytes = None if len(src.data) == len(text) else src.byte_offset  # None: pure ASCII
    if ints is not None and (to_bytes is not None or len(text) > _SHARE_MAX):
        ints = None
    if ints is not None and len(ints) <= len(text):
        ints.extend(range(len(ints), len(text) + 1))
    try:
        nodes = _build(text, src, ints)
    except LexError as e:
        raise ParseError(e.message, src, src.byte_offset(e.offset)) from None
    except _Unbalanced as e:
        message = e.message
        if e.opener is not None:
            line, _ = src.line_col(to_bytes(e.opener.block_start) if to_bytes else e.opener.block_start)
            message += f' (block "{e.opener.name}" opened at line {line})'
        raise ParseError(message, src, len(src.data) if e.offset is None else src.byte_offset(e.offset)) from None
    if to_bytes is not None:
        _spans_to_bytes(nodes, to_bytes)
    return nodes


def _build(text: str, src: SourceFile, ints: list[int] | None) -> list[Node]:
    """The tree of one file, with spans in chars; offsets are taken from ``ints`` when given
    (see parse_file)."""
    root: list[Node] = []
    block = root
    parent: Directive | None = None
    stack: list[tuple[Directive | None, list[Node]]] = []  # enclosing (parent, block) pairs
    current: Directive | None = None  # directive whose arguments are being read
    args: list[Arg] = []  # its arguments
    # Names repeat thousands of times (`location`, `listen`): one string each saves memory
    # and makes `d.name == "location"` an identity hit. Argument values repeat within a
    # file (`off`, `$host`, `/static/`): one string per distinct value of this file.
    intern = sys.intern
    values: dict[str, str] = {}
    value_of = values.setdefault
    n = len(text)
    pos = 0
    while pos >= 0:  # one pass of finditer, restarted after each Lua block (read by hand)
        for m in TOKEN.finditer(text, pos):  # TOKEN matches at every offset: nothing is skipped
            g = m.lastindex
            if g == G_WORD:
                start, end = m.span(g)
                if ints:
                    start, end = ints[start], ints[end]
                value = m.group(g)
                if current is not None:
                    args.append(Arg(value_of(value, value), start, end, False))
                    continue
                name = intern(value)
                args = []
                current = Directive(name, args, src, start, end, end, None, -1, -1, parent)
                block.append(current)
                # a Lua block follows its directive name only after whitespace, as in crossplane
                if name in LUA_BLOCK_DIRECTIVES and end < n and text[end].isspace():
                    pos = _lua(text, end, current)
                    current = None
                    break
            elif g == G_SEMI:
                if current is None:
                    raise _Unbalanced('unexpected ";"', m.start(g))
                end = m.end()
                current.end = ints[end] if ints else end
                current = None
            elif g == G_OPEN:
                if current is None:
                    raise _Unbalanced('unexpected "{"', m.start(g))
                current.block = []
                start = m.start(g)
                current.block_start = ints[start] if ints else start
                stack.append((parent, block))
                parent, block = current, current.block
                current = None
            elif g == G_CLOSE:
                start = m.start(g)
                if current is not None:
                    raise _Unbalanced(f'directive "{current.name}" is not terminated by ";"', start)
                if parent is None:
                    raise _Unbalanced('unexpected "}"', start)
                end = start + 1
                if ints:
                    start, end = ints[start], ints[end]
                parent.block_end = start
                parent.end = end
                parent, block = stack.pop()
            elif g == G_COMMENT:
                start, end = m.span(g)
                if text[end - 1] == "\r":
                    end -= 1  # CRLF: the \r belongs to the line end
                block.append(Comment(text[start:end], src, start, end, parent))
            elif g == G_DQ or g == G_SQ:
                start, end = m.span(g)
                value = text[start + 1 : end - 1]
                if ints:
                    start, end = ints[start], ints[end]
                if "\\" in value:
                    quote = text[start]
                    value = value.replace("\\" + quote, quote)  # only an escaped quote loses its backslash
                if current is not None:
                    args.append(Arg(value_of(value, value), start, end, True))
                    continue
                args = []
                current = Directive(intern(value), args, src, start, end, end, None, -1, -1, parent)
                block.append(current)
                if value in LUA_BLOCK_DIRECTIVES:
                    pos = _lua(text, end, current)
                    current = None
                    break
            elif g == G_OPEN_QUOTE:
                raise LexError("unterminated quoted string", m.start(g))
        else:
            pos = -1  # the end of the text
    if current is not None:
        raise _Unbalanced(f'unexpected end of file, expecting ";" or "}}" after "{current.name}"', None)
    if parent is not None:
        raise _Unbalanced('unexpected end of file, expecting "}"', None, parent)
    return root


def _lua(text: str, pos: int, directive: Directive) -> int:
    """Give ``directive`` the Lua block after it at ``pos`` (its argument if any, then the
    body as one quoted argument); the `;` is implied after the `}`. Returns that offset."""
    arg, open_at, pos = lua_block(text, pos, directive.name)
    if arg is not None:
        directive.args.append(Arg(text[arg[0] : arg[1]], arg[0], arg[1], False))
    directive.args.append(Arg(text[open_at + 1 : pos - 1], open_at, pos, True))
    directive.end = pos
    return pos


def _spans_to_bytes(nodes: list[Node], to_bytes: Callable[[int], int]) -> None:
    """Turn the char spans of a file with multi-byte chars into byte spans."""
    for node in nodes:
        node.start, node.end = to_bytes(node.start), to_bytes(node.end)
        if isinstance(node, Comment):
            continue
        node.name_end = to_bytes(node.name_end)
        for arg in node.args:
            arg.start, arg.end = to_bytes(arg.start), to_bytes(arg.end)
        if node.block is not None:
            node.block_start, node.block_end = to_bytes(node.block_start), to_bytes(node.block_end)
            _spans_to_bytes(node.block, to_bytes)
