"""Instruction counts (valgrind callgrind) of `nglint check` vs crossplane.parse: unlike
timings, they repeat within ~0.1% run to run, so they can compare two commits on a busy
machine. Needs valgrind; run by hand:

    python benchmarks/instructions.py [--servers 500]

Each measurement runs in its own process under callgrind; the count of a process that only
imports and warms up (on a 100-server config) is subtracted from it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_OUT, generate_nginx  # noqa: E402

KINDS = ("none", "crossplane", "load", "check")


def child(kind: str, servers: int, data: Path) -> None:
    import contextlib
    import gc
    import io

    import crossplane

    from nglint.cli import main
    from nglint.load import load

    tree, warm = generate_nginx(servers, data), generate_nginx(100, data)
    settings = data / "nglint.toml"
    settings.touch()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["check", "--config", str(settings), str(warm.main)])
    crossplane.parse(str(warm.main))
    gc.collect()  # whether a collection falls inside the measured part must not depend on the past
    if kind == "crossplane":
        crossplane.parse(str(tree.main))
    elif kind == "load":
        load(tree.main)
    elif kind == "check":
        with contextlib.redirect_stdout(io.StringIO()):
            main(["check", "--config", str(settings), str(tree.main)])


def count(kind: str, servers: int, data: Path) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
           "--child", kind, "--servers", str(servers), "--data", str(data)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stderr
    m = re.search(r"Collected : (\d+)", out)
    if m is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out[-2000:]}")
    return int(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--servers", type=int, default=500)
    ap.add_argument("--data", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.servers, args.data)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    generate_nginx(args.servers, args.data)
    generate_nginx(100, args.data)
    counts = {kind: count(kind, args.servers, args.data) for kind in KINDS}
    base = counts["crossplane"] - counts["none"]
    print(f"{args.servers} servers, instructions (import and warm-up subtracted):")
    for kind in KINDS[1:]:
        n = counts[kind] - counts["none"]
        print(f"  {kind:<10} {n / 1e6:8.0f}M  {n / base:.3f}× crossplane.parse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
