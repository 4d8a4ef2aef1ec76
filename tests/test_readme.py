"""The README stays true: its rule table is `nglint rules`, its console examples are what
nglint prints today, and CI runs exactly its test command."""

from __future__ import annotations

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
    """Every ```console block: [(argv, expected output)] per `$ nglint ...` line."""
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
        assert argv[0] == "nglint"
        result = subprocess.run([sys.executable, "-m", "nglint.cli", *argv[1:]], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
        assert result.stdout == expected, f"$ {shlex.join(argv)}"
