"""Packaging: the explicit package list is complete, rules/ ships only as nglint.rules,
and built-in rule names map onto modules, classes and codes.

(Rule documentation headings, embedded examples and the strict bad-/ok- fixture
meta-test live in tests/test_rules.py, next to the fixture runner.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nglint.engine import all_rules
from nglint.rule import Rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
BUILTIN = [r for r in all_rules() if r.__module__.startswith("nglint.rules.")]


def _package_dirs(top: Path, dotted: str) -> set[str]:
    found = set()
    for init in top.rglob("__init__.py"):
        rel = init.parent.relative_to(top)
        if "__pycache__" not in rel.parts:
            found.add(".".join([dotted, *rel.parts]))
    return found


def test_every_package_directory_is_listed() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    assert setuptools["package-dir"] == {"nglint.rules": "rules"}
    on_disk = _package_dirs(ROOT / "nglint", "nglint") | _package_dirs(ROOT / "rules", "nglint.rules")
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - on_disk == set(), "listed packages with no directory"


def test_builtin_pack_registers_through_the_entry_point() -> None:
    assert PYPROJECT["project"]["entry-points"]["nglint.rules"] == {"builtin": "nglint.rules"}
    assert PYPROJECT["project"]["scripts"] == {"nglint": "nglint.cli:main"}


def test_rules_folder_cannot_be_imported_as_top_level_rules() -> None:
    r = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); import rules"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode != 0
    assert "ImportError: rules/ must be imported as nglint.rules (got rules)" in r.stderr


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_name_module_class_mapping(rule: type[Rule]) -> None:
    assert re.fullmatch(r"NGL\d{3}", rule.code), "built-in rules use NGL codes"
    assert rule.__module__ == "nglint.rules." + rule.name.replace("-", "_")
    assert rule.__name__ == _camel(rule.name)
    assert (ROOT / "rules" / (rule.name.replace("-", "_") + ".py")).is_file()


def test_each_rule_module_holds_one_rule_and_codes_are_unique() -> None:
    modules = sorted(p.stem for p in (ROOT / "rules").glob("*.py") if not p.name.startswith("_"))
    assert modules == sorted(r.name.replace("-", "_") for r in BUILTIN)
    codes = [r.code for r in all_rules()]
    names = [r.name for r in all_rules()]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))


def test_wheel_ships_rules_as_nglint_rules(tmp_path: Path) -> None:
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("nglint", "rules"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
                        "--disable-pip-version-check", "-q", "-w", str(tmp_path), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = tmp_path.glob("nglint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("rules/")], "rules/ must not be a top-level package"
    shipped = {n.removeprefix("nglint/rules/").removesuffix(".py") for n in names
               if n.startswith("nglint/rules/") and n.endswith(".py") and "/" not in n[len("nglint/rules/"):]}
    assert {r.name.replace("-", "_") for r in BUILTIN} <= shipped
    assert "__init__" in shipped
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[nglint.rules]\nbuiltin = nglint.rules\n" in text
    for pkg in PYPROJECT["tool"]["setuptools"]["packages"]:
        assert pkg.replace(".", "/") + "/__init__.py" in names
