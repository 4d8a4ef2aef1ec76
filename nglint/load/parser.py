"""Text → directive tree for one file.

The tree is built straight from the matches of one regex (``_STATEMENT``: the tokenizer's
regex, ``lexer.token_regex()``, with a first alternative for a whole run of plain words):
no token list, no token objects. ``lexer.tokenize`` reads the tokenizer's matches one token
at a time, and its output is what the crossplane-agreement tests check; tests/test_parser.py
checks that both paths agree on every file of the corpus.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Callable

from nglint.load.lexer import LUA_BLOCK_DIRECTIVES, TOKENS, LexError, lua_block
from nglint.load.tree import Arg, Comment, Directive, Node, SourceFile, new_directive

# The tokenizer's regex with one more alternative tried first: a run of plain words (no
# quote, escape, `${`, comment) one space apart, with the `;` or ` {` right after it. Most
# statements are one such run (`listen 443 ssl;`, `location /static/ {`): one match instead
# of one per token, and each regex match costs more than the Python that splits a run at
# its spaces. A run must not end inside a word the tokenizer would continue (at a `\` or
# the `{` of `${`): then the repeat gives back its last word (not possessive for that), so
# the check is made once per run, not once per word. (Every `\s` is inside [], for
# ASCII_STATEMENT's rewrite.)
_PLAIN = r"""[^\s{};\\\#"'] [^\s{};\\]*+"""
_STATEMENT = r"""
    [\s]*+
    (?: (?P<run> %s (?: [ ] %s )* ) (?: (?P<run_semi> ; ) | [ ] (?P<run_open> \{ ) | (?! [\\{] ) )
      | %s
    )""" % (_PLAIN, _PLAIN, TOKENS)
# Whitespace as str.isspace() sees it in ASCII text. sre tests `\s` by a category lookup per
# char, a set of plain chars by one bitmap test: pure ASCII files (nearly all) are read with
# this spelling, which takes a tenth off the regex's time.
ASCII_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f "
ASCII_STATEMENT = re.compile(_STATEMENT.replace(r"\s", ASCII_SPACE), re.X)


@cache
def unicode_statement() -> re.Pattern[str]:
    """_STATEMENT as written, with the full Unicode whitespace class, for text with
    non-ASCII chars: compiled on first use (~1 ms), since few configs have any."""
    return re.compile(_STATEMENT, re.X)


# Group numbers, to dispatch on ``m.lastindex`` (an int compare) rather than on
# ``m.lastgroup`` (a name lookup per match).
G_RUN, G_RUN_SEMI, G_RUN_OPEN, G_WORD, G_SEMI, G_OPEN, G_CLOSE, G_COMMENT, G_DQ, G_SQ, G_OPEN_QUOTE = (
    ASCII_STATEMENT.groupindex[name] for name in ("run", "run_semi", "run_open", "word", "semi", "open", "close",
                                                   "comment", "dq", "sq", "open_quote"))


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


def parse_file(src: SourceFile, ints: list[int] | None = None,
               includes: list[tuple[Directive, int]] | None = None) -> list[Node]:
    """Parse one file's text into its top-level nodes (includes are not followed).

    ``ints``, a list shared by the files of one load with ``ints[i] is i``, makes each span
    offset one int object per value instead of one per use: the 1,000 files of a 10k-server
    config hold ~800k offsets but only ~30k distinct values (28 bytes each: 30 MB less).
    This call extends it as far as the file needs.

    ``includes``, when given, receives (directive, its index in its block) for each directive
    named `include`, in document order: the loader expands them without walking the tree.

    Raises ParseError, with the byte offset nginx would complain at, for unbalanced braces,
    a directive without `;`, and unterminated quotes or Lua blocks."""
    text = src.text
    to_bytes = None if len(src.data) == len(text) else src.byte_offset  # None: pure ASCII
    if ints is not None and (to_bytes is not None or len(text) > _SHARE_MAX):
        ints = None
    if ints is not None and len(ints) <= len(text):
        ints.extend(range(len(ints), len(text) + 1))
    try:
        nodes = _build(text, src, ints, [] if includes is None else includes)
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


def _build(text: str, src: SourceFile, ints: list[int] | None, includes: list[tuple[Directive, int]]) -> list[Node]:
    """The tree of one file, with spans in chars; offsets are taken from ``ints`` when given
    (see parse_file). A block's ``children`` is its ``block`` until the loader adds includes."""
    # Every offset goes through `at`: the shared ints, or a range (each offset its own int).
    at = range(len(text) + 1) if ints is None else ints
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
    statement = ASCII_STATEMENT if text.isascii() else unicode_statement()
    new = object.__new__
    pos = 0
    while pos >= 0:  # one pass of finditer, restarted after each Lua block (read by hand)
        for m in statement.finditer(text, pos):  # it matches at every offset: nothing is skipped
            g = m.lastindex
            if g <= G_RUN_OPEN:
                start, end = m.span(G_RUN)
                words = text[start:end].split(" ")
                if current is None:  # the first word names a directive
                    name = intern(words[0])
                    name_end = start + len(name)
                    args = []
                    current = new_directive(name, args, src, at[start], at[name_end], at[name_end], parent)
                    if name == "include":
                        includes.append((current, len(block)))
                    block.append(current)
                    # a Lua block follows its directive name only after whitespace, as in crossplane
                    if name in LUA_BLOCK_DIRECTIVES and name_end < n and text[name_end].isspace():
                        pos = _lua(text, name_end, current)
                        current = None
                        break
                    del words[0]
                    start = name_end + 1
                for value in words:
                    value_end = start + len(value)
                    # Arg(value_of(value, value), at[start], at[value_end], False) without the
                    # class call, whose type.__call__ → __init__ path costs half as much again.
                    arg = new(Arg)
                    arg.value = value_of(value, value)
                    arg.start = at[start]
                    arg.end = at[value_end]
                    arg.quoted = False
                    args.append(arg)
                    start = value_end + 1
                if g == G_RUN:
                    continue
                if g == G_RUN_SEMI:
                    current.end = at[end + 1]
                    current = None
                    continue
                brace = end + 1
            elif g == G_CLOSE:
                start = m.start(g)
                if current is not None:
                    raise _Unbalanced(f'directive "{current.name}" is not terminated by ";"', start)
                if parent is None:
                    raise _Unbalanced('unexpected "}"', start)
                parent.block_end = at[start]
                parent.end = at[start + 1]
                parent, block = stack.pop()
                continue
            elif g == G_SEMI:
                end = m.end()
                if current is None:
                    raise _Unbalanced('unexpected ";"', end - 1)
                current.end = at[end]
                current = None
                continue
            elif g == G_OPEN:
                brace = m.start(g)
                if current is None:
                    raise _Unbalanced('unexpected "{"', brace)
            elif g == G_WORD:  # a word with escapes or `${...}`
                start, end = m.span(g)
                value = text[start:end]
                if current is not None:
                    args.append(Arg(value_of(value, value), at[start], at[end], False))
                    continue
                name = intern(value)
                args = []
                current = new_directive(name, args, src, at[start], at[end], at[end], parent)
                if name == "include":
                    includes.append((current, len(block)))
                block.append(current)
                if name in LUA_BLOCK_DIRECTIVES and end < n and text[end].isspace():
                    pos = _lua(text, end, current)
                    current = None
                    break
                continue
            elif g == G_COMMENT:
                start, end = m.span(g)
                if text[end - 1] == "\r":
                    end -= 1  # CRLF: the \r belongs to the line end
                block.append(Comment(text[start:end], src, at[start], at[end], parent))
                continue
            elif g == G_DQ or g == G_SQ:
                start, end = m.span(g)
                value = text[start + 1 : end - 1]
                if "\\" in value:
                    quote = text[start]
                    value = value.replace("\\" + quote, quote)  # only an escaped quote loses its backslash
                if current is not None:
                    args.append(Arg(value_of(value, value), at[start], at[end], True))
                    continue
                args = []
                current = new_directive(intern(value), args, src, at[start], at[end], at[end], parent)
                if value == "include":
                    includes.append((current, len(block)))
                block.append(current)
                if value in LUA_BLOCK_DIRECTIVES:
                    pos = _lua(text, end, current)
                    current = None
                    break
                continue
            elif g == G_OPEN_QUOTE:
                raise LexError("unterminated quoted string", m.start(g))
            else:  # the end of the text
                continue
            # `current`'s block opens at `brace`
            current.block = current.children = []
            current.block_start = at[brace]
            stack.append((parent, block))
            parent, block = current, current.block
            current = None
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
