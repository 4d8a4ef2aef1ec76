"""nglint reads entry points without importing importlib.metadata (a cold-start cost);
importlib.metadata itself is the oracle: both must find the same values in the same order."""

from __future__ import annotations

import sys
import types
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from nglint import engine
from nglint.engine import entry_point_values


def _stdlib(group: str) -> list[str]:
    return [ep.value for ep in entry_points(group=group)]


def _must_not_be_called(group: str) -> list[str]:
    raise AssertionError("fell back to importlib.metadata")


def _dist(where: Path, dirname: str, entry_points_txt: str | None) -> None:
    info = where / dirname
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dirname.partition('-')[0]}\nVersion: 1\n")
    if entry_points_txt is not None:
        (info / "entry_points.txt").write_text(entry_points_txt)


@pytest.mark.parametrize("group", ["nglint.rules", "console_scripts", "pytest11", "no.such.group"])
def test_this_environment(group: str) -> None:
    assert entry_point_values(group) == _stdlib(group)


def test_builtin_pack_is_registered() -> None:
    assert "nglint.rules" in entry_point_values("nglint.rules")


def test_layouts_and_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "acme_rules-1.0.dist-info",
          "# comment\n[console_scripts]\nacme = acme.cli:main\n\n[nglint.rules]\n"
          "pack = acme.rules\n  extra = acme.more:pack [tls]  \n")
    # The same distribution again, further down sys.path and spelled differently: shadowed.
    _dist(second, "Acme.Rules-2.0.dist-info", "[nglint.rules]\nshadowed = acme.old\n")
    _dist(second, "zeta-0.1.egg-info", "[nglint.rules]\nzeta = zeta_rules\n")
    _dist(second, "no_entry_points-1.0.dist-info", None)
    (second / "legacy-1.0.egg-info").write_text("Metadata-Version: 1.0\nName: legacy\n")  # a single file
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    stdlib = engine._metadata_entry_points
    monkeypatch.setattr(engine, "_metadata_entry_points", _must_not_be_called)  # the direct read covers these
    for group in ("nglint.rules", "console_scripts"):
        assert entry_point_values(group) == stdlib(group)
    assert entry_point_values("nglint.rules") == ["acme.rules", "acme.more:pack [tls]", "zeta_rules"]


def test_zip_on_sys_path_goes_through_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 1\n")
        z.writestr("zipped-1.0.dist-info/entry_points.txt", "[nglint.rules]\nzipped = zipped_rules\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert entry_point_values("nglint.rules") == _stdlib("nglint.rules") == ["zipped_rules"]


def test_load_module_or_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("nglint_test_pack")
    module.inner = types.SimpleNamespace(pack="the pack")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nglint_test_pack", module)
    assert engine._load_entry_point("nglint_test_pack") is module
    assert engine._load_entry_point("nglint_test_pack : inner.pack [extra]") == "the pack"
    with pytest.raises(RuntimeError, match="not module"):
        engine._load_entry_point("not a module")


def test_submodules_agree_with_pkgutil(tmp_path: Path) -> None:
    """The rule pack's module scan finds what pkgutil.iter_modules finds (the oracle)."""
    import pkgutil

    pack = tmp_path / "pack"
    for rel in ("__init__.py", "a_rule.py", "_helper.py", "compiled.cpython-311-x86_64-linux-gnu.so", "legacy.pyc",
                "sub/__init__.py", "not-a-module.py", "notes.txt", "__pycache__/a_rule.cpython-311.pyc",
                "data/readme.md"):
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        (pack / rel).write_text("")
    zipped = tmp_path / "pack.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("zpack/__init__.py", "")
        z.writestr("zpack/z_rule.py", "")
    for path in ([str(pack)], [str(zipped / "zpack")]):
        assert engine._submodules(path) == sorted(i.name for i in pkgutil.iter_modules(path))
    assert engine._submodules([str(pack)]) == ["_helper", "a_rule", "compiled", "legacy", "not-a-module", "sub"]
