"""The README stays true: its rule table is `nglint rules`, its console examples are what
nglint prints today, its settings and suppression examples work, the pre-commit hook it
documents runs, and CI runs exactly its test command."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = "python3 -m pytest tests"
# Commands a console example may run besides nglint: setting up a scratch file tree.
SETUP_COMMANDS = {"mkdir", "cp"}


def _nglint_rules() -> list[list[str]]:
    """Rows of `nglint rules` (code, name, severity, fix), from the real command."""
    out = subprocess.run([sys.executable, "-m", "nglint.cli", "rules"], capture_output=True, text=True, check=True)
    return [line.split()[:4] for line in out.stdout.splitlines() if re.match(r"NGL\d{3}\s", line)]


def _readme_table() -> list[list[str]]:
    rows = []
    for line in README.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if re.fullmatch(r"NGL\d{3}", cells[0]):
            rows.append(cells[:4])
    return rows


def test_rule_table_matches_nglint_rules() -> None:
    assert _readme_table() == _nglint_rules()


def test_readme_commands() -> None:
    assert "pip install -e '.[test]' && nglint check fixtures/demo" in README
    assert f"\n{TEST_COMMAND}\n" in README
    assert (ROOT / "fixtures" / "demo").is_dir()


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[0] == "set -euo pipefail"  # so pytest's exit 5 ("no tests ran") fails CI
    assert commands[-1] == TEST_COMMAND


def _console_examples() -> list[tuple[str, list[tuple[list[str], str]]]]:
    """Every ```console block: [(argv, expected output)] per `$ ...` line."""
    blocks = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        steps: list[tuple[list[str], str]] = []
        for line in block.splitlines(keepends=True):
            if line.startswith("$ "):
                steps.append((shlex.split(line[2:]), ""))
            else:
                argv, out = steps[-1]
                steps[-1] = (argv, out + line)
        blocks.append((block.splitlines()[0], steps))
    return blocks


@pytest.mark.parametrize("block", _console_examples(), ids=lambda b: b[0][2:60])
def test_console_examples_are_real(block: tuple[str, list[tuple[list[str], str]]], tmp_path: Path) -> None:
    """Each command runs in a scratch copy of fixtures/ (so `--fix` writes there), and
    prints exactly what the README shows: stdout and stderr in the order they are written,
    as on a terminal (hence unbuffered)."""
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    for argv, expected in block[1]:
        assert argv[0] == "nglint" or argv[0] in SETUP_COMMANDS, f"$ {shlex.join(argv)}"
        command = [sys.executable, "-m", "nglint.cli", *argv[1:]] if argv[0] == "nglint" else argv
        result = subprocess.run(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
        assert result.stdout == expected, f"$ {shlex.join(argv)}"


def _section(title: str) -> str:
    """The text of the README section headed ``## title``, up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def _fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def _nglint(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nglint.cli", *argv], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


def test_settings_example_is_valid_and_complete(tmp_path: Path) -> None:
    """The documented `[tool.nglint]` table loads, and shows every key nglint accepts."""
    from nglint.settings import SCHEMA, load_settings

    [toml] = [b for b in _fenced(_section("Configuration"), "toml") if "[tool.nglint]" in b]
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    settings = load_settings(tmp_path / "pyproject.toml")
    assert set(settings) - {"_file"} == set(SCHEMA)


def test_suppression_example_suppresses(tmp_path: Path) -> None:
    """The documented comments silence real findings (NGL011 would report an unused one),
    and without them the same config reports the rules they name."""
    [conf] = _fenced(_section("Suppressing a finding"), "nginx")
    named = set(re.findall(r"disable=([\w-]+)", conf))
    assert len(named) == 2
    (tmp_path / "suppressed.conf").write_text(conf, encoding="utf-8")
    (tmp_path / "plain.conf").write_text(re.sub(r"#.*", "", conf), encoding="utf-8")

    suppressed = _nglint("check", "suppressed.conf", cwd=tmp_path)
    assert (suppressed.returncode, suppressed.stdout) == (0, "All checks passed.\n"), suppressed.stdout
    plain = _nglint("check", "--format", "json", "plain.conf", cwd=tmp_path)
    assert plain.returncode == 1, plain.stderr
    reported = {d["code"] for d in json.loads(plain.stdout)} | {d["name"] for d in json.loads(plain.stdout)}
    assert named <= reported


# -- pre-commit ---------------------------------------------------------------------------------

def _hook() -> dict:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1
    return hooks[0]


def test_pre_commit_hook_definition() -> None:
    hook = _hook()
    assert (hook["id"], hook["entry"], hook["language"]) == ("nglint", "nglint check", "python")
    assert "id: nglint" in _section("CI and pre-commit")
    # pre-commit runs `entry` from the hook repo's installed package: the console script.
    assert 'nglint = "nglint.cli:main"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    files = re.compile(hook["files"])  # pre-commit matches it with re.search on repo-relative paths
    for path in ("nginx.conf", "nginx/nginx.conf", "deploy/conf.d/app.conf", "sites-enabled/yourapp",
                 "etc/nginx/sites-available/yourapp.example.com"):
        assert files.search(path), path
    for path in ("app.py", "templates/base.html", "nginx/mime.types", "docs/nginx.conf.md", "sites-enabled/x/y.py"):
        assert not files.search(path), path


def test_pre_commit_hook_runs_on_the_files_it_selects(tmp_path: Path) -> None:
    """What pre-commit does: `entry` plus the selected files, from the repo root."""
    hook = _hook()
    shutil.copytree(ROOT / "fixtures" / "demo", tmp_path / "demo")
    files = re.compile(hook["files"])
    every = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "demo").rglob("*") if p.is_file())
    selected = [p for p in every if files.search(p)]
    assert selected == ["demo/nginx/nginx.conf", "demo/nginx/sites-enabled/yourapp.conf"]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "nglint"
    run = _nglint(*entry[1:], *selected, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert re.findall(r"^(\S+:\d+):\d+: (NGL\d{3}) ", run.stdout, re.M) == [
        ("demo/nginx/sites-enabled/yourapp.conf:30", "NGL001"), ("demo/nginx/sites-enabled/yourapp.conf:36", "NGL001")]
    assert _nglint(*entry[1:], "--fix", *selected, cwd=tmp_path).returncode == 0
    assert _nglint(*entry[1:], *selected, cwd=tmp_path).returncode == 0


def test_performance_section_only_with_benchmarks() -> None:
    if "## Performance" in README:
        assert (ROOT / "benchmarks" / "README.md").is_file()
        assert "benchmarks/README.md" in _section("Performance")
