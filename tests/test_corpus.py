"""`nglint check --format json` over the whole shared corpus: one process, no traceback,
a documented exit code, valid JSON, and fast enough (the issue asks for < 20 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
FILES = sorted(str(p) for p in CORPUS.glob("*") if p.name != "SOURCES.tsv") if CORPUS.is_dir() else []


@pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}")
def test_check_whole_corpus_as_json() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NGLINT_DEBUG"}
    env["NGLINT_DEBUG"] = "1"  # a crash must show as a traceback here, not as a polite error
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "nglint.cli", "check", "--format", "json", *FILES],
                         capture_output=True, text=True, timeout=120, env=env)
    elapsed = time.monotonic() - start
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode in (0, 1, 2), run.stderr[-3000:]
    findings = json.loads(run.stdout)
    assert isinstance(findings, list) and findings
    keys = {"code", "name", "severity", "message", "file", "line", "column", "end_line", "end_column", "fix"}
    assert all(keys <= set(f) for f in findings)
    # every error line on stderr names a file of the corpus with a position
    for line in run.stderr.splitlines():
        assert line.startswith(str(CORPUS)), line
    assert elapsed < 20, f"{elapsed:.1f}s"
