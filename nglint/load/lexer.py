"""Offset-aware nginx tokenizer.

Produces the token stream of ``crossplane.lex`` (values, quoting, line numbers), including
its handling of backslash escapes, ``${var}`` expansions and ``*_by_lua_block`` bodies, but
every token also carries its character span so diagnostics and fixes can point at exact
bytes. One compiled regex finds each token; Python code only dispatches on its kind.

Deliberate differences from crossplane, all at places where crossplane silently loses text:
a comment or word at end of file without a newline is kept (crossplane drops it), a
comment's trailing backslash is kept (crossplane pairs it with the newline and drops it),
and an unterminated quoted string or Lua block raises ``LexError`` (crossplane stops).
"""

from __future__ import annotations

import re
from functools import cache

from nglint._gc import gc_paused

WORD = 0
OPEN = 1  # {
CLOSE = 2  # }
SEMI = 3  # ;
COMMENT = 4


class Token:
    __slots__ = ("kind", "value", "start", "end", "line", "quoted")

    def __init__(self, kind: int, value: str, start: int, end: int, line: int, quoted: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.start = start  # char offset of the first char (opening quote included)
        self.end = end  # char offset after the last char (closing quote included)
        self.line = line  # line number as crossplane reports it
        self.quoted = quoted

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.start}, {self.end}, line={self.line})"


class LexError(Exception):
    """A token that never ends (quote, Lua block). ``tokens`` holds what was read before it."""

    def __init__(self, message: str, offset: int, tokens: list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.tokens = tokens or []


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

# A backslash always takes the next char with it (even a newline); that pair is never
# whitespace and never a terminator. Words come first: they are most of any config.
# Speed (this regex is a third of the load time): a word is its first char, a run of plain
# chars, then zero or more (escape pair or `${...}`, plain run) — so a plain word is one
# charset run, with no alternation tried per run. `*+` is possessive: nothing after a word
# can fail, so giving back chars is never needed, and sre skips that bookkeeping.
# The alternatives after the leading whitespace, apart so that the parser's regex can put
# its own first (see parser._STATEMENT).
TOKENS = r"""
        (?P<word>
          (?: [^\s{};\\\#"'] | \\[\s\S]? )   # a word cannot start with '#' or a quote ...
          [^\s{};\\]*+                      # ... but both are ordinary chars inside one
          (?: (?: \\[\s\S]?                   # escape pair
                | (?<=\$)\{                   # `${`: up to `}` or whitespace, `{` and `;` included,
                  (?:\\[^}]|[^\s}\\])* (?:\\?\})?
                  (?:\\[\s\S]?|[^{};\\])?     # then one more char verbatim, even a space or a quote
              ) [^\s{};\\]*+ )*+ )
      | (?P<semi> ; )
      | (?P<open> \{ )
      | (?P<close> \} )
      | (?P<comment> \#[^\n]* )
      | (?P<dq> "[^"\\]*(?:\\[\s\S][^"\\]*)*" )
      | (?P<sq> '[^'\\]*(?:\\[\s\S][^'\\]*)*' )
      | (?P<open_quote> ["'] )
      | (?P<end> \Z )
"""


@cache
def token_regex() -> re.Pattern[str]:
    """The tokenizer's regex: whitespace, then one token. Compiled on first use (~1 ms):
    loading reads the parser's regex instead, so a plain `nglint check` never needs it."""
    return re.compile(r"\s*+ (?:" + TOKENS + ")", re.X)


# One step through a Lua block body: code, a `--` comment through its newline, a string,
# an escape pair, or a brace.
_LUA_PART = re.compile(
    r"""
      (?P<code> [^{}"'\\-]+ | - (?!-) )
    | (?P<comment> --(?:[^\\\n]|\\[\s\S])*\n )
    | (?P<string> "[^"\\]*(?:\\[\s\S][^"\\]*)*" | '[^'\\]*(?:\\[\s\S][^'\\]*)*' )
    | (?P<escape> \\[\s\S] )
    | (?P<brace> [{}] )
    """,
    re.X,
)
_SPACE = re.compile(r"\s*")
_LUA_ARG = re.compile(r"(?:[^\s\\]|\\[\s\S])+")


# (kind, value, start, end, quoted): a token before its line number is known.
RawToken = tuple[int, str, int, int, bool]
_PUNCT_KIND = {"semi": SEMI, "open": OPEN, "close": CLOSE}


def tokenize(text: str) -> list[Token]:
    """Tokenize a whole config text. Raises LexError on an unterminated string or Lua block."""
    with gc_paused():
        try:
            raw = scan(text)
        except LexError as e:
            e.tokens = _with_lines(e.tokens, text)
            raise
        return _with_lines(raw, text)


def _with_lines(raw: list[RawToken], text: str) -> list[Token]:
    """Tokens with the line numbers crossplane reports: the line a token starts on, except
    that an escaped newline opening a word counts before it, a Lua body (and its implied
    `;`) is on the line of its closing brace, and the argument of `set_by_lua_block` is on
    the line of the whitespace that ends it."""
    tokens: list[Token] = []
    line, line_pos = 1, 0  # `line` is the line number at offset `line_pos`
    count = text.count
    for i, (kind, value, start, end, quoted) in enumerate(raw):
        line += count("\n", line_pos, start)
        line_pos = start
        at = line
        if kind == WORD and not quoted and value.startswith("\\\n"):
            at += 1
        elif _is_lua_body(text, raw, i) or (kind == SEMI and start == end):
            at += count("\n", start, end - 1)
        elif i + 1 < len(raw) and _is_lua_body(text, raw, i + 1) and raw[i - 1][1] == "set_by_lua_block":
            at += count("\n", start, end) + (text[end] == "\n")
        tokens.append(Token(kind, value, start, end, at, quoted))
    return tokens


def _is_lua_body(text: str, raw: list[RawToken], i: int) -> bool:
    kind, _, start, _, quoted = raw[i]
    return kind == WORD and quoted and text[start] == "{"  # other quoted words start with a quote


def scan(text: str) -> list[RawToken]:
    """The tokens of ``text`` as plain tuples, without line numbers. (The parser does not go
    through tokens: it reads its own regex's matches straight into directives.)"""
    tokens: list[RawToken] = []
    append = tokens.append
    match = token_regex().match
    n = len(text)
    pos = 0
    expect_directive = True
    while True:
        m = match(text, pos)
        kind = m.lastgroup
        start, pos = m.span(kind)
        if kind == "word":
            value = text[start:pos]
            append((WORD, value, start, pos, False))
            if expect_directive:
                # a Lua block follows its directive name only after whitespace, as in crossplane
                if value in LUA_BLOCK_DIRECTIVES and pos < n and text[pos].isspace():
                    pos = _lua_tokens(text, pos, value, tokens)
                    continue
                expect_directive = False
        elif kind in _PUNCT_KIND:
            append((_PUNCT_KIND[kind], text[start], start, pos, False))
            expect_directive = True
        elif kind == "comment":
            end = pos - 1 if text[pos - 1] == "\r" else pos  # CRLF: the \r belongs to the line end
            append((COMMENT, text[start:end], start, end, False))
        elif kind == "end":
            return tokens
        elif kind == "open_quote":
            raise LexError("unterminated quoted string", start, tokens)
        else:  # dq, sq
            quote = text[start]
            body = text[start + 1 : pos - 1]
            if "\\" in body:
                body = body.replace("\\" + quote, quote)  # only an escaped quote loses its backslash
            append((WORD, body, start, pos, True))
            if expect_directive and body in LUA_BLOCK_DIRECTIVES:
                pos = _lua_tokens(text, pos, body, tokens)
                continue
            expect_directive = False


def _lua_tokens(text: str, pos: int, directive: str, tokens: list[RawToken]) -> int:
    """Append the tokens of the Lua block after ``directive``: its argument if any, the body
    as one quoted token and an implied `;` (an empty span after the `}`). Returns the offset
    after the `}`."""
    try:
        arg, open_at, pos = lua_block(text, pos, directive)
    except LexError as e:
        e.tokens = tokens
        raise
    if arg is not None:
        tokens.append((WORD, text[arg[0]:arg[1]], arg[0], arg[1], False))
    tokens.append((WORD, text[open_at + 1 : pos - 1], open_at, pos, True))
    tokens.append((SEMI, ";", pos, pos, False))
    return pos


def lua_block(text: str, pos: int, directive: str) -> tuple[tuple[int, int] | None, int, int]:
    """Read what follows a Lua block directive at ``pos``: (the span of its argument, or None
    for all but `set_by_lua_block`; the offset of the `{`; the offset after the matching `}`).
    Raises LexError (without tokens) when the block is missing or never ends."""
    pos = _SPACE.match(text, pos).end()
    arg = None
    if directive == "set_by_lua_block":  # the one Lua block directive with an argument
        m = _LUA_ARG.match(text, pos)
        if m is None or m.end() >= len(text):
            raise LexError("unexpected end of file in set_by_lua_block", pos)
        arg = m.span()
        pos = _SPACE.match(text, m.end()).end()
    if pos >= len(text) or text[pos] != "{":
        raise LexError("expected { to start Lua block", pos)
    open_at = pos
    pos += 1
    depth = 1
    match = _LUA_PART.match
    while True:
        m = match(text, pos)
        if m is None:
            raise LexError("unexpected end of file in Lua block", open_at)
        pos = m.end()
        if m.lastgroup == "brace":
            depth += 1 if text[pos - 1] == "{" else -1
            if depth == 0:
                return arg, open_at, pos
