"""`nglint app DIR`: print what the static Flask reader sees in a project."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nglint.flask.model import AppModel, ProjectModel, Unresolvable


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="show the Flask app model (static prefix, folders, uploads, routes, templates)")
    p.add_argument("dir", metavar="DIR", help="the Flask project directory")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not os.path.isdir(args.dir):
        print(f"nglint: error: {args.dir}: not a directory", file=sys.stderr)
        return 2
    from nglint.flask import read_project

    model = read_project(args.dir)
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(model.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(model))
    return 0


def _show(value: Any) -> str:
    return "-" if value is None else str(value)


def _value_text(value: Any, anchor: str | None) -> str:
    if anchor == "project":
        return f"{value} (in the project)"
    if anchor == "cwd":
        return f"{value} (under the process CWD)"
    return repr(value)


def _app_text(app: AppModel, unresolvable: list[Unresolvable]) -> list[str]:
    where = f"{app.app_class} {app.name or '?'}"
    if app.factory:
        where += f", from {app.factory}()" + (f" called at {', '.join(app.call_sites)}" if app.call_sites else "")
    lines = [f"app {app.id}  ({where})"]
    if app.targets:
        lines.append(f"  targets          {', '.join(app.targets)}")
    cwd = " (process CWD)" if app.root_path_base == "cwd" else ""
    lines.append(f"  root_path        {_show(app.root_path)}{cwd}")
    if app.static_route:
        lines.append(f"  static route     {app.static_route} -> {_show(app.static_folder)}"
                     f"{' (under the process CWD)' if app.static_folder_base == 'cwd' else ''}"
                     f"  [{app.at.get('static_folder', '')}]")
    elif any(u.app == app.id and u.what == "static_folder" for u in unresolvable):
        lines.append("  static route     unknown (see below)")
    else:
        lines.append("  static route     none")
    for name in ("static_url_path", "static_folder", "upload_folder"):
        if app.candidates.get(name):
            lines.append(f"    {name} candidates: {', '.join(map(_show, app.candidates[name]))}")
    lines.append(f"  template_folder  {_show(app.template_folder)}")
    lines.append(f"  instance_path    {_show(app.instance_path)}"
                 f" (instance_relative_config={app.instance_relative_config})")
    if app.mount_prefix:
        lines.append(f"  mounted under    {app.mount_prefix}")
    if app.upload_folder_key:
        lines.append(f"  upload folder    {_show(app.upload_folder)} ({app.upload_folder_key}"
                     f"{', ' + app.at['upload_folder'] if 'upload_folder' in app.at else ''})")
    for key, entry in app.upload_config.items():
        if entry.status == "unknown":
            text = f"unknown: {entry.reason}"
        elif entry.value is None and entry.candidates:
            text = "not set by default"
        else:
            text = _value_text(entry.value, entry.anchor)
        extra = f"  env: {', '.join('$' + e for e in entry.env)}" if entry.env else ""
        lines.append(f"    {key} = {text}  [{entry.file}:{entry.line}]{extra}")
        for c in entry.candidates:
            shown = "not set" if c["status"] == "unset" else (
                f"unknown: {c.get('reason')}" if c["status"] == "unknown" else _value_text(c["value"], c.get("anchor")))
            lines.append(f"      candidate: {shown}")
    if app.blueprints:
        lines.append("  blueprints:")
        for bp in app.blueprints:
            state = "" if bp.reachable is None else ("  reachable" if bp.reachable else
                                                     f"  SHADOWED by {bp.shadowed_by or 'normalised URL'}")
            static = f"{bp.static_route} -> {bp.static_folder}" if bp.static_route else "no static folder"
            lines.append(f"    {bp.name:<16} prefix {_show(bp.url_prefix):<12} {static}{state}  [{bp.file}:{bp.line}]")
    routes = [r for r in app.file_routes if r.via not in ("static", "blueprint-static")]
    if routes:
        lines.append("  file routes:")
        for r in routes:
            flags = [f for f, on in (("protected", r.protected), ("parametrized", r.parametrized),
                                     ("CWD-relative", r.directory_base == "cwd"), ("unreachable", r.reachable is False))
                     if on]
            target = r.served_file or r.directory
            lines.append(f"    {_show(r.rule):<32} {r.via:<20} {_show(target)}"
                         f"{'  (' + ', '.join(flags) + ')' if flags else ''}  [{r.file}:{r.line}]")
    for ext in app.extension_routes:
        lines.append(f"  extension        {ext.extension} static at {_show(ext.url_prefix)}  [{ext.file}:{ext.line}]"
                     + (f"  ({ext.note})" if ext.note else ""))
    if app.notes:
        lines.append("  notes:")
        lines.extend(f"    {n.message}" + (f"  [{n.at}]" if n.at else "") for n in app.notes)
    return lines


def render_text(model: ProjectModel) -> str:
    lines: list[str] = []
    if not model.apps:
        lines.append("no Flask app found")
    for app in model.apps:
        lines.extend(_app_text(app, model.unresolvable))
        lines.append("")
    if model.template_asset_urls:
        lines.append("template asset URLs:")
        for u in model.template_asset_urls:
            what = f"url_for({u.endpoint!r}, filename={u.filename!r})" if u.kind == "url_for" else u.raw
            lines.append(f"  {u.file}:{u.line}  {what} -> {_show(u.url)}{' (dynamic)' if u.dynamic else ''}")
        lines.append("")
    if model.unresolvable:
        lines.append("not statically known:")
        for item in model.unresolvable:
            where = f"{item.file}:{item.line}" if item.file else "-"
            lines.append(f"  {where}  {item.what}: {item.reason}")
    return "\n".join(lines).rstrip("\n") + "\n"
