"""What ``pip install kzgeo`` brings: the default layers and map specs, declared dependencies, a licence."""

from __future__ import annotations

import ast
import filecmp
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from sync_package_data import COPIES, packaged_files  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MAPS = ["corridors.html", "overview.html", "rare-earths.html", "tungsten.html"]


@pytest.mark.parametrize(("source", "target", "pattern"), COPIES, ids=["layers", "maps"])
def test_packaged_copy_equals_the_edited_one(source, target, pattern):
    """layers/ and maps/ are what people edit; the package's copy must match (run `make package-data`)."""
    wanted = [p.name for p in packaged_files(source, pattern)]
    assert sorted(p.name for p in target.iterdir()) == wanted, "run `make package-data`"
    _, mismatch, errors = filecmp.cmpfiles(source, target, wanted, shallow=False)
    assert not mismatch and not errors, f"{mismatch + errors} differ from {source}: run `make package-data`"


def _imported_distributions() -> set[str]:
    """Distributions the package's modules import (top-level names mapped through installed metadata)."""
    names = set()
    for path in (ROOT / "kzgeo").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    mapping = packages_distributions()
    stdlib = set(sys.stdlib_module_names) | {"kzgeo", "__future__"}
    return {mapping[n][0].lower().replace("_", "-") for n in names - stdlib}


def test_every_imported_distribution_is_declared():
    declared = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower().replace("_", "-") for d in PYPROJECT["project"]["dependencies"]}
    assert _imported_distributions() <= declared, _imported_distributions() - declared
    assert all(any(op in d for op in (">=", "==")) for d in PYPROJECT["project"]["dependencies"]), "every dependency needs a minimum version"


def test_licence_is_declared_and_shipped():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "CC BY 4.0" in (ROOT / "layers" / "LICENSE.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """kzgeo built as a wheel, the way PyPI would ship it."""
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the tracked files: setuptools writes build/ beside the sources, never in the checkout.
    source = tmp_path_factory.mktemp("source") / "kzgeo"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, tracked):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (path,) = out.glob("kzgeo-*.whl")
    return path


def test_wheel_carries_data_specs_static_files_and_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for source, _, pattern in COPIES:
        for path in packaged_files(source, pattern):
            assert f"kzgeo/data/{source.name}/{path.name}" in names
    assert {"kzgeo/html/static/fastlayer.js", "kzgeo/html/static/controls.js", "kzgeo/data/backdrop.json"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_installed_wheel_builds_the_default_maps_in_an_empty_folder(wheel, tmp_path):
    """pip install --no-deps into a clean target, then `kzgeo build` in an empty folder: the four maps."""
    target, empty = tmp_path / "site", tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = [sys.executable, "-c", "import sys, kzgeo.cli; assert kzgeo.cli.__file__.startswith(sys.argv[1]); kzgeo.cli.app(sys.argv[2:])", str(target)]
    result = subprocess.run([*run, "build"], cwd=empty, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (empty / "maps").iterdir()) == MAPS
    assert sorted(p.name for p in empty.iterdir()) == ["maps"], "nothing but the maps is written"
    # The same pages as from the repository's own layers and specs.
    repo = tmp_path / "repo"
    result = subprocess.run([*run, "build", "--layers", str(ROOT / "layers"), "--maps", str(ROOT / "maps"), "--out", str(repo)], cwd=empty, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for name in MAPS:
        assert (empty / "maps" / name).read_bytes() == (repo / name).read_bytes(), name
    # Every other command finds the installed layers too.
    result = subprocess.run([*run, "layers"], cwd=empty, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.startswith("deposits\t"), result.stderr
