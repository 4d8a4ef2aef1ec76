"""The fix loop: byte preservation, atomic writes, refusal of unparseable output,
idempotence, conflicting fixes, the convergence bound, the text-creating helpers, and real
`nginx -t` on every safe fix of every rule's embedded bad examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from conftest import full_config, nginx_t
from nglint import engine
from nglint.diagnostics import Diagnostic, Fix, Severity, TextEdit
from nglint.engine import Project, all_rules, lint
from nglint.fix import (
    apply_edits,
    fix_project,
    insert_directive_after,
    insert_directive_in,
    remove_node,
    render_directive,
    select_fixes,
    write_atomic,
)
from nglint.load import Directive, load, load_text, parse_file
from nglint.rule import Rule, RuleContext

DOC = """
    ## What it does
    Test-only rule.

    ## Why is this bad?
    It is not.

    ## Example
    ```nginx
    listen 80;
    ```
"""


def _rule(code: str, name: str, directives: tuple[str, ...], check) -> type[Rule]:  # noqa: ANN001
    return type(name.title().replace("-", ""), (Rule,), {
        "__doc__": DOC, "code": code, "name": name, "directives": directives, "message": name,
        "check": lambda self, ctx: check(self, ctx)})


@pytest.fixture
def extra_rules(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Register test-only rules next to the installed ones for this test."""
    def add(*rules: type[Rule]) -> None:
        monkeypatch.setattr(engine, "_registry", sorted([*all_rules(), *rules], key=lambda c: c.code))

    return add


def _alias_needs_slash(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
    arg = ctx.directive.args[0]
    if not arg.value.endswith("/"):
        yield self.report(ctx.directive, fix=Fix.safe("add /", [TextEdit(ctx.directive.file, arg.value_end,
                                                                         arg.value_end, "/")]))


# -- byte preservation, idempotence, atomic writes ---------------------------------------------

MESSY = (
    b"# deployed by ansible \xe2\x80\x94 do not edit\r\n"
    b"server {\r\n"
    b"\tlisten 127.0.0.1:8080;   # trailing comment\r\n"
    b"\r\n"
    b"\r\n"
    b"\tlocation /static/ {\r\n"
    b"\t\talias   \"/srv/app/static\" ;  # quoted, odd spacing\r\n"
    b"\t}\r\n"
    b"    location '/media/' { alias '/srv/app/media'; }\r\n"
    b"\tlocation /ok/ { alias /srv/ok/; }\r\n"
    b"}"  # no trailing newline
)


def test_fix_changes_only_the_edited_bytes(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = tmp_path / "site.conf"
    conf.write_bytes(MESSY)
    r = nglint("check", "--fix", "--select", "NGL001", str(conf))
    assert r.code == 0, r.out + r.err
    expected = MESSY.replace(b'"/srv/app/static" ;', b'"/srv/app/static/" ;').replace(
        b"'/srv/app/media';", b"'/srv/app/media/';")
    assert expected != MESSY
    assert conf.read_bytes() == expected
    assert "Fixed 2 problems." in r.err


def test_second_fix_run_changes_nothing(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = tmp_path / "site.conf"
    conf.write_bytes(MESSY)
    assert nglint("check", "--fix", str(conf)).code in (0, 1)
    once = conf.read_bytes()
    stat = conf.stat()
    r = nglint("check", "--fix", str(conf))
    assert conf.read_bytes() == once
    assert conf.stat().st_ino == stat.st_ino  # not even rewritten with the same bytes
    assert "Fixed" not in r.err


def test_write_keeps_mode_and_symlink_and_replaces_atomically(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    avail = tmp_path / "sites-available"
    enabled = tmp_path / "sites-enabled"
    avail.mkdir()
    enabled.mkdir()
    target = avail / "app.conf"
    target.write_bytes(b"location /static/ { alias /srv/app/static; }\n")
    target.chmod(0o640)
    link = enabled / "app.conf"
    link.symlink_to("../sites-available/app.conf")
    inode = target.stat().st_ino
    r = nglint("check", "--fix", str(link))
    assert r.code == 0, r.err
    assert link.is_symlink() and os.readlink(link) == "../sites-available/app.conf"
    assert target.read_bytes() == b"location /static/ { alias /srv/app/static/; }\n"
    assert target.stat().st_mode & 0o7777 == 0o640
    assert target.stat().st_ino != inode  # a new file renamed over the old one
    assert sorted(p.name for p in avail.iterdir()) == ["app.conf"]  # no temp file left behind


def test_failed_write_leaves_the_original_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"old\n")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(str(conf), b"new\n")
    assert conf.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.conf"]


def test_unwritable_file_is_a_one_line_error(tmp_path: Path, nglint, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"location /static/ { alias /srv/app/static; }\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("nglint.fix.tempfile.mkstemp", denied)
    r = nglint("check", "--fix", str(conf))
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == f"nglint: error: cannot write {conf}: Permission denied"
    assert conf.read_bytes() == b"location /static/ { alias /srv/app/static; }\n"


# -- --diff --------------------------------------------------------------------------------------

def test_diff_writes_nothing_and_is_a_patch_that_fix_agrees_with(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    src = tmp_path / "src"
    src.mkdir()
    (src / "site.conf").write_bytes(MESSY)
    r = nglint("check", "--diff", "site.conf", cwd=src)
    assert r.code == 1  # the diff is not empty
    assert (src / "site.conf").read_bytes() == MESSY
    assert r.out.startswith("--- a/site.conf\n+++ b/site.conf\n")
    assert "\\ No newline at end of file" in r.out
    patched = tmp_path / "patched"
    shutil.copytree(src, patched)
    subprocess.run(["patch", "-s", "-p1", "--binary"], input=r.out.encode(), cwd=patched, check=True)
    assert nglint("check", "--fix", "site.conf", cwd=src).code in (0, 1)
    assert (patched / "site.conf").read_bytes() == (src / "site.conf").read_bytes()


def test_diff_exit_codes(tmp_path: Path, nglint, extra_rules) -> None:  # noqa: ANN001
    clean = tmp_path / "clean.conf"
    clean.write_text("location /static/ { alias /srv/app/static/; }\n")
    r = nglint("check", "--diff", "--select", "NGL001", str(clean))
    assert (r.code, r.out) == (0, "")

    def no_fix(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        yield self.report(ctx.directive)

    extra_rules(_rule("TST009", "tst-no-fix", ("alias",), no_fix))
    r = nglint("check", "--diff", "--select", "TST009", str(clean))  # nothing to diff, a finding remains
    assert (r.code, r.out) == (1, "")
    assert "Would fix 0 problems; 1 would remain." in r.err


def test_diff_from_stdin(nglint, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import io
    import sys

    from nglint.load import discover

    monkeypatch.setattr(discover, "_stdin_cache", [])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"location /s/ { alias /srv/s; }\n")))
    r = nglint("check", "--diff", "--stdin-filename", "x.conf", "-")
    assert r.code == 1
    assert "-location /s/ { alias /srv/s; }\n+location /s/ { alias /srv/s/; }\n" in r.out


def test_fix_refuses_stdin(nglint) -> None:  # noqa: ANN001
    r = nglint("check", "--fix", "-")
    assert r.code == 2 and "stdin" in r.err


# -- refusing output that does not parse ---------------------------------------------------------

def test_fix_that_breaks_the_file_is_refused_and_others_still_apply(tmp_path: Path, nglint, extra_rules) -> None:  # noqa: ANN001
    def breaks(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        d = ctx.directive
        if d.args and d.args[0].value == "/broken/":
            yield self.report(d, fix=Fix.safe("drop the brace", [TextEdit(d.file, d.block_end, d.end, "")]))

    extra_rules(_rule("TST001", "tst-breaks", ("location",), breaks))
    conf = tmp_path / "a.conf"
    text = b"location /broken/ { alias /srv/b/; }\nlocation /static/ { alias /srv/app/static; }\n"
    conf.write_bytes(text)
    r = nglint("check", "--fix", "--select", "TST001,NGL001", str(conf))
    # The good NGL001 fix is written, the breaking one is not.
    assert conf.read_bytes() == text.replace(b"static;", b"static/;")
    assert r.code == 1  # the refused finding remains
    assert "TST001" in r.out
    warning = [line for line in r.err.splitlines() if "not applied" in line]
    assert len(warning) == 1
    assert warning[0].startswith(f"nglint: warning: {conf}:1:1: TST001 fix \"drop the brace\" not applied: "
                                 "the result would not parse")


def test_only_breaking_fix_leaves_file_untouched(tmp_path: Path, nglint, extra_rules) -> None:  # noqa: ANN001
    def unbalanced(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        d = ctx.directive
        yield self.report(d, fix=Fix.safe("open a block", [TextEdit(d.file, d.end, d.end, " {")]))

    extra_rules(_rule("TST002", "tst-unbalanced", ("listen",), unbalanced))
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"server {\n    listen 127.0.0.1:8080;\n}\n")
    before = conf.stat()
    r = nglint("check", "--fix", "--select", "TST002", str(conf))
    assert r.code == 1
    assert conf.read_bytes() == b"server {\n    listen 127.0.0.1:8080;\n}\n"
    assert conf.stat().st_ino == before.st_ino
    assert "would not parse" in r.err


# -- conflicting fixes ---------------------------------------------------------------------------

def _diag(src, *spans: tuple[int, int], code: str = "T") -> Diagnostic:  # noqa: ANN001
    return Diagnostic(code, "t", Severity.WARNING, "m", src, spans[0][0], spans[0][0],
                      Fix.safe("t", [TextEdit(src, s, e, "x") for s, e in spans]))


@pytest.mark.parametrize(("a", "b", "both"), [
    ((0, 4), (4, 8), False),   # touching replacements: ambiguous glue, defer one
    ((0, 4), (5, 8), True),    # disjoint
    ((2, 2), (2, 2), False),   # two insertions at one offset
    ((2, 2), (0, 4), False),   # insertion inside a replacement
    ((0, 4), (4, 4), False),   # insertion at the end of a replacement
    ((0, 4), (2, 6), False),   # overlap
    ((3, 3), (5, 5), True),    # insertions at different offsets
])
def test_select_fixes_conflicts(a: tuple[int, int], b: tuple[int, int], both: bool) -> None:
    src = load_text("listen 80;\n", "x.conf").main
    first, second = _diag(src, a, code="A"), _diag(src, b, code="B")
    chosen = select_fixes([first, second])
    assert len(chosen) == (2 if both else 1)
    chosen_rev = select_fixes([second, first])
    assert [d.code for d in chosen_rev] == [d.code for d in chosen]  # order-independent


def test_select_fixes_takes_whole_fixes() -> None:
    src = load_text("listen 80;\n", "x.conf").main
    multi = _diag(src, (0, 1), (8, 9), code="A")
    clash = _diag(src, (8, 9), code="B")
    later = _diag(src, (3, 4), code="C")
    assert [d.code for d in select_fixes([clash, multi, later])] == ["A", "C"]


def test_apply_edits_keeps_order_of_insertions_within_a_fix() -> None:
    src = load_text("ab", "x.conf").main
    edits = [TextEdit(src, 1, 1, "1"), TextEdit(src, 1, 1, "2"), TextEdit(src, 0, 1, "A")]
    assert apply_edits(b"ab", edits) == b"A12b"


def test_conflicting_fixes_apply_over_passes(tmp_path: Path, nglint, extra_rules) -> None:  # noqa: ANN001
    # Two rules both want to append to the alias argument; the second is deferred to the
    # next pass, re-checked against the new text and then applied.
    def want_x(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        arg = ctx.directive.args[0]
        if "x" not in arg.value:
            yield self.report(ctx.directive, fix=Fix.safe("x", [TextEdit(ctx.directive.file, arg.value_end,
                                                                        arg.value_end, "x")]))

    def want_y(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        arg = ctx.directive.args[0]
        if "y" not in arg.value:
            yield self.report(ctx.directive, fix=Fix.safe("y", [TextEdit(ctx.directive.file, arg.value_end,
                                                                        arg.value_end, "y")]))

    extra_rules(_rule("TST003", "tst-x", ("alias",), want_x), _rule("TST004", "tst-y", ("alias",), want_y))
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"location /s/ { alias /srv/; }\n")
    r = nglint("check", "--fix", "--select", "TST003,TST004", str(conf))
    assert r.code == 0, r.err
    assert conf.read_bytes() == b"location /s/ { alias /srv/xy; }\n"
    assert "Fixed 2 problems." in r.err


def test_overlapping_edits_within_one_fix_are_refused(tmp_path: Path, nglint, extra_rules) -> None:  # noqa: ANN001
    def messy(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        d = ctx.directive
        yield self.report(d, fix=Fix.safe("messy", [TextEdit(d.file, d.start, d.end, "a;"),
                                                    TextEdit(d.file, d.start + 1, d.start + 2, "b")]))

    extra_rules(_rule("TST005", "tst-messy", ("listen",), messy))
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"listen 8080;\n")
    r = nglint("check", "--fix", "--select", "TST005", str(conf))
    assert conf.read_bytes() == b"listen 8080;\n"
    assert "its edits overlap each other" in r.err


# -- convergence bound ---------------------------------------------------------------------------

def _project_fixer(path: Path, rules: list[type[Rule]]):  # noqa: ANN202
    calls = []

    def relint(overlay: dict[str, bytes]):  # noqa: ANN202
        calls.append(1)
        configs = [load(path, overlay=overlay)]
        return configs, lint(Project(configs), rules)

    return relint, calls


def test_never_settling_fix_stops_at_the_bound(tmp_path: Path) -> None:
    def grows(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        arg = ctx.directive.args[0]
        yield self.report(ctx.directive, fix=Fix.safe("grow", [TextEdit(ctx.directive.file, arg.end, arg.end, "0")]))

    rule = _rule("TST006", "tst-grows", ("listen",), grows)
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"listen 8;\n")
    relint, calls = _project_fixer(conf, [rule])
    configs, diags = relint({})
    result = fix_project(relint, configs, diags, unsafe=False, max_passes=7)
    assert not result.converged
    assert len(calls) == 1 + 7
    assert result.new_data[str(conf)] == b"listen 8" + b"0" * 7 + b";\n"
    assert any("failed to converge after 7 passes" in p for p in result.problems)
    assert conf.read_bytes() == b"listen 8;\n"  # fix_project never writes


def test_oscillating_fixes_are_detected(tmp_path: Path) -> None:
    def toggle(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        d = ctx.directive
        arg = d.args[0]
        new = "off" if arg.value == "on" else "on"
        yield self.report(d, fix=Fix.safe("toggle", [TextEdit(d.file, arg.start, arg.end, new)]))

    rule = _rule("TST007", "tst-toggle", ("gzip",), toggle)
    conf = tmp_path / "a.conf"
    conf.write_bytes(b"gzip on;\n")
    relint, calls = _project_fixer(conf, [rule])
    configs, diags = relint({})
    result = fix_project(relint, configs, diags, unsafe=False)
    assert not result.converged
    assert len(calls) == 2  # on → off, then off → on is the starting text again: stop
    assert any("bring back an earlier text" in p for p in result.problems)


def test_unsafe_fixes_only_when_asked(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = tmp_path / "a.conf"
    text = b"location /static/ { root /var/www/app/static; }\n"
    conf.write_bytes(text)
    assert nglint("check", "--fix", "--select", "NGL002", str(conf)).code == 1
    assert conf.read_bytes() == text
    r = nglint("check", "--unsafe-fixes", "--select", "NGL002", str(conf))
    assert conf.read_bytes() != text, r.err
    _parse_ok(conf.read_bytes())


def test_display_only_fix_never_applies(tmp_path: Path) -> None:
    def show(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        d = ctx.directive
        yield self.report(d, fix=Fix.display_only("look", [TextEdit(d.file, d.start, d.start, "#")]))

    conf = tmp_path / "a.conf"
    conf.write_bytes(b"gzip on;\n")
    relint, _ = _project_fixer(conf, [_rule("TST008", "tst-show", ("gzip",), show)])
    result = fix_project(relint, *relint({}), unsafe=True)
    assert result.new_data == {} and result.applied == []


# -- helpers that create text --------------------------------------------------------------------

def _parse_ok(data: bytes) -> None:
    from nglint.load import SourceFile

    parse_file(SourceFile(Path("x"), data, data.decode()))


def _directive(config, name: str, value: str | None = None) -> Directive:  # noqa: ANN001
    return next(d for d in config.walk() if d.name == name and (value is None or d.values[:1] == [value]))


def test_render_directive_quotes_and_indents() -> None:
    text = render_directive("location", ["/static/"], [("alias", ["/srv/my app/static/"]),
                                                       ("location", ["~", r"\.css$"], [("expires", ["7d"])])],
                            indent="\t", unit="\t", newline="\r\n")
    assert text == ("\tlocation /static/ {\r\n\t\talias '/srv/my app/static/';\r\n"
                    "\t\tlocation ~ '\\.css$' {\r\n\t\t\texpires 7d;\r\n\t\t}\r\n\t}")


def test_insert_after_matches_indent_and_keeps_trailing_comment() -> None:
    data = b"server {\n    listen 80;  # public\n    location / {\n        proxy_pass http://app;\n    }\n}\n"
    config = load_text(data, "x.conf")
    edit = insert_directive_after(_directive(config, "listen"), "server_name", ["example.org"])
    out = apply_edits(data, [edit])
    assert out == data.replace(b"# public\n", b"# public\n    server_name example.org;\n")
    block = insert_directive_after(_directive(config, "location"), "location", ["/static/"],
                                   [("alias", ["/srv/app/static/"])])
    out = apply_edits(data, [block])
    assert out == data.replace(b"    }\n}", b"    }\n    location /static/ {\n        alias /srv/app/static/;\n    }\n}")


def test_insert_after_on_a_one_line_block_and_crlf_and_eof() -> None:
    data = b"location /a/ { alias /srv/a/; }"
    config = load_text(data, "x.conf")
    out = apply_edits(data, [insert_directive_after(_directive(config, "alias"), "expires", ["7d"])])
    assert out == b"location /a/ { alias /srv/a/; expires 7d; }"
    crlf = b"server {\r\n\tlisten 80;\r\n}"
    config = load_text(crlf, "y.conf")
    out = apply_edits(crlf, [insert_directive_after(_directive(config, "server"), "server",
                                                    block=[("listen", ["81"])])])
    assert out == crlf + b"\r\nserver {\r\n\tlisten 81;\r\n}"  # still no newline at the end


def test_insert_in_block_first_and_last() -> None:
    data = b"http {\n  server {\n    listen 80;\n  }\n}\n"
    config = load_text(data, "x.conf")
    server = _directive(config, "server")
    last = apply_edits(data, [insert_directive_in(server, "server_name", ["a.example"])])
    assert last == b"http {\n  server {\n    listen 80;\n    server_name a.example;\n  }\n}\n"
    first = apply_edits(data, [insert_directive_in(server, "server_name", ["a.example"], first=True)])
    assert first == b"http {\n  server {\n    server_name a.example;\n    listen 80;\n  }\n}\n"
    empty = b"server {\n}\n"
    config = load_text(empty, "e.conf")
    out = apply_edits(empty, [insert_directive_in(_directive(config, "server"), "listen", ["80"])])
    assert out == b"server {\n    listen 80;\n}\n"
    one_line = b"server { listen 80; }\n"
    config = load_text(one_line, "o.conf")
    out = apply_edits(one_line, [insert_directive_in(_directive(config, "server"), "server_name", ["a"])])
    assert out == b"server { listen 80; server_name a; }\n"


def test_insert_in_synthetic_server_appends_to_the_snippet() -> None:
    data = b"location /a/ { alias /srv/a/; }"
    config = load_text(data, "x.conf")
    server = config.nodes[0]
    assert server.synthetic
    out = apply_edits(data, [insert_directive_in(server, "location", ["/b/"], [("alias", ["/srv/b/"])])])
    assert out == data + b"\nlocation /b/ {\n    alias /srv/b/;\n}"


@pytest.mark.parametrize(("data", "target", "expected"), [
    (b"a 1;\nb 2;\nc 3;\n", "b", b"a 1;\nc 3;\n"),                      # a line of its own
    (b"a 1;\r\nb 2;\r\nc 3;\r\n", "b", b"a 1;\r\nc 3;\r\n"),            # CRLF
    (b"a 1;\nb 2;", "b", b"a 1;"),                                      # last line, no newline
    (b"a 1;\r\nb 2;", "b", b"a 1;"),
    (b"x { a 1; b 2; }\n", "a", b"x { b 2; }\n"),                       # first on a shared line
    (b"x { a 1; b 2; }\n", "b", b"x { a 1; }\n"),                       # after another node
    (b"a 1;\n  b {\n    c 3;\n  }\nd 4;\n", "b", b"a 1;\nd 4;\n"),      # a whole block
])
def test_remove_node(data: bytes, target: str, expected: bytes) -> None:
    config = load_text(data, "x.conf")
    assert apply_edits(data, [remove_node(_directive(config, target))]) == expected
    _parse_ok(expected)


def test_remove_trailing_comment() -> None:
    data = b"listen 80;   # old note\nlisten 81;\n"
    config = load_text(data, "x.conf")
    comment = next(n for n in config.nodes[0].body() if n.name == "#")
    assert apply_edits(data, [remove_node(comment)]) == b"listen 80;\nlisten 81;\n"


def test_created_text_passes_nginx_t(tmp_path: Path) -> None:
    data = b"server {\n\tlisten 127.0.0.1:%d;\n\tlocation / {\n\t\treturn 204;\n\t}\n}\n"
    from conftest import free_port

    data = data % free_port()
    config = load_text(data, "x.conf")
    edits = [insert_directive_after(_directive(config, "location"), "location", ["/static/"],
                                    [("alias", ["/srv/my app/static/"]), ("expires", ["7d"])]),
             insert_directive_in(_directive(config, "server"), "server_name", ["example.org"], first=True)]
    out = apply_edits(data, edits)
    assert b"\tlocation /static/ {\n\t\talias '/srv/my app/static/';\n\t\texpires 7d;\n\t}\n" in out
    conf = tmp_path / "nginx.conf"
    conf.write_text(full_config(out.decode(), tmp_path))
    r = nginx_t(conf)
    assert r.returncode == 0, r.stderr


# -- every fix of every rule's embedded bad examples passes real nginx -t -----------------------

def _bad_examples() -> list:  # noqa: ANN401
    cases = []
    for cls in all_rules():
        for i, (bad, _fixed) in enumerate(cls.bad):
            for level in ("safe", "unsafe"):
                cases.append(pytest.param(cls, bad, level, id=f"{cls.code}-{cls.name}-bad{i}-{level}"))
    return cases


def _nginx_errors(text: str, tmp: Path) -> set[str]:
    """nginx -t's [emerg] messages for ``text`` made into a full config, without locations."""
    tmp.mkdir()
    main = tmp / "nginx.conf"
    main.write_text(full_config(text, tmp))
    result = nginx_t(main)
    found = set(re.findall(r"\[emerg\] (.*?)(?: in \S+:\d+)?$", result.stderr, re.M))
    assert result.returncode == 0 or found, result.stderr
    return found


@pytest.mark.parametrize(("cls", "bad", "level"), _bad_examples())
def test_fixes_of_examples_pass_nginx_t(cls: type[Rule], bad: str, level: str, tmp_path: Path, nglint) -> None:  # noqa: ANN001
    """Safe fixes (the brief's requirement) and, with --unsafe-fixes, unsafe ones too: a fix
    may change behaviour, but never into a config nginx refuses. Where nginx refuses the
    example itself (a made-up upstream host, a duplicate default server), the fixed text may
    keep those errors but must not add any."""
    if cls.needs_app:
        pytest.skip("reads a Flask app; its fixes are checked with its fixtures")
    if load_text(bad, "example.conf").dump:
        pytest.skip("an `nginx -T` dump is not fixable in place")
    work = tmp_path / "work"
    work.mkdir()
    conf = work / "example.conf"
    conf.write_text(bad)
    r = nglint("check", "--fix" if level == "safe" else "--unsafe-fixes", "--select", cls.code, str(conf))
    assert r.code in (0, 1), r.err
    assert "not applied" not in r.err and "converge" not in r.err, r.err
    fixed = conf.read_text()
    if fixed == bad:
        pytest.skip(f"{cls.code} has no {level} fix for this example")
    added = _nginx_errors(fixed, tmp_path / "fixed") - _nginx_errors(bad, tmp_path / "original")
    assert not added, f"{cls.code} {level} fix makes nginx -t fail:\n{fixed}\n{added}"


def test_one_file_under_two_names_with_different_fixes_is_not_written(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    text = "location /s/ { alias /srv/s; }\n# nglint: disable=NGL002 -- stale\n"
    (tmp_path / "a.conf").write_text(text)
    (tmp_path / "link.conf").symlink_to("a.conf")
    (tmp_path / "nglint.toml").write_text('[per-file-ignores]\n"a.conf" = ["NGL011"]\n"link.conf" = ["NGL001"]\n')
    r = nglint("check", "--fix", "a.conf", "link.conf", cwd=tmp_path)
    assert r.code == 2
    assert "a.conf and link.conf are the same file and their fixes differ; nothing written" in r.err
    assert (tmp_path / "a.conf").read_text() == text
    # The same fix reached through both names is fine.
    (tmp_path / "nglint.toml").unlink()
    r = nglint("check", "--fix", "--select", "NGL001", "a.conf", "link.conf", cwd=tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "a.conf").read_text() == text.replace("/srv/s;", "/srv/s/;")
    assert (tmp_path / "link.conf").is_symlink()


def test_fix_that_changes_nothing_is_reported(tmp_path: Path) -> None:
    def same(self: Rule, ctx: RuleContext) -> Iterator[Diagnostic]:
        d = ctx.directive
        yield self.report(d, fix=Fix.safe("same", [TextEdit(d.file, d.start, d.name_end, d.name)]))

    conf = tmp_path / "a.conf"
    conf.write_bytes(b"gzip on;\n")
    relint, calls = _project_fixer(conf, [_rule("TST010", "tst-same", ("gzip",), same)])
    result = fix_project(relint, *relint({}), unsafe=False)
    assert not result.converged and result.new_data == {}
    assert result.problems == ["fixes failed to converge: the fixes of TST010 change nothing"]
    assert len(calls) == 1
