"""The parser reads the tokenizer's regex matches straight into directives (no token list);
tokenize() reads the same matches into tokens, and those are what test_lexer.py checks
against crossplane. Here both paths must agree: the tree of every corpus file equals the
tree a plain stack builder makes from tokenize()'s tokens, spans included."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from nglint.load import Comment, Directive, ParseError, SourceFile, parse_file
from nglint.load.lexer import CLOSE, COMMENT, OPEN, SEMI, LexError, Token, tokenize

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
FILES = sorted(p for p in CORPUS.glob("*") if p.name != "SOURCES.tsv") if CORPUS.is_dir() else []


class Unbalanced(Exception):
    pass


def tree_from_tokens(tokens: list[Token], to_bytes: Callable[[int], int]) -> list[tuple]:
    """Nested tuples from tokens: ("#", text, start, end) per comment, and per directive
    (name, start, name_end, end, [(value, start, end, quoted)...], block or None,
    block_start, block_end), spans turned from chars into bytes. Raises Unbalanced where
    nginx would refuse the braces."""
    root: list = []
    stack: list[tuple[list, list | None]] = []  # (enclosing block, the open directive)
    block, current = root, None
    for tok in tokens:
        tok.start, tok.end = to_bytes(tok.start), to_bytes(tok.end)
        if tok.kind == COMMENT:
            block.append(("#", tok.value, tok.start, tok.end))
        elif tok.kind == SEMI:
            if current is None:
                raise Unbalanced
            current[3] = tok.end
            current = None
        elif tok.kind == OPEN:
            if current is None:
                raise Unbalanced
            current[5], current[6] = [], tok.start
            stack.append((block, current))
            block, current = current[5], None
        elif tok.kind == CLOSE:
            if current is not None or not stack:
                raise Unbalanced
            block, opener = stack.pop()
            opener[7], opener[3] = tok.start, tok.end
        elif current is None:
            current = [tok.value, tok.start, tok.end, None, [], None, -1, -1]
            block.append(current)
        else:
            current[4].append((tok.value, tok.start, tok.end, tok.quoted))
    if current is not None or stack:
        raise Unbalanced
    return _freeze(root)


def _freeze(nodes: list) -> list[tuple]:
    return [n if n[0] == "#" else (*n[:5], None if n[5] is None else _freeze(n[5]), n[6], n[7]) for n in nodes]


def tree_from_parser(nodes: list) -> list[tuple]:
    out = []
    for node in nodes:
        if isinstance(node, Comment):
            out.append(("#", node.text, node.start, node.end))
            continue
        assert isinstance(node, Directive)
        args = [(a.value, a.start, a.end, a.quoted) for a in node.args]
        block = None if node.block is None else tree_from_parser(node.block)
        out.append((node.name, node.start, node.name_end, node.end, args, block, node.block_start, node.block_end))
    return out


def assert_paths_agree(text: str) -> str:
    """Parse ``text`` both ways; returns "ok", "lex-error" or "unbalanced" (both rejected)."""
    src = SourceFile(Path("t.conf"), text.encode(), text)
    try:
        expected = tree_from_tokens(tokenize(text), src.byte_offset)
    except (LexError, Unbalanced) as e:
        with pytest.raises(ParseError):
            parse_file(src)
        return "lex-error" if isinstance(e, LexError) else "unbalanced"
    assert tree_from_parser(parse_file(src)) == expected
    return "ok"


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
def test_parser_agrees_with_tokenizer_on_the_corpus() -> None:
    outcomes: dict[str, int] = {}
    for path in FILES:
        text = path.read_bytes().decode("utf-8", "replace")
        outcome = assert_paths_agree(text)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if not text.isascii():
            outcomes["non-ascii"] = outcomes.get("non-ascii", 0) + 1
    # the corpus really was read, multi-byte text included
    assert outcomes["ok"] > 200 and outcomes["non-ascii"] > 0, outcomes


@pytest.mark.parametrize("text", [
    "server { listen 80; location / { alias /srv/; } }\n",
    "# c\r\nlisten 80;\r\n# end\r\n",
    'add_header X "a \\"b\\" c" \'it\\\'s\' a\\ b;',
    '"server_name" a; \'listen\' 80;',
    "set $a ${b;c}d; x ${a} b;",
    "content_by_lua_block { ngx.say('}') } listen 80;",
    "set_by_lua_block $x { return 1 } listen 80;",
    '"content_by_lua_block"{ x = "}" }',
    "log_format content_by_lua_block x;",
    "location /a/ { # inside\n  alias /b/; # after\n}\n#eof",
    "a b # comment between args\n c;",
    "",
    "   \n\t",
    # rejected both ways
    "server {\n    listen 80;\n}\n}\n",
    'server {\n    return 200 "hi;\n}\n',
    "content_by_lua_block {\n    ngx.say('}')\n",
    "set_by_lua_block $x",
    "content_by_lua_block x;",
    "listen 80",
    "; listen 80;",
    "{ }",
    "server { listen 80 }",
    # runs of plain words (one regex match per statement) and where they must stop
    "location ~ ^/dl/(?<f>[\\w.-]+)$ { alias /srv/$f; }",
    "return 301 https://$host${request_uri};",
    "a b c\\ d e;",
    "a b c${x}y d;",
    "a b$ {",
    "location /x{ }",
    "server{listen 80;}",
    "listen 80 ;",
    "a  b\tc\n d;",
    "a b #c\n;",
    "a b 'c' d\"e f;",
    "a b}",
    "a b",
    "a\x1cb c;",
    "a\u00a0b c;",
    "set_by_lua_block $x { return 1 }",
    "content_by_lua_block;",
])
def test_parser_agrees_with_tokenizer(text: str) -> None:
    assert_paths_agree(text)


def test_ascii_statement_regex_sees_the_same_whitespace() -> None:
    """ASCII_STATEMENT spells `\\s` as a set for ASCII text: the same chars str.isspace() knows
    (the crossplane rule), \\x1c-\\x1f included; it then splits every ASCII text alike."""
    import re

    from nglint.load.parser import ASCII_SPACE, ASCII_STATEMENT, unicode_statement

    assert [c for c in map(chr, range(128)) if re.match(f"[{ASCII_SPACE}]", c)] == \
        [c for c in map(chr, range(128)) if c.isspace()]
    text = "".join(map(chr, range(128))) * 3 + " a b;\x1ca\x1db c\\ d ${e} 'f' \"g\" # h\n}"
    for start in range(len(text)):
        a, b = ASCII_STATEMENT.match(text, start), unicode_statement().match(text, start)
        assert (a.lastindex, a.span()) == (b.lastindex, b.span())


def test_includes_are_reported_in_document_order_with_their_index() -> None:
    text = ('include a;\nhttp { x 1; include b; server { "include" c; } include d { } }\n'
            '# include e;\ninclude "f" g;\n')
    found: list = []
    nodes = parse_file(SourceFile(Path("t.conf"), text.encode(), text), includes=found)
    expected = []

    def walk(block: list) -> None:
        for i, node in enumerate(block):
            if isinstance(node, Directive):
                if node.name == "include":
                    expected.append((node, i))
                if node.block is not None:
                    assert node.children is node.block  # until the loader adds included nodes
                    walk(node.block)

    walk(nodes)
    assert [(d.args[0].value if d.args else None, i) for d, i in found] == \
        [("a", 0), ("b", 1), ("c", 0), ("d", 3), ("f", 3)]
    assert [(id(d), i) for d, i in found] == [(id(d), i) for d, i in expected]


def test_both_paths_reject_what_they_should() -> None:
    assert assert_paths_agree("server {") == "unbalanced"
    assert assert_paths_agree('listen "80;') == "lex-error"
    assert assert_paths_agree("listen 80;") == "ok"


def test_new_directive_sets_every_slot_as_the_constructor_does() -> None:
    from nglint.load.tree import new_directive

    src = SourceFile(Path("t.conf"), b"x", "x")
    parent = Directive("http", [], src, 0, 1, 1)
    made = new_directive("listen", [], src, 3, 9, 9, parent)
    built = Directive("listen", made.args, src, 3, 9, 9, parent=parent)
    for slot in Directive.__slots__:
        assert getattr(made, slot) == getattr(built, slot), slot
