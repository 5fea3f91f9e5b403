"""Columnar layers: GeoParquet, GeoPackage and FlatGeobuf read by the same rules, with the same messages, and `kzgeo convert`."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import kzgeo
from kzgeo.catalog import read_catalog

from hostile import assert_refused, cli, error_lines, validate

SUFFIX = {"parquet": ".parquet", "gpkg": ".gpkg", "fgb": ".fgb"}


def point_at(layers_dir, layer: str, file_name: str) -> None:
    """Replace the layer's geometry + attributes in the catalog by ``file = file_name``."""
    catalog = layers_dir / "catalog.toml"
    spec = read_catalog(layers_dir).layers[layer]
    text = catalog.read_text(encoding="utf-8")
    text, count = re.subn(
        r'(\[layers\.%s\]\n(?:(?!\[).*\n)*?)geometry = "%s"\nattributes = "%s"\n' % (layer, re.escape(spec.geometry), re.escape(spec.attributes)),
        lambda m: m.group(1) + f'file = "{file_name}"\n', text, count=1,
    )
    assert count == 1
    catalog.write_text(text, encoding="utf-8")


def columnar_copy(layers_dir, layer: str, fmt: str, change=None) -> gpd.GeoDataFrame:
    """Write ``layer`` as ``fmt`` (after ``change`` on its frame, if any), point the catalog at it, return the frame."""
    frame = kzgeo.read_layers(layers_dir).layers[layer]
    if change is not None:
        frame = change(frame.copy())
    path = layers_dir / f"{layer}{SUFFIX[fmt]}"
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_file(path, driver={"gpkg": "GPKG", "fgb": "FlatGeobuf"}[fmt], layer=layer)
    point_at(layers_dir, layer, path.name)
    return frame


@pytest.mark.parametrize("fmt", ["parquet", "gpkg", "fgb"])
def test_converted_layers_read_the_same_as_geojson_and_csv(layers_dir, fmt):
    before = kzgeo.read_layers(layers_dir)
    for layer in before.layers:
        result = cli("convert", layer, "--to", fmt, "--layers", layers_dir)
        assert result.exit_code == 0, result.output
        assert (layers_dir / f"{layer}{SUFFIX[fmt]}").is_file()
        point_at(layers_dir, layer, f"{layer}{SUFFIX[fmt]}")
    assert cli("validate", "--layers", layers_dir).exit_code == 0
    after = kzgeo.read_layers(layers_dir)
    for layer, frame in before.layers.items():
        a = frame.sort_values("id").reset_index(drop=True)
        b = after.layers[layer].sort_values("id").reset_index(drop=True)  # FlatGeobuf orders features spatially
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert a.geometry.geom_equals_exact(b.geometry, 1e-9).all()
    assert f"{next(iter(before.layers))}{SUFFIX[fmt]}" in after.file_hashes
    # A map builds from them.
    assert "kzgeo" in kzgeo.render_map(after).get_root().render()


def test_a_bad_cell_reads_the_same_in_geoparquet_as_in_csv(layers_dir, tmp_path):
    import shutil

    csv_dir = tmp_path / "csv"
    shutil.copytree(layers_dir, csv_dir)
    path = csv_dir / "deposits.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = 2  # the first data row, line 2 of the CSV and record 1 of the Parquet file
    frame = kzgeo.read_layers(layers_dir).layers["deposits"]
    first_id = frame["id"].iloc[0]
    # The CSV: the same first record, its status made unknown.
    text = path.read_text(encoding="utf-8")
    status_at = header.index("status")
    cells = next(csv_line for csv_line in __import__("csv").reader(text.splitlines()[1:2]))
    cells[status_at] = "dreaming"
    import csv as csvmod
    import io

    out = io.StringIO()
    csvmod.writer(out, lineterminator="\n").writerow(cells)
    path.write_text("\n".join([lines[0], out.getvalue().rstrip("\n"), *lines[2:]]) + "\n", encoding="utf-8")
    from_csv = [line for line in error_lines(validate(csv_dir)) if "dreaming" in line]

    def bad_status(frame):
        frame["status"] = frame["status"].astype(object)
        frame.loc[frame.index[0], "status"] = "dreaming"
        return frame

    columnar_copy(layers_dir, "deposits", "parquet", bad_status)
    from_parquet = [line for line in error_lines(validate(layers_dir)) if "dreaming" in line]
    assert len(from_csv) == len(from_parquet) == 1
    assert from_csv[0].startswith(f'Error: deposits.csv: row {row} (id "{first_id}"): field status:')
    assert from_parquet[0] == from_csv[0].replace("deposits.csv: row 2", "deposits.parquet: row 1")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.assign(geometry=gpd.GeoSeries(shapely.multipoints([[[70, 48], [71, 48]]] * len(f)), crs=4326)), "geometry: type is MultiPoint, the catalog expects Point"),
        (lambda f: f.assign(geometry=gpd.GeoSeries(shapely.points([[10, 48]] * len(f)), crs=4326)), "geometry: coordinate (10.0, 48.0) lies outside the region"),
        (lambda f: f.assign(geometry=gpd.GeoSeries(shapely.points([[70, 48, 300]] * len(f)), crs=4326)), "kzgeo layers are 2D, so drop the altitude"),
        (lambda f: f.to_crs(3857), "not in WGS 84 longitude/latitude"),
        (lambda f: f.drop(columns=["region"]), "columns: missing column(s) region"),
        (lambda f: f.assign(extra=1), 'columns: unknown column(s) "extra"'),
        (lambda f: f.assign(uncertainty_km=float("nan")), "field uncertainty_km: a value is required"),
        (lambda f: f.assign(id=f["id"].iloc[0]), "duplicate id"),
    ],
    ids=["multipoint", "outside", "3d", "crs", "missing column", "extra column", "nan required", "duplicate id"],
)
def test_bad_geoparquet_is_refused_by_name(layers_dir, change, message):
    columnar_copy(layers_dir, "deposits", "parquet", change)
    assert_refused(validate(layers_dir), "Error: deposits.parquet:", message)


def test_not_geoparquet_and_not_a_parquet_file_are_refused(layers_dir):
    frame = columnar_copy(layers_dir, "deposits", "parquet")
    pd.DataFrame(frame.drop(columns="geometry")).to_parquet(layers_dir / "deposits.parquet")
    assert_refused(validate(layers_dir), "Error: deposits.parquet: is Parquet without GeoParquet's \"geo\" metadata")
    (layers_dir / "deposits.parquet").write_bytes(b"PAR1 not really")
    assert_refused(validate(layers_dir), "Error: deposits.parquet: cannot be read as GeoParquet")


def test_the_input_cap_applies_to_columnar_files(layers_dir):
    columnar_copy(layers_dir, "deposits", "parquet")
    result = cli("--max-input-mb", "0.0001", "validate", "--layers", layers_dir)
    assert_refused(result, "Error: deposits.parquet: file is", "kzgeo refuses input files over 104 bytes")


def test_convert_refuses_to_overwrite_or_to_convert_bad_layers(layers_dir, tmp_path):
    out = tmp_path / "d.parquet"
    assert cli("convert", "deposits", "--layers", layers_dir, "--out", out).exit_code == 0
    assert_refused(cli("convert", "deposits", "--layers", layers_dir, "--out", out), f"Error: {out}: exists; pass --overwrite")
    assert cli("convert", "deposits", "--layers", layers_dir, "--out", out, "--overwrite").exit_code == 0
    assert_refused(cli("convert", "nowhere", "--layers", layers_dir), "Error:", "no layer 'nowhere'")
    (layers_dir / "deposits.csv").write_text((layers_dir / "deposits.csv").read_text(encoding="utf-8") + "broken,row\n", encoding="utf-8")
    before = out.read_bytes()
    result = cli("convert", "deposits", "--layers", layers_dir, "--out", out, "--overwrite")
    assert_refused(result, "Error: deposits.csv: row")
    assert out.read_bytes() == before  # nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ["d.parquet", "layers"] or sorted(p.name for p in tmp_path.iterdir()) == ["d.parquet", "layers"]
