"""nglint benchmark: ratios to crossplane.parse, scaling to 10k servers, cold start, memory.

    python benchmarks/run.py [--quick] [--sizes 100 1000 ...] [--repeat 5] [--out FILE]

Everything runs in this one process, interleaved (each repetition visits every size and
every measurement, rotating their order) and the median of the repetitions is reported
(a ratio to crossplane.parse: the median of the per-repetition ratios); only cold start
and peak memory use fresh subprocesses, because they must. The output is a markdown
report (tables ready for the README) ending with PASS/FAIL per issue-6 target. Inputs
come from benchmarks/generate.py and are cached under benchmarks/.data/.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_OUT, NginxTree, generate_flask, generate_nginx, write_vhost  # noqa: E402

DEFAULT_SIZES = [100, 1000, 2000, 5000, 10000]
QUICK_SIZES = [100, 1000]
ROUTE_URLS = 1000
HEAVY_MODULES = ("libcst", "jinja2", "yaml")

# Issue 6 targets.
CHECK_RATIO_SIZE, CHECK_RATIO_MAX = 2000, 0.5
SCALING_MAX_GROWTH = 1.1  # t(10k)/t(1k) <= 11, i.e. per-server time may grow at most 10%
COLD_START_MAX_MS = 150.0
MEMORY_RATIO_MAX = 3.0


class _Timeout(Exception):
    pass


def _label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _secs(t: float) -> str:
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def _mb(n: float) -> str:
    return f"{n / 2**20:.1f} MB"


# -- what is measured ---------------------------------------------------------------------


def _empty_settings(data: Path) -> Path:
    """An empty nglint.toml, so the in-process CLI never picks up the repo's own settings."""
    path = data / "nglint.toml"
    if not path.is_file():
        path.write_text("# benchmark: default settings\n")
    return path


def _route_fn() -> tuple[Callable[..., Any] | None, str]:
    try:
        from nglint.route import route
    except ImportError as e:
        return None, f"route not available: {e}"
    return route, ""


def _flask_reader() -> tuple[Callable[..., Any] | None, str]:
    try:
        from nglint.flask import read_project
    except ImportError as e:
        return None, f"app reader not available: {e}"
    return read_project, ""


def crossplane_parse(tree: NginxTree) -> Any:
    import crossplane

    return crossplane.parse(str(tree.main))


def nglint_load(tree: NginxTree) -> Any:
    from nglint.load import load

    return load(tree.main)


def nglint_lint(config: Any) -> list:
    from nglint.engine import Project, all_rules, lint

    return lint(Project([config]), all_rules())


def nglint_cli(tree: NginxTree, settings: Path) -> int:
    """`nglint check nginx.conf` end to end (settings, load, lint, text report) in this process."""
    from nglint.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(["check", "--config", str(settings), str(tree.main)])
    if code not in (0, 1):
        raise RuntimeError(f"nglint check exited {code}: {err.getvalue().strip()[:300]}")
    return code


def route_urls(route: Callable[..., Any], config: Any, urls: list[tuple[str, str]]) -> None:
    for host, uri in urls:
        route(config, uri, host=host)


def route_cli(tree: NginxTree, settings: Path, urls: list[tuple[str, str]]) -> int:
    """`nglint route -c nginx.conf URL...` end to end (load, routing tables, 1,000 URLs, text output)."""
    from nglint.cli import main

    absolute = [f"http://{host}{uri}" for host, uri in urls]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["route", "--config", str(settings), "-c", str(tree.main), *absolute])
    finally:
        # The CLI may gc.freeze() its tree (it exits right after); this process goes on
        # measuring, so hand those objects back to the collector.
        gc.unfreeze()
    if code != 0:
        raise RuntimeError(f"nglint route exited {code}: {err.getvalue().strip()[:300]}")
    return code


def parse_floor(root: Path) -> None:
    """What any static reader must pay at least: libcst over every module, jinja2 over every template."""
    import jinja2
    import libcst

    env = jinja2.Environment()
    for path in sorted(root.rglob("*.py")):
        libcst.parse_module(path.read_bytes())
    for path in sorted(root.rglob("*.html")):
        env.parse(path.read_text())


# -- measurement loop ---------------------------------------------------------------------


@dataclass
class Series:
    by_rep: dict[int, list[float]] = field(default_factory=dict)  # the samples of each repetition
    note: str = ""  # why there are no (or fewer) samples

    @property
    def samples(self) -> list[float]:
        return [t for times in self.by_rep.values() for t in times]

    @property
    def median(self) -> float | None:
        samples = self.samples
        return statistics.median(samples) if samples else None

    def at(self, rep: int) -> float | None:
        """This measurement in repetition ``rep`` (the median of its samples there)."""
        values = self.by_rep.get(rep)
        return statistics.median(values) if values else None


class Bench:
    def __init__(self, budget: float, clock: Callable[[], float]) -> None:
        self.budget = budget
        self.clock = clock
        self.series: dict[tuple[str, int], Series] = {}
        self.dead: dict[str, tuple[int, str]] = {}  # measure -> (size, note): skip sizes >= that
        self.recording = True  # False during the warm-up pass
        self.rep = 0  # the repetition being measured

    def get(self, name: str, size: int = 0) -> Series:
        return self.series.setdefault((name, size), Series())

    def skipped(self, name: str, size: int) -> bool:
        dead = self.dead.get(name)
        if dead is not None and size >= dead[0]:
            self.get(name, size).note = self.get(name, size).note or dead[1]
            return True
        return False

    def time(self, name: str, size: int, fn: Callable[[], Any]) -> Any:
        """Run fn once under the time budget; returns its result, or None when it failed."""
        if self.skipped(name, size):
            return None
        gc.collect()
        alarm = hasattr(signal, "SIGALRM") and self.budget > 0
        if alarm:
            def on_alarm(signum: int, frame: Any) -> None:
                raise _Timeout

            old = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.budget)
        t0 = self.clock()
        try:
            result = fn()
        except _Timeout:
            self.dead[name] = (size, f"over the {self.budget:.0f} s budget at {_label(size)}")
            self.get(name, size).note = self.dead[name][1]
            return None
        except Exception as e:  # a broken measure must not hide the others
            self.dead[name] = (0, f"error: {type(e).__name__}: {str(e)[:120]}")
            self.get(name, size).note = self.dead[name][1]
            return None
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
        elapsed = self.clock() - t0
        if self.recording:
            self.get(name, size).by_rep.setdefault(self.rep, []).append(elapsed)
        return result if result is not None else True

    def median(self, name: str, size: int = 0) -> float | None:
        return self.get(name, size).median

    def ratio(self, name: str, size: int, parts: tuple[str, ...] = ()) -> float | None:
        """The median over repetitions of this measurement's time / crossplane.parse's time
        in the same repetition (``parts``: the sum of those measurements instead). The two
        ran seconds apart on the same input, so a machine that speeds up or slows down
        between repetitions moves both, not the ratio (a ratio of the two medians could
        pair a fast moment of one with a slow moment of the other)."""
        base = self.get("crossplane", size)
        ratios = []
        for rep in base.by_rep:
            values = [self.get(part, size).at(rep) for part in parts or (name,)]
            b = base.at(rep)
            if b and all(v is not None for v in values):
                ratios.append(sum(values) / b)  # type: ignore[arg-type]
        return statistics.median(ratios) if ratios else None


def run_in_process(bench: Bench, trees: list[NginxTree], flask_root: Path, settings: Path, repeat: int) -> None:
    route, route_note = _route_fn()
    reader, reader_note = _flask_reader()
    urls = {t.servers: _urls(t) for t in trees}

    def group_crossplane(tree: NginxTree) -> None:
        bench.time("crossplane", tree.servers, lambda: crossplane_parse(tree))

    def group_check(tree: NginxTree) -> None:
        config = bench.time("load", tree.servers, lambda: nglint_load(tree))
        if config is None:
            bench.get("lint", tree.servers).note = bench.get("load", tree.servers).note
            return
        bench.time("lint", tree.servers, lambda: nglint_lint(config))

    def group_route(tree: NginxTree) -> None:
        if route is None:
            bench.get("route", tree.servers).note = route_note
            return
        # A fresh config, so nothing lint computed (caches on the tree) helps the router.
        config = bench.time("load", tree.servers, lambda: nglint_load(tree))
        if config is None:
            bench.get("route", tree.servers).note = bench.get("load", tree.servers).note
            return
        bench.time("route", tree.servers, lambda: route_urls(route, config, urls[tree.servers]))

    def group_route_cli(tree: NginxTree) -> None:
        if route is None:
            bench.get("route_cli", tree.servers).note = route_note
            return
        bench.time("route_cli", tree.servers, lambda: route_cli(tree, settings, urls[tree.servers]))

    def group_cli(tree: NginxTree) -> None:
        bench.time("cli", tree.servers, lambda: nglint_cli(tree, settings))

    def group_app() -> None:
        bench.time("floor", 0, lambda: parse_floor(flask_root))
        if reader is None:
            bench.get("app", 0).note = reader_note
            return
        bench.time("app", 0, lambda: reader(flask_root, {}))

    groups = [group_crossplane, group_check, group_route, group_route_cli, group_cli]
    # Warm-up, not recorded: imports, rule discovery and regex compilation happen once per
    # process, so they belong to cold start, not to the per-input numbers.
    bench.recording = False
    for group in groups:
        group(trees[0])
    group_app()
    bench.recording = True
    for rep in range(repeat):
        bench.rep = rep
        k = rep % len(groups)
        order = groups[k:] + groups[:k]  # rotate so no measure always runs first (warm caches, GC state)
        for tree in trees:
            for group in order:
                group(tree)
        group_app()
        print(f"  repetition {rep + 1}/{repeat} done", file=sys.stderr, flush=True)


def _urls(tree: NginxTree) -> list[tuple[str, str]]:
    pairs = [tuple(p) for p in json.loads(tree.urls.read_text())]
    return [pairs[i % len(pairs)] for i in range(ROUTE_URLS)]


# -- subprocess measurements --------------------------------------------------------------


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fresh_install(data: Path, timeout: float) -> tuple[list[str], dict[str, str]] | str:
    """nglint as a user's `pip install nglint` gives it: a new venv, a wheel built from this
    checkout installed (bytecode compiled by pip) and crossplane beside it. Returns the
    venv's python and the environment to run it in, or why it could not be made.

    Cold start is measured there, not in this interpreter: site hooks of the environment
    running the benchmark (editable-install finders, a sandbox's .pth files) can cost more
    than nglint itself, and no user of a released nglint pays for them."""
    import shutil

    import crossplane

    root = data / "fresh-install"
    python = root / "venv" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True,
                       capture_output=True, timeout=timeout)
    source, wheels, site = root / "source", root / "wheels", root / "site"
    for d in (source, wheels, site):
        shutil.rmtree(d, ignore_errors=True)
    repo = Path(__file__).resolve().parent.parent
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("nglint", "rules"):
        shutil.copytree(repo / name, source / name, ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(repo / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run(pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=timeout)
    wheel = next(wheels.glob("nglint-*.whl"), None)
    if built.returncode != 0 or wheel is None:
        return f"wheel build failed: {(built.stderr.strip().splitlines() or ['?'])[-1][:150]}"
    installed = subprocess.run(pip + ["install", "--no-deps", "--target", str(site), str(wheel)],
                               capture_output=True, text=True, timeout=timeout)
    if installed.returncode != 0:
        return f"install failed: {(installed.stderr.strip().splitlines() or ['?'])[-1][:150]}"
    (site / "crossplane").symlink_to(Path(crossplane.__file__).resolve().parent, target_is_directory=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(site)
    return [str(python)], env


# What pip's `nglint` console script runs.
CONSOLE_SCRIPT = "import re, sys; from nglint.cli import main; sys.exit(main())"


def cold_start(vhost: Path, settings: Path, runs: int, timeout: float, data: Path, cpu: bool) -> dict[str, Any]:
    """Time of `nglint check` on a small vhost vs `python -c pass`, interleaved, in a fresh
    install (see fresh_install) and, for reference, in this environment: wall time, or with
    ``cpu`` the child's user + system CPU time (steadier on a busy machine)."""
    clock = _children_cpu if cpu else time.perf_counter
    args = ["check", "--config", str(settings.resolve()), str(vhost.resolve())]
    # This environment: users run with cached bytecode; PYTHONDONTWRITEBYTECODE (set in some
    # sandboxes) would make every run recompile nglint. The cache goes to a private dir.
    here_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    here_env["PYTHONPYCACHEPREFIX"] = str(data / "pycache")
    setups = {"here": ([sys.executable], here_env)}
    fresh = fresh_install(data, timeout)
    if isinstance(fresh, str):
        out: dict[str, Any] = {"fresh_error": fresh}
    else:
        setups["fresh"] = fresh
        out = {}
    commands = {}
    for where, (python, env) in setups.items():
        commands[f"{where}:python"] = (python + ["-c", "pass"], env)
        commands[f"{where}:nglint"] = (python + ["-c", CONSOLE_SCRIPT] + args, env)
        subprocess.run(commands[f"{where}:nglint"][0], capture_output=True, timeout=timeout, env=env,
                       cwd=data)  # warm caches
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(runs):
        for key, (cmd, env) in commands.items():
            t0 = clock()
            # cwd: not the checkout, whose nglint/ would shadow the installed package for `-c`
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, cwd=data)
            times[key].append(clock() - t0)
            if key.endswith(":nglint") and proc.returncode not in (0, 1):
                return {"error": f"{key}: exit {proc.returncode}: {proc.stderr.decode()[-300:]}"}
    for key, values in times.items():
        out[key] = statistics.median(values)
    heavy = _child(["imports", str(vhost), str(settings)], timeout)
    out["heavy"] = heavy.get("heavy") if "error" not in heavy else None
    out["error"] = heavy.get("error")
    # The target is judged on the fresh install; this environment is the fallback.
    where = "fresh" if "fresh:nglint" in out else "here"
    out["nglint"], out["python"], out["where"] = out[f"{where}:nglint"], out[f"{where}:python"], where
    return out


def _child(args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        return {"error": f"over the {timeout:.0f} s budget"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1][:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory(tree: NginxTree, timeout: float) -> dict[str, Any]:
    """Peak Python heap of nglint load + lint vs the heap crossplane's parsed payload holds."""
    out: dict[str, Any] = {"servers": tree.servers}
    for kind in ("mem-crossplane", "mem-nglint", "rss-baseline", "rss-crossplane", "rss-nglint"):
        out[kind] = _child([kind, str(tree.main)], timeout)
    return out


def child_main(kind: str, args: list[str]) -> None:
    """Runs in a fresh interpreter; prints one JSON line."""
    import resource

    def maxrss() -> int:
        # Linux carries ru_maxrss over fork + exec (a child "peaks" at its parent's size);
        # VmHWM is this process's own high-water mark.
        try:
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB

    result: dict[str, Any] = {}
    if kind == "imports":
        from nglint.cli import main

        with contextlib.redirect_stdout(io.StringIO()):
            main(["check", "--config", args[1], args[0]])
        result["heavy"] = sorted(m for m in HEAVY_MODULES if m in sys.modules)
    elif kind.startswith("mem-"):
        import tracemalloc

        import crossplane  # before tracing: imports are not part of the payload

        from nglint.engine import all_rules

        all_rules()  # rule modules are code, not data: import them before tracing
        tracemalloc.start()
        if kind == "mem-crossplane":
            payload = crossplane.parse(args[0])
            gc.collect()
            result["payload"], result["peak"] = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            result["json"] = len(json.dumps(payload))
        else:
            tree = NginxTree(Path(args[0]).parent, 0, 0, 0)
            config = nglint_load(tree)
            diags = nglint_lint(config)
            gc.collect()
            result["retained"], result["peak"] = tracemalloc.get_traced_memory()
            result["diagnostics"] = len(diags)
    else:  # rss-*: the same work without tracemalloc, so ru_maxrss is not inflated by it
        import crossplane  # noqa: F401

        from nglint.engine import all_rules

        all_rules()
        tree = NginxTree(Path(args[0]).parent, 0, 0, 0)
        if kind == "rss-crossplane":
            crossplane_parse(tree)
        elif kind == "rss-nglint":
            nglint_lint(nglint_load(tree))
        result["maxrss"] = maxrss()
    print(json.dumps(result))


# -- report -------------------------------------------------------------------------------

ROWS = [
    ("crossplane", "crossplane.parse (baseline)"),
    ("load", "nglint load"),
    ("lint", "nglint rules only (loaded config)"),
    ("api", "nglint load + all rules (API)"),
    ("cli", "`nglint check` (CLI, in-process)"),
    ("route", f"route() × {ROUTE_URLS} URLs (API, loaded config)"),
    ("route_cli", f"`nglint route` × {ROUTE_URLS} URLs (CLI in-process, load included)"),
]


def _value(bench: Bench, name: str, size: int) -> float | None:
    if name == "api":
        load, lint = bench.median("load", size), bench.median("lint", size)
        return load + lint if load is not None and lint is not None else None
    return bench.median(name, size)


def _ratio(bench: Bench, name: str, size: int) -> float | None:
    return bench.ratio(name, size, ("load", "lint") if name == "api" else ())


def _note(bench: Bench, name: str, size: int) -> str:
    if name == "api":
        return _note(bench, "load", size) or _note(bench, "lint", size)
    note = bench.get(name, size).note
    if name.startswith("route") and note.startswith("route not available"):
        return "n/a (route not available)"
    return f"n/a ({note})" if note else "n/a"


def report(bench: Bench, trees: list[NginxTree], flask: Any, cold: dict[str, Any], mem: dict[str, Any] | None,
           repeat: int, argv: list[str], cpu: bool) -> str:
    import crossplane

    sizes = [t.servers for t in trees]
    command = " ".join(["python benchmarks/run.py", *argv])
    lines = ["## nglint benchmark", "",
             f"`{command}` · Python {platform.python_version()} · crossplane {crossplane.__version__} · "
             f"{platform.machine()} {os.cpu_count()} CPU · median of {repeat} · "
             f"{'CPU time (process + children)' if cpu else 'wall time'}", ""]

    lines += ["### Inputs", "", "| servers | lines | files | locations/server |", "|---:|---:|---:|---:|"]
    lines += [f"| {_label(t.servers)} | {t.lines:,} | {t.files:,} | 5 |" for t in trees]
    lines += [""]

    head = "| measurement | " + " | ".join(_label(n) for n in sizes) + " |"
    lines += ["### Time (ratio to crossplane.parse on the same input)", "",
              "Times are medians; a ratio is the median over repetitions of the ratio within one "
              "repetition.", "", head,
              "|---|" + "---:|" * len(sizes)]
    for name, title in ROWS:
        cells = []
        for n in sizes:
            v = _value(bench, name, n)
            ratio = _ratio(bench, name, n) if name != "crossplane" else None
            if v is None:
                cells.append(_note(bench, name, n))
            elif ratio is None:
                cells.append(_secs(v))
            else:
                cells.append(f"{_secs(v)} ({ratio:.2f}×)")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += [""]

    scale = [n for n in sizes if n >= 1000] if len([n for n in sizes if n >= 1000]) >= 2 else sizes
    lo, hi = scale[0], scale[-1]
    limit = SCALING_MAX_GROWTH * hi / lo
    lines += ["### Scaling (µs per server; route: µs per URL)", "",
              "| measurement | " + " | ".join(_label(n) for n in scale) + f" | t({_label(hi)})/t({_label(lo)}) |",
              "|---|" + "---:|" * (len(scale) + 1)]
    growth: dict[str, float | None] = {}
    for name, title in ROWS:
        cells = []
        for n in scale:
            v = _value(bench, name, n)
            per = ROUTE_URLS if name == "route" else n
            cells.append(f"{v / per * 1e6:.1f}" if v is not None else "n/a")
        a, b = _value(bench, name, lo), _value(bench, name, hi)
        growth[name] = b / a if a and b is not None else None
        cells.append(f"{growth[name]:.2f}" if growth[name] is not None else "n/a")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += [""]

    lines += ["### Flask project, cold start, memory", "", "| measurement | value | ratio |", "|---|---:|---:|"]
    floor, app = bench.median("floor"), bench.median("app")
    lines.append(f"| parse floor: libcst + jinja2 over {flask.modules} modules, {flask.templates} templates | "
                 f"{_secs(floor) if floor is not None else _note(bench, 'floor', 0)} | 1.00× |")
    app_cell = _secs(app) if app is not None else ("n/a (app reader not available)"
                                                   if "not available" in bench.get("app").note
                                                   else _note(bench, "app", 0))
    lines.append(f"| `nglint app` read_project ({flask.modules} modules, {flask.templates} templates) | {app_cell} | "
                 f"{f'{app / floor:.2f}×' if app is not None and floor else 'n/a'} |")
    if cold.get("nglint") is not None:
        places = [("fresh", "fresh install"), ("here", "this environment")]
        for where, title in places:
            if f"{where}:nglint" not in cold:
                lines.append(f"| cold `nglint check` on a 30-line vhost, {title} | n/a ({cold.get('fresh_error')}) | |")
                continue
            py, ng = cold[f"{where}:python"], cold[f"{where}:nglint"]
            lines.append(f"| `python -c pass`, {title} | {py * 1000:.0f} ms | 1.00× |")
            lines.append(f"| cold `nglint check` on a 30-line vhost, {title} | {ng * 1000:.0f} ms | {ng / py:.2f}× |")
        heavy = cold.get("heavy")
        lines.append(f"| heavy modules imported by that check | "
                     f"{'none' if heavy == [] else (', '.join(heavy) if heavy else 'n/a')} | |")
    else:
        lines.append(f"| cold `nglint check` on a 30-line vhost | n/a ({cold.get('error')}) | |")
    mem_ratio = None
    if mem is not None:
        cp, ng = mem["mem-crossplane"], mem["mem-nglint"]
        big = _label(mem["servers"])
        if "error" not in cp:
            lines.append(f"| crossplane payload at {big} (retained heap; JSON {_mb(cp['json'])}) | "
                         f"{_mb(cp['payload'])} | 1.00× |")
        if "error" not in cp and "error" not in ng:
            mem_ratio = ng["peak"] / cp["payload"]
            lines.append(f"| nglint load + all rules at {big}: peak heap (tracemalloc) | {_mb(ng['peak'])} | "
                         f"{mem_ratio:.2f}× |")
            lines.append(f"| nglint retained after the check at {big} | {_mb(ng['retained'])} | "
                         f"{ng['retained'] / cp['payload']:.2f}× |")
        else:
            lines.append(f"| peak memory at {big} | n/a ({ng.get('error') or cp.get('error')}) | |")
        base = mem["rss-baseline"].get("maxrss")
        for kind, title in (("rss-crossplane", "crossplane.parse"), ("rss-nglint", "nglint load + all rules")):
            rss = mem[kind].get("maxrss")
            if rss is not None and base is not None:
                lines.append(f"| max RSS, {title} at {big} (imports alone: {_mb(base)}) | {_mb(rss)} | "
                             f"+{_mb(rss - base)} |")
    lines += [""]

    # Targets
    verdicts: list[tuple[str, str, bool | None]] = []
    at = CHECK_RATIO_SIZE if CHECK_RATIO_SIZE in sizes else sizes[-1]
    check_ratio = _ratio(bench, "cli", at)
    verdicts.append((f"`nglint check` on {_label(at)} servers ≤ {CHECK_RATIO_MAX}× crossplane.parse",
                     f"{check_ratio:.2f}×" if check_ratio is not None else "n/a",
                     check_ratio <= CHECK_RATIO_MAX if check_ratio is not None else None))
    for name, title in (("cli", "`nglint check`"), ("route_cli", "`nglint route`")):
        g = growth.get(name)
        verdicts.append((f"{title}: t({_label(hi)})/t({_label(lo)}) ≤ {limit:g}",
                         f"{g:.2f}" if g is not None else "n/a", g <= limit if g is not None else None))
    c = cold.get("nglint")
    verdicts.append((f"cold start ({'fresh install' if cold.get('where') == 'fresh' else 'this environment'}) "
                     f"≤ {COLD_START_MAX_MS:g} ms, no {'/'.join(HEAVY_MODULES)} import",
                     f"{c * 1000:.0f} ms, heavy: {', '.join(cold.get('heavy') or []) or 'none'}" if c else "n/a",
                     (c * 1000 <= COLD_START_MAX_MS and cold.get("heavy") == []) if c else None))
    mem_at = _label(mem["servers"]) if mem else _label(trees[-1].servers)
    verdicts.append((f"peak memory at {mem_at} ≤ {MEMORY_RATIO_MAX:g}× crossplane payload",
                     f"{mem_ratio:.2f}×" if mem_ratio is not None else "n/a",
                     mem_ratio <= MEMORY_RATIO_MAX if mem_ratio is not None else None))
    lines += ["### Targets (issue 6)", "", "| target | measured | status |", "|---|---:|:---:|"]
    for title, measured, ok in verdicts:
        lines.append(f"| {title} | {measured} | {'PASS' if ok else ('FAIL' if ok is False else 'n/a')} |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description="nglint benchmark (issue 6)")
    ap.add_argument("--quick", action="store_true", help="small sizes, 3 repetitions, a small Flask project")
    ap.add_argument("--sizes", type=int, nargs="+", help=f"servers per config (default {DEFAULT_SIZES})")
    ap.add_argument("--repeat", type=int, help="repetitions, median reported (default 5; --quick 3)")
    ap.add_argument("--flask", type=int, nargs=2, metavar=("MODULES", "TEMPLATES"),
                    help="Flask project size (default 200 300; --quick 20 30)")
    ap.add_argument("--budget", type=float, default=300.0,
                    help="seconds one measurement may take before it (and larger sizes) is skipped")
    ap.add_argument("--data", type=Path, default=DEFAULT_OUT, help="where generated inputs are cached")
    ap.add_argument("--cpu", action="store_true",
                    help="measure CPU time instead of wall time (for a machine shared with other work)")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    ap.add_argument("--out", type=Path, help="also write the markdown report here")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_main(args.child[0], args.child[1:])
        return 0

    sizes = sorted(set(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)))
    repeat = args.repeat or (3 if args.quick else 5)
    modules, templates = args.flask or ((20, 30) if args.quick else (200, 300))
    args.data.mkdir(parents=True, exist_ok=True)
    print(f"generating inputs in {args.data} ...", file=sys.stderr, flush=True)
    trees = [generate_nginx(n, args.data) for n in sizes]
    flask = generate_flask(modules, templates, args.data)
    vhost = write_vhost(args.data)
    settings = _empty_settings(args.data)

    bench = Bench(args.budget, time.process_time if args.cpu else time.perf_counter)
    print(f"timing {len(sizes)} sizes × {repeat} repetitions ...", file=sys.stderr, flush=True)
    run_in_process(bench, trees, flask.root, settings, repeat)
    print("cold start ...", file=sys.stderr, flush=True)
    cold = cold_start(vhost, settings, max(repeat, 5), args.budget, args.data, args.cpu)
    mem = None
    if not args.no_memory:
        # The largest input nglint could load within the budget (the report names the size).
        mem_tree = next((t for t in reversed(trees) if bench.get("load", t.servers).samples), trees[0])
        print(f"memory at {_label(mem_tree.servers)} ...", file=sys.stderr, flush=True)
        mem = memory(mem_tree, args.budget * 3)
    text = report(bench, trees, flask, cold, mem, repeat, sys.argv[1:], args.cpu)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
