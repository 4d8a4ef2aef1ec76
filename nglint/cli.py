"""Command line: `nglint [check] ...`, `nglint rules`, `nglint rule CODE`, `nglint route`, `nglint app`.

`route` and `app` plug in from nglint/route/cli.py and nglint/flask/cli.py: each module's
``add_parser(subparsers)`` adds its subcommand and sets ``run=`` (args → exit code).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
COMMANDS = ("check", "rules", "rule", "route", "app")

EPILOG = """\
exit codes:
  0  no findings (with --fix: none left; with --diff: nothing to change and none left)
  1  findings (with --fix: some remain; with --diff: the diff is not empty or findings remain)
  2  usage error, unreadable input, a config that does not load, or an internal error

Set NGLINT_DEBUG=1 to get a traceback instead of a one-line internal error.
"""


class UsageError(Exception):
    """A one-line error for the user; exit code 2."""


def _terminal_width() -> int:
    """shutil.get_terminal_size().columns without importing shutil: argparse asks it on every
    add_argument(), and shutil's import (bz2, lzma, zlib) is ~5 ms of a ~100 ms cold start."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Width:
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        # argparse's own default: the terminal's width minus 2
        super().__init__(prog, indent_increment, max_help_position,  # type: ignore[call-arg]
                         _terminal_width() - 2 if width is None else width)


class _Formatter(_Width, argparse.HelpFormatter):
    pass


class _RawFormatter(_Width, argparse.RawDescriptionHelpFormatter):
    pass


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]  # raise instead of exit: main() reports
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _codes(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Options every command that loads configs shares (check, route)."""
    p.add_argument("--prefix", "-p", metavar="DIR", help="nginx prefix (-p) for relative root/alias/log paths")
    p.add_argument("--conf-root", metavar="DIR",
                   help="where the configs live on the server (default /etc/nginx); absolute includes "
                        "under it map onto the main config's directory")
    p.add_argument("--config", metavar="FILE", help="settings file (default: nglint.toml or pyproject.toml "
                                                    "[tool.nglint], searched upward from the current dir)")


def build_parser() -> argparse.ArgumentParser:
    from nglint import __version__

    parser = _Parser(prog="nglint", description="Lint, fix and explain nginx configs for Flask deployments.",
                     epilog=EPILOG, formatter_class=_RawFormatter)
    parser.add_argument("--version", action="version", version=f"nglint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="lint (and fix) configs; the default command", epilog=EPILOG,
                           formatter_class=_RawFormatter)
    check.add_argument("paths", nargs="*", metavar="PATH", help="config files, directories, or - for stdin "
                                                               "(default: .)")
    fixes = check.add_mutually_exclusive_group()
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fixes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply unsafe fixes (alone: like --fix; with --diff: show them)")
    check.add_argument("--select", type=_codes, default=None, metavar="CODES",
                       help="only these rules: codes, code prefixes or names, comma-separated")
    check.add_argument("--ignore", type=_codes, default=None, metavar="CODES", help="skip these rules")
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default=None)
    check.add_argument("--app", metavar="DIR", help="the Flask project to cross-check with nginx")
    fs = check.add_mutually_exclusive_group()
    fs.add_argument("--fs", action="store_true", help="also check the files nginx serves on this machine "
                                                      "(existence, permissions of the nginx user, symlinks)")
    fs.add_argument("--fs-root", metavar="DIR", help="like --fs, with DIR standing for / (an image export, "
                                                     "a staging copy)")
    check.add_argument("--stdin-filename", metavar="NAME", default="<stdin>", help="name for - input")
    check.add_argument("--no-color", action="store_true", help="no colour even on a terminal")
    add_input_options(check)

    sub.add_parser("rules", help="list every rule")
    rule = sub.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("rule", metavar="CODE|NAME")

    from nglint.route import cli as route_cli

    route_cli.add_parser(sub)
    from nglint.flask import cli as app_cli

    app_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run nglint; returns the exit code. Errors are one line on stderr, never a traceback
    (unless NGLINT_DEBUG is set)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # `check` is the default command: `nglint --fix nginx.conf` works.
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    try:
        args = build_parser().parse_args(argv)
        if args.command == "check":
            return run_check(args)
        if args.command == "rules":
            return run_rules()
        if args.command == "rule":
            return run_rule(args.rule)
        return int(args.run(args))
    except UsageError as e:
        print(f"nglint: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`nglint ... | head`); keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLEAN
    except Exception as e:
        from nglint.engine import RuleError

        if os.environ.get("NGLINT_DEBUG"):
            raise
        if isinstance(e, RuleError):
            print(f"nglint: error: {e}", file=sys.stderr)
        else:
            print(f"nglint: internal error: {type(e).__name__}: {e} (set NGLINT_DEBUG=1 for a traceback)",
                  file=sys.stderr)
        return EXIT_ERROR


# -- check ------------------------------------------------------------------------------

def load_settings_for(args: argparse.Namespace) -> dict[str, Any]:
    """Settings from ``--config FILE`` or the nearest settings file (UsageError if unusable)."""
    from nglint.settings import SettingsError, find_settings, load_settings

    explicit = getattr(args, "config", None)
    if explicit and not os.path.isfile(explicit):
        raise UsageError(f"{explicit}: settings file not found")
    try:
        return load_settings(Path(explicit) if explicit else find_settings())
    except SettingsError as e:
        raise UsageError(str(e)) from None


def load_configs(args: argparse.Namespace, settings: dict[str, Any], paths: list[str],
                 overlay: dict[str, bytes] | None = None) -> list:
    """Load ``paths`` with the prefix/conf-root of the command line, else of the settings."""
    from nglint.load import LoadError
    from nglint.load.discover import load_paths

    try:
        return load_paths(paths, prefix=args.prefix or settings.get("prefix"),
                          conf_root=args.conf_root or settings.get("conf-root"),
                          stdin_name=getattr(args, "stdin_filename", "<stdin>"), overlay=overlay)
    except LoadError as e:
        raise UsageError(str(e)) from None


def per_file_ignores(settings: dict[str, Any]) -> Callable[[Any], bool]:
    """Predicate: is a diagnostic switched off by ``per-file-ignores``? Globs match the
    file's path relative to the settings file's directory, or its base name."""
    table: dict[str, list[str]] = settings.get("per-file-ignores") or {}
    if not table:
        return lambda d: False
    from nglint.engine import matches

    base = os.path.dirname(os.path.abspath(settings["_file"]))

    def ignored(d: Any) -> bool:
        path = str(d.file.path) if d.file is not None else (d.path or "")
        names = {d.filename, os.path.basename(path)}
        if os.path.isabs(path):
            names.add(os.path.relpath(path, base))
        return any(any(fnmatch.fnmatch(n, pattern) for n in names) and any(matches(d.code, d.name, c) for c in codes)
                   for pattern, codes in table.items())

    return ignored


def _rules_for(args: argparse.Namespace, settings: dict[str, Any]) -> list:
    from nglint.engine import UnknownSelector, select_rules

    select = args.select if args.select is not None else settings.get("select")
    ignore = [*(args.ignore or []), *settings.get("ignore", [])]
    try:
        rules = select_rules(select, ignore)
        # Validate per-file-ignores the same way: a typo there would silently ignore nothing.
        select_rules(None, [c for codes in (settings.get("per-file-ignores") or {}).values() for c in codes])
    except UnknownSelector as e:
        raise UsageError(str(e)) from None
    return rules


def fs_view(args: argparse.Namespace, settings: dict[str, Any]) -> Any:
    """The FsView of --fs / --fs-root (else of the `fs-root` setting), or None: the
    filesystem rules then do nothing."""
    root = args.fs_root or (None if args.fs else settings.get("fs-root"))
    if root is None and not args.fs:
        return None
    if root is not None and not os.path.isdir(root):
        where = "--fs-root" if args.fs_root else f"fs-root (in {settings.get('_file')})"
        raise UsageError(f"{where} {root}: not a directory")
    from nglint.route.fs import FsView

    return FsView(root or "/")


def run_check(args: argparse.Namespace) -> int:
    from nglint.engine import Project, lint

    settings = load_settings_for(args)
    paths = args.paths or ["."]
    fix = args.fix or (args.unsafe_fixes and not args.diff)
    if paths.count("-") > 1:
        raise UsageError("- (stdin) may be given only once")
    if "-" in paths and fix:
        raise UsageError("--fix cannot write to stdin; use --diff")
    rules = _rules_for(args, settings)
    app_dir = args.app or settings.get("app")
    if app_dir and not os.path.isdir(app_dir):
        raise UsageError(f"--app {app_dir}: not a directory")
    notes: list[str] = []  # shared by every pass's Project: printed once, on stderr
    # discover_app searches directories only: config files alone never import nglint.deploy.
    if not app_dir and any(r.needs_app for r in rules) and any(p != "-" and os.path.isdir(p) for p in paths):
        from nglint.deploy import discover_app

        found = discover_app(paths)
        if found is not None:
            app_dir = str(found.directory)
            notes.append(found.describe())
    ignored = per_file_ignores(settings)
    fs = fs_view(args, settings)

    def run(overlay: dict[str, bytes] | None = None) -> tuple[list, list]:
        configs = load_configs(args, settings, paths, overlay)
        project = Project(configs, Path(app_dir) if app_dir else None, settings, notes, fs=fs)
        return configs, [d for d in lint(project, rules) if not ignored(d)]

    configs, diags = run()
    for note in notes:
        print(f"nglint: note: {note}", file=sys.stderr)
    fatal = [issue for c in configs for issue in c.fatal]
    for issue in fatal:
        print(issue, file=sys.stderr)  # file:line:col: message
    if fix or args.diff:
        if fatal:
            print("nglint: error: no fixes applied: the configuration does not load", file=sys.stderr)
        elif any(c.dump for c in configs):
            raise UsageError("fixes cannot be applied to an `nginx -T` dump; run nglint on the config files")
        else:
            code, diags = _fix(args, run, configs, diags, write=fix)
            if code is not None:
                return code
    _print_report(args, settings, diags, rules, unloaded=sum(1 for c in configs if c.fatal))
    if fatal:
        return EXIT_ERROR
    return EXIT_FINDINGS if diags else EXIT_CLEAN


def _fix(args: argparse.Namespace, run: Callable, configs: list, diags: list, write: bool) -> tuple[int | None, list]:
    """--fix / --diff: (exit code when the command ends here, diagnostics left to report).
    --diff prints only the diff (and a summary on stderr); --fix writes the files."""
    from nglint.fix import fix_project, write_atomic

    result = fix_project(run, configs, diags, args.unsafe_fixes)
    for problem in result.problems:
        print(f"nglint: warning: {problem}", file=sys.stderr)
    n, left = len(result.applied), len(result.remaining)
    if not write:
        sys.stdout.write(result.diff())
        print(f"Would fix {n} problem{_s(n)}; {left} would remain.", file=sys.stderr)
        return (EXIT_FINDINGS if result.new_data or result.remaining else EXIT_CLEAN), []
    # One file reached under two names (sites-enabled/x → sites-available/x, both linted)
    # must not get two different fixed texts, the second silently overwriting the first.
    by_real: dict[str, list[str]] = {}
    for path in result.new_data:
        by_real.setdefault(os.path.realpath(path), []).append(path)
    for paths in by_real.values():
        if len({result.new_data[p] for p in paths}) > 1:
            names = " and ".join(result.display[p] for p in paths)
            print(f"nglint: error: {names} are the same file and their fixes differ; nothing written",
                  file=sys.stderr)
            return EXIT_ERROR, []
    for path, data in result.new_data.items():
        try:
            write_atomic(path, data)
        except OSError as e:
            print(f"nglint: error: cannot write {result.display[path]}: {e.strerror or e}", file=sys.stderr)
            return EXIT_ERROR, []
    if n:
        print(f"Fixed {n} problem{_s(n)}.", file=sys.stderr)
    return None, result.remaining


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _print_report(args: argparse.Namespace, settings: dict[str, Any], diags: list, rules: list,
                  unloaded: int) -> None:
    from nglint import report

    fmt = args.format or settings.get("format") or "text"
    if fmt == "json":
        sys.stdout.write(report.render_json(diags))
    elif fmt == "sarif":
        sys.stdout.write(report.render_sarif(diags, rules))
    elif fmt == "github":
        sys.stdout.write(report.render_github(diags))
    else:
        color = sys.stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
        sys.stdout.write(report.render_text(diags, color=color, unloaded=unloaded))


# -- rules / rule -------------------------------------------------------------------------

def run_rules() -> int:
    from nglint.engine import all_rules

    rows = [(cls.code, cls.name, cls.severity.value, "yes" if cls.fixable() else "no") for cls in all_rules()]
    header = ("CODE", "NAME", "SEVERITY", "FIX")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    return EXIT_CLEAN


def run_rule(key: str) -> int:
    from nglint.engine import find_rule

    cls = find_rule(key)
    if cls is None:
        raise UsageError(f"unknown rule {key!r} (see `nglint rules`)")
    print(f"# {cls.code} {cls.name}\n")
    print(f"Severity: {cls.severity.value}. Fix: {'available' if cls.fixable() else 'none'}.\n")
    print(cls.documentation())
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
