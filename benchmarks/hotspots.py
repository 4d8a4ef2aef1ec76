"""Where nglint spends its time: cProfile of load, lint and route, and the time of each rule alone.

    python benchmarks/hotspots.py [--size 2000] [--top 25] [--dump FILE.prof]

Uses the same generated inputs as run.py (benchmarks/.data/). Profile before optimising.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_OUT, generate_nginx  # noqa: E402

ROUTE_URLS = 1000


def _stats(prof: cProfile.Profile, sort: str, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    # drop the preamble; keep the table
    text = out.getvalue()
    return text[text.find("   ncalls"):].rstrip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=2000, help="servers in the generated config")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--data", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--dump", type=Path, help="also write the raw profile of load + lint (for snakeviz etc.)")
    args = ap.parse_args()

    from nglint.engine import Project, all_rules, lint
    from nglint.load import load

    tree = generate_nginx(args.size, args.data)
    rules = all_rules()
    print(f"# {tree.main}: {tree.servers} servers, {tree.lines:,} lines, {len(rules)} rules\n")

    prof = cProfile.Profile()
    gc.collect()
    t0 = time.perf_counter()
    prof.enable()
    config = load(tree.main)
    prof.disable()
    t_load = time.perf_counter() - t0
    print(f"## load: {t_load:.2f} s (under cProfile)\n")
    print(_stats(prof, "tottime", args.top), "\n")
    print(_stats(prof, "cumulative", args.top), "\n")

    lint_prof = cProfile.Profile()
    t0 = time.perf_counter()
    lint_prof.enable()
    diags = lint(Project([config]), rules)
    lint_prof.disable()
    print(f"## lint, all rules: {time.perf_counter() - t0:.2f} s (under cProfile), {len(diags)} diagnostics\n")
    print(_stats(lint_prof, "tottime", args.top), "\n")
    if args.dump:
        prof.create_stats()
        lint_prof.create_stats()
        both = pstats.Stats(prof)
        both.add(lint_prof)
        both.dump_stats(str(args.dump))

    try:
        from nglint.route import route
    except ImportError:
        route = None
    if route is not None:
        urls = json.loads(tree.urls.read_text())[:ROUTE_URLS]
        fresh = load(tree.main)  # lint may have cached routing tables on `config`
        route_prof = cProfile.Profile()
        t0 = time.perf_counter()
        route_prof.enable()
        for host, uri in urls:
            route(fresh, uri, host=host)
        route_prof.disable()
        print(f"## route × {len(urls)} URLs: {time.perf_counter() - t0:.2f} s (under cProfile)\n")
        print(_stats(route_prof, "tottime", args.top), "\n")
        print(_stats(route_prof, "cumulative", args.top), "\n")
        del fresh

    # Each rule alone on the same loaded tree, without the profiler's overhead.
    print("## each rule alone (no profiler, CPU time)\n\n| rule | time | diagnostics |\n|---|---:|---:|")
    gc.collect()
    t0 = time.process_time()
    for _ in config.walk():  # what the engine pays to dispatch directive rules, once per rule here
        pass
    print(f"| (tree walk alone, included in each directive rule's time) | "
          f"{(time.process_time() - t0) * 1000:.1f} ms | |")
    rows = []
    for cls in rules:
        gc.collect()
        t0 = time.process_time()
        found = lint(Project([config]), [cls])
        rows.append((time.process_time() - t0, cls, len(found)))
    for elapsed, cls, n in sorted(rows, key=lambda r: r[0], reverse=True):
        print(f"| {cls.code} {cls.name} | {elapsed * 1000:.1f} ms | {n} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
