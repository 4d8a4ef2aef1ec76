"""The benchmark harness runs end to end at tiny sizes and prints every row (timings are not tested)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import crossplane

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _generate():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_valid(tmp_path: Path) -> None:
    gen = _generate()
    a, b = gen.generate_nginx(30, tmp_path / "a"), gen.generate_nginx(30, tmp_path / "b")
    files_a = sorted(p.relative_to(a.root) for p in a.root.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b.root) for p in b.root.rglob("*") if p.is_file())
    assert all((a.root / p).read_bytes() == (b.root / p).read_bytes() for p in files_a)

    parsed = crossplane.parse(str(a.main))
    assert parsed["status"] == "ok", parsed["errors"]
    servers = locations = 0
    stack = [d for c in parsed["config"] for d in c["parsed"]]
    while stack:
        d = stack.pop()
        servers += d["directive"] == "server" and "block" in d  # not upstream members
        locations += d["directive"] == "location"
        stack.extend(d.get("block", []))
    assert servers == 30 + 1  # + the catch-all default server
    assert locations == 30 * 5
    urls = json.loads(a.urls.read_text())
    assert urls and all(host.endswith(".example.com") and uri.startswith("/") for host, uri in urls)


def test_flask_project_has_requested_size(tmp_path: Path) -> None:
    tree = _generate().generate_flask(30, 40, tmp_path)
    assert len(list(tree.root.rglob("*.py"))) == 30
    assert len(list(tree.root.rglob("*.html"))) == 40
    assert "register_blueprint" in (tree.root / "myapp" / "__init__.py").read_text()


def test_harness_prints_every_row(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", "20", "50", "--repeat", "1", "--flask", "12", "15",
         "--data", str(tmp_path), "--budget", "120"],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for row in ("crossplane.parse (baseline)", "nglint load", "nglint rules only", "nglint load + all rules",
                "`nglint check` (CLI, in-process)", "route() × 1000 URLs (API", "`nglint route` × 1000 URLs (CLI",
                "parse floor",
                "`nglint app` read_project", "`python -c pass`", "cold `nglint check` on a 30-line vhost",
                "heavy modules imported", "crossplane payload at 50", "peak heap", "max RSS"):
        assert row in out, f"missing row {row!r}\n{out}"
    # every size column and the scaling ratio are present
    assert re.search(r"^\| measurement \| 20 \| 50 \|$", out, re.M)
    assert "t(50)/t(20)" in out
    # a measurement that crashed shows up as an error note, never silently
    assert "n/a (error" not in out, out
    targets = out.split("### Targets", 1)[1].strip().splitlines()[4:]
    assert len(targets) == 5
    assert all(re.search(r"\| (PASS|FAIL|n/a) \|$", line) for line in targets), targets
