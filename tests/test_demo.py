"""The shipped demo deployment (fixtures/demo): a Flask app and its nginx config with the
classic /static/ and /media/ mistakes.

The must-show of the foundation: `nglint --fix` turns the demo into a config that
`nglint check` passes, real `nginx -t` accepts before and after, and the diff touches only
the intended lines. Both runs are the plain commands a user types, every rule included:
the demo's app↔nginx mismatches (NGL031, NGL032) are consequences of the two alias paths
that lack their trailing `/`, so the safe fix (NGL001) ends them too. Real nginx answering
the demo's requests before and after the fix is tested in tests/test_crosscheck.py.
Everything runs on a copy in a temporary directory.
"""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path
from typing import Callable

import pytest
from conftest import Run, nginx_t

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"
SITE = "nginx/sites-enabled/yourapp.conf"

# What the demo gets wrong, written out by hand: (file, line, code), in report order.
EXPECTED_FINDINGS = [
    (SITE, 30, "NGL001"),  # alias without the trailing slash of location /static/
    (SITE, 30, "NGL031"),  # ... so /static/css/app.css is not looked up in the app's static folder
    (SITE, 36, "NGL001"),  # alias without the trailing slash of location /media/
    (SITE, 36, "NGL032"),  # ... so /media/photo.jpg is not looked up where the app saves uploads
]
# The only lines `--fix` may change: line number → (before, after).
EXPECTED_CHANGES = {
    30: ("        alias /var/www/yourapp/app/static;", "        alias /var/www/yourapp/app/static/;"),
    36: ("        alias /var/www/yourapp/media;", "        alias /var/www/yourapp/media/;"),
}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    return copy


def findings(run: Run) -> list[tuple[str, int, str]]:
    out = []
    for m in re.finditer(r"^demo/(\S+?):(\d+):\d+: (NGL\d{3}) ", run.out, re.M):
        out.append((m.group(1), int(m.group(2)), m.group(3)))
    return out


def test_demo_shows_the_mistakes(demo: Path, nglint: Callable[..., Run]) -> None:
    run = nglint("check", "demo", cwd=demo.parent)
    assert run.code == 1, run.out + run.err
    assert findings(run) == EXPECTED_FINDINGS, run.out
    assert run.out.endswith("Found 4 problems. 2 fixable with `--fix`.\n"), run.out


def test_fix_makes_the_demo_pass(demo: Path, nglint: Callable[..., Run]) -> None:
    fixed = nglint("--fix", "demo", cwd=demo.parent)
    assert fixed.code == 0, fixed.out + fixed.err
    assert "Fixed 2 problems." in fixed.err.splitlines(), fixed.err
    assert fixed.out == "All checks passed.\n", fixed.out
    again = nglint("check", "demo", cwd=demo.parent)
    assert (again.code, again.out) == (0, "All checks passed.\n"), again.out + again.err
    # A second --fix finds nothing left to change.
    before = (demo / SITE).read_bytes()
    assert nglint("--fix", "demo", cwd=demo.parent).code == 0
    assert (demo / SITE).read_bytes() == before


def test_fix_changes_only_the_intended_lines(demo: Path, nglint: Callable[..., Run]) -> None:
    assert nglint("--fix", "demo", cwd=demo.parent).code == 0
    old = (DEMO / SITE).read_text(encoding="utf-8").split("\n")
    new = (demo / SITE).read_text(encoding="utf-8").split("\n")
    assert len(old) == len(new)
    changed = {i + 1: (a, b) for i, (a, b) in enumerate(zip(old, new)) if a != b}
    assert changed == EXPECTED_CHANGES
    # Every other file of the demo is byte for byte what was shipped.
    for path in DEMO.rglob("*"):
        if path.is_file() and path.relative_to(DEMO).as_posix() != SITE:
            assert filecmp.cmp(path, demo / path.relative_to(DEMO), shallow=False), path


def _nginx_t(nginx_dir: Path, tmp: Path) -> str:
    """nginx -t on a copy of the demo's nginx/ with pid and log files moved into ``tmp``
    (the demo keeps Debian's /run and /var/log paths, which a test must not touch)."""
    conf = nginx_dir / "nginx.conf"
    text = conf.read_text(encoding="utf-8")
    for name, target in (("pid", "nginx.pid"), ("error_log", "error.log"), ("access_log", "access.log")):
        text, count = re.subn(rf"^(\s*{name}) /\S+;", rf"\1 {tmp}/{target};", text, flags=re.M)
        assert count == 1, f"the demo's nginx.conf should set {name} once"
    conf.write_text(text, encoding="utf-8")
    result = nginx_t(conf)
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr, result.stderr
    return result.stderr


def test_demo_passes_nginx_t_before_and_after_fix(demo: Path, nglint: Callable[..., Run], tmp_path: Path) -> None:
    before = tmp_path / "before"
    shutil.copytree(demo / "nginx", before)
    _nginx_t(before, tmp_path)
    assert nglint("--fix", "demo", cwd=demo.parent).code == 0
    after = tmp_path / "after"
    shutil.copytree(demo / "nginx", after)
    _nginx_t(after, tmp_path)
