"""Broken GeoJSON: every fault is refused with the exact file, feature and member named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import kzgeo
from kzgeo.io.readers import read_features

from hostile import add_polygon_layer, assert_refused, edit_json, feature, set_geometry, validate

DEPOSIT = 'Error: deposits.geojson: feature "upper-kairakty": '
CORRIDOR = 'Error: corridors.geojson: feature "casp-aktau-alat": '
NODE = 'Error: nodes.geojson: feature "aktau": '


def _text(name: str, text: str):
    return lambda d: (d / name).write_text(text, encoding="utf-8")


def _geometry(name: str, fid: str, geometry):
    return lambda d: set_geometry(d / name, fid, geometry)


def _raw_coordinates(literal: str):
    """Writes a Point whose coordinates are JSON text that json.dumps would never produce."""

    def breaker(d: Path):
        path = d / "deposits.geojson"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("[73.2586, 48.6839]", literal, 1), encoding="utf-8")

    return breaker


def _features(change):
    return lambda d: edit_json(d / "nodes.geojson", lambda doc: change(doc["features"]))


def _second_node(**members):
    def change(features):
        for key, value in members.items():
            if value is None:
                features[1].pop(key, None)
                features[1]["properties"].pop(key, None)
            else:
                features[1][key] = value

    return _features(change)


def _polygon(ring):
    return lambda d: add_polygon_layer(d, ring)


def _properties_id(d: Path):
    edit_json(d / "nodes.geojson", lambda doc: feature(doc, "aktau")["properties"].update(id="aktau-port"))


CASES = {
    # not JSON, or JSON that is not GeoJSON
    "invalid JSON": (_text("deposits.geojson", '{"type": "FeatureCollection", "features": ['), "Error: deposits.geojson: not valid JSON", ["line 1"]),
    "empty file": (_text("deposits.geojson", ""), "Error: deposits.geojson: not valid JSON", ["Expecting value"]),
    "not UTF-8": (lambda d: (d / "deposits.geojson").write_bytes(b'{"type": "\xff"}'), "Error: deposits.geojson: not UTF-8 text", ["byte 10"]),
    "a JSON array": (_text("nodes.geojson", "[1, 2, 3]"), "Error: nodes.geojson: not a GeoJSON FeatureCollection", []),
    "a lone Feature": (
        _text("nodes.geojson", '{"type": "Feature", "id": "aktau", "geometry": null, "properties": {}}'),
        "Error: nodes.geojson: not a GeoJSON FeatureCollection",
        [],
    ),
    "a string among features": (_features(lambda fs: fs.append("aktau")), "Error: nodes.geojson: feature #4: is not a GeoJSON Feature", []),
    "nested 100 000 deep": (_text("deposits.geojson", "[" * 100_000 + "]" * 100_000), "Error: deposits.geojson: not valid GeoJSON", ["nested too deeply"]),
    "crs member": (lambda d: edit_json(d / "nodes.geojson", lambda doc: doc.update(crs={"type": "name"})), "Error: nodes.geojson: has a \"crs\" member", []),
    # geometry types
    "wrong geometry type": (
        _geometry("deposits.geojson", "upper-kairakty", {"type": "LineString", "coordinates": [[73, 48], [74, 49]]}),
        DEPOSIT + "geometry: type is LineString, the catalog expects Point",
        [],
    ),
    "mixed geometry types": (
        _geometry("corridors.geojson", "casp-aktau-alat", {"type": "MultiLineString", "coordinates": [[[51, 43], [50, 40]]]}),
        CORRIDOR + "geometry: type is MultiLineString, the catalog expects LineString",
        [],
    ),
    "geometry collection": (
        _geometry("deposits.geojson", "upper-kairakty", {"type": "GeometryCollection", "geometries": []}),
        DEPOSIT + "geometry: type is GeometryCollection",
        [],
    ),
    "geometry type not a string": (_geometry("deposits.geojson", "upper-kairakty", {"type": 5}), DEPOSIT + "geometry: type is 5", []),
    "geometry a string": (_geometry("deposits.geojson", "upper-kairakty", "POINT (73 48)"), DEPOSIT + "geometry: is not a GeoJSON geometry object", []),
    # empty and null
    "null geometry": (_geometry("deposits.geojson", "upper-kairakty", None), DEPOSIT + "geometry: is null", ["needs a Point"]),
    "empty point": (_geometry("deposits.geojson", "upper-kairakty", {"type": "Point", "coordinates": []}), DEPOSIT + "geometry: is empty", []),
    "empty line": (_geometry("corridors.geojson", "casp-aktau-alat", {"type": "LineString", "coordinates": []}), CORRIDOR + "geometry: is empty", []),
    "one-point line": (
        _geometry("corridors.geojson", "casp-aktau-alat", {"type": "LineString", "coordinates": [[51, 43]]}),
        CORRIDOR + "geometry: a line needs at least two positions",
        [],
    ),
    # weird coordinate arrays
    "NaN": (_raw_coordinates("[NaN, 48.6839]"), DEPOSIT + "geometry: coordinate (nan, 48.6839) is not a finite number", []),
    "Infinity": (_raw_coordinates("[-Infinity, 48.6839]"), DEPOSIT + "geometry: coordinate (-inf, 48.6839) is not a finite number", []),
    "1e999": (_raw_coordinates("[73.2586, 1e999]"), DEPOSIT + "geometry: coordinate (73.2586, inf) is not a finite number", []),
    "400-digit integer": (_raw_coordinates("[1" + "0" * 400 + ", 48]"), DEPOSIT + "geometry: coordinate (inf, inf) is not a finite number", []),
    "strings": (_raw_coordinates('["73.2586", "48.6839"]'), DEPOSIT + "geometry: bad coordinates: a position must be an array of two numbers", ['["73.2586", "48.6839"]']),
    "booleans": (_raw_coordinates("[true, 48]"), DEPOSIT + "geometry: bad coordinates", ["[true, 48]"]),
    "3D position": (_raw_coordinates("[73.2586, 48.6839, 512]"), DEPOSIT + "geometry: bad coordinates", ["found 3", "drop the altitude"]),
    "one number": (_raw_coordinates("[73.2586]"), DEPOSIT + "geometry: bad coordinates", ["found 1"]),
    "too deep for a Point": (_raw_coordinates("[[73.2586, 48.6839]]"), DEPOSIT + "geometry: bad coordinates", ["[[73.2586, 48.6839]]"]),
    "too shallow for a line": (
        _geometry("corridors.geojson", "casp-aktau-alat", {"type": "LineString", "coordinates": [51, 43]}),
        CORRIDOR + "geometry: bad coordinates",
        ["found 51"],
    ),
    "coordinates an object": (_raw_coordinates('{"lon": 73, "lat": 48}'), DEPOSIT + "geometry: bad coordinates", ['{"lon": 73, "lat": 48}']),
    # where on Earth
    "out of range": (_raw_coordinates("[200, 95]"), DEPOSIT + "geometry: coordinate (200.0, 95.0) is outside longitude -180..180 / latitude -90..90", []),
    "swapped lat/lon": (_raw_coordinates("[48.6839, 73.2586]"), DEPOSIT + "geometry: coordinate (48.6839, 73.2586) lies outside the region", ["swapped?"]),
    "outside the region": (_raw_coordinates("[2.35, 48.85]"), DEPOSIT + "geometry: coordinate (2.35, 48.85) lies outside the region", []),
    "line leaves the region": (
        _geometry("corridors.geojson", "casp-aktau-alat", {"type": "LineString", "coordinates": [[51, 43], [-74, 40.7]]}),
        CORRIDOR + "geometry: coordinate (-74.0, 40.7) lies outside the region",
        [],
    ),
    # polygons
    "self-intersecting polygon": (
        _polygon([[70, 48], [72, 50], [72, 48], [70, 50], [70, 48]]),
        'Error: areas.geojson: feature "licence": geometry: invalid geometry: Self-intersection',
        [],
    ),
    "unclosed polygon": (
        _polygon([[70, 48], [72, 48], [72, 50], [70, 50]]),
        'Error: areas.geojson: feature "licence": geometry: polygon ring is not closed',
        [],
    ),
    "three-point ring": (
        _polygon([[70, 48], [72, 48], [70, 48]]),
        'Error: areas.geojson: feature "licence": geometry: polygon ring is not closed',
        ["fewer than 4"],
    ),
    # ids
    "duplicate id": (_features(lambda fs: fs.append(dict(fs[0]))), NODE + "id: duplicate id, also used by feature #1", []),
    "missing id": (_second_node(id=None), "Error: nodes.geojson: feature #2: id: missing", []),
    "blank id": (_second_node(id="  "), "Error: nodes.geojson: feature #2: id: missing", []),
    "float id": (_second_node(id=1.5), "Error: nodes.geojson: feature #2: id: 1.5 is not a string or an integer", []),
    "object id": (_second_node(id={"x": 1}), "Error: nodes.geojson: feature #2: id: {\"x\": 1} is not a string or an integer", []),
    "lone surrogate id": (
        _text("deposits.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "\\ud800", "properties": {}, "geometry": null}]}'),
        "Error: deposits.geojson: feature #1: id:",
        ["unpaired surrogate"],
    ),
    "properties.id disagrees": (_properties_id, NODE + 'id: properties.id "aktau-port" differs from the feature\'s id "aktau"', []),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_broken_geojson_is_refused_by_name(layers_dir, case):
    breaker, prefix, fragments = CASES[case]
    breaker(layers_dir)
    assert_refused(validate(layers_dir), prefix, *fragments)


def test_number_id_matches_string_key(layers_dir):
    """RFC 7946 allows numeric ids; 7 in GeoJSON joins with "7" in the CSV."""
    for name in ("deposits.geojson", "deposits.csv"):
        path = layers_dir / name
        path.write_text(path.read_text(encoding="utf-8").replace('"hostile"', "7").replace("\nhostile,", "\n7,"), encoding="utf-8")
    assert '"id": 7' in (layers_dir / "deposits.geojson").read_text(encoding="utf-8")
    data = kzgeo.read_layers(layers_dir)
    assert "7" in list(data.layers["deposits"]["id"])


def test_byte_order_mark_and_padded_ids_are_accepted(layers_dir):
    path = layers_dir / "nodes.geojson"
    edit_json(path, lambda doc: feature(doc, "aktau").update(id=" aktau "))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    data = kzgeo.read_layers(layers_dir)
    assert sorted(data.layers["nodes"]["id"]) == ["aktau", "alat", "beyneu"]


def test_nan_outside_coordinates_is_ignored_like_any_other_property(layers_dir):
    """kzgeo reads only id and geometry from GeoJSON; attributes come from the CSV."""
    path = layers_dir / "nodes.geojson"
    path.write_text(path.read_text(encoding="utf-8").replace('"properties": {"id": "aktau"}', '"properties": {"id": "aktau", "depth": NaN}'), encoding="utf-8")
    assert "NaN" in path.read_text(encoding="utf-8")
    assert len(kzgeo.read_layers(layers_dir).layers["nodes"]) == 3


def test_every_broken_feature_is_reported_in_one_run(layers_dir):
    set_geometry(layers_dir / "deposits.geojson", "upper-kairakty", None)
    set_geometry(layers_dir / "deposits.geojson", "north-katpar", {"type": "Point", "coordinates": [48.68, 73.25]})
    _second_node(id=None)(layers_dir)
    result = validate(layers_dir)
    assert_refused(result, DEPOSIT + "geometry: is null")
    assert_refused(result, 'Error: deposits.geojson: feature "north-katpar": geometry:', "swapped?")
    assert_refused(result, "Error: nodes.geojson: feature #2: id: missing")


def test_real_process_refuses_broken_geojson_without_traceback(layers_dir):
    _raw_coordinates("[NaN, 48.6839]")(layers_dir)
    proc = subprocess.run([sys.executable, "-m", "kzgeo", "validate", "--layers", str(layers_dir)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith(DEPOSIT + "geometry: coordinate (nan, 48.6839) is not a finite number")
    assert "Traceback" not in proc.stdout + proc.stderr


SQUARE = [[70, 48], [71, 48], [71, 49], [70, 49], [70, 48]]


@pytest.mark.parametrize(
    ("gtype", "coordinates", "message"),
    [
        ("MultiPolygon", [[SQUARE]], None),
        ("MultiPolygon", [[SQUARE], []], "geometry: a polygon needs at least one ring"),
        ("MultiPolygon", [[SQUARE[:-1]]], "geometry: polygon ring is not closed"),
        ("MultiPolygon", [SQUARE], "geometry: bad coordinates: a position must be an array of two numbers"),
        ("MultiLineString", [[[70, 48], [71, 49]], [[72, 50], [73, 50]]], None),
        ("MultiLineString", [[[70, 48], [71, 49]], [[72, 50]]], "geometry: a line needs at least two positions"),
        ("Polygon", [SQUARE, [[70.2, 48.2], [70.4, 48.2], [70.4, 48.4], [70.2, 48.2]]], None),
        ("Polygon", [SQUARE, [[75, 50], [76, 50], [76, 51], [75, 50]]], "geometry: invalid geometry: Hole lies outside shell"),
    ],
)
def test_multi_and_holed_geometries(tmp_path, gtype, coordinates, message):
    """The structural checks for every geometry type a catalog may declare, via the public reader."""
    path = tmp_path / "areas.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "id": "a", "properties": {}, "geometry": {"type": gtype, "coordinates": coordinates}}]}),
        encoding="utf-8",
    )
    problems: list = []
    features = read_features(path, gtype, (26.0, 36.0, 88.0, 56.0), problems)
    if message is None:
        assert problems == [] and features[0].geometry.geom_type == gtype
    else:
        assert problems and str(problems[0]).startswith(f'areas.geojson: feature "a": {message}'), problems
