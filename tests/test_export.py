"""`kzgeo export` without QGIS: what is written, RFC 7946, GDAL reads it cleanly, safe replacement.

The same outputs are opened in real QGIS by ``test_export_qgis.py``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely.geometry import shape
from typer.testing import CliRunner

import kzgeo
from kzgeo.cli import app

from conftest import SHIPPED_LAYERS

runner = CliRunner()
# `kzgeo.export` is the function; the module it lives in:
export_module = importlib.import_module("kzgeo.qgis.export")
LAYERS = ("deposits", "corridors", "nodes")
TABLES = ("resources", "routes", "agreements", "sources")
HOSTILE_TITLE = 'Deposits <script>window.__pwned=1</script> & "quotes"'
#: A clockwise square with 9-decimal corners: the export must turn it and round it.
CLOCKWISE_AREA = [[[60.123456789, 45.0], [60.123456789, 47.0], [62.987654321, 47.0], [62.987654321, 45.0], [60.123456789, 45.0]]]
AREAS_CATALOG = """
[layers.areas]
title = "Licence areas"
abstract = "A test area with a clockwise ring."
geometry = "areas.geojson"
attributes = "areas.csv"
key = "id"
geometry_type = "Polygon"

[layers.areas.fields]
id = { type = "str", required = true }
name_en = { type = "str", required = true, lang = "en" }
kind = { type = "enum", values = ["licence"], required = true }
sources = { type = "refs", to = ["sources"], required = true, role = "sources" }

[layers.areas.style]
by = "kind"
colors = { "licence" = "#2e8b57" }
"""


def add_area_layer(layers: Path) -> None:
    """Extend a layers copy with a polygon layer whose ring is clockwise, plus a hostile title."""
    catalog = layers / "catalog.toml"
    text = catalog.read_text(encoding="utf-8").replace('title = "Critical-mineral deposits"', f"title = {json.dumps(HOSTILE_TITLE)}")
    catalog.write_text(text + AREAS_CATALOG, encoding="utf-8")
    feature = {"type": "Feature", "id": "licence-a", "properties": {"id": "licence-a"}, "geometry": {"type": "Polygon", "coordinates": CLOCKWISE_AREA}}
    (layers / "areas.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    (layers / "areas.csv").write_text("id,name_en,kind,sources\nlicence-a,Licence A,licence,src-a\n", encoding="utf-8")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def exported(layers_dir: Path, tmp_path: Path) -> Path:
    add_area_layer(layers_dir)
    out = tmp_path / "qgis"
    kzgeo.export(layers_dir, out)
    return out


def test_cli_writes_every_file(layers_dir, tmp_path):
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = {"kzgeo.gpkg", "kzgeo.qgs"} | {f"{n}.{ext}" for n in LAYERS for ext in ("geojson", "qml", "qmd")}
    assert {p.name for p in out.iterdir()} == expected
    assert result.output.count("wrote ") == len(expected)


def test_cli_needs_out(layers_dir):
    result = runner.invoke(app, ["export", "--layers", str(layers_dir)])
    assert result.exit_code != 0
    assert "--out" in result.output


def test_refuses_existing_export_without_overwrite(layers_dir, tmp_path):
    out = tmp_path / "export"
    kzgeo.export(layers_dir, out)
    before = digest(out)
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "--overwrite" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(kzgeo.OutputExistsError):
        kzgeo.export(layers_dir, out)
    assert digest(out) == before


def test_overwrite_replaces_the_export(layers_dir, tmp_path):
    out = tmp_path / "export"
    kzgeo.export(layers_dir, out)
    (out / "stale.txt").write_text("from an older export", encoding="utf-8")
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "layers"]


def test_failure_part_way_keeps_the_previous_export(layers_dir, tmp_path, monkeypatch):
    out = tmp_path / "export"
    kzgeo.export(layers_dir, out)
    before = digest(out)

    def broken_project(data):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(export_module, "project_document", broken_project)
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(out), "--overwrite"])
    assert result.exit_code == 1
    assert "disk full (simulated)" in result.output and "Traceback" not in result.output
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "layers"], "staging folder left behind"


def test_never_replaces_a_folder_that_is_not_an_export(layers_dir, tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(kzgeo.OutputExistsError, match="holds no kzgeo.gpkg"):
        kzgeo.export(layers_dir, out, overwrite=True)
    assert (out / "thesis.docx").read_bytes() == b"precious"


def test_invalid_layers_write_nothing(layers_dir, tmp_path):
    (layers_dir / "deposits.geojson").write_text("{", encoding="utf-8")
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(out)])
    assert result.exit_code == 1 and "deposits.geojson" in result.output
    assert not out.exists()


def _decimals(value: str) -> int:
    return len(value.split(".")[1]) if "." in value else 0


def test_geojson_is_rfc7946(exported, layers_dir):
    for name in (*LAYERS, "areas"):
        doc = json.loads((exported / f"{name}.geojson").read_text(encoding="utf-8"), parse_float=str)
        assert "crs" not in doc
        numbers = re.findall(r"-?\d+(?:\.\d+)?", json.dumps([f["geometry"]["coordinates"] for f in doc["features"]]))
        assert numbers and max(_decimals(n) for n in numbers) <= min(7, kzgeo.settings.coordinate_precision)
    area = json.loads((exported / "areas.geojson").read_text(encoding="utf-8"))["features"][0]["geometry"]
    assert shapely.LinearRing(area["coordinates"][0]).is_ccw
    assert shapely.hausdorff_distance(shape(area), shapely.Polygon(CLOCKWISE_AREA[0])) < 1e-6


def test_geojson_keeps_every_feature_and_attribute(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    for name, frame in data.layers.items():
        features = json.loads((exported / f"{name}.geojson").read_text(encoding="utf-8"))["features"]
        assert [f["properties"]["id"] for f in features] == list(frame["id"])
        hostile = [f for f in features if f["properties"]["id"] == "hostile"]
        if name == "deposits":
            assert hostile[0]["properties"]["name_en"] == frame.set_index("id").loc["hostile", "name_en"]


def test_geopackage_holds_layers_tables_styles_and_metadata(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    gpkg = exported / "kzgeo.gpkg"
    listed = {name: gtype for name, gtype in pyogrio.list_layers(gpkg)}
    for name, frame in data.layers.items():
        assert listed[name] is not None
        assert pyogrio.read_info(gpkg, layer=name)["crs"] == "EPSG:4326"
        assert pyogrio.read_info(gpkg, layer=name)["features"] == len(frame)
    for name, table in data.tables.items():
        assert listed[name] is None and pyogrio.read_info(gpkg, layer=name)["features"] == len(table)
    with sqlite3.connect(gpkg) as db:
        styles = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
        described = dict(db.execute(
            "SELECT r.table_name, m.metadata FROM gpkg_metadata m JOIN gpkg_metadata_reference r ON r.md_file_id = m.id"
            " WHERE r.reference_scope = 'table'"
        ).fetchall())
    assert sorted(row[0] for row in styles) == sorted(data.layers)
    assert all(row[1] == "geom" and row[2] == 1 for row in styles)
    assert set(described) == set(data.catalog.all_tables)
    title = ET.fromstring(described["deposits"]).findtext("title")
    assert title == HOSTILE_TITLE


def test_hostile_values_stay_text_in_every_xml(exported):
    for path in [*exported.glob("*.qml"), *exported.glob("*.qmd"), exported / "kzgeo.qgs"]:
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text, path.name
        ET.fromstring(text.split("\n", 1)[1])  # well-formed after the doctype line
    assert ET.fromstring((exported / "deposits.qmd").read_text(encoding="utf-8").split("\n", 1)[1]).findtext("title") == HOSTILE_TITLE
    links = ET.fromstring((exported / "nodes.qmd").read_text(encoding="utf-8").split("\n", 1)[1]).iter("link")
    assert any(link.get("name").startswith("Hostile <script>") for link in links)


@pytest.mark.parametrize("source", ["fixture", "shipped"])
def test_gdal_reads_every_output_without_warnings(source, layers_dir, tmp_path):
    if source == "fixture":
        add_area_layer(layers_dir)
    out = tmp_path / "export"
    kzgeo.export(layers_dir if source == "fixture" else SHIPPED_LAYERS, out)
    for path in [out / "kzgeo.gpkg", *sorted(out.glob("*.geojson"))]:
        done = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr == "", f"{path.name}: {done.stderr}"
        assert "Warning" not in done.stdout and "ERROR" not in done.stdout, path.name
    assert {p.name for p in out.iterdir() if p.name.startswith("kzgeo.gpkg")} == {"kzgeo.gpkg"}
