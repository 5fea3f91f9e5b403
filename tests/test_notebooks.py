"""The notebooks run clean, top to bottom, in a real Jupyter kernel (nbclient + ipykernel).

Each runs in a scratch directory holding a copy of the shipped layers and map
specs, laid out like the repository root, so it reads what a user would and
writes nothing into the checkout.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, SHIPPED_LAYERS

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_for_quick_start_proximity_and_own_data():
    names = [p.stem for p in NOTEBOOKS]
    assert any("quick-start" in n for n in names) and any("proximity" in n for n in names)
    assert any("bring-your-own-data" in n for n in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_only_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    # kzgeo, and what an analyst composes it with.
    allowed = {"kzgeo", "pandas", "matplotlib.pyplot", "geopandas", "shapely", "folium"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                assert {a.name for a in node.names} <= allowed, cell.source
            elif isinstance(node, ast.ImportFrom):
                pytest.fail(f"{path.name}: use `import kzgeo` and kzgeo's public names, not {ast.unparse(node)}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "kzgeo":
                assert not node.attr.startswith("_"), ast.unparse(node)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_clean(path, tmp_path):
    shutil.copytree(SHIPPED_LAYERS, tmp_path / "layers")
    (tmp_path / "maps").mkdir()
    for spec in (ROOT / "maps").glob("*.toml"):
        shutil.copy(spec, tmp_path / "maps" / spec.name)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # Warnings print to stderr; a clean run has none.
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    if "proximity" in path.stem:
        assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2
    if "quick-start" in path.stem:
        assert (tmp_path / "maps" / "quickstart-map.html").stat().st_size > 10_000
        assert (tmp_path / "maps" / "tungsten.html").exists()
    if "bring-your-own-data" in path.stem:
        for name in ("byod-sites.html", "byod-combined.html", "byod-tungsten.html", "report-tables/deposits.csv"):
            assert (tmp_path / "maps" / name).stat().st_size > 500, name
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        assert "OfflineAssetError" in text and "CrsError" in text
        assert text.count("MapArgumentError") == 0 or "lat/lon swapped" in text
        for what in ("a string", "a mask", "a misspelt field", "lat/lon swapped"):
            assert f"{what}: " in text, what
    # Notebooks write into maps/ (or a temporary folder), never beside the layers or in the root.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layers", "maps"]
