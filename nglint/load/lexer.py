"""Offset-aware nginx tokenizer.

Produces the same token stream as ``crossplane.lex`` (values, quoting, line numbers),
including its handling of escapes, ``${var}`` and ``*_by_lua_block`` bodies, but each
token also carries its character span so diagnostics and fixes can point at exact bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = 0
OPEN = 1  # {
CLOSE = 2  # }
SEMI = 3  # ;
COMMENT = 4


@dataclass(slots=True)
class Token:
    kind: int
    value: str
    start: int  # char offset of the first char (opening quote included)
    end: int  # char offset after the last char (closing quote included)
    line: int  # line number as crossplane reports it
    quoted: bool = False


class LexError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


LUA_BLOCK_DIRECTIVES = frozenset(
    {
        "access_by_lua_block",
        "balancer_by_lua_block",
        "body_filter_by_lua_block",
        "content_by_lua_block",
        "header_filter_by_lua_block",
        "init_by_lua_block",
        "init_worker_by_lua_block",
        "log_by_lua_block",
        "rewrite_by_lua_block",
        "set_by_lua_block",
        "ssl_certificate_by_lua_block",
        "ssl_session_fetch_by_lua_block",
        "ssl_session_store_by_lua_block",
    }
)

# Runs of plain word characters; escapes, `$`, quotes and terminators are handled one by one.
_PLAIN = re.compile(r"[^\s{};\\$'\"]+")
_SPACE = re.compile(r"\s+")


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.line = 1
        self.tokens: list[Token] = []

    # -- helpers -------------------------------------------------------------
    def _advance_to(self, pos: int) -> None:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos

    def _unit_end(self, pos: int) -> int:
        """End of the char unit at pos: a backslash swallows the next char."""
        if self.text[pos] == "\\" and pos + 1 < self.n:
            return pos + 2
        return pos + 1

    # -- main loop -----------------------------------------------------------
    def run(self) -> list[Token]:
        text, tokens = self.text, self.tokens
        expect_directive = True
        while True:
            m = _SPACE.match(text, self.pos)
            if m:
                self._advance_to(m.end())
            if self.pos >= self.n:
                return tokens
            ch = text[self.pos]
            if ch == "#":
                nl = text.find("\n", self.pos)
                if nl < 0:
                    # crossplane drops a comment that has no newline after it; we keep it
                    tokens.append(Token(COMMENT, text[self.pos :], self.pos, self.n, self.line))
                    self.pos = self.n
                    return tokens
                tokens.append(Token(COMMENT, text[self.pos : nl], self.pos, nl, self.line))
                self.pos = nl
                continue
            if ch in "{};":
                kind = OPEN if ch == "{" else CLOSE if ch == "}" else SEMI
                tokens.append(Token(kind, ch, self.pos, self.pos + 1, self.line))
                self.pos += 1
                expect_directive = True
                continue
            if ch in "\"'":
                tok = self._quoted(ch)
            else:
                tok = self._word()
                if tok is None:
                    return tokens
            tokens.append(tok)
            if expect_directive and tok.value in LUA_BLOCK_DIRECTIVES:
                self._lua_block(tok.value)
                expect_directive = True
            else:
                expect_directive = False

    def _quoted(self, quote: str) -> Token:
        text, start, line = self.text, self.pos, self.line
        pos = start + 1
        parts = []
        while True:
            if pos >= self.n:
                raise LexError("unterminated quoted string", start)
            ch = text[pos]
            if ch == quote:
                break
            if ch == "\\" and pos + 1 < self.n:
                pair = text[pos : pos + 2]
                parts.append(quote if pair[1] == quote else pair)
                pos += 2
                continue
            parts.append(ch)
            pos += 1
        self._advance_to(pos + 1)
        return Token(WORD, "".join(parts), start, pos + 1, line, True)

    def _word(self) -> Token | None:
        """An unquoted word. Returns None when the input ends inside a `${`."""
        text, n, start = self.text, self.n, self.pos
        pos = start
        line = None
        while pos < n:
            m = _PLAIN.match(text, pos)
            if m:
                pos = m.end()
                if pos >= n:
                    break
            ch = text[pos]
            if ch == "\\":
                # the line crossplane reports is counted after an escaped newline
                if line is None and pos == start:
                    line = self.line + text.count("\n", start, min(pos + 2, n))
                pos = self._unit_end(pos)
                continue
            if ch == "$":
                pos += 1
                if pos < n and text[pos] == "{":
                    pos = self._dollar_brace(pos)
                    if pos < 0:
                        self._advance_to(n)
                        return None
                continue
            if ch in "\"'":
                pos += 1
                continue
            break  # whitespace or { } ;
        value = text[start:pos]
        self._advance_to(pos)
        return Token(WORD, value, start, pos, self.line if line is None else line)

    def _dollar_brace(self, pos: int) -> int:
        """Mimic crossplane's `${...}`: swallow up to `}` or whitespace, then the next
        char too unless it is `{`, `}`, `;` (so `${a} b` is the single word `${a} b`)."""
        text, n = self.text, self.n
        last = "$"
        while last != "}":
            if pos >= n:
                return -1
            if text[pos].isspace():
                break
            end = self._unit_end(pos)
            last = text[end - 1]
            pos = end
        if pos >= n:
            return pos
        if text[pos] in "{};":
            return pos
        # the char after the expansion is taken verbatim, even whitespace or a quote
        return self._unit_end(pos)

    def _lua_block(self, directive: str) -> None:
        text, n = self.text, self.n
        if directive == "set_by_lua_block":
            m = _SPACE.match(text, self.pos)
            if m:
                self._advance_to(m.end())
            m = re.compile(r"\S+").match(text, self.pos)
            if m is None:
                raise LexError("unexpected end of file in set_by_lua_block", self.pos)
            self.tokens.append(Token(WORD, m.group(), self.pos, m.end(), self.line))
            self._advance_to(m.end())
        m = _SPACE.match(text, self.pos)
        if m:
            self._advance_to(m.end())
        if self.pos >= n or text[self.pos] != "{":
            raise LexError("expected { to start Lua block", self.pos)
        body_start = self.pos + 1
        pos, depth = body_start, 1
        parts: list[str] = []
        while pos < n:
            ch = text[pos]
            if ch == "-" and text.startswith("--", pos):
                nl = text.find("\n", pos)
                if nl < 0:
                    break
                parts.append(text[pos:nl])
                pos = nl
                continue
            if ch in "\"'":
                end = text.find(ch, pos + 1)
                if end < 0:
                    break
                parts.append(text[pos:end])
                pos = end
                ch = text[pos]
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    self._advance_to(pos)
                    self.tokens.append(Token(WORD, "".join(parts), body_start - 1, pos + 1, self.line, True))
                    self.tokens.append(Token(SEMI, ";", pos + 1, pos + 1, self.line))
                    self.pos = pos + 1
                    return
            parts.append(ch)
            pos += 1
        raise LexError("unexpected end of file in Lua block", body_start - 1)


def tokenize(text: str) -> list[Token]:
    """Tokenize a whole config text. Raises LexError on an unterminated string."""
    return _Lexer(text).run()
