"""Command line: `nglint [check] ...`, `nglint rules`, `nglint rule CODE`, `nglint route`, `nglint app`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Sequence

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
COMMANDS = ("check", "rules", "rule", "route", "app")


class UsageError(Exception):
    """A one-line error for the user; exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its one-line form
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _codes(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--prefix", "-p", metavar="DIR", help="nginx prefix (-p) for relative root/alias/log paths")
    p.add_argument("--conf-root", metavar="DIR",
                   help="where the configs live on the server (default /etc/nginx); absolute includes "
                        "under it map onto the main config's directory")
    p.add_argument("--config", metavar="FILE", help="settings file (default: nglint.toml or pyproject.toml "
                                                    "[tool.nglint], searched upward)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nglint", description="Lint, fix and explain nginx configs for Flask deployments.")
    from nglint import __version__

    parser.add_argument("--version", action="version", version=f"nglint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="lint (and fix) configs; the default command")
    check.add_argument("paths", nargs="*", metavar="PATH", help="config files, directories, or - for stdin")
    fixes = check.add_mutually_exclusive_group()
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fixes.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply (or show) unsafe fixes")
    check.add_argument("--select", type=_codes, default=None, metavar="CODES", help="only these rules (codes, "
                                                                                     "prefixes or names)")
    check.add_argument("--ignore", type=_codes, default=None, metavar="CODES", help="skip these rules")
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default=None)
    check.add_argument("--app", metavar="DIR", help="the Flask project to cross-check with nginx")
    check.add_argument("--stdin-filename", metavar="NAME", default="<stdin>", help="name for - input")
    check.add_argument("--no-color", action="store_true")
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
        return EXIT_CLEAN


def load_settings_for(args: argparse.Namespace) -> dict[str, Any]:
    from nglint.settings import SettingsError, find_settings, load_settings

    try:
        path = Path(args.config) if getattr(args, "config", None) else find_settings()
        if getattr(args, "config", None) and not path.is_file():
            raise UsageError(f"{args.config}: settings file not found")
        return load_settings(path)
    except SettingsError as e:
        raise UsageError(str(e)) from None


def settings_path(settings: dict[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is None:
        return None
    return value if os.path.isabs(value) else os.path.join(settings["_base"], value)


def load_configs(args: argparse.Namespace, settings: dict[str, Any], paths: list[str],
                 overlay: dict[str, bytes] | None = None) -> list:
    from nglint.load import LoadError
    from nglint.load.discover import load_paths

    prefix = args.prefix or settings_path(settings, "prefix")
    conf_root = args.conf_root or settings.get("conf-root")
    try:
        return load_paths(paths, prefix=prefix, conf_root=conf_root,
                          stdin_name=getattr(args, "stdin_filename", "<stdin>"), overlay=overlay)
    except LoadError as e:
        raise UsageError(str(e)) from None


def _per_file_ignored(diag: Any, table: dict[str, list[str]]) -> bool:
    import fnmatch

    for pattern, codes in table.items():
        if fnmatch.fnmatch(diag.filename, pattern) or fnmatch.fnmatch(os.path.basename(diag.filename), pattern):
            if any(diag.code.startswith(c.upper()) or diag.name == c for c in codes):
                return True
    return False


def run_check(args: argparse.Namespace) -> int:
    from nglint import report
    from nglint.engine import Project, lint, select_rules
    from nglint.fix import fix_project, write_atomic

    settings = load_settings_for(args)
    paths = args.paths or ["."]
    if paths.count("-") > 1:
        raise UsageError("- (stdin) may be given only once")
    if "-" in paths and args.fix:
        raise UsageError("--fix cannot write to stdin; use --diff")
    select = args.select if args.select is not None else settings.get("select")
    ignore = (args.ignore or []) + list(settings.get("ignore", []))
    rules = select_rules(select, ignore)
    app_dir = args.app or settings_path(settings, "app")
    if app_dir and not os.path.isdir(app_dir):
        raise UsageError(f"--app {app_dir}: not a directory")
    per_file = settings.get("per-file-ignores", {})

    def run(overlay: dict[str, bytes] | None = None) -> tuple[list, list]:
        configs = load_configs(args, settings, paths, overlay)
        project = Project(configs, Path(app_dir) if app_dir else None, settings)
        diags = [d for d in lint(project, rules) if not _per_file_ignored(d, per_file)]
        return configs, diags

    configs, diags = run()
    fatal = [issue for c in configs for issue in c.fatal]
    for issue in fatal:
        print(f"nglint: error: {issue}", file=sys.stderr)
    fix_errors: list[str] = []
    if (args.fix or args.diff) and not fatal:
        result = fix_project(lambda ov: run(ov), configs, diags, args.unsafe_fixes)
        fix_errors = result.errors
        if args.diff:
            sys.stdout.write(result.diff())
            for err in fix_errors:
                print(f"nglint: error: {err}", file=sys.stderr)
            return EXIT_ERROR if fix_errors else (EXIT_FINDINGS if result.new_data else EXIT_CLEAN)
        for path, data in result.new_data.items():
            write_atomic(path, data)
        if result.new_data:
            configs, diags = run()
        if result.applied:
            n = len(result.applied)
            print(f"Fixed {n} problem{'s' if n != 1 else ''}.", file=sys.stderr)
    for err in fix_errors:
        print(f"nglint: error: {err}", file=sys.stderr)

    fmt = args.format or settings.get("format") or "text"
    if fmt == "json":
        sys.stdout.write(report.render_json(diags))
    elif fmt == "sarif":
        sys.stdout.write(report.render_sarif(diags, rules))
    elif fmt == "github":
        sys.stdout.write(report.render_github(diags))
    else:
        color = sys.stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")
        sys.stdout.write(report.render_text(diags, color=color))
    if fatal or fix_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if diags else EXIT_CLEAN


def run_rules() -> int:
    from nglint.engine import all_rules

    for cls in all_rules():
        fix = " (fix)" if cls.fix_title else ""
        print(f"{cls.code}  {cls.name:<36} {cls.severity.value:<8}{fix}")
    return EXIT_CLEAN


def run_rule(key: str) -> int:
    from nglint.engine import find_rule

    cls = find_rule(key)
    if cls is None:
        raise UsageError(f"unknown rule {key!r} (see `nglint rules`)")
    print(f"# {cls.code} {cls.name}\n")
    print(f"Severity: {cls.severity.value}\n")
    print(cls.documentation())
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
