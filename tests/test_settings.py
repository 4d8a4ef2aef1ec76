"""Settings: `[tool.nglint]` in pyproject.toml or `nglint.toml`, found upward; `--config`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nglint.settings import SettingsError, find_settings, load_settings

BAD = "location /static/ { alias /srv/app/static; }\nlocation /r/ { root /srv/r/r; }\n"


def _tree(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _codes(out: str) -> list[str]:
    return sorted({line.split()[1] for line in out.splitlines() if ": NGL" in line})


def test_found_upward_from_the_current_dir(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _tree(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.nglint]\nselect = ["NGL001"]\n',
                     "deploy/nginx/site.conf": BAD})
    r = nglint("check", "site.conf", cwd=tmp_path / "deploy" / "nginx")
    assert _codes(r.out) == ["NGL001"]
    assert find_settings(tmp_path / "deploy" / "nginx") == tmp_path / "pyproject.toml"


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, {"nglint.toml": 'select = ["NGL002"]\n', "app/pyproject.toml": '[project]\nname = "app"\n'})
    assert find_settings(tmp_path / "app") == tmp_path / "nglint.toml"


def test_nearest_wins_and_nglint_toml_beats_pyproject(tmp_path: Path) -> None:
    _tree(tmp_path, {"pyproject.toml": "[tool.nglint]\n", "sub/pyproject.toml": "[tool.nglint]\n",
                     "sub/nglint.toml": "", "sub/deeper/x": ""})
    assert find_settings(tmp_path / "sub" / "deeper") == tmp_path / "sub" / "nglint.toml"
    assert find_settings(tmp_path) == tmp_path / "pyproject.toml"


def test_no_settings_anywhere_is_fine(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _tree(tmp_path, {"site.conf": BAD})
    assert load_settings(None) == {}
    assert nglint("check", "site.conf", cwd=tmp_path).code == 1


def test_select_ignore_and_format(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _tree(tmp_path, {"nglint.toml": 'ignore = ["root-instead-of-alias"]\nformat = "json"\n', "site.conf": BAD})
    r = nglint("check", "site.conf", cwd=tmp_path)
    assert [d["code"] for d in json.loads(r.out)] == ["NGL001"]
    # The command line wins over the file.
    r = nglint("check", "--format", "text", "--select", "NGL002", "--ignore", "NGL001", "site.conf", cwd=tmp_path)
    assert _codes(r.out) == []  # NGL002 stays ignored by the file, NGL001 by the flag
    assert r.out.strip() == "All checks passed."


def test_per_file_ignores(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _tree(tmp_path, {
        "nglint.toml": '[per-file-ignores]\n"legacy/*.conf" = ["NGL001"]\n"special.conf" = ["NGL0"]\n',
        "legacy/old.conf": BAD, "special.conf": BAD, "new.conf": BAD, "sub/special.conf": BAD})
    r = nglint("check", "--format", "json", "legacy/old.conf", "special.conf", "new.conf", "sub/special.conf",
               cwd=tmp_path)
    found = sorted((d["file"], d["code"]) for d in json.loads(r.out))
    assert found == [("legacy/old.conf", "NGL002"), ("new.conf", "NGL001"), ("new.conf", "NGL002")]
    # Relative to the settings file, not to the current dir.
    r = nglint("check", "--format", "json", "old.conf", cwd=tmp_path / "legacy")
    assert [d["code"] for d in json.loads(r.out)] == ["NGL002"]


def test_local_paths_are_relative_to_the_settings_file(tmp_path: Path) -> None:
    _tree(tmp_path, {"nglint.toml": 'prefix = "deploy/nginx"\napp = "."\nconf-root = "/etc/nginx"\n'
                                    'app-root = "/var/www/app"\n'})
    s = load_settings(tmp_path / "nglint.toml")
    assert s["prefix"] == str(tmp_path.resolve() / "deploy" / "nginx")
    assert s["app"] == str(tmp_path.resolve())
    assert (s["conf-root"], s["app-root"]) == ("/etc/nginx", "/var/www/app")  # server paths, as written


def test_prefix_and_conf_root_reach_the_loader(tmp_path: Path, nglint, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from nglint.load import discover

    seen = []
    real = discover.load_paths

    def spy(paths, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.append((kwargs["prefix"], kwargs["conf_root"]))
        return real(paths, **kwargs)

    monkeypatch.setattr(discover, "load_paths", spy)
    _tree(tmp_path, {"nglint.toml": 'prefix = "px"\nconf-root = "/opt/nginx"\n', "site.conf": "listen 80;\n"})
    nglint("check", "site.conf", cwd=tmp_path)
    nglint("check", "--prefix", "/cli", "--conf-root", "/cli-root", "site.conf", cwd=tmp_path)
    assert seen == [(str(tmp_path.resolve() / "px"), "/opt/nginx"), ("/cli", "/cli-root")]


def test_explicit_config_file(tmp_path: Path, nglint) -> None:  # noqa: ANN001
    _tree(tmp_path, {"nglint.toml": 'select = ["NGL002"]\n', "ci/lint.toml": 'select = ["NGL001"]\n',
                     "site.conf": BAD})
    assert _codes(nglint("check", "site.conf", cwd=tmp_path).out) == ["NGL002"]
    assert _codes(nglint("check", "--config", "ci/lint.toml", "site.conf", cwd=tmp_path).out) == ["NGL001"]
    r = nglint("check", "--config", "nope.toml", "site.conf", cwd=tmp_path)
    assert r.code == 2 and r.err == "nglint: error: nope.toml: settings file not found\n"


@pytest.mark.parametrize(("text", "message"), [
    ('selct = ["NGL001"]\n', "unknown setting selct in top level"),
    ('[tool.nglint]\nselect = ["NGL001"]\nfix = true\n', "unknown setting fix in [tool.nglint]"),
    ('select = "NGL001"\n', "setting select must be a list of strings, not 'NGL001'"),
    ('per-file-ignores = { "x" = "NGL001" }\n', "setting per-file-ignores must be a table of glob = [codes]"),
    ('format = "xml"\n', "setting format must be one of text, json, sarif, github"),
    ('prefix = 3\n', "setting prefix must be a non-empty string"),
    ('select = ["NGL001"\n', "invalid TOML"),
    ('select = ["NGL9"]\n', "'NGL9' matches no rule"),
    ('[per-file-ignores]\n"*.conf" = ["alias-slash"]\n', "'alias-slash' matches no rule"),
])
def test_bad_settings_are_a_clear_error(tmp_path: Path, nglint, text: str, message: str) -> None:  # noqa: ANN001
    _tree(tmp_path, {"nglint.toml": text, "site.conf": BAD})
    r = nglint("check", "site.conf", cwd=tmp_path)
    assert r.code == 2
    assert r.out == ""
    assert len(r.err.splitlines()) == 1 and r.err.startswith("nglint: error: ")
    assert message in r.err
    if "matches no rule" not in message:
        assert str(tmp_path / "nglint.toml") in r.err


def test_broken_pyproject_of_another_tool_is_not_ours(tmp_path: Path) -> None:
    _tree(tmp_path, {"pyproject.toml": "[tool.black\nline-length = 1\n", "sub/x": ""})
    assert find_settings(tmp_path / "sub") != tmp_path / "pyproject.toml"


def test_settings_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.nglint]\nunknown-key = 1\n")
    with pytest.raises(SettingsError, match=r"pyproject\.toml: unknown setting unknown-key"):
        load_settings(path)
