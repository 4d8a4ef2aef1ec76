"""Tokens → directive tree for one file."""

from __future__ import annotations

from typing import Callable

from nglint.load.lexer import CLOSE, COMMENT, OPEN, SEMI, WORD, LexError, RawToken, scan
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


def parse_file(src: SourceFile) -> list[Node]:
    """Parse one file's text into its top-level nodes (includes are not followed).

    Raises ParseError, with the byte offset nginx would complain at, for unbalanced braces,
    a directive without `;`, and unterminated quotes or Lua blocks."""
    to_bytes = None if len(src.data) == len(src.text) else src.byte_offset  # None: pure ASCII
    try:
        nodes = _build(scan(src.text), src)
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


def _build(tokens: list[RawToken], src: SourceFile) -> list[Node]:
    """The tree of one file, with spans in chars."""
    root: list[Node] = []
    block = root
    parent: Directive | None = None
    stack: list[tuple[Directive | None, list[Node]]] = []  # enclosing (parent, block) pairs
    current: Directive | None = None  # directive whose arguments are being read
    for kind, value, start, end, quoted in tokens:
        if kind == WORD:
            if current is None:
                current = Directive(value, [], src, start, end, end, parent=parent)
                block.append(current)
            else:
                current.args.append(Arg(value, start, end, quoted))
        elif kind == SEMI:
            if current is None:
                raise _Unbalanced('unexpected ";"', start)
            current.end = end
            current = None
        elif kind == OPEN:
            if current is None:
                raise _Unbalanced('unexpected "{"', start)
            current.block = []
            current.block_start = start
            stack.append((parent, block))
            parent, block = current, current.block
            current = None
        elif kind == CLOSE:
            if current is not None:
                raise _Unbalanced(f'directive "{current.name}" is not terminated by ";"', start)
            if parent is None:
                raise _Unbalanced('unexpected "}"', start)
            parent.block_end = start
            parent.end = end
            parent, block = stack.pop()
        else:
            assert kind == COMMENT
            block.append(Comment(value, src, start, end, parent))
    if current is not None:
        raise _Unbalanced(f'unexpected end of file, expecting ";" or "}}" after "{current.name}"', None)
    if parent is not None:
        raise _Unbalanced('unexpected end of file, expecting "}"', None, parent)
    return root


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
