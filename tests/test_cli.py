"""`nglint check` / `rules` / `rule`: exit codes, one-line errors, selection, suppressions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nglint.engine import all_rules

BAD = "location /static/ {\n    alias /srv/app/static;\n}\n"
GOOD = "location /static/ {\n    alias /srv/app/static/;\n}\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _cli(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console entry point in a subprocess, as users run it (no NGLINT_DEBUG)."""
    env = {k: v for k, v in os.environ.items() if k != "NGLINT_DEBUG"}
    return subprocess.run([sys.executable, "-c", "import sys; from nglint.cli import main; sys.exit(main())", *args],
                          cwd=cwd, env=env, input=stdin.decode() if stdin is not None else None,
                          capture_output=True, text=True, timeout=60)


# -- exit codes and the default command --------------------------------------------------------

def test_exit_codes(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    good = _write(tmp_path, "good.conf", GOOD)
    bad = _write(tmp_path, "bad.conf", BAD)
    assert nglint("check", "--select", "NGL001", str(good)).code == 0
    assert nglint("check", "--select", "NGL001", str(bad)).code == 1
    assert nglint("check", "--select", "NGL001", str(tmp_path / "missing.conf")).code == 2
    assert nglint("check", "--format", "yaml", str(good)).code == 2


def test_check_is_the_default_command(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    bad = _write(tmp_path, "bad.conf", BAD)
    r = nglint("--select", "NGL001", str(bad))
    assert r.code == 1
    assert r.out.startswith(f"{bad}:2:11: NGL001 [alias-trailing-slash-mismatch] ")
    r = nglint("--fix", "--select", "NGL001", str(bad))
    assert r.code == 0 and bad.read_text() == GOOD


def test_default_path_is_the_current_directory(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _write(tmp_path, "sites-enabled/app", "server {\n    listen 80;\n    server_name a;\n" + BAD + "}\n")
    r = nglint("check", "--select", "NGL001", cwd=tmp_path)
    assert r.code == 1
    assert r.out.startswith(os.path.join("sites-enabled", "app") + ":5:11: NGL001")


def test_syntax_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    _write(tmp_path, "broken.conf", "server {\n    listen 80;\n    location / {\n        return 200\n    }\n}\n")
    r = _cli("check", "broken.conf", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("broken.conf:5:5: ")
    assert "Traceback" not in r.stderr + r.stdout
    # Never "All checks passed." about a config that was not checked.
    assert r.stdout == "No problems found in what loaded; 1 config did not load.\n"


@pytest.mark.parametrize(("name", "data"), [
    ("binary.conf", b"\x00\x01\x02server {}"),
    ("latin1.conf", b"server { server_name caf\xe9; }\n"),
    ("unbalanced.conf", b"server {\n    listen 80;\n"),
    ("quote.conf", b"server { server_name 'oops; }\n"),
])
def test_bad_input_never_shows_a_traceback(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    for args in (["check", name], ["check", "--fix", name], ["check", "--format", "json", name]):
        r = _cli(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr + r.stdout
        assert len([line for line in r.stderr.splitlines() if name in line]) == 1, r.stderr
    assert (tmp_path / name).read_bytes() == data


def test_fix_is_not_attempted_when_a_file_does_not_load(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    bad = _write(tmp_path, "bad.conf", BAD)
    broken = _write(tmp_path, "broken.conf", "server {\n")
    r = nglint("check", "--fix", str(bad), str(broken))
    assert r.code == 2
    assert bad.read_text() == BAD
    assert "no fixes applied" in r.err


def test_internal_error_is_one_line_unless_debugging(tmp_path: Path, nglint, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    good = _write(tmp_path, "good.conf", GOOD)

    def explode(*args: object, **kwargs: object) -> None:
        raise ValueError("kaboom")

    monkeypatch.setattr("nglint.engine.lint", explode)
    monkeypatch.delenv("NGLINT_DEBUG")
    r = nglint("check", str(good))
    assert r.code == 2
    assert r.err == "nglint: internal error: ValueError: kaboom (set NGLINT_DEBUG=1 for a traceback)\n"
    monkeypatch.setenv("NGLINT_DEBUG", "1")
    with pytest.raises(ValueError, match="kaboom"):
        nglint("check", str(good))


def test_crashing_rule_is_named(tmp_path: Path, nglint, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from nglint.rule import Rule

    class TstCrash(Rule):
        """
        ## What it does
        Crashes.

        ## Why is this bad?
        Test only.

        ## Example
        ```nginx
        alias /x/;
        ```
        """

        code, name, directives = "TST100", "tst-crash", ("alias",)

        def check(self, ctx):  # noqa: ANN001, ANN201
            yield 1 / 0

    monkeypatch.setattr("nglint.engine._registry", [*all_rules(), TstCrash])
    bad = _write(tmp_path, "a.conf", GOOD)
    monkeypatch.delenv("NGLINT_DEBUG")
    r = nglint("check", "--select", "TST100", str(bad))
    assert r.code == 2
    assert r.err == (f"nglint: error: rule TST100 (tst-crash) failed at {bad}:2: "
                     "ZeroDivisionError: division by zero\n")


def test_usage_errors(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    good = _write(tmp_path, "good.conf", GOOD)
    r = nglint("check", "--select", "NGL9", str(good))
    assert r.code == 2 and "'NGL9' matches no rule" in r.err
    r = nglint("check", "--ignore", "alias-slash", str(good))
    assert r.code == 2 and "'alias-slash' matches no rule" in r.err
    r = nglint("check", "--fix", "--diff", str(good))
    assert r.code == 2 and "not allowed with argument" in r.err
    r = nglint("check", "-", "-")
    assert r.code == 2
    r = nglint("check", "--app", str(tmp_path / "nope"), str(good))
    assert r.code == 2 and "not a directory" in r.err


def test_dump_cannot_be_fixed(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    dump = _write(tmp_path, "dump.txt", "# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp {\n"
                  "  server {\n    listen 80;\n    server_name a;\n" + BAD + "  }\n}\n")
    assert nglint("check", "--select", "NGL001", str(dump)).code == 1
    r = nglint("check", "--fix", "--select", "NGL001", str(dump))
    assert r.code == 2 and "nginx -T" in r.err


# -- selection ----------------------------------------------------------------------------------

def test_select_and_ignore(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = _write(tmp_path, "a.conf", "location /static/ { root /var/www/app/static; }\n"
                                      "location /media/ { alias /srv/media; }\n")
    codes = lambda r: sorted({line.split()[1] for line in r.out.splitlines() if ": NGL" in line})  # noqa: E731
    assert codes(nglint("check", str(conf))) == ["NGL001", "NGL002"]
    assert codes(nglint("check", "--select", "NGL001", str(conf))) == ["NGL001"]
    assert codes(nglint("check", "--select", "root-instead-of-alias", str(conf))) == ["NGL002"]
    assert codes(nglint("check", "--ignore", "NGL001", str(conf))) == ["NGL002"]
    assert codes(nglint("check", "--select", "NGL00", "--ignore", "NGL002", str(conf))) == ["NGL001"]
    assert nglint("check", "--select", "NGL001,NGL002", "--ignore", "ALL", str(conf)).code == 0


# -- suppressions -------------------------------------------------------------------------------

def _codes_at(out: str) -> list[tuple[int, str]]:
    found = []
    for line in out.splitlines():
        parts = line.split(": ", 1)
        if len(parts) == 2 and parts[1][:3] == "NGL":
            found.append((int(parts[0].split(":")[-2]), parts[1].split()[0]))
    return sorted(found)


def test_suppression_on_the_line_and_the_line_above(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = _write(tmp_path, "a.conf", (
        "location /a/ { alias /srv/a; }  # nglint: disable=NGL001 -- migrating\n"
        "# nglint: disable=alias-trailing-slash-mismatch -- by name\n"
        "location /b/ { alias /srv/b; }\n"
        "# nglint: disable=NGL001 -- only covers the next line\n"
        "\n"
        "location /c/ { alias /srv/c; }\n"
        "location /d/ { alias /srv/d; }\n"
        "location /e/ { root /srv/e/e; }  # nglint: disable=NGL002,NGL001 -- NGL001 not here\n"))
    r = nglint("check", "--select", "NGL001,NGL002,NGL011", str(conf))
    assert _codes_at(r.out) == [(4, "NGL011"), (6, "NGL001"), (7, "NGL001"), (8, "NGL011")]
    assert "NGL001 suppresses nothing here" in r.out


def test_suppression_that_does_not_own_its_line_covers_only_its_line(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = _write(tmp_path, "a.conf", "server {  # nglint: disable=NGL001 -- not the next line\n"
                                      "    location /a/ { alias /srv/a; }\n}\n")
    r = nglint("check", "--select", "NGL001,NGL011", str(conf))
    assert _codes_at(r.out) == [(1, "NGL011"), (2, "NGL001")]


def test_unknown_and_malformed_suppressions(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = _write(tmp_path, "a.conf", "# nglint: disable=NGL999 -- gone\nlisten 80;\n"
                                      "listen 81;  # nglint: disable NGL001\n"
                                      "# a normal comment mentioning nglint: fine\n")
    r = nglint("check", "--select", "NGL011", str(conf))
    assert _codes_at(r.out) == [(1, "NGL011"), (3, "NGL011")]
    assert "NGL999 is not a known rule" in r.out
    assert "is not a valid suppression" in r.out


def test_suppression_of_a_rule_that_did_not_run_is_not_reported(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    conf = _write(tmp_path, "a.conf", "location /a/ { alias /srv/a/; }  # nglint: disable=NGL002 -- x\n")
    assert nglint("check", "--select", "NGL001,NGL011", str(conf)).code == 0
    assert nglint("check", "--select", "NGL002,NGL011", str(conf)).code == 1


def test_unused_suppression_fix(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    text = ("server {\n"
            "    # nglint: disable=NGL002 -- nothing to hide\n"
            "    location /a/ { alias /srv/a/; }\n"
            "    location /b/ { alias /srv/b; }  # nglint: disable=NGL002, NGL001 -- keep NGL001\n"
            "}\n")
    conf = _write(tmp_path, "a.conf", text)
    r = nglint("check", "--fix", "--select", "NGL001,NGL002,NGL011", str(conf))
    assert r.code == 0, r.out
    assert conf.read_text() == ("server {\n"
                                "    location /a/ { alias /srv/a/; }\n"
                                "    location /b/ { alias /srv/b; }  # nglint: disable=NGL001 -- keep NGL001\n"
                                "}\n")


def test_suppression_in_an_included_file(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _write(tmp_path, "nginx.conf", "events {}\nhttp {\n    include sites/*.conf;\n}\n")
    _write(tmp_path, "sites/a.conf", "server {\n    listen 80;\n    server_name a;\n"
                                     "    location /a/ { alias /srv/a; }  # nglint: disable=NGL001 -- ok\n}\n")
    r = nglint("check", "--select", "NGL001,NGL011", str(tmp_path / "nginx.conf"))
    assert (r.code, r.out.strip()) == (0, "All checks passed.")


# -- rules / rule -------------------------------------------------------------------------------

def test_rules_lists_every_rule(nglint) -> None:  # noqa: ANN001
    r = nglint("rules")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "FIX"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    for cls in all_rules():
        assert rows[cls.code] == [cls.code, cls.name, cls.severity.value,
                                  "yes" if any(f is not None for _, f in cls.bad) or cls.fix_title else "no"]
    assert rows["NGL001"][3] == "yes"
    assert rows["NGL011"][1:] == ["unused-suppression", "warning", "yes"]


@pytest.mark.parametrize("key", ["NGL001", "ngl001", "alias-trailing-slash-mismatch"])
def test_rule_prints_documentation(nglint, key: str) -> None:  # noqa: ANN001
    r = nglint("rule", key)
    assert r.code == 0
    assert r.out.startswith("# NGL001 alias-trailing-slash-mismatch\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Fix safety"):
        assert heading in r.out


def test_unknown_rule(nglint) -> None:  # noqa: ANN001
    r = nglint("rule", "NGL999")
    assert r.code == 2 and "unknown rule 'NGL999'" in r.err


def test_console_script_runs(tmp_path: Path) -> None:
    _write(tmp_path, "bad.conf", BAD)
    env = {k: v for k, v in os.environ.items() if k != "NGLINT_DEBUG"}
    exe = Path(sys.executable).with_name("nglint")
    if not exe.exists():
        pytest.skip("the nglint console script is not installed next to this Python")
    r = subprocess.run([str(exe), "bad.conf", "--select", "NGL001"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1 and "NGL001" in r.stdout


def test_stdin(tmp_path: Path) -> None:
    r = _cli("check", "--select", "NGL001", "--stdin-filename", "site.conf", "-", cwd=tmp_path, stdin=BAD.encode())
    assert r.returncode == 1
    assert r.stdout.startswith("site.conf:2:11: NGL001")
