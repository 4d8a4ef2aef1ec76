"""Tokens → directive tree for one file."""

from __future__ import annotations

from nglint.load.lexer import CLOSE, COMMENT, OPEN, SEMI, LexError, Token, tokenize
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
    """Parse one file's text into its top-level nodes (includes are not followed)."""
    try:
        tokens = tokenize(src.text)
    except LexError as e:
        raise ParseError(e.message, src, src.byte_offset(e.offset)) from None
    return _Builder(src, tokens).build()


class _Builder:
    def __init__(self, src: SourceFile, tokens: list[Token]) -> None:
        self.src = src
        self.tokens = tokens
        self.b = src.byte_offset

    def error(self, message: str, tok: Token | None) -> ParseError:
        offset = len(self.src.data) if tok is None else self.b(tok.start)
        return ParseError(message, self.src, offset)

    def build(self) -> list[Node]:
        b, src = self.b, self.src
        root: list[Node] = []
        stack: list[tuple[Directive | None, list[Node]]] = [(None, root)]
        current: Directive | None = None  # directive whose args are being read
        for tok in self.tokens:
            parent, block = stack[-1]
            kind = tok.kind
            if kind == COMMENT:
                block.append(Comment(tok.value, src, b(tok.start), b(tok.end), parent))
                continue
            if kind == 0:  # word
                start, end = b(tok.start), b(tok.end)
                if current is None:
                    current = Directive(tok.value, [], src, start, end, end, parent=parent)
                    if tok.quoted:
                        current.name_end = end
                    block.append(current)
                else:
                    current.args.append(Arg(tok.value, start, end, tok.quoted))
                continue
            if kind == SEMI:
                if current is None:
                    raise self.error('unexpected ";"', tok)
                current.end = b(tok.end)
                current = None
                continue
            if kind == OPEN:
                if current is None:
                    raise self.error('unexpected "{"', tok)
                current.block = []
                current.block_start = b(tok.start)
                stack.append((current, current.block))
                current = None
                continue
            # CLOSE
            if current is not None:
                raise self.error(f'directive "{current.name}" is not terminated by ";"', tok)
            if len(stack) == 1:
                raise self.error('unexpected "}"', tok)
            directive, _ = stack.pop()
            assert directive is not None
            directive.block_end = b(tok.start)
            directive.end = b(tok.end)
        if current is not None:
            raise self.error(f'unexpected end of file, expecting ";" or "}}" after "{current.name}"', None)
        if len(stack) > 1:
            opener = stack[-1][0]
            assert opener is not None
            err = self.error('unexpected end of file, expecting "}"', None)
            line, _ = src.line_col(opener.block_start)
            err.message += f' (block "{opener.name}" opened at line {line})'
            raise err
        return root
