"""Real-Flask oracle for the static reader, run as a subprocess by test_flask_vs_real.py.

    python _flask_oracle.py FIXTURE_DIR SPEC_JSON

It runs with the fixture directory as CWD and first on sys.path, imports the modules the
spec names (and calls the listed factories), records every Flask app and Blueprint
constructed (with the fixture file:line of the constructor call and of the outermost
fixture frame, i.e. the call site), and prints what real Flask built, as JSON: url_map
rules, static folder and URL path, template/instance paths, upload config, which endpoint
answers a probe under each static-looking rule, GET results for the probe URLs the test
asks for, and url_for() results for the template references it passes.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import runpy
import sys

UPLOAD_KEY = re.compile(r"UPLOAD|MEDIA", re.I)
PATH_RULE = re.compile(r"^([^<]*)/<(?:[a-zA-Z_]\w*(?:\([^)]*\))?:)?\w+>$")


def main() -> None:
    fixture = os.path.realpath(sys.argv[1])
    spec = json.loads(sys.argv[2])
    os.chdir(fixture)
    sys.path.insert(0, fixture)

    import flask

    flask_dir = os.path.dirname(flask.__file__)
    constructed: list[tuple[object, str, int, str, int]] = []

    def inside(frame) -> bool:  # noqa: ANN001
        return frame.f_code.co_filename.startswith(fixture + os.sep)

    def site_of(obj: object) -> tuple[str, int, str, int]:
        frame = sys._getframe(2)
        # Skip Flask's own frames and subclass __init__ frames running for this object.
        while frame is not None and (frame.f_code.co_filename.startswith(flask_dir) or
                                     (frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is obj)):
            frame = frame.f_back
        site = (frame.f_code.co_filename, frame.f_lineno)
        # The call site: where the outermost fixture function (a factory) was called from.
        outer = site
        while frame is not None:
            if inside(frame) and frame.f_code.co_name != "<module>":
                caller = frame.f_back
                outer = (caller.f_code.co_filename, caller.f_lineno) if caller is not None and inside(caller) \
                    else site
            elif inside(frame):
                break  # module-level code: the import that ran it is not a call site
            frame = frame.f_back
        return (*site, *outer)

    def patch(cls: type, store: list) -> None:
        original = cls.__init__

        def init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            if not any(s[0] is self for s in store):
                store.append((self, *site_of(self)))
            original(self, *args, **kwargs)

        cls.__init__ = init

    blueprints: list[tuple[object, str, int, str, int]] = []
    patch(flask.Flask, constructed)
    patch(flask.Blueprint, blueprints)
    flask.Flask.run = lambda self, *a, **k: None  # __main__ blocks must not start a server

    for name in spec.get("imports", []):
        importlib.import_module(name)
    for target in spec.get("calls", []):
        module, _, func = target.partition(":")
        getattr(importlib.import_module(module), func)()
    for path in spec.get("run_main", []):
        runpy.run_path(os.path.join(fixture, path), run_name="__main__")

    def rel(path: str | None) -> str | None:
        if path is None:
            return None
        path = os.path.normpath(path)
        return os.path.relpath(path, fixture) if os.path.isabs(path) and (
            path == fixture or path.startswith(fixture + os.sep)) else path

    def value(v: object) -> object:
        if isinstance(v, os.PathLike):
            v = os.fspath(v)
        if isinstance(v, str):
            return v
        if v is None or isinstance(v, (int, float, bool)):
            return v
        if isinstance(v, (list, tuple)):
            return [value(x) for x in v]
        if isinstance(v, dict):
            return {str(k): value(x) for k, x in v.items()}
        return repr(v)

    bp_sites = {id(b[0]): {"file": rel(b[1]), "line": b[2]} for b in blueprints}
    apps = []
    for app, file, line, outer_file, outer_line in constructed:
        rules = [{"rule": r.rule, "endpoint": r.endpoint} for r in app.url_map.iter_rules()]
        adapter = app.url_map.bind("localhost")
        winners = {}
        for r in app.url_map.iter_rules():
            m = PATH_RULE.match(r.rule)
            if m and "<" not in m.group(1):
                probe = m.group(1).rstrip("/") + "/__nglint_probe__.css"
                try:
                    winners[r.rule] = adapter.match(probe)[0]
                except Exception as e:  # noqa: BLE001 - any routing outcome is data here
                    winners[r.rule] = type(e).__name__
        fetched = {}
        client = app.test_client()
        for url in spec.get("get", {}).get(f"{rel(file)}:{line}", []):
            resp = client.get(url, headers={"X-Auth": "yes"})
            fetched[url] = {"status": resp.status_code,
                            "body": resp.get_data(as_text=True) if resp.status_code == 200 else None}
            resp.close()
        built = {}
        with app.test_request_context():
            for endpoint, filename in spec.get("url_for", {}).get(f"{rel(file)}:{line}", []):
                try:
                    built[f"{endpoint}|{filename}"] = flask.url_for(endpoint, filename=filename)
                except Exception as e:  # noqa: BLE001
                    built[f"{endpoint}|{filename}"] = type(e).__name__
        apps.append({
            "file": rel(file), "line": line, "outer": f"{rel(outer_file)}:{outer_line}",
            "class": type(app).__name__,
            "import_name": app.import_name,
            "root_path": rel(app.root_path),
            "static_folder": rel(app.static_folder),
            "static_url_path": app.static_url_path,
            "template_folder": rel(os.path.join(app.root_path, app.template_folder))
            if app.template_folder is not None else None,
            "instance_path": rel(app.instance_path),
            "instance_relative_config": app.config.root_path == app.instance_path,
            "rules": rules,
            "winners": winners,
            "config": {k: value(v) for k, v in app.config.items() if UPLOAD_KEY.search(k)},
            "blueprints": {name: {**bp_sites.get(id(bp), {}), "static_folder": rel(bp.static_folder),
                                  "url_prefix": bp.url_prefix}
                           for name, bp in app.blueprints.items()},
            "get": fetched,
            "url_for": built,
        })
    json.dump({"apps": apps}, sys.stdout)


if __name__ == "__main__":
    main()
