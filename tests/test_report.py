"""Output formats: text, JSON, SARIF 2.1.0, GitHub workflow commands."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from nglint.diagnostics import Diagnostic, Fix, Related, Severity, TextEdit
from nglint.engine import all_rules, find_rule
from nglint.load import load_text
from nglint.report import render_github, render_json, render_sarif, render_text

# "é" before the alias makes byte offsets and character columns differ.
TEXT = "# café\nlocation /static/ {\n    alias /srv/app/static;\n}\n"


def _diags(tmp_path: Path, nglint, *args: str) -> str:  # noqa: ANN001
    conf = tmp_path / "site.conf"
    conf.write_text(TEXT)
    return nglint("check", "--select", "NGL001", *args, "site.conf", cwd=tmp_path).out


# -- text --------------------------------------------------------------------------------------

def test_text_format(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    out = _diags(tmp_path, nglint)
    lines = out.splitlines()
    col = TEXT.splitlines()[2].index("/srv") + 1
    assert lines[0].startswith(f"site.conf:3:{col}: NGL001 [alias-trailing-slash-mismatch] `alias /srv/app/static`")
    assert lines[1] == "     3 |     alias /srv/app/static;"
    assert lines[2] == "       |           " + "^" * len("/srv/app/static")
    assert lines[3] == "  help: Append `/` to the alias path (fix)"
    assert lines[-1] == "Found 1 problem. 1 fixable with `--fix`."
    assert "\033[" not in out  # not a terminal: no colour


def test_text_caret_follows_tabs_and_wide_text() -> None:
    config = load_text("server {\n\tlisten\t80;\n}\n", "t.conf")
    listen = next(d for d in config.walk() if d.name == "listen")
    d = Diagnostic("NGL000", "x", Severity.WARNING, "m", listen.file, listen.args[0].start, listen.args[0].end)
    lines = render_text([d]).splitlines()
    assert lines[1] == "     2 | \tlisten\t80;"
    assert lines[2] == "       | \t      \t^^"


def test_text_related_and_summary_counts() -> None:
    config = load_text("listen 80;\nlisten 81;\n", "t.conf")
    a, b = list(config.walk())[1:]
    safe = Fix.safe("s", [TextEdit(a.file, 0, 0, "")])
    unsafe = Fix.unsafe("u", [TextEdit(b.file, 0, 0, "")])
    diags = [Diagnostic("NGL000", "x", Severity.ERROR, "m", a.file, a.start, a.name_end, safe,
                        [Related("the other one", "t.conf", 2, 1)]),
             Diagnostic("NGL000", "x", Severity.ERROR, "m", b.file, b.start, b.name_end, unsafe)]
    out = render_text(diags)
    assert "  note: t.conf:2:1: the other one\n" in out
    assert "  help: u (unsafe fix)\n" in out
    assert out.endswith("Found 2 problems. 1 fixable with `--fix`. 1 more with `--unsafe-fixes`.\n")
    assert render_text([]) == "All checks passed.\n"


def test_colour_only_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "site.conf").write_text(TEXT)
    cmd = [sys.executable, "-c", "import sys; from nglint.cli import main; sys.exit(main())",
           "--select", "NGL001", "site.conf"]

    def on_tty(env: dict[str, str]) -> str:
        master, slave = pty.openpty()
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=slave, stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(30)
        os.close(master)
        return b"".join(chunks).decode()

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[31mNGL001\033[0m" in on_tty(env)
    assert "\033[" not in on_tty({**env, "NO_COLOR": "1"})
    piped = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert "NGL001" in piped.stdout and "\033[" not in piped.stdout


# -- JSON --------------------------------------------------------------------------------------

def test_json_format(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    data = json.loads(_diags(tmp_path, nglint, "--format", "json"))
    assert isinstance(data, list) and len(data) == 1
    obj = data[0]
    required = {"code", "name", "severity", "message", "file", "line", "column", "end_line", "end_column", "fix"}
    assert required <= set(obj)
    line = TEXT.splitlines()[2]
    assert obj["code"] == "NGL001" and obj["name"] == "alias-trailing-slash-mismatch"
    assert obj["severity"] == "error" and obj["file"] == "site.conf"
    assert (obj["line"], obj["column"]) == (3, line.index("/srv") + 1)
    assert (obj["end_line"], obj["end_column"]) == (3, line.index(";") + 1)
    fix = obj["fix"]
    assert set(fix) == {"applicability", "title", "edits"}
    assert fix["applicability"] == "safe" and fix["title"] == "Append `/` to the alias path"
    (edit,) = fix["edits"]
    # Byte offsets: the "é" counts twice.
    assert edit["start"] == edit["end"] == TEXT.encode().index(b"static;") + len("static")
    assert edit["text"] == "/"


def test_json_fix_null_and_empty_list(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    (tmp_path / "a.conf").write_text("location /s/ {\n    alias /srv/s/;  # nglint: malformed\n}\n")
    data = json.loads(nglint("check", "--select", "NGL011", "--format", "json", "a.conf", cwd=tmp_path).out)
    assert data and all(obj["fix"] is None for obj in data)
    (tmp_path / "ok.conf").write_text("location /s/ { alias /srv/s/; }\n")
    r = nglint("check", "--format", "json", "ok.conf", cwd=tmp_path)
    assert (r.code, json.loads(r.out)) == (0, [])


# -- SARIF 2.1.0 ---------------------------------------------------------------------------------

def _obj(props: dict, required: list[str] | None = None, **extra: object) -> dict:
    schema: dict = {"type": "object", "additionalProperties": False, "properties": props, **extra}
    if required:
        schema["required"] = required
    return schema


_INT1 = {"type": "integer", "minimum": 1}
_REF = lambda name: {"$ref": f"#/definitions/{name}"}  # noqa: E731
# The part of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that nglint's output
# can touch, with its property names, required properties, enums, minimums, and its
# additionalProperties: false, so a misspelt or invented property fails as it would there.
SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "definitions": {
        "message": _obj({"text": {"type": "string"}, "markdown": {"type": "string"}, "id": {"type": "string"},
                         "arguments": {"type": "array", "items": {"type": "string"}}},
                        anyOf=[{"required": ["text"]}, {"required": ["id"]}]),
        "multiformatMessageString": _obj({"text": {"type": "string"}, "markdown": {"type": "string"}}, ["text"]),
        "artifactLocation": _obj({"uri": {"type": "string", "format": "uri-reference"},
                                  "uriBaseId": {"type": "string"}, "index": {"type": "integer", "minimum": -1},
                                  "description": _REF("message")}),
        "region": _obj({"startLine": _INT1, "startColumn": _INT1, "endLine": _INT1, "endColumn": _INT1,
                        "byteOffset": {"type": "integer", "minimum": 0},
                        "byteLength": {"type": "integer", "minimum": 0},
                        "charOffset": {"type": "integer", "minimum": -1},
                        "charLength": {"type": "integer", "minimum": 0},
                        "snippet": {"type": "object"}, "message": _REF("message"),
                        "sourceLanguage": {"type": "string"}}),
        "physicalLocation": _obj({"address": {"type": "object"}, "artifactLocation": _REF("artifactLocation"),
                                  "region": _REF("region"), "contextRegion": _REF("region")},
                                 anyOf=[{"required": ["address"]}, {"required": ["artifactLocation"]}]),
        "location": _obj({"id": {"type": "integer", "minimum": -1}, "physicalLocation": _REF("physicalLocation"),
                          "logicalLocations": {"type": "array"}, "message": _REF("message"),
                          "annotations": {"type": "array"}, "relationships": {"type": "array"}}),
        "artifactContent": _obj({"text": {"type": "string"}, "binary": {"type": "string"},
                                 "rendered": _REF("multiformatMessageString")}),
        "replacement": _obj({"deletedRegion": _REF("region"), "insertedContent": _REF("artifactContent")},
                            ["deletedRegion"]),
        "artifactChange": _obj({"artifactLocation": _REF("artifactLocation"),
                                "replacements": {"type": "array", "minItems": 1, "items": _REF("replacement")}},
                               ["artifactLocation", "replacements"]),
        "fix": _obj({"description": _REF("message"),
                     "artifactChanges": {"type": "array", "minItems": 1, "items": _REF("artifactChange")}},
                    ["artifactChanges"]),
        "reportingConfiguration": _obj({"enabled": {"type": "boolean"},
                                        "level": {"enum": ["none", "note", "warning", "error"]},
                                        "rank": {"type": "number"}, "parameters": {"type": "object"}}),
        "reportingDescriptor": _obj({"id": {"type": "string"}, "deprecatedIds": {"type": "array"},
                                     "guid": {"type": "string"}, "name": {"type": "string"},
                                     "shortDescription": _REF("multiformatMessageString"),
                                     "fullDescription": _REF("multiformatMessageString"),
                                     "messageStrings": {"type": "object"},
                                     "defaultConfiguration": _REF("reportingConfiguration"),
                                     "helpUri": {"type": "string", "format": "uri"},
                                     "help": _REF("multiformatMessageString"), "properties": {"type": "object"}},
                                    ["id"]),
        "toolComponent": _obj({"name": {"type": "string"}, "version": {"type": "string"},
                               "semanticVersion": {"type": "string"},
                               "informationUri": {"type": "string", "format": "uri"},
                               "rules": {"type": "array", "items": _REF("reportingDescriptor")}}, ["name"]),
        "tool": _obj({"driver": _REF("toolComponent"), "extensions": {"type": "array"}}, ["driver"]),
        "invocation": _obj({"executionSuccessful": {"type": "boolean"}, "exitCode": {"type": "integer"},
                            "commandLine": {"type": "string"}}, ["executionSuccessful"]),
        "result": _obj({"ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
                        "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
                        "level": {"enum": ["none", "note", "warning", "error"]}, "message": _REF("message"),
                        "locations": {"type": "array", "items": _REF("location")},
                        "relatedLocations": {"type": "array", "items": _REF("location")},
                        "fixes": {"type": "array", "items": _REF("fix")},
                        "partialFingerprints": {"type": "object"}}, ["message"]),
        "run": _obj({"tool": _REF("tool"), "invocations": {"type": "array", "items": _REF("invocation")},
                     "results": {"type": "array", "items": _REF("result")},
                     "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                     "originalUriBaseIds": {"type": "object"}}, ["tool"]),
    },
    **_obj({"$schema": {"type": "string", "format": "uri"}, "version": {"enum": ["2.1.0"]},
            "runs": {"type": "array", "items": _REF("run")}}, ["version", "runs"]),
}


def _validate_sarif(doc: dict) -> None:
    import jsonschema

    jsonschema.Draft7Validator(SARIF_SUBSET, format_checker=jsonschema.FormatChecker()).validate(doc)
    # The full OASIS schema when one is on disk (it is never fetched from the network).
    full = os.environ.get("NGLINT_SARIF_SCHEMA")
    if full and Path(full).is_file():
        schema = json.loads(Path(full).read_text())
        jsonschema.validators.validator_for(schema)(schema).validate(doc)


def test_sarif_subset_schema_rejects_what_sarif_rejects() -> None:
    import jsonschema

    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}
    jsonschema.validate(good, SARIF_SUBSET)
    for broken in (
        {"version": "2.1.0"},                                                       # no runs
        {"version": "2.0.0", "runs": []},                                           # wrong version
        {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]},                   # driver without name
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                       "results": [{"ruleId": "A"}]}]},             # result without message
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                       "results": [{"message": {"text": "m"}, "severity": "error"}]}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                       "results": [{"message": {"text": "m"}, "locations": [
                                           {"physicalLocation": {"region": {"startLine": 0}}}]}]}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SARIF_SUBSET)


def test_sarif_format(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    (tmp_path / "my site.conf").write_text(TEXT + "# nglint: disable=NGL999 -- gone\n")
    r = nglint("check", "--format", "sarif", "my site.conf", cwd=tmp_path)
    assert r.code == 1
    doc = json.loads(r.out)
    _validate_sarif(doc)
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "nglint"
    assert [d["id"] for d in driver["rules"]] == [c.code for c in all_rules()]
    for desc in driver["rules"]:
        cls = find_rule(desc["id"])
        assert desc["name"] == cls.name
        assert desc["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                         "info": "note"}[cls.severity.value]
        assert "## What it does" in desc["help"]["markdown"]
        assert desc["shortDescription"]["text"] and "##" not in desc["shortDescription"]["text"]
    results = run["results"]
    assert {res["ruleId"] for res in results} == {"NGL001", "NGL011"}
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "my%20site.conf"
    ngl001 = next(res for res in results if res["ruleId"] == "NGL001")
    line = TEXT.splitlines()[2]
    assert ngl001["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": line.index("/srv") + 1, "endLine": 3, "endColumn": line.index(";") + 1}
    (change,) = ngl001["fixes"][0]["artifactChanges"]
    (rep,) = change["replacements"]
    assert rep["deletedRegion"] == {"byteOffset": TEXT.encode().index(b"static;") + 6, "byteLength": 0}
    assert rep["insertedContent"] == {"text": "/"}
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_with_no_results_and_odd_names() -> None:
    config = load_text("listen 80;\n", "<stdin>")
    d = Diagnostic("NGL000", "x", Severity.INFO, "m", config.main, 0, 6,
                   related=[Related("there", "/abs/path with space.conf", 3, 2)])
    doc = json.loads(render_sarif([d], []))
    _validate_sarif(doc)
    res = doc["runs"][0]["results"][0]
    assert res["level"] == "note" and "ruleIndex" not in res
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "%3Cstdin%3E"
    assert res["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "file:///abs/path%20with%20space.conf"
    _validate_sarif(json.loads(render_sarif([], all_rules())))


# -- GitHub ---------------------------------------------------------------------------------------

def test_github_format(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    out = _diags(tmp_path, nglint, "--format", "github")
    line = TEXT.splitlines()[2]
    col, end = line.index("/srv") + 1, line.index(";") + 1
    assert out.startswith(f"::error file=site.conf,line=3,col={col},endLine=3,endColumn={end},"
                          "title=NGL001 alias-trailing-slash-mismatch::`alias /srv/app/static` and ")
    assert out.count("\n") == 1


def test_github_escaping_and_levels() -> None:
    config = load_text("listen 80;\n", "dir,x:y%.conf")
    src = config.main
    diags = [Diagnostic("NGL000", "x", Severity.WARNING, "50% of\nlines", src, 0, 6),
             Diagnostic("NGL000", "x", Severity.INFO, "fyi", src, 0, 6)]
    lines = render_github(diags).splitlines()
    assert lines[0].startswith("::warning file=dir%2Cx%3Ay%25.conf,line=1,col=1,")
    assert lines[0].endswith("::50%25 of%0Alines")
    assert lines[1].startswith("::notice ")


def test_render_json_is_a_list_of_objects() -> None:
    assert json.loads(render_json([])) == []
