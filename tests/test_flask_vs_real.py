"""The static Flask reader against real Flask, the oracle.

For each fixture project under tests/flask_apps/ the reader runs in-process; then the
fixture is imported with real Flask in a subprocess (tests/_flask_oracle.py, CWD and
sys.path = the fixture copy, a controlled environment). Compared: every app found (by
constructor file:line and call site), its url_map (rule + endpoint, blueprint static rules
included), static_folder / static_url_path / root, template and instance paths, upload
config values, which endpoint answers under each static-looking rule, url_for() of the
template references, and — the strongest check — GET requests for probe files the test
writes into each directory the reader says a route serves.

Expectations about what must be *unknown* are written per fixture below (real Flask can
only say what one environment produced); everything else comes from Flask.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nglint.flask import read_project

HERE = Path(__file__).parent
FIXTURES = HERE / "flask_apps"
ORACLE = HERE / "_flask_oracle.py"
PROBE = "nglint_probe.txt"

# imports: modules gunicorn/flask would import; calls: factories nobody in the project calls
# (`flask --app pkg` calls them without arguments); run_main: scripts run as __main__;
# env: variables the oracle runs with; unknown: upload config keys the reader must report as
# unknown; variants: extra environments whose values must be among the reader's candidates.
CASES: dict[str, dict[str, Any]] = {
    "module_app": {"imports": ["app"]},
    "package_app": {"imports": ["shop"]},
    "factory_wsgi": {"imports": ["wsgi"], "variants": [{"APP_ENV": "production"}]},
    "subclass_app": {"imports": ["app"]},
    "positional_args": {"imports": ["app"]},
    "static_outside": {"imports": ["server.app"]},
    "static_none": {"imports": ["app"]},
    "static_root_url": {"imports": ["app"]},
    "static_url_variants": {"imports": ["app"]},
    "later_assign": {"imports": ["app"]},
    "blueprint_prefixes": {"imports": ["app"]},
    "nested_blueprints": {"imports": ["app"]},
    "shadowed_bp": {"imports": ["app"]},
    "config_classes": {"imports": ["app"]},
    "config_pyfile": {"imports": ["app"]},
    "config_mapping_update": {"imports": ["app"]},
    "env_defaults": {"imports": ["app"], "env": {"REQUIRED_UPLOAD_DIR": "/from/env"},
                     "unknown": ["UPLOAD_REQUIRED", "UPLOAD_TMP"],
                     "variants": [{"FLASK_ENV": "production"}, {"UPLOADS": "/elsewhere", "MEDIA_DIR": "m2"}]},
    "middleware": {"imports": ["app", "mounted"]},
    "send_routes": {"imports": ["wsgi"]},
    "unknowns": {"imports": ["app"], "env": {"STATIC_DIR": "assets"},
                 "unknown_fields": {"app.py:5": ["static_folder"]}},
    "templates_bp": {"imports": ["app"]},
    "flaskr_factory": {"calls": ["flaskr:create_app"]},
    "import_name_str": {"imports": ["pkg.factory"]},
    "dangerous_dot": {"imports": ["app"]},
    "run_main": {"run_main": ["run.py"]},
    "branches_factory": {"imports": ["flasky"], "variants": [{"FLASK_CONFIG": "production"}]},
    "patterns_mix": {"imports": ["app"], "variants": [{"UPLOAD_FOLDER": "/srv/up"}]},
}


def _copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest.resolve()


def run_oracle(root: Path, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "LANG", "LC_ALL")}
    clean.update(env)
    clean["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, str(ORACLE), str(root), json.dumps(spec)], cwd=root, env=clean,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _site(app: dict[str, Any]) -> str:
    return f"{app['file']}:{app['line']}"


def match_apps(model: dict[str, Any], real: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pair each app Flask built with the reader's app for the same constructor and call site."""
    pairs = []
    unmatched = list(model["apps"])
    for r in real["apps"]:
        site = _site(r)
        outer = r["outer"]
        found = [a for a in unmatched if _site(a) == site and
                 ((outer == site and not a["call_sites"]) or outer in a["call_sites"])]
        assert found, f"reader missed the app built at {site} (called from {outer}); reader has " \
                      f"{[(a['id']) for a in model['apps']]}"
        pairs.append((found[0], r))
        unmatched.remove(found[0])
    assert not unmatched, f"reader reports apps Flask did not build: {[a['id'] for a in unmatched]}"
    return pairs


def _served_routes(app: dict[str, Any]) -> list[dict[str, Any]]:
    """File routes whose directory and URL the test can probe."""
    out = []
    for r in app["file_routes"]:
        if r["rule"] is None or (r["directory"] is None and r["served_file"] is None):
            continue
        out.append(r)
    return out


def _fill(rule: str, value: str) -> str:
    """Replace URL variables: the last one with the probe file name, the others with ``value``."""
    import re

    names = list(re.finditer(r"<(?:[a-zA-Z_]\w*(?:\([^)]*\))?:)?(\w+)>", rule))
    out = rule
    for i, m in reversed(list(enumerate(names))):
        out = out[:m.start()] + (PROBE if i == len(names) - 1 else value) + out[m.end():]
    return out


def plan_probes(root: Path, model: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """Write a probe file into every directory a route serves and return the URLs to GET,
    with what each should answer according to the reader."""
    gets: dict[str, list[str]] = {}
    expect: dict[str, dict[str, Any]] = {}
    for app in model["apps"]:
        prefix = app["mount_prefix"] or ""
        for r in _served_routes(app):
            if r["reachable"] is False:
                continue  # another rule answers; compared through Flask's url_map instead
            if r["served_file"] is not None and "<" not in r["rule"]:
                target = root / r["served_file"]
                url = prefix + r["rule"]
                if not target.parent.exists() or not _inside(target, root):
                    continue
            else:
                directory = _fill(r["directory"], "p1") if r["parametrized"] else r["directory"]
                target = (root / directory / PROBE) if not os.path.isabs(directory) else Path(directory) / PROBE
                if not _inside(target, root):
                    continue  # absolute deployment paths are not created here
                url = prefix + _fill(r["rule"], "p1")
            target.parent.mkdir(parents=True, exist_ok=True)
            content = f"probe {target.relative_to(root)}"
            target.write_text(content)
            gets.setdefault(app["id"].split("@")[0], []).append(url)
            expect[f"{app['id']}|{url}"] = {"route": r, "file": str(target.relative_to(root))}
    return gets, expect


def _inside(path: Path, root: Path) -> bool:
    path = Path(os.path.normpath(path))
    return path == root or root in path.parents


def _real_value(root: Path, view: dict[str, Any]) -> Any:
    """A reader config value as the running app holds it (CWD = the fixture root)."""
    value = view["value"]
    if view.get("anchor") in ("project", "cwd"):
        return os.path.normpath(os.path.join(root, value))
    return value


def _norm(value: Any) -> Any:
    return os.path.normpath(value) if isinstance(value, str) and "/" in value else value


def compare_app(name: str, root: Path, model: dict[str, Any], a: dict[str, Any], r: dict[str, Any],
                case: dict[str, Any]) -> None:
    where = f"{name} {a['id']}"
    unknown_static = "static_folder" in case.get("unknown_fields", {}).get(a["id"], ())
    if unknown_static:
        # Flask got a folder from this run's environment; the reader must say it cannot know.
        assert a["static_folder"] is None and a["static_route"] is None, where
        assert any(u["app"] == a["id"] and u["what"] == "static_folder" and u["reason"]
                   for u in model["unresolvable"]), where
    else:
        # Static route: the URL prefix comes from the rule Flask added at construction.
        static_rules = [x["rule"] for x in r["rules"] if x["endpoint"] == "static"]
        assert (a["static_route"],) == tuple(static_rules) or (a["static_route"] is None and not static_rules), where
        if static_rules:
            assert a["static_url_path"] + "/<path:filename>" == static_rules[0], where
        assert a["static_url_path_attr"] == r["static_url_path"], where
        if r["static_folder"] is None:
            assert a["static_folder"] is None, where
        else:
            assert a["static_folder"] == os.path.normpath(r["static_folder"]), where
    assert a["root_path"] == os.path.normpath(r["root_path"]), where
    assert a["import_name"] == r["import_name"], where
    assert a["app_class"] == r["class"], where
    if r["template_folder"] is not None:
        assert a["template_folder"] == os.path.normpath(r["template_folder"]), where
    assert a["instance_path"] == os.path.normpath(r["instance_path"]), where
    assert a["instance_relative_config"] == r["instance_relative_config"], where
    # Every rule, in url_map order per endpoint (Werkzeug sorts; compare as multisets).
    skip = {"static"} if unknown_static else set()
    reader_rules = sorted((x["rule"], x["endpoint"]) for x in a["routes"] if x["endpoint"] not in skip)
    real_rules = sorted((x["rule"], x["endpoint"]) for x in r["rules"] if x["endpoint"] not in skip)
    assert reader_rules == real_rules, where
    # Blueprints: registered names and who answers under their static URL.
    assert sorted(b["name"] for b in a["blueprints"]) == sorted(r["blueprints"]), where
    for b in a["blueprints"]:
        rb = r["blueprints"][b["name"]]
        assert (b["file"], b["line"]) == (rb["file"], rb["line"]), where
        if b["static_route"] is not None:
            assert b["static_folder"] == os.path.normpath(rb["static_folder"]), where
            winner = r["winners"][b["static_route"]]
            assert b["reachable"] == (winner == b["static_endpoint"]), (where, b["name"], winner)
            assert b["shadowed_by"] == (None if b["reachable"] else winner), (where, b["name"])
    for fr in a["file_routes"]:
        if fr["rule"] in r["winners"] and fr["reachable"] is not None:
            assert fr["reachable"] == (r["winners"][fr["rule"]] == fr["endpoint"]), (where, fr["rule"])
    # Upload config.
    unknown = set(case.get("unknown", ()))
    for key, real_value in r["config"].items():
        entry = a["upload_config"].get(key)
        assert entry is not None, (where, key)
        if key in unknown:
            assert entry["status"] == "unknown" and entry["reason"], (where, key, entry)
            continue
        assert entry["status"] in ("known", "candidates"), (where, key, entry)
        assert _norm(_real_value(root, entry)) == _norm(real_value), (where, key)
    assert not unknown - set(r["config"]), f"{where}: expected unknown keys missing from Flask's config"


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_matches_real_flask(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    root = _copy(name, tmp_path)
    model = read_project(root).to_json()
    gets, expect = plan_probes(root, model)
    url_fors: dict[str, list[tuple[str, str]]] = {}
    for u in model["template_asset_urls"]:
        if u["kind"] == "url_for" and u["endpoint"] and u["filename"] is not None:
            url_fors.setdefault(u["app"].split("@")[0], []).append((u["endpoint"], u["filename"]))
    spec = {k: case[k] for k in ("imports", "calls", "run_main") if k in case}
    spec.update(get=gets, url_for=url_fors)
    real = run_oracle(root, spec, case.get("env", {}))
    for a, r in match_apps(model, real):
        compare_app(name, root, model, a, r, case)
        site = a["id"].split("@")[0]
        for url, got in r["get"].items():
            exp = expect[f"{a['id']}|{url}"]
            assert got == {"status": 200, "body": f"probe {exp['file']}"}, (name, url, exp["route"])
        for u in model["template_asset_urls"]:
            if u["app"] == a["id"] and u["kind"] == "url_for" and u["endpoint"] and u["filename"] is not None:
                built = r["url_for"][f"{u['endpoint']}|{u['filename']}"]
                if u["url"] is None:  # the reader says the endpoint does not exist
                    assert built == "BuildError", (name, u)
                else:
                    assert u["url"] == built, (name, u)
        assert set(r["get"]) == set(gets.get(site, [])), name


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.get("variants")))
def test_other_environments_are_candidates(name: str, tmp_path: Path) -> None:
    """With a variable set, the value real Flask gets is one the reader listed."""
    case = CASES[name]
    root = _copy(name, tmp_path)
    model = read_project(root).to_json()
    spec = {k: case[k] for k in ("imports", "calls", "run_main") if k in case}
    for env in case["variants"]:
        real = run_oracle(root, {**spec, "get": {}, "url_for": {}}, {**case.get("env", {}), **env})
        for a, r in match_apps(model, real):
            for key, real_value in r["config"].items():
                entry = a["upload_config"][key]
                if key in case.get("unknown", ()):
                    continue
                values = [_norm(_real_value(root, c)) for c in entry["candidates"] if c["status"] == "known"] or \
                    [_norm(_real_value(root, entry))]
                overridable = set(entry["env"]) & set(env)
                assert _norm(real_value) in values or overridable, (name, env, key, real_value, values)
