"""Every rule against its fixtures, its embedded examples and real `nginx -t`.

Fixture convention (for every rule, built-in or plugin):

    fixtures/<rule-name>/
      bad-<slug>.conf            must report the rule at least once
      ok-<slug>.conf             must report nothing from the rule
      bad-<slug>/                a fixture that is a directory: a small deployment repo,
        nginx.conf               linted as `nglint check <dir>` (its nginx.conf and what it
        sites-enabled/...        includes, plus any config nothing includes); a Flask
        app.py, templates/...    project inside is the app (`--app <dir>`) unless the
                                 directory's nglint.toml / pyproject.toml [tool.nglint]
                                 says `app = "..."` (relative to the directory)
      bad-<slug>.fs              a filesystem tree (tests/_fstree.py) the case is linted
                                 against, as with `--fs-root` (filesystem rules)
      bad-<slug>.py, notes.txt   anything else is a companion file and is not a case
      snapshots/<stem>.txt       rendered diagnostics + the diff of every fix (written by
                                 `pytest --snapshot-update`; read them before committing)

Each case is linted with its rule only. The snapshot records the text report and the
unified diff of applying every fix (`--unsafe-fixes`). Real `nginx -t` must accept every
fixture (bad fixtures are wrong in meaning, not in syntax), the output of its safe fixes
and the output of all its fixes. Snippets (server blocks, or location-level lines) are
wrapped into a complete config with pid, logs and temp paths in a temporary directory.

`# nginx-t:` lines at the top of a fixture (of its nginx.conf for a directory) state
what nginx itself says about it, so nginx is the oracle for those cases too:

    # nginx-t: fail: a duplicate default server     nginx -t must fail with this text
    # nginx-t: warn: conflicting server name "x"    nginx -t passes and warns with it

An ok fixture must make nginx -t print no `[warn]` unless it declares the warning.

Embedded examples: for every rule, each `bad` input must report the rule; when it comes
with a fixed text, applying the rule's fixes (unsafe included) must give exactly that text,
which parses and no longer reports the rule; `(input, None)` means no fix changes the
input. Each `good` input must report nothing from the rule. A rule's `example_fs` (a
tests/_fstree.py spec) is the filesystem its examples are linted against; its
`example_files` (path → text) sit beside them, the example being their nginx.conf.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from _fstree import companion, files_dir, view_for
from conftest import full_config, nginx_t

from nglint import report
from nglint.diagnostics import Diagnostic
from nglint.engine import Project, all_rules, lint
from nglint.fix import FixResult, fix_project
from nglint.load import Config, load_text, parse_file
from nglint.load.discover import load_paths
from nglint.load.tree import SourceFile
from nglint.rule import Rule
from nglint.settings import find_settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# Fixture folders that are not a rule's: the shipped demo deployment (tests/test_demo.py).
NOT_RULE_DIRS = {"demo"}
_MARKER = re.compile(r"^#\s*nginx-t:\s*(fail|warn)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Case:
    rule: type[Rule]
    path: Path  # a .conf file or a directory

    @property
    def kind(self) -> str:
        return self.path.name.split("-", 1)[0]

    @property
    def stem(self) -> str:
        return self.path.stem if self.path.is_file() else self.path.name

    @property
    def id(self) -> str:
        return f"{self.rule.name}/{self.path.name}"

    @property
    def rel(self) -> str:
        """The path as given to nglint, relative to the repo root (stable in snapshots)."""
        return str(self.path.relative_to(ROOT))

    @property
    def main_file(self) -> Path:
        """The file nginx -t starts from, and where `# nginx-t:` markers are read."""
        return self.path / "nginx.conf" if self.path.is_dir() else self.path


def fixture_cases(rules: list[type[Rule]] | None = None) -> list[Case]:
    cases = []
    for rule in rules if rules is not None else all_rules():
        folder = FIXTURES / rule.name
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if not entry.name.startswith(("bad-", "ok-")):
                continue
            if entry.is_dir() or entry.suffix == ".conf":
                cases.append(Case(rule, entry))
    return cases


def markers(path: Path) -> list[tuple[str, str]]:
    """The `# nginx-t: fail|warn: text` lines in the leading comment block of ``path``."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = _MARKER.match(line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


# -- linting one case with one rule -----------------------------------------------------------

def _project_inputs(case: Case) -> tuple[dict[str, Any], Path | None]:
    """Settings and Flask app directory of a directory fixture (none for a single file)."""
    if not case.path.is_dir():
        return {}, None
    settings_file = find_settings(case.path)
    settings = load_settings(settings_file) if settings_file and settings_file.parent == case.path else {}
    if settings.get("app"):
        return settings, case.path / settings["app"]
    has_python = any(p.suffix == ".py" for p in case.path.rglob("*.py"))
    return settings, case.path if has_python else None


def lint_case(case: Case, overlay: dict[str, bytes] | None = None) -> tuple[list[Config], list[Diagnostic]]:
    """Load the case as `nglint check <path>` would (run from the repo root) and lint it
    with the case's rule only."""
    settings, app_dir = _project_inputs(case)
    configs = load_paths([case.rel], overlay=overlay)
    spec = companion(case.path)
    fs = view_for(spec.read_text(encoding="utf-8")) if spec is not None else None
    return configs, lint(Project(configs, app_dir, settings, fs=fs), [case.rule])


def fix_case(case: Case, configs: list[Config], diags: list[Diagnostic], unsafe: bool) -> FixResult:
    return fix_project(lambda ov: lint_case(case, ov), configs, diags, unsafe)


def render(case: Case, diags: list[Diagnostic], fixed: FixResult) -> str:
    text = report.render_text(diags, color=False)
    diff = fixed.diff() or "(no fix)\n"
    problems = "".join(f"! {p}\n" for p in fixed.problems)
    return f"$ nglint check --select {case.rule.code} {case.rel}\n{text}\n--- fixes (--unsafe-fixes) ---\n{diff}{problems}"


CASES = fixture_cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fixture(case: Case, snapshot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    configs, diags = lint_case(case)
    assert not [i for c in configs for i in c.fatal], "fixtures must load without errors"
    mine = [d for d in diags if d.code == case.rule.code]
    if case.kind == "bad":
        assert mine, f"{case.id} should report {case.rule.code}"
    else:
        assert not mine, f"{case.id} should not report {case.rule.code}:\n{report.render_text(mine)}"
    fixed = fix_case(case, configs, diags, unsafe=True)
    assert fixed.converged, fixed.problems
    snapshot.snapshot_dir = case.path.parent / "snapshots"
    snapshot.assert_match(render(case, diags, fixed), f"{case.stem}.txt")


# -- real nginx -t ---------------------------------------------------------------------------

def _nginx_tree(case: Case, tmp: Path, replaced: dict[str, bytes]) -> Path:
    """A copy of the case in ``tmp`` (files replaced by fixed bytes), as a complete config."""
    if case.path.is_dir():
        shutil.copytree(case.path, tmp, dirs_exist_ok=True)
        for path, data in replaced.items():
            (tmp / Path(path).relative_to(case.path.resolve())).write_bytes(data)
        return tmp / "nginx.conf"
    data = replaced.get(str(case.path.resolve()), case.path.read_bytes())
    conf = tmp / "nginx.conf"
    conf.write_text(full_config(data.decode("utf-8"), tmp), encoding="utf-8")
    return conf


def _nginx_t(case: Case, tmp: Path, replaced: dict[str, bytes] | None = None) -> subprocess.CompletedProcess[str]:
    tmp.mkdir(parents=True, exist_ok=True)
    return nginx_t(_nginx_tree(case, tmp, replaced or {}))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fixture_nginx_t(case: Case, tmp_path: Path) -> None:
    result = _nginx_t(case, tmp_path / "original")
    expected = markers(case.main_file)
    fails = [text for kind, text in expected if kind == "fail"]
    if fails:
        assert result.returncode != 0, f"nginx -t should fail on {case.id}"
    else:
        assert result.returncode == 0, f"nginx -t rejects {case.id}:\n{result.stderr}"
    for _kind, text in expected:
        assert text in result.stderr, f"nginx -t does not say {text!r}:\n{result.stderr}"
    if case.kind == "ok" and not any(kind == "warn" for kind, _ in expected):
        assert "[warn]" not in result.stderr, result.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe-fixes", "all-fixes"])
def test_fixed_fixture_nginx_t(case: Case, unsafe: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    configs, diags = lint_case(case)
    fixed = fix_case(case, configs, diags, unsafe=unsafe)
    if not fixed.new_data:
        pytest.skip("no fix at this level")
    fixed_tree = {str(Path(p).resolve()): data for p, data in fixed.new_data.items()}
    result = _nginx_t(case, tmp_path / "fixed", fixed_tree)
    assert result.returncode == 0, f"nginx -t rejects the fixed {case.id}:\n{result.stderr}\n{fixed.diff()}"
    # The fixed text stays a finding-free config for this rule as far as its fixes reach.
    remaining = [d for d in lint_case(case, fixed.new_data)[1] if d.code == case.rule.code and d.fix is not None
                 and (unsafe or d.fix.applicability == "safe")]
    assert not remaining, report.render_text(remaining)


# -- meta: every rule is documented, exemplified and has fixtures ----------------------------

@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_fixtures(rule: type[Rule]) -> None:
    kinds = {c.kind for c in fixture_cases([rule])}
    assert kinds == {"bad", "ok"}, f"fixtures/{rule.name}/ needs at least one bad-* and one ok-* case"


def test_fixture_folders_belong_to_rules() -> None:
    names = {r.name for r in all_rules()} | NOT_RULE_DIRS
    stray = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in names)
    assert not stray, f"fixture folders with no rule of that name: {stray}"


def test_snapshots_belong_to_cases() -> None:
    stems = {(c.path.parent, c.stem) for c in CASES}
    stray = sorted(str(s.relative_to(ROOT)) for s in FIXTURES.glob("*/snapshots/*.txt")
                   if (s.parent.parent, s.stem) not in stems)
    assert not stray, f"snapshots without a fixture: {stray}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_documentation(rule: type[Rule]) -> None:
    doc = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Fix safety"):
        assert heading in doc, f"{rule.code} docstring lacks {heading!r}"
    assert rule.bad and rule.good, f"{rule.code} needs embedded bad and good examples"
    assert rule.example_app or not rule.needs_app, f"{rule.code} reads the Flask app: its examples need example_app"


# -- embedded examples -----------------------------------------------------------------------

EXAMPLE = "<example>"


def lint_text(rule: type[Rule], text: str, overlay: dict[str, bytes] | None = None, app_dir: Path | None = None
              ) -> tuple[list[Config], list[Diagnostic]]:
    """Lint an example; a needs_app rule checks it against its ``example_app`` in ``app_dir``."""
    files = getattr(rule, "example_files", None)
    name = str(files_dir(files) / "nginx.conf") if files else EXAMPLE
    configs = [load_text(text, name, overlay=overlay)]
    settings = load_settings(app_dir / "nglint.toml") if app_dir and (app_dir / "nglint.toml").is_file() else {}
    spec = getattr(rule, "example_fs", "")
    return configs, lint(Project(configs, app_dir, settings, fs=view_for(spec) if spec else None), [rule])


@pytest.fixture(scope="session")
def example_apps(tmp_path_factory: pytest.TempPathFactory) -> Callable[[type[Rule]], Path | None]:
    """rule → a directory holding its ``example_app`` files (None for rules without one)."""
    made: dict[str, Path] = {}

    def app_dir(rule: type[Rule]) -> Path | None:
        if not rule.needs_app:
            return None
        if rule.code not in made:
            root = tmp_path_factory.mktemp(f"example-app-{rule.code}")
            for rel, content in rule.example_app.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(content, encoding="utf-8")
            made[rule.code] = root
        return made[rule.code]

    return app_dir


def _examples(attr: str) -> list[Any]:
    return [pytest.param(r, i, id=f"{r.code}-{i}") for r in all_rules() for i in range(len(getattr(r, attr)))]


@pytest.mark.parametrize("rule, index", _examples("bad"))
def test_bad_example(rule: type[Rule], index: int, example_apps: Callable[[type[Rule]], Path | None]) -> None:
    text, expected = rule.bad[index]
    app = example_apps(rule)
    configs, diags = lint_text(rule, text, app_dir=app)
    assert any(d.code == rule.code for d in diags), f"{rule.code} misses its own bad example:\n{text}"
    fixed = fix_project(lambda ov: lint_text(rule, text, ov, app), configs, diags, unsafe=True)
    new = fixed.new_data.get(EXAMPLE, text.encode()).decode("utf-8")
    if expected is None:
        assert new == text, f"(input, None) means no fix, but {rule.code} rewrote it to:\n{new}"
        return
    assert new == expected
    parse_file(SourceFile(Path(EXAMPLE), new.encode(), new))
    assert not [d for d in lint_text(rule, new, app_dir=app)[1] if d.code == rule.code]


@pytest.mark.parametrize("rule, index", _examples("good"))
def test_good_example(rule: type[Rule], index: int, example_apps: Callable[[type[Rule]], Path | None]) -> None:
    text = rule.good[index]
    diags = [d for d in lint_text(rule, text, app_dir=example_apps(rule))[1] if d.code == rule.code]
    assert not diags, report.render_text(diags)

