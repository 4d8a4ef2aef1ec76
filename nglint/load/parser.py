"""Tokens → directive tree for one file."""

from __future__ import annotations

from nglint.load.lexer import CLOSE, COMMENT, OPEN, SEMI, WORD, LexError, scan
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


def parse_file(src: SourceFile) -> list[Node]:
    """Parse one file's text into its top-level nodes (includes are not followed).

    Raises ParseError, with the byte offset nginx would complain at, for unbalanced braces,
    a directive without `;`, and unterminated quotes or Lua blocks."""
    try:
        tokens = scan(src.text)
    except LexError as e:
        raise ParseError(e.message, src, src.byte_offset(e.offset)) from None
    # Token offsets are characters; spans are bytes. Pure-ASCII files need no conversion.
    b = (lambda offset: offset) if len(src.data) == len(src.text) else src.byte_offset

    def error(message: str, offset: int | None) -> ParseError:
        return ParseError(message, src, len(src.data) if offset is None else b(offset))

    root: list[Node] = []
    block = root
    parent: Directive | None = None
    stack: list[tuple[Directive | None, list[Node]]] = []  # enclosing (parent, block) pairs
    current: Directive | None = None  # directive whose arguments are being read
    for kind, value, start, end, _line, quoted in tokens:
        if kind == WORD:
            if current is None:
                s, e = b(start), b(end)
                current = Directive(value, [], src, s, e, e, parent=parent)
                block.append(current)
            else:
                current.args.append(Arg(value, b(start), b(end), quoted))
        elif kind == SEMI:
            if current is None:
                raise error('unexpected ";"', start)
            current.end = b(end)
            current = None
        elif kind == OPEN:
            if current is None:
                raise error('unexpected "{"', start)
            current.block = []
            current.block_start = b(start)
            stack.append((parent, block))
            parent, block = current, current.block
            current = None
        elif kind == CLOSE:
            if current is not None:
                raise error(f'directive "{current.name}" is not terminated by ";"', start)
            if parent is None:
                raise error('unexpected "}"', start)
            parent.block_end = b(start)
            parent.end = b(end)
            parent, block = stack.pop()
        else:
            assert kind == COMMENT
            block.append(Comment(value, src, b(start), b(end), parent))
    if current is not None:
        raise error(f'unexpected end of file, expecting ";" or "}}" after "{current.name}"', None)
    if parent is not None:
        line, _ = src.line_col(parent.block_start)
        raise error(f'unexpected end of file, expecting "}}" (block "{parent.name}" opened at line {line})', None)
    return root
