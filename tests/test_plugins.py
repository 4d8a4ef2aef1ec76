"""A third-party rule pack installed into a venv is found through the `nglint.rules` entry
point, listed by `nglint rules`, run by `nglint check`, and its fixes applied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "nglint-acme"
version = "0.1.0"

[project.entry-points."nglint.rules"]
acme = "nglint_acme"

[tool.setuptools]
packages = ["nglint_acme"]
"""

PLUGIN_MODULE = '''\
from nglint.diagnostics import Fix, Severity, TextEdit
from nglint.rule import Rule


class AutoindexOn(Rule):
    """
    ## What it does
    Flags `autoindex on`.

    ## Why is this bad?
    It lists every file of the directory to anyone.

    ## Example
    ```nginx
    location /media/ { autoindex on; }
    ```
    Use instead:
    ```nginx
    location /media/ { autoindex off; }
    ```

    ## Fix safety
    Safe for ACME: we never want listings.
    """

    code = "ACME001"
    name = "acme-autoindex-on"
    severity = Severity.WARNING
    directives = ("autoindex",)
    message = "`autoindex {value}` lists the directory"
    bad = [("location /media/ { autoindex on; }", "location /media/ { autoindex off; }")]

    def check(self, ctx):
        node = ctx.directive
        if node.args and node.args[0].value == "on":
            arg = node.args[0]
            fix = Fix.safe("Turn autoindex off", [TextEdit(node.file, arg.start, arg.end, "off")])
            yield self.report(node, fix=fix, value="on")
'''


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv that sees this environment's nglint (--system-site-packages, so nothing is
    downloaded) with the ACME plugin pip-installed into it, offline."""
    root = tmp_path_factory.mktemp("plugin")
    pkg = root / "nglint-acme"
    (pkg / "nglint_acme").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (pkg / "nglint_acme" / "__init__.py").write_text(PLUGIN_MODULE)
    env_dir = root / "venv"
    # No pip inside the venv (ensurepip is slow): this environment's pip installs into it.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)],
                   check=True, capture_output=True)
    python = env_dir / "bin" / "python"
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-build-isolation",
                        "--no-deps", "--no-index", "--disable-pip-version-check", "--quiet", str(pkg)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return python


def _run(python: Path | str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NGLINT_DEBUG", "PYTHONPATH")}
    return subprocess.run([str(python), "-m", "nglint", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_plugin_rule_is_listed_and_documented(venv: Path, tmp_path: Path) -> None:
    r = _run(venv, "rules", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line.split() for line in r.stdout.splitlines()[1:]}
    assert rows["ACME001"] == ["ACME001", "acme-autoindex-on", "warning", "yes"]
    assert "NGL001" in rows  # the built-in pack is still there
    r = _run(venv, "rule", "acme-autoindex-on", cwd=tmp_path)
    assert r.returncode == 0 and "## Why is this bad?" in r.stdout
    # Without the plugin installed (this interpreter), the rule does not exist.
    outside = _run(sys.executable, "rules", cwd=tmp_path)
    assert "ACME001" not in outside.stdout


def test_plugin_rule_checks_and_fixes(venv: Path, tmp_path: Path) -> None:
    conf = tmp_path / "site.conf"
    conf.write_text(textwrap.dedent("""\
        location /media/ {
            alias /srv/app/media/;
            autoindex on;
        }
        """))
    r = _run(venv, "check", "--format", "json", "site.conf", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    (found,) = [d for d in json.loads(r.stdout) if d["code"] == "ACME001"]
    assert (found["name"], found["line"], found["column"]) == ("acme-autoindex-on", 3, 5)
    assert found["message"] == "`autoindex on` lists the directory"
    r = _run(venv, "check", "--select", "ACME", "--fix", "site.conf", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert conf.read_text() == "location /media/ {\n    alias /srv/app/media/;\n    autoindex off;\n}\n"
