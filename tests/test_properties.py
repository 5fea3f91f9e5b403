"""Generated layers and tables: every input loads or fails with KzgeoError, and values survive.

Hypothesis writes GeoJSON feature collections and CSV tables into a copy of
the fixture layers. Whatever it writes, ``check_layers`` returns problems or
raises :class:`~kzgeo.errors.KzgeoError`, and never anything else; when it
finds no problem, ``read_layers`` must load the same files. Valid generated
layers keep every value through loading and through ``kzgeo.export`` to a
GeoPackage read back with pyogrio.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kzgeo
from kzgeo.catalog import FIELD_TYPES, FieldSpec, text_problem
from kzgeo.errors import KzgeoError
from kzgeo.io.readers import parse_value
from kzgeo.qgis.gpkg import read_geopackage

from conftest import FIXTURE_LAYERS, SHIPPED_LAYERS, copy_fixture_layers

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BOUNDS = (26.0, 36.0, 88.0, 56.0)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
coordinate = st.floats(min_value=-200, max_value=200) | st.floats() | st.sampled_from([73.2586, 48.6839, 51.0, 43.0])
position = st.lists(coordinate, min_size=0, max_size=4) | json_values
geometry = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPoint", "GeometryCollection", "point"]) | json_values,
        "coordinates": position | st.lists(position, max_size=4) | st.lists(st.lists(position, max_size=5), max_size=2),
    }
) | json_values
feature_id = st.sampled_from(["upper-kairakty", "north-katpar", "hostile", " hostile ", ""]) | st.integers() | json_values
feature = st.fixed_dictionaries(
    {"type": st.just("Feature") | json_values, "geometry": geometry},
    optional={"id": feature_id, "properties": st.dictionaries(st.sampled_from(["id", "name"]), feature_id, max_size=2) | json_values},
)
collection = st.fixed_dictionaries({"type": st.just("FeatureCollection") | json_values, "features": st.lists(feature, max_size=5) | json_values}) | json_values

NODE_COLUMNS = ["id", "name_en", "name_ru", "name_kk", "kind", "country", "location_accuracy", "uncertainty_km", "location_note", "sources"]
cell = (
    st.sampled_from(["aktau", "beyneu", "alat", "port", "junction", "exact", "approximate", "src-a", "src-a;src-b", "3", "-1e5", " port ", "KZ"])
    | st.text(max_size=12)
    | st.from_regex(r"-?[0-9]{1,3}(\.[0-9]+)?(e[0-9]{1,3})?", fullmatch=True)
)
row = st.lists(cell, min_size=len(NODE_COLUMNS) - 1, max_size=len(NODE_COLUMNS) + 1)
header = st.just(NODE_COLUMNS) | st.permutations(NODE_COLUMNS).map(list) | st.lists(st.sampled_from(NODE_COLUMNS + ["x", ""]), max_size=11)


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> Path:
    return copy_fixture_layers(tmp_path_factory.mktemp("generated") / "layers")


def _restore(layers: Path, *names: str) -> None:
    for name in names:
        shutil.copy(FIXTURE_LAYERS / name, layers / name)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # "\r\n" makes the writer quote a lone "\r" too
    return out.getvalue()


def _loads_or_refuses(layers: Path) -> list:
    """The property itself: problems, or a KzgeoError, and a Dataset whenever there are no problems."""
    try:
        problems = kzgeo.validate(layers)
    except KzgeoError:
        return ["refused"]
    files = {p.name for p in layers.iterdir()}
    assert all(p.file in files and p.message for p in problems), problems  # each names its file and says what
    if not problems:
        data = kzgeo.read_layers(layers)
        assert all(len(frame) == len(frame["id"].unique()) for frame in data.layers.values())
    return problems


@SETTINGS
@given(doc=collection)
def test_any_geojson_loads_or_is_refused(layers, doc):
    (layers / "deposits.geojson").write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    try:
        _loads_or_refuses(layers)
    finally:
        _restore(layers, "deposits.geojson")


@SETTINGS
@given(head=header, rows=st.lists(row, max_size=5))
def test_any_attribute_table_loads_or_is_refused(layers, head, rows):
    (layers / "nodes.csv").write_text(_csv([head, *rows]), encoding="utf-8")
    try:
        _loads_or_refuses(layers)
    finally:
        _restore(layers, "nodes.csv")


def _clean_text(text: str) -> bool:
    return bool(text.strip()) and text_problem(text) is None


text_value = st.text(min_size=1, max_size=30).filter(_clean_text)
node = st.fixed_dictionaries(
    {
        "name_en": text_value,
        "name_ru": text_value,
        "name_kk": text_value,
        "kind": st.sampled_from(["port", "border crossing", "junction"]),
        "location_accuracy": st.sampled_from(["exact", "approximate"]),
        # The range the catalog's uncertainty role implies (kzgeo.schema.ROLE_RANGES); an
        # approximate location's radius is above 0, so the smallest generated is 0.001.
        "uncertainty_km": st.floats(min_value=0.001, max_value=2000),
        "location_note": text_value,
        "sources": st.sampled_from(["src-a", "src-b", "src-a;src-b"]),
        # A node must lie in its country (kzgeo.geography): any point within
        # about 5 km of one well inside each of these countries.
        "place": st.sampled_from([("KZ", 71.45, 51.18), ("KZ", 73.1, 49.8), ("AZ", 47.5, 40.5), ("TR", 32.85, 39.93), ("CN", 87.6, 43.8), ("UZ", 64.4, 41.4)]),
        "dx": st.floats(min_value=-0.05, max_value=0.05),
        "dy": st.floats(min_value=-0.05, max_value=0.05),
    }
).map(lambda n: {**{k: v for k, v in n.items() if k not in ("place", "dx", "dy")}, "country": n["place"][0], "lon": n["place"][1] + n["dx"], "lat": n["place"][2] + n["dy"]})


def _write_nodes(layers: Path, nodes: list[dict]) -> list[str]:
    """Appends the generated nodes to the fixture's nodes (CSV row + GeoJSON point); returns their ids."""
    ids = [f"gen-{i}" for i in range(len(nodes))]
    rows = [line.rstrip("\n").split(",") for line in (FIXTURE_LAYERS / "nodes.csv").read_text(encoding="utf-8").splitlines()]
    rows += [[fid] + [repr(n[c]) if c == "uncertainty_km" else n[c] for c in NODE_COLUMNS[1:]] for fid, n in zip(ids, nodes)]
    (layers / "nodes.csv").write_text(_csv(rows), encoding="utf-8")
    doc = json.loads((FIXTURE_LAYERS / "nodes.geojson").read_text(encoding="utf-8"))
    doc["features"] += [{"type": "Feature", "id": fid, "properties": {}, "geometry": {"type": "Point", "coordinates": [n["lon"], n["lat"]]}} for fid, n in zip(ids, nodes)]
    (layers / "nodes.geojson").write_text(json.dumps(doc), encoding="utf-8")
    return ids


@SETTINGS
@given(nodes=st.lists(node, min_size=1, max_size=4))
def test_valid_generated_nodes_load_with_every_value_intact(layers, nodes):
    """Any text (quotes, commas, newlines, RTL, emoji), any finite float and any in-region point survives."""
    ids = _write_nodes(layers, nodes)
    try:
        frame = kzgeo.read_layers(layers).layers["nodes"].set_index("id")
    finally:
        _restore(layers, "nodes.csv", "nodes.geojson")
    for fid, n in zip(ids, nodes):
        got = frame.loc[fid]
        for column in NODE_COLUMNS[1:]:
            expected = n[column].strip() if isinstance(n[column], str) else n[column]
            assert got[column] == expected or (expected == 0 and got[column] == 0), (column, got[column], expected)
        assert (got.geometry.x, got.geometry.y) == (n["lon"], n["lat"])


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _same(ours, theirs) -> bool:
    if _missing(ours) or _missing(theirs):
        return _missing(ours) and _missing(theirs)
    if isinstance(ours, shapely.Geometry):
        return shapely.equals_exact(ours, theirs, tolerance=0)
    return ours == theirs


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nodes=st.lists(node, min_size=1, max_size=3))
def test_geopackage_round_trip_keeps_every_value(layers, tmp_path, nodes):
    """``kzgeo.export`` then reading the GeoPackage back (as ``kzgeo import`` does) gives every layer and table, value for value.

    The GeoPackage holds lists as junction tables and dates as Date + precision;
    :func:`kzgeo.qgis.gpkg.read_geopackage` turns them back into the catalog's shape.
    """
    _write_nodes(layers, nodes)
    try:
        data = kzgeo.read_layers(layers)
        (gpkg,) = [p for p in kzgeo.export(layers, tmp_path / "qgis", overwrite=True) if p.suffix == ".gpkg"]
    finally:
        _restore(layers, "nodes.csv", "nodes.geojson")
    rows, geometries = read_geopackage(gpkg, data.catalog)
    for name, ours in {**data.layers, **data.tables}.items():
        theirs = pd.DataFrame(rows[name], columns=data.catalog.all_tables[name].field_names)
        if name in geometries:
            theirs["geometry"] = geometries[name]
        theirs = theirs.set_index("id")
        ours = ours.set_index("id")
        assert sorted(theirs.index) == sorted(ours.index), name
        assert set(ours.columns) <= set(theirs.columns), name
        for key in ours.index:
            for column in ours.columns:
                assert _same(ours.loc[key, column], theirs.loc[key, column]), (name, key, column, ours.loc[key, column], theirs.loc[key, column])


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(FIELD_TYPES)), text=st.text(max_size=20) | cell)
def test_parse_value_returns_or_raises_value_error(kind, text):
    spec = FieldSpec("f", kind, values=("a", "b b"), to=("sources",))
    try:
        value = parse_value(spec, text)
    except ValueError as exc:
        assert str(exc)
        return
    if kind == "float":
        assert math.isfinite(value)
    if kind == "int":
        assert abs(value) < 2**63
