"""`nglint route`: explain how nginx maps URLs to a server, a location and a file.

Exit status: 0 when every URL was simulated (whatever status nginx would answer: it is a
query tool, a predicted 404 is an answer, not a failure); 2 for usage errors, unreadable
or unparsable configs, and configs nginx itself would refuse to load (`nginx -t` fails).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nglint.route.result import RouteResult

EXIT_OK, EXIT_ERROR = 0, 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    from nglint.cli import add_input_options

    p = sub.add_parser(
        "route", help="show which server, location and file nginx uses for URLs",
        description="Simulate nginx's request routing: URL → listen address → server → location → file "
                    "or upstream, with the directive behind each decision.",
        epilog="File checks (--fs, --fs-root) run as the config's `user` (nginx's compiled-in default is "
               "`nobody`; Debian's packaged nginx.conf sets `user www-data;`) and assume nginx starts as root. "
               "Without them, statuses that depend on files are reported as unknown. Exit status: 0 when "
               "every URL was simulated (a predicted 404 included), 2 for usage errors, unreadable or "
               "unparsable configs, and configs nginx would refuse to load.")
    p.add_argument("-c", "--conf", required=True, metavar="FILE",
                   help="the nginx config (nginx.conf, a vhost file, or an `nginx -T` dump)")
    p.add_argument("urls", nargs="+", metavar="URL",
                   help="a path (/static/app.css) or a full http://host/path; - reads URLs from stdin")
    p.add_argument("--host", help="Host header for bare paths (an absolute URL's host wins over it, as in "
                                  "nginx); without either, the request has no Host header")
    p.add_argument("--addr", metavar="IP:PORT", help="local address the connection arrives on "
                                                     "(127.0.0.1:8080, [::1]:80, unix:/run/x.sock)")
    fs = p.add_mutually_exclusive_group()
    fs.add_argument("--fs", action="store_true", help="check files and permissions on this machine")
    fs.add_argument("--fs-root", metavar="DIR", help="check files under DIR, treating it as / (an image export)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_input_options(p)
    p.set_defaults(run=run)


def _urls(args: argparse.Namespace) -> list[str]:
    urls: list[str] = []
    for u in args.urls:
        if u == "-":
            urls.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            urls.append(u)
    return urls


def run(args: argparse.Namespace) -> int:
    import os

    from nglint.cli import UsageError, load_configs, load_settings_for
    from nglint._gc import gc_paused
    from nglint.route import FsView, RouteError, compile_config, route

    if args.conf == "-" and "-" in args.urls:
        raise UsageError("stdin cannot hold both the config (-c -) and the URLs (-)")
    if args.fs_root and not os.path.isdir(args.fs_root):
        raise UsageError(f"--fs-root {args.fs_root}: not a directory")
    settings = load_settings_for(args)
    configs = load_configs(args, settings, [args.conf])
    if len(configs) != 1:
        raise UsageError(f"-c {args.conf}: expected one config file, found {len(configs)} entry points")
    config = configs[0]
    if config.fatal:
        raise UsageError(str(config.fatal[0]))
    # The tree and tables live until the command ends: with the cyclic GC paused they are
    # not rescanned on every allocation burst (a 5,000-server config otherwise costs more
    # in GC than in routing), and nothing stays frozen for a caller running us in-process.
    with gc_paused():
        cc = compile_config(config)
        refused = cc.errors
        if refused:
            raise UsageError(f"{refused[0]} (nginx would refuse this config)")
        for warning in cc.warnings:  # what `nginx -t` warns about and that changes routing
            print(f"nglint: warning: {warning}", file=sys.stderr)
        fs = FsView(args.fs_root) if args.fs_root else (FsView("/") if args.fs else None)
        results: list[RouteResult] = []
        for url in _urls(args):
            try:
                results.append(route(cc, url, host=args.host, addr=args.addr, fs=fs))
            except RouteError as e:
                raise UsageError(str(e)) from None
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(render_text(r) for r in results))
    return EXIT_OK


def render_text(r: RouteResult) -> str:
    """A short explained trace, read like the field guide's steps."""
    lines = [f"GET {r.url}" + (f"  (Host: {r.host})" if r.host else "  (no Host header)")]
    for i, step in enumerate(r.steps, 1):
        where = f"  [{step.where}]" if step.where else ""
        lines.append(f"  {i}. {step.text}{where}")
    lines.append("  => " + summary(r))
    return "\n".join(lines) + "\n"


def summary(r: RouteResult) -> str:
    status = str(r.status) if r.status is not None else "unknown"
    if r.action == "proxy":
        return f"proxied to {r.upstream} as {r.upstream_uri}" + (
            f" (status {status})" if r.status is not None else " (the upstream decides the status)")
    if r.action == "redirect":
        return f"{status} redirect to {r.redirect}"
    if r.action == "file":
        if r.status is None:
            return f"file {r.fs_path} (status unknown without --fs/--fs-root)"
        return f"{status} for {r.fs_path}"
    if r.action == "return":
        return f"return {status}"
    return f"error {status}"
