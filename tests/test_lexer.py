"""The tokenizer against crossplane's lexer (the oracle) and the byte spans of every node.

crossplane.lex reads a file as UTF-8 with replacement characters and yields (value, line,
quoted) per token, then checks brace balance. Ours must give the same tokens on every file
of the shared corpus, except where crossplane silently loses text (listed in
``_as_crossplane_sees_it``); a file crossplane rejects must be rejected the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import crossplane
import pytest
from crossplane.errors import NgxParserBaseException

from nglint.load import Comment, Directive, ParseError, SourceFile, parse_file
from nglint.load.lexer import CLOSE, COMMENT, OPEN, SEMI, WORD, LexError, Token, tokenize

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
FILES = sorted(p for p in CORPUS.glob("*") if p.name != "SOURCES.tsv") if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")


def crossplane_lex(path: Path) -> tuple[list[tuple[str, int, bool]], tuple[str, int] | None]:
    """crossplane's tokens, and its error (message, line) if it raised one after them."""
    tokens = []
    try:
        for token in crossplane.lex(str(path)):
            tokens.append(token)
    except NgxParserBaseException as e:
        return tokens, (e.strerror, e.lineno)
    return tokens, None


def _as_crossplane_sees_it(tokens: list[Token], text: str) -> list[tuple[str, int, bool]]:
    """Our tokens minus the text crossplane drops on purpose-free grounds:
    - a comment that ends the file without a newline (crossplane's loop never yields it);
    - the last backslash of a comment ending in an odd run of backslashes (crossplane pairs
      it with the newline as an escape and drops the pair)."""
    out = []
    for tok in tokens:
        value = tok.value
        if tok.kind == COMMENT:
            if tok.end == len(text):
                continue
            run = len(value) - len(value.rstrip("\\"))
            if run % 2:
                value = value[:-1]
        out.append((value, tok.line, tok.quoted))
    return out


def brace_error(tokens: list[tuple[str, int, bool]]) -> tuple[str, int] | None:
    """crossplane's brace check (`_balance_braces`), restated, applied to a token list."""
    depth, line = 0, 0
    for value, line, quoted in tokens:
        if not quoted and value == "}":
            depth -= 1
            if depth < 0:
                return 'unexpected "}"', line
        elif not quoted and value == "{":
            depth += 1
    return ('unexpected end of file, expecting "}"', line) if depth > 0 else None


@needs_corpus
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_tokens_agree_with_crossplane(path: Path) -> None:
    expected, expected_error = crossplane_lex(path)
    text = path.read_bytes().decode("utf-8", "replace")  # what crossplane reads
    try:
        tokens, error = tokenize(text), None
    except LexError as e:
        tokens, error = e.tokens, e
    ours = _as_crossplane_sees_it(tokens, text)
    if error is not None:
        # crossplane stops silently at a quote that never closes; we say so, at the quote.
        assert error.message == "unterminated quoted string", error.message
        assert text[error.offset] in "\"'" and text.find(text[error.offset], error.offset + 1) == -1
        assert ours == expected
        assert expected_error in (None, ('unexpected end of file, expecting "}"', expected[-1][1] if expected else 0))
        return
    if expected_error is None:
        assert ours == expected
        return
    # crossplane rejected the file: same tokens up to its error, and the same error there.
    assert ours[: len(expected)] == expected
    assert brace_error(ours) == expected_error
    src = SourceFile(path, text.encode(), text)
    with pytest.raises(ParseError):  # and our parser rejects it too
        parse_file(src)


# Where the documented differences apply in the corpus: the test fails when this changes.
COMMENT_DIFFERENCES = {
    "devops-dojo__the-app__vagrant__provision__roles__nginx__files__default.conf",  # comment at EOF
    "nginxinc__crossplane__tests__configs__messy__nginx.conf",  # comment ending in a backslash
}
UNTERMINATED_QUOTES = {  # templates whose quotes only close after rendering
    "YunoHost__yunohost__conf__nginx__tls_passthrough.conf",
    "bunkerity__bunkerweb__src__common__confs__stream.conf",
    "bunkerity__bunkerweb__src__common__core__grpc__confs__server-http__grpc.conf",
    "home-assistant__addons__mosquitto__rootfs__usr__share__tempio__nginx.gtpl",
    "mailcow__mailcow-dockerized__data__conf__nginx__templates__nginx.conf.j2",
}


@needs_corpus
def test_corpus_exceptions_stay_narrow() -> None:
    comment_fixups, quote_errors = set(), set()
    for path in FILES:
        text = path.read_bytes().decode("utf-8", "replace")
        try:
            tokens = tokenize(text)
        except LexError as e:
            tokens = e.tokens
            quote_errors.add(path.name)
        if _as_crossplane_sees_it(tokens, text) != [(t.value, t.line, t.quoted) for t in tokens]:
            comment_fixups.add(path.name)
    assert comment_fixups == COMMENT_DIFFERENCES
    assert quote_errors == UNTERMINATED_QUOTES


@needs_corpus
def test_non_utf8_corpus_files_load_with_the_error_at_the_first_bad_byte() -> None:
    """crossplane reads such files with replacement characters (the agreement test covers
    that); our loader reads them the same way but stops the run with the position."""
    from nglint.load import load

    checked = 0
    for path in FILES:
        data = path.read_bytes()
        try:
            data.decode("utf-8")
            continue
        except UnicodeDecodeError as e:
            bad = e.start
        config = load(path)
        [error] = config.fatal
        assert error.kind == "not-utf8" and f"0x{data[bad]:02x}" in error.message
        line = data.count(b"\n", 0, bad) + 1
        assert error.file.line_col(error.offset)[0] == line
        assert config.nodes, "the rest of the file is still parsed"
        checked += 1
    assert checked == 2


# -- hand-written cases: what each construct must give ---------------------------------------

def kinds_values(text: str) -> list[tuple[int, str]]:
    return [(t.kind, t.value) for t in tokenize(text)]


def test_basic_statement_and_block() -> None:
    assert kinds_values("location /a/ {\n  alias /b/;\n}\n") == [
        (WORD, "location"), (WORD, "/a/"), (OPEN, "{"), (WORD, "alias"), (WORD, "/b/"), (SEMI, ";"),
        (CLOSE, "}")]


def test_quotes_and_escapes() -> None:
    toks = tokenize(r'''add_header X "a \"b\" c\n" 'it\'s' a\ b "x";''')
    assert [(t.value, t.quoted) for t in toks] == [
        ("add_header", False), ("X", False), ('a "b" c\\n', True), ("it's", True), ("a\\ b", False),
        ("x", True), (";", False)]


def test_quote_inside_a_word_is_ordinary() -> None:
    assert [t.value for t in tokenize('a"b c\'d;')] == ['a"b', "c'd", ";"]


def test_hash_inside_a_word_is_not_a_comment() -> None:
    assert kinds_values("return 200 a#b; # real\n") == [
        (WORD, "return"), (WORD, "200"), (WORD, "a#b"), (SEMI, ";"), (COMMENT, "# real")]


def test_dollar_brace_expansion_keeps_braces_and_semicolons() -> None:
    # `${...}` runs to `}` (or whitespace) and swallows `{`, `;` inside, like crossplane.
    assert [t.value for t in tokenize("set $a ${b;c}d;")] == ["set", "$a", "${b;c}d", ";"]
    # the char after the expansion is taken verbatim, even a space
    assert [t.value for t in tokenize("x ${a} b;")] == ["x", "${a} b", ";"]


def test_comment_value_and_crlf() -> None:
    toks = tokenize("# one\r\nlisten 80;\r\n#two")
    assert [(t.kind, t.value, t.line) for t in toks] == [
        (COMMENT, "# one", 1), (WORD, "listen", 2), (WORD, "80", 2), (SEMI, ";", 2), (COMMENT, "#two", 3)]


def test_line_numbers_count_newlines_inside_tokens() -> None:
    toks = tokenize('a "x\ny" b\n;')
    assert [(t.value, t.line) for t in toks] == [("a", 1), ("x\ny", 1), ("b", 2), (";", 3)]


def test_lua_block_is_one_token() -> None:
    text = 'content_by_lua_block {\n  ngx.say("}") -- a } in a comment\n  if x then end\n}\nlisten 80;'
    toks = tokenize(text)
    assert [(t.kind, t.quoted) for t in toks[:3]] == [(WORD, False), (WORD, True), (SEMI, False)]
    body = toks[1]
    assert body.value == text[text.index("{") + 1 : text.rindex("}")]
    assert text[body.start : body.end] == "{" + body.value + "}"
    assert body.line == 4 and toks[2].line == 4  # crossplane reports the closing brace's line
    assert [t.value for t in toks[3:]] == ["listen", "80", ";"]


def test_set_by_lua_block_has_an_argument() -> None:
    toks = tokenize("set_by_lua_block $x { return 1 }")
    assert [t.value for t in toks] == ["set_by_lua_block", "$x", " return 1 ", ";"]


def test_lua_name_as_argument_is_an_ordinary_word() -> None:
    assert [t.value for t in tokenize("log_format content_by_lua_block x;")] == [
        "log_format", "content_by_lua_block", "x", ";"]


@pytest.mark.parametrize("text, offset", [('listen "80;\n', 7), ("a b;\nc 'd\n", 7)])
def test_unterminated_quote_is_an_error_at_the_quote(text: str, offset: int) -> None:
    with pytest.raises(LexError) as err:
        tokenize(text)
    assert err.value.offset == offset
    assert [t.value for t in err.value.tokens] == [t.value for t in tokenize(text[:offset])]


def test_unterminated_lua_block_is_an_error() -> None:
    with pytest.raises(LexError, match="Lua block"):
        tokenize("content_by_lua_block { ngx.say(1)\n")


# -- spans ------------------------------------------------------------------------------------

def _unescape(inner: str, quote: str) -> str:
    return re.sub(r"\\(.)", lambda m: quote if m.group(1) == quote else m.group(0), inner, flags=re.S)


def assert_spans(src: SourceFile) -> int:
    """Every name, argument and comment span slices back to its written form. Returns how
    many spans were checked."""
    data = src.data
    checked = 0

    def written(start: int, end: int) -> str:
        return data[start:end].decode("utf-8", "surrogateescape")

    def check(nodes: list) -> None:
        nonlocal checked
        for node in nodes:
            if isinstance(node, Comment):
                assert written(node.start, node.end) == node.text
                checked += 1
                continue
            assert isinstance(node, Directive)
            name = written(node.start, node.name_end)
            assert name == node.name or (name[0] in "\"'" and _unescape(name[1:-1], name[0]) == node.name)
            for arg in node.args:
                raw = written(arg.start, arg.end)
                if not arg.quoted:
                    assert raw == arg.value
                elif raw[0] == "{":  # a Lua block body
                    assert raw == "{" + arg.value + "}"
                else:
                    assert raw[0] == raw[-1] and raw[0] in "\"'"
                    assert _unescape(raw[1:-1], raw[0]) == arg.value
                assert written(arg.value_start, arg.value_end) in (arg.value, raw[1:-1])
                checked += 1
            if node.block is not None:
                assert data[node.block_start:node.block_start + 1] == b"{"
                assert data[node.block_end:node.block_end + 1] == b"}"
                check(node.block)
            checked += 1

    check(parse_file(src))
    return checked


def _source(text: str) -> SourceFile:
    return SourceFile(Path("t.conf"), text.encode(), text)


def test_spans_with_multibyte_text() -> None:
    text = ('# café ☕\nserver_name "naïve.example" ünï;\nadd_header X-Emoji "😀 \\" ok";\n'
            'location /é/ { alias /srv/é/; }  # ✓\n')
    src = _source(text)
    assert assert_spans(src) >= 10
    nodes = parse_file(src)
    alias = nodes[3].block[0]
    assert src.data[alias.args[0].start:alias.args[0].end] == "/srv/é/".encode()
    assert src.line_col(alias.args[0].start) == (4, 22)  # columns count characters, not bytes


def test_token_spans_slice_back() -> None:
    text = 'a "b\\"c" \'d\' e\\ f ${g h} # i\ncontent_by_lua_block { x = "}" }\n'
    for tok in tokenize(text):
        raw = text[tok.start:tok.end]
        if tok.kind == COMMENT or not tok.quoted:
            assert raw == tok.value or (tok.kind == SEMI and raw == "")  # the `;` after a Lua block is implied
        elif raw[0] == "{":
            assert raw == "{" + tok.value + "}"
        else:
            assert _unescape(raw[1:-1], raw[0]) == tok.value


@needs_corpus
def test_spans_on_the_corpus() -> None:
    checked = 0
    for path in FILES:
        data = path.read_bytes()
        if b"\x00" in data:
            continue
        text = data.decode("utf-8", "replace")
        if text.encode() != data:
            continue  # not UTF-8: tested through the loader (test_load.py)
        try:
            checked += assert_spans(SourceFile(path, data, text))
        except ParseError:
            continue
    assert checked > 10000


def test_columns_and_lines_of_non_ascii_source() -> None:
    src = _source("# ü\nlisten  80;\n")
    listen = parse_file(src)[1]
    assert src.line_col(listen.args[0].start) == (2, 9)
