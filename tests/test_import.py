"""``kzgeo import`` and the export manifest, without QGIS: edits made with SQL on the GeoPackage.

The round trip through real QGIS is in ``test_qgis_project.py``; here the
refusals: an unchanged export imports nothing, a bad edit writes nothing,
layers changed since the export are not overwritten, ``--overwrite`` keeps
edits and unrelated folders, and the GeoPackage is byte-reproducible.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

import kzgeo
from kzgeo.cli import app
from kzgeo.errors import CatalogError

runner = CliRunner()


@pytest.fixture
def exported(layers_dir, tmp_path):
    out = tmp_path / "export"
    kzgeo.export(layers_dir, out)
    return out


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _sql(out, statement, *args):
    """Run an UPDATE or DELETE through GDAL (its GeoPackage triggers need GDAL's SQL functions)."""
    for arg in args:
        statement = statement.replace("?", "'" + str(arg).replace("'", "''") + "'", 1)
    done = subprocess.run(["ogrinfo", "-q", str(out / "kzgeo.gpkg"), "-sql", statement], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr


def test_unchanged_export_imports_nothing(exported, layers_dir):
    before = _files(layers_dir)
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    assert "Nothing to import" in result.output
    assert _files(layers_dir) == before


def test_a_changed_attribute_comes_back_as_a_one_cell_diff(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    deposits = data.catalog.require("deposits", "test")
    spec = data.catalog.layers[deposits]
    status = spec.field("status")
    fid = data.layers[deposits]["id"].iloc[0]
    old = data.layers[deposits].set_index("id").loc[fid, status]
    new = next(v for v in spec.spec_of(status).values if v != old)
    _sql(exported, f'UPDATE "{deposits}" SET "{status}" = ? WHERE id = ?', new, fid)
    before = (layers_dir / spec.attributes).read_text(encoding="utf-8").splitlines()
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    assert f"{status}: {old} -> {new}" in result.output
    after = (layers_dir / spec.attributes).read_text(encoding="utf-8").splitlines()
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [i for i, line in enumerate(before) if line.startswith(f"{fid},")]


def test_deleted_row_and_list_edit_come_back(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    figures = data.catalog.require("figures", "test")
    gone = data.tables[figures]["id"].iloc[-1]
    _sql(exported, f'DELETE FROM "{figures}" WHERE id = ?', gone)
    _sql(exported, f'DELETE FROM "{figures}_sources" WHERE owner_id = ?', gone)
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    assert f"- {gone}" in result.output
    assert gone not in set(kzgeo.read_layers(layers_dir).tables[figures]["id"])


def test_an_invalid_edit_names_file_row_and_field_and_writes_nothing(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    deposits = data.catalog.require("deposits", "test")
    spec = data.catalog.layers[deposits]
    status = spec.field("status")
    fid = data.layers[deposits]["id"].iloc[0]
    _sql(exported, f'UPDATE "{deposits}" SET "{status}" = ? WHERE id = ?', "abandoned", fid)
    _sql(exported, f'DELETE FROM "{deposits}_sources" WHERE owner_id = ?', fid)  # a required list emptied
    before = _files(layers_dir)
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.splitlines()
    assert all(line.startswith("Error: ") for line in lines)
    assert any(spec.attributes in line and fid in line and status in line for line in lines)
    assert any(spec.attributes in line and fid in line and spec.field("sources") in line for line in lines)
    assert _files(layers_dir) == before


def test_refuses_when_the_layers_changed_after_the_export(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    sources = data.catalog.sources_table
    path = layers_dir / data.catalog.tables[sources].attributes
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    before = _files(layers_dir)
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert data.catalog.tables[sources].attributes in result.output and "changed after" in result.output
    assert _files(layers_dir) == before


def test_refuses_a_folder_that_is_not_an_export(layers_dir, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    result = runner.invoke(app, ["import", str(folder), "--layers", str(layers_dir)])
    assert result.exit_code == 1 and "not a kzgeo export" in result.output


def test_overwrite_keeps_an_edited_geopackage_unless_forced(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    deposits = data.catalog.require("deposits", "test")
    name = data.catalog.layers[deposits].names["en"]
    _sql(exported, f'UPDATE "{deposits}" SET "{name}" = ? WHERE fid = 1', "Edited in QGIS")
    edited = _files(exported)
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(exported), "--overwrite"])
    assert result.exit_code == 1 and "edited since it was exported" in result.output and "--force" in result.output
    assert _files(exported) == edited
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(exported), "--overwrite", "--force"])
    assert result.exit_code == 0, result.output
    assert _files(exported)["kzgeo.gpkg"] != edited["kzgeo.gpkg"]


def test_overwrite_accepts_a_geopackage_rewritten_without_data_changes(exported, layers_dir):
    with sqlite3.connect(exported / "kzgeo.gpkg") as db:
        db.execute("VACUUM")  # what a re-save may do: new bytes, same data
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(exported), "--overwrite"])
    assert result.exit_code == 0, result.output


def test_overwrite_refuses_a_folder_that_merely_holds_a_geopackage(layers_dir, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "kzgeo.gpkg").write_bytes(b"someone else's GeoPackage")
    (folder / "report.docx").write_bytes(b"precious")
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(folder), "--overwrite", "--force"])
    assert result.exit_code == 1 and "not a kzgeo export" in result.output
    assert (folder / "report.docx").read_bytes() == b"precious"


def test_manifest_holds_version_inputs_and_outputs(exported, layers_dir):
    record = json.loads((exported / "kzgeo-export.json").read_text(encoding="utf-8"))
    data = kzgeo.read_layers(layers_dir)
    assert record["inputs"] == data.file_hashes
    assert set(record["outputs"]) >= {"kzgeo.gpkg", "kzgeo.qgs", "README.md"}
    assert record["kzgeo_version"] == kzgeo.package_version() and record["as_of"] == data.as_of


def test_geopackage_is_byte_reproducible(layers_dir, tmp_path):
    kzgeo.export(layers_dir, tmp_path / "a")
    kzgeo.export(layers_dir, tmp_path / "b")
    for name in ("kzgeo.gpkg", "kzgeo.qgs", "kzgeo-export.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_every_number_in_the_xml_is_a_plain_number(exported):
    """The np.float64 bug: ``repr`` of a numpy scalar wrote ``np.float64(66.57)``, which QGIS reads as 0."""
    documents = [p.read_text(encoding="utf-8") for p in [*exported.glob("*.qmd"), *exported.glob("*.qml"), exported / "kzgeo.qgs"]]
    with sqlite3.connect(exported / "kzgeo.gpkg") as db:
        documents += [row[0] for row in db.execute("SELECT metadata FROM gpkg_metadata")]
    for text in documents:
        assert "np.float" not in text and "np.int" not in text
        root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE") else text)
        for node in root.iter():
            for key in ("minx", "miny", "maxx", "maxy", "xmin", "ymin", "xmax", "ymax"):
                if key in node.attrib:
                    float(node.attrib[key])


def test_symbols_are_sized_in_millimetres(exported):
    for path in exported.glob("*.qml"):
        text = path.read_text(encoding="utf-8")
        assert '"Pixel"' not in text, path.name
        assert 'value="MM"' in text, path.name


def test_wms_root_extent_is_the_data_extent(exported):
    root = ET.fromstring((exported / "kzgeo.qgs").read_text(encoding="utf-8").split("\n", 1)[1])
    values = [float(v.text) for v in root.find("properties/WMSExtent")]
    assert len(values) == 4 and values[0] < values[2] and values[1] < values[3]
    assert all(abs(v) > 1000 for v in values)  # metres in the projected CRS, not 0,0 from the tables


@pytest.mark.parametrize("name", ["layer_styles", "gpkg_contents", "rtree_deposits_geom"])
def test_catalog_refuses_reserved_table_names(layers_dir, name):
    catalog = layers_dir / "catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    data = kzgeo.read_layers(layers_dir)
    figures = data.catalog.require("figures", "test")
    catalog.write_text(text.replace(f"[tables.{figures}]", f"[tables.{name}]").replace(f"[tables.{figures}.", f"[tables.{name}."), encoding="utf-8")
    with pytest.raises(CatalogError, match="keeps for itself"):
        kzgeo.read_catalog(layers_dir)


def test_a_column_added_in_qgis_is_reported_not_imported(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    deposits = data.catalog.require("deposits", "test")
    _sql(exported, f'ALTER TABLE "{deposits}" ADD COLUMN "my_note" TEXT')
    before = _files(layers_dir)
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    assert "my_note" in result.output and "not in the catalog" in result.output
    assert _files(layers_dir) == before


def test_an_added_row_with_its_links_comes_back(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    figures = data.catalog.require("figures", "test")
    spec = data.catalog.tables[figures]
    row = data.tables[figures].iloc[0].to_dict()
    values = {f.name: row[f.name] for f in spec.fields if f.type != "refs"} | {spec.key: "added-in-qgis"}
    values = {k: v for k, v in values.items() if isinstance(v, str) or (v is not None and v == v)}
    columns = ", ".join(f'"{k}"' for k in values)
    literals = ", ".join("'" + v.replace("'", "''") + "'" if isinstance(v, str) else str(float(v)) for v in values.values())
    _sql(exported, f'INSERT INTO "{figures}" ({columns}) VALUES ({literals})')
    cites = spec.field("sources")
    source = data.sources.index[0]
    _sql(exported, f'INSERT INTO "{figures}_{cites}" (owner_id, ref_id, ref_table, position) VALUES (?, ?, ?, 1)', "added-in-qgis", source, data.catalog.sources_table)
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    assert "+ added-in-qgis" in result.output
    after = kzgeo.read_layers(layers_dir).tables[figures].set_index(spec.key)
    assert after.loc["added-in-qgis", cites] == source


def test_a_date_comes_back_with_its_precision(exported, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    agreements, sources = data.catalog.require("agreements", "test"), data.catalog.sources_table
    edits = []
    for table, precision, value in ((agreements, "month", "2025-12-01"), (sources, "day", "2025-12-09")):
        spec = data.catalog.tables[table]
        date = spec.field("date")
        key = data.tables[table][spec.key].iloc[0]
        _sql(exported, f'UPDATE "{table}" SET "{date}" = ?, "{date}_precision" = ? WHERE id = ?', value, precision, key)
        edits.append((table, date, key))
    result = runner.invoke(app, ["import", str(exported), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    after = kzgeo.read_layers(layers_dir)
    (t1, d1, k1), (t2, d2, k2) = edits
    assert after.tables[t1].set_index("id").loc[k1, d1] == "2025-12"  # only the month is known
    assert after.tables[t2].set_index("id").loc[k2, d2] == "2025-12-09"


def test_export_refuses_a_table_named_like_a_junction_table(layers_dir, tmp_path):
    data = kzgeo.read_layers(layers_dir)
    figures, deposits = data.catalog.require("figures", "test"), data.catalog.require("deposits", "test")
    clash = f"{deposits}_{data.catalog.layers[deposits].field('sources')}"
    catalog = layers_dir / "catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace(f"[tables.{figures}]", f"[tables.{clash}]").replace(f"[tables.{figures}.", f"[tables.{clash}."), encoding="utf-8")
    result = runner.invoke(app, ["export", "--layers", str(layers_dir), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "two tables" in result.output and clash in result.output
    assert not (tmp_path / "out").exists()
