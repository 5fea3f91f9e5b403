"""Large layers: the compact encoding, the switch by size, escaping, and real clicks in Chromium."""

from __future__ import annotations

import json
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
import shapely

import kzgeo
from kzgeo import settings
from kzgeo.html.fastlayer import Blobs, codes_array, compact_json, decode_column, encode_column, encode_paths, encode_shapes, unpack

from conftest import ROOT

HOSTILE_NAME = "O'Brien <script>window.__pwned=1</script> & <img src=x onerror=\"window.__pwned=2\">"
MAP_JS = "window[document.querySelector('.folium-map').id]"
# Centre the map on feature i of the fast layer titled `title` (so no control
# covers it) and return its container pixel.
FEATURE_XY_JS = f"""([title, i]) => {{
  const map = {MAP_JS};
  const layer = map._kzFast.find(l => l.data.title === title);
  map.setView(layer.inner.anchor(i), map.getZoom(), {{animate: false}});
  const p = map.latLngToContainerPoint(layer.inner.anchor(i));
  return [p.x, p.y];
}}"""
LATLNG_XY_JS = f"""([lat, lng]) => {{
  const map = {MAP_JS};
  map.setView([lat, lng], map.getZoom(), {{animate: false}});
  const p = map.latLngToContainerPoint([lat, lng]);
  return [p.x, p.y];
}}"""
DRAWN_JS = "() => Object.values(window.kzgeoDrawn || {}).reduce((a, b) => a + b, 0)"


def _encoded(values) -> tuple[dict, dict]:
    """One column encoded, and the payload holding its arrays (as the page carries them)."""
    blobs = Blobs()
    column = encode_column(pd.Series(values), blobs)
    return column, {"bin": blobs.encoded()}


def _undelta(flat: list[int], digits: int) -> np.ndarray:
    return np.cumsum(np.asarray(flat).reshape(-1, 2), axis=0) / 10**digits


def _click(page, xy) -> None:
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    # The popup replaced by this click fades out for 200 ms; wait until it has gone.
    page.wait_for_function("document.querySelectorAll('.leaflet-popup-content .kz-popup').length === 1")


# ---------------------------------------------------------------- encoding (pure)


def test_codes_take_the_smallest_array_and_zero_is_missing():
    assert codes_array(np.array([0, 2, -1, 1])).tolist() == [1, 3, 0, 2]
    assert codes_array(np.array([0, 254])).dtype == np.uint8
    assert codes_array(np.array([0, 255])).dtype == np.uint16
    assert codes_array(np.array([0, 70000])).dtype == np.uint32


def test_binary_columns_round_trip_through_deflate_and_base64():
    blobs = Blobs()
    x = np.array([46_500_000, 87_300_000, -1, 0], dtype=np.int32)
    refs = [blobs.add(x, shuffle=True), blobs.add(np.array([3, 0, 7], dtype=np.uint8))]
    payload = {"bin": blobs.encoded()}
    assert all(set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") for text in payload["bin"])
    assert unpack(payload, refs[0]).tolist() == x.tolist() and refs[0] == {"bin": 0, "kind": "i32", "shuffle": True}
    assert unpack(payload, refs[1]).tolist() == [3, 0, 7]


def test_encode_column_uses_a_dictionary_only_when_values_repeat():
    repeated, payload = _encoded(pd.Series(["a", "b", "a", None, "a", "b"], dtype=object))
    assert repeated["dict"] == ["a", "b"]
    assert decode_column(payload, repeated) == ["a", "b", "a", None, "a", "b"]
    unique, payload = _encoded(pd.Series(["Ақбұлақ", "x, \"y\"", None, "", "Kokbulak"], dtype=object))
    assert "text" in unique
    assert decode_column(payload, unique) == ["Ақбұлақ", "x, \"y\"", None, "", "Kokbulak"]


def test_numbered_text_travels_as_numbers():
    ids = [f"dep-{k}" for k in range(1, 2001)] + [None, "dep-9"]
    column, payload = _encoded(pd.Series(ids, dtype=object))
    assert column["numbered"]["prefixes"] == ["dep-"]
    assert decode_column(payload, column) == ids
    assert sum(map(len, payload["bin"])) < 400  # two thousand ids in a few hundred characters
    padded = ["KZ-0007a", "KZ-0123a", "KZ-1000a"]
    column, payload = _encoded(pd.Series(padded, dtype=object))
    assert column["numbered"]["width"] == 4 and decode_column(payload, column) == padded
    some_named = [f"dep-{k}" for k in range(1, 301)] + ["north-katpar"] + [None] + [f"dep-{k}" for k in range(301, 500)]
    column, payload = _encoded(pd.Series(some_named, dtype=object))
    assert column["numbered"]["others"] == {"at": [300], "text": ["north-katpar"]}
    assert decode_column(payload, column) == some_named
    mixed = ["KZ-07", "KZ-123", "KZ-7"]  # leading zeros of different widths: not numbered, still exact
    column, payload = _encoded(pd.Series(mixed, dtype=object))
    assert "numbered" not in column and decode_column(payload, column) == mixed


def test_encode_column_formats_numbers_like_the_popups():
    column, payload = _encoded(pd.Series([1100.0, 2.5, 1100.0, np.nan]))
    assert column["dict"] == ["1,100", "2.5"]
    assert decode_column(payload, column) == ["1,100", "2.5", "1,100", None]


def test_encode_shapes_delta_encodes_every_ring_and_part():
    square = shapely.Polygon([(50, 40), (51, 40), (51, 41), (50, 41), (50, 40)], [[(50.2, 40.2), (50.4, 40.2), (50.4, 40.4), (50.2, 40.2)]])
    other = shapely.Polygon([(60, 45), (60.5, 45), (60.5, 45.5), (60, 45)])
    multi = shapely.MultiPolygon([other, shapely.Polygon([(61, 45), (61.5, 45), (61.5, 45.5), (61, 45)])])
    shapes = encode_shapes(np.array([square, multi]), 6)
    assert len(shapes) == 2
    # A layer mixing polygons and multipolygons is sent as multipolygons throughout.
    ((outer, hole),), (first, second) = shapes[0], shapes[1]
    np.testing.assert_allclose(_undelta(outer, 6), shapely.get_coordinates(square.exterior))
    np.testing.assert_allclose(_undelta(hole, 6), shapely.get_coordinates(square.interiors[0]))
    np.testing.assert_allclose(_undelta(first[0], 6), shapely.get_coordinates(other.exterior))
    np.testing.assert_allclose(_undelta(second[0], 6), shapely.get_coordinates(multi.geoms[1].exterior))
    (line,) = encode_shapes(np.array([shapely.LineString([(55.2, 45.31667), (51.16667, 43.65)])]), 5)
    assert line == [5520000, 4531667, -403333, -166667]


def test_encode_paths_simplifies_only_over_budget_and_says_how_much():
    wiggly = shapely.segmentize(shapely.Polygon([(50, 40), (52, 40), (52, 42), (50, 42), (50, 40)]), 0.001)
    geoms = np.array([wiggly] * 20)
    full = encode_paths(geoms, budget=10**9, precision=6)
    assert full["tolerance"] == 0 and full["digits"] == 6
    assert full["bytes"] == len(json.dumps(full["shapes"], separators=(",", ":")))
    small = encode_paths(geoms, budget=full["bytes"] // 20, precision=6)
    assert 0 < small["tolerance"] and small["bytes"] <= full["bytes"] // 20
    np.testing.assert_allclose(_undelta(small["shapes"][0][0], small["digits"]), shapely.get_coordinates(wiggly.exterior)[::2000])


def test_compact_json_cannot_close_its_script():
    text = compact_json({"name": "</script><script>alert(1)</script>", "q": "it's & <b>"})
    assert "<" not in text and ">" not in text and "'" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script>", "q": "it's & <b>"}


# ---------------------------------------------------------------- the switch and the page


@pytest.fixture
def all_fast(monkeypatch):
    """Every layer, however small, drawn by the fast layer."""
    monkeypatch.setattr(settings, "fast_layer_min_features", 1)


def test_small_layers_keep_the_geojson_path(layers_dir, tmp_path):
    path = tmp_path / "map.html"
    kzgeo.render_map(kzgeo.read_layers(layers_dir)).save(str(path))
    assert "kzgeoFastLayer(" not in path.read_text(encoding="utf-8")


def test_large_layers_switch_to_the_fast_layer(layers_dir, tmp_path, all_fast):
    path = tmp_path / "map.html"
    kzgeo.render_map(kzgeo.read_layers(layers_dir)).save(str(path))
    text = path.read_text(encoding="utf-8")
    assert text.count("kzgeoFastLayer(") == 3  # one call per layer
    assert "L.geoJson(" not in text
    assert "<script>window.__pwned" not in text and 'onerror="window' not in text


def test_template_syntax_in_data_is_not_evaluated(layers_dir, tmp_path, all_fast):
    # The loader refuses "{{" in files; a Dataset edited in Python can still carry it.
    data = kzgeo.read_layers(layers_dir)
    data.layers["deposits"].loc[0, "investment_note"] = "{{ 7 * 7 }} {% if 1 %}x{% endif %}"
    path = tmp_path / "map.html"
    kzgeo.render_map(data).save(str(path))
    assert "{{ 7 * 7 }} {% if 1 %}x{% endif %}" in path.read_text(encoding="utf-8")


def test_large_layer_note_is_in_the_map_language(layers_dir, all_fast):
    """The note saying how a large layer is drawn follows --lang like every other caption."""
    page = kzgeo.render_map(kzgeo.read_layers(layers_dir), lang="ru").get_root().render()
    assert "все 3 точек нарисованы на холсте" in page
    assert "points are drawn on canvas" not in page


def test_fast_popups_escape_and_cite_on_a_real_click(layers_dir, tmp_path, all_fast, offline_page):
    page = offline_page
    path = tmp_path / "map.html"
    kzgeo.render_map(kzgeo.read_layers(layers_dir)).save(str(path))
    page.goto(path.as_uri())
    page.wait_for_function(f"({DRAWN_JS})() >= 8")
    assert page.evaluate("window.kzgeoDrawn") == {"Critical-mineral deposits": 3, "Transport corridors": 2, "Ports, border crossings and junctions": 3}

    _click(page, page.evaluate(FEATURE_XY_JS, ["Critical-mineral deposits", 2]))  # the hostile site
    popup = page.locator(".leaflet-popup-content")
    text = popup.inner_text()
    assert HOSTILE_NAME in text
    assert "<b>bold</b> & 'quoted'" in text
    assert "Hostile <script>window.__pwned=3</script>" in text
    assert popup.locator("img, script, b").count() == 0
    assert page.evaluate("window.__pwned") is None

    _click(page, page.evaluate(FEATURE_XY_JS, ["Critical-mineral deposits", 0]))  # Upper Kairakty
    text = popup.inner_text()
    assert "Upper Kairakty" in text and "Critical minerals MOU" in text
    link = popup.locator("a")
    assert link.get_attribute("href") == "https://example.org/a?x=1&y=2"
    assert link.get_attribute("rel") == "noopener noreferrer"

    # A corridor: halfway along its first leg, away from any node.
    _click(page, page.evaluate(LATLNG_XY_JS, [(45.31667 + 43.65) / 2, (55.2 + 51.16667) / 2]))
    assert popup.locator("h4").inner_text() == "Beyneu – Aktau"
    assert "From" in popup.inner_text() and "Beyneu" in popup.inner_text()
    notes = page.locator(".kz-note").all_inner_texts()
    assert any("Critical-mineral deposits: all 3 points" in n for n in notes)
    assert page.errors == []


# ---------------------------------------------------------------- national scale in the browser


@pytest.fixture(scope="module")
def national_map(tmp_path_factory):
    """The shipped layers with the deposits grown to 100,000 and 1,000 licences, read and rendered through the public API."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    root = tmp_path_factory.mktemp("national")
    layers = synthetic.write_layers(root / "layers", 100_000, n_licences=1000)
    data = kzgeo.read_layers(layers)
    path = root / "national.html"
    kzgeo.render_map(data).save(str(path))
    return path, data


def test_100k_points_draw_and_open_popups(national_map, offline_page):
    path, data = national_map
    page = offline_page
    page.goto(path.as_uri())
    title = data.catalog.layers["deposits"].title
    page.wait_for_function(f"({DRAWN_JS})() >= 101000", timeout=30_000)
    assert page.evaluate("window.kzgeoDrawn") == {title: 100_000, "Licences": 1000}
    assert sorted(page.evaluate(f"{MAP_JS}._kzFast.map(l => l.data.n)")) == [1000, 100_000]
    notes = " ".join(page.locator(".kz-note").all_inner_texts())
    assert "all 100,000 points" in notes and "small dots" in notes and "Licences: 1,000 shapes" in notes

    deposits = data.layers["deposits"]
    _click(page, page.evaluate(FEATURE_XY_JS, [title, 54_321]))
    popup = page.locator(".leaflet-popup-content .kz-popup")
    clicked = popup.get_attribute("data-id")
    row = deposits.set_index("id").loc[clicked]
    assert popup.locator("h4").inner_text() == row["name_en"]
    assert row["region"] in popup.inner_text()
    # Several points can share a pixel at this zoom; the popup belongs to one under the cursor.
    assert deposits.geometry[54_321].distance(row.geometry) < 0.05

    # Licences: hide the deposits, click inside one outline.
    page.get_by_label(f"{title} (100000)").uncheck()
    licences = data.layers["licences"]
    inside = licences.geometry[7].representative_point()
    _click(page, page.evaluate(LATLNG_XY_JS, [inside.y, inside.x]))
    clicked = page.locator(".leaflet-popup-content .kz-popup").get_attribute("data-id")
    assert clicked in set(licences.loc[licences.geometry.contains(inside), "id"])
    assert page.errors == []


# ---------------------------------------------------------------- the benchmark itself


def test_the_benchmark_cadastre_reads_the_same_as_geojson_and_as_geoparquet(tmp_path):
    """The benchmark's layers (shipped + synthetic) validate in both forms and read into the same data."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    text = synthetic.write_layers(tmp_path / "text", 3000, n_licences=50)
    columnar = synthetic.write_layers(tmp_path / "columnar", 3000, n_licences=50, form="parquet")
    assert (columnar / "deposits.parquet").exists() and not (columnar / "deposits.csv").exists()
    assert kzgeo.validate(text) == [] and kzgeo.validate(columnar) == []
    a, b = kzgeo.read_layers(text), kzgeo.read_layers(columnar)
    for name in ("deposits", "licences"):
        pd.testing.assert_frame_equal(a.layers[name].drop(columns="geometry"), b.layers[name].drop(columns="geometry"))
        assert a.layers[name].geometry.geom_equals_exact(b.layers[name].geometry, 1e-9).all()
    assert len(a.layers["deposits"]) == 3000


def test_payload_carries_resources_agreements_spec_extras_and_citations(layers_dir):
    from kzgeo.html.fastlayer import layer_payload
    from kzgeo.labels import label

    data = kzgeo.read_layers(layers_dir)
    payload = layer_payload(data, "deposits", popup_extras={"north-katpar": [("agreements", ["Offtake signed"]), ("lengths", ["12.5 km to rail"])]})
    at = {fid: i for i, fid in enumerate(decode_column(payload, payload["ids"]))}
    sections = {s["label"]: {int(k): v for k, v in s["lines"].items()} for s in payload["sections"]}
    shared = "up to 410 kt of tungsten (for Both tungsten deposits together; company claim; Covers both deposits)"
    assert sections["Resource figures"] == {at["north-katpar"]: ["142 kt WO3 (JORC)", shared], at["upper-kairakty"]: [shared]}
    assert sections["Agreements"][at["north-katpar"]] == ["Offtake signed"]
    assert "Critical minerals MOU" in sections["Agreements"][at["upper-kairakty"]][0]
    assert sections[label("lengths")] == {at["north-katpar"]: ["12.5 km to rail"]}
    cited = payload["cite"]["dict"][unpack(payload, payload["cite"]["codes"])[at["north-katpar"]] - 1]
    assert [payload["sources"][k]["text"].split(":")[0] for k in cited] == ["Example Agency", "Hostile <script>window.__pwned=3</script>"]
    assert payload["sources"][cited[1]]["url"] is None


# ---------------------------------------------------------------- reading at scale keeps every check


def test_valid_table_reads_the_same_through_the_fast_path(layers_dir):
    from kzgeo.catalog import read_catalog
    from kzgeo.io.readers import read_rows

    spec = read_catalog(layers_dir).layers["nodes"]
    path = layers_dir / "nodes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\ufeff" + lines[0] + "\n\n" + "\n".join(f" {line} " for line in lines[1:]) + "\n\n", encoding="utf-8")
    problems = []
    rows = read_rows(path, spec, problems)
    assert problems == []
    assert [r["id"] for r in rows] == ["aktau", "beyneu", "alat"]
    assert rows[0]["uncertainty_km"] == 3.0 and rows[0]["sources"] == "src-b"
    assert list(rows[0]) == spec.field_names
    path.write_text(lines[0] + "\n\n", encoding="utf-8")
    assert read_rows(path, spec, problems) == [] and problems == []


def test_bad_cells_are_still_named_row_by_row(layers_dir):
    from kzgeo.catalog import read_catalog
    from kzgeo.io.readers import read_rows

    spec = read_catalog(layers_dir).layers["nodes"]
    path = layers_dir / "nodes.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("beyneu,Beyneu,Бейнеу,Бейнеу,junction", "beyneu,Beyneu,Бейнеу,Бейнеу,harbour")
    text += "aktau,Dup,Д,Д,port,KZ,exact,3,x,src-b\nshort,row\n"
    path.write_text(text, encoding="utf-8")
    problems = []
    rows = read_rows(path, spec, problems)
    said = [f"{p.where}: {p.message}" for p in problems]
    assert any(s.startswith('row 3 (id "beyneu"): field kind') and "harbour" in s for s in said), said
    assert any(s.startswith('row 5 (id "aktau"): duplicate id') for s in said), said
    assert any(s.startswith('row 6 (id "short"): has 2 cells') for s in said), said
    assert [r["id"] for r in rows] == ["aktau", "alat"]


@pytest.mark.parametrize(
    "coordinates, message",
    [
        ([[[70, 48], [72, True], [72, 50], [70, 48]]], "array of two numbers [longitude, latitude], found [72, true]"),
        ([[[70, 48], [72], [72, 50], [70, 48]]], "must have two numbers [longitude, latitude], found 1"),
        ([[[70, 48], "72,48", [72, 50], [70, 48]]], 'array of two numbers [longitude, latitude], found "72,48"'),
    ],
)
def test_junk_coordinates_are_refused(tmp_path, coordinates, message):
    from kzgeo.io.readers import read_features

    path = tmp_path / "areas.geojson"
    feature = {"type": "Feature", "id": "a", "properties": {}, "geometry": {"type": "Polygon", "coordinates": coordinates}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    problems = []
    assert read_features(path, "Polygon", (26, 36, 88, 56), problems) == []
    assert len(problems) == 1 and message in problems[0].message


def test_hovering_a_point_shows_its_name_as_text(layers_dir, tmp_path, all_fast, offline_page):
    page = offline_page
    path = tmp_path / "map.html"
    kzgeo.render_map(kzgeo.read_layers(layers_dir)).save(str(path))
    page.goto(path.as_uri())
    page.wait_for_function(f"({DRAWN_JS})() >= 8")
    xy = page.evaluate(FEATURE_XY_JS, ["Critical-mineral deposits", 2])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + xy[0], box["y"] + xy[1])
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == HOSTILE_NAME
    assert tooltip.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_points_read_in_bulk_unless_one_needs_a_closer_look(tmp_path):
    from kzgeo.io.readers import read_features

    def write(features):
        path = tmp_path / "points.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        return path

    good = [{"type": "Feature", "id": f"p{i}", "properties": {}, "geometry": {"type": "Point", "coordinates": [70 + i, 48]}} for i in range(3)]
    problems = []
    features = read_features(write(good), "Point", (26, 36, 88, 56), problems)
    assert problems == [] and [(f.id, f.index, f.geometry.x) for f in features] == [("p0", 0, 70.0), ("p1", 1, 71.0), ("p2", 2, 72.0)]
    for bad, message in (([48, 95], "outside longitude"), ([100, 48], "outside the region"), ([70, True], "array of two numbers")):
        features = [dict(f) for f in good]
        features[1] = {**good[1], "geometry": {"type": "Point", "coordinates": bad}}
        problems = []
        kept = read_features(write(features), "Point", (26, 36, 88, 56), problems)
        assert [f.id for f in kept] == ["p0", "p2"]
        assert len(problems) == 1 and problems[0].where == 'feature "p1"' and message in problems[0].message


def test_lines_and_polygons_read_in_bulk_as_feature_by_feature(tmp_path, monkeypatch):
    """The bulk path for lines and polygons builds the same geometries the per-feature checks build."""
    from kzgeo.io import readers

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    layers = synthetic.write_layers(tmp_path / "layers", 100, n_licences=40)
    catalog = kzgeo.read_catalog(layers)
    for name in ("licences", catalog.require("legs", "this test")):
        spec = catalog.layers[name]
        problems = []
        bulk = readers.read_geometries(catalog.path(spec.geometry), spec.geometry_type, catalog.bounds, problems)
        with monkeypatch.context() as m:
            m.setattr(readers, "_shapes_if_valid", lambda *a: None)
            one_by_one = readers.read_geometries(catalog.path(spec.geometry), spec.geometry_type, catalog.bounds, problems)
        assert problems == [] and len(bulk) == len(one_by_one) > 0
        assert bulk.ids.tolist() == one_by_one.ids.tolist()
        assert shapely.equals_exact(bulk.geometry, one_by_one.geometry, 0).all()


# ---------------------------------------------------------------- the fast paths agree with the rules they stand in for


def test_numbered_split_from_bytes_agrees_with_the_regular_expression():
    import random
    import re

    import pyarrow as pa

    from kzgeo.html.fastlayer import _NUMBERED, MAX_SUFFIX, split_numbered

    rng = random.Random(16)
    alphabet = "ab -_0123456789Қё\n"
    values = ["", "7", "x0", "dep-000123", "Licence 17 (old)", "a1234567890", "9 lives", "ё" * 3 + "12" + "Қ" * 12, None]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(3000)]
    array = pa.array(values, pa.string())
    for part in (array, array.slice(5, 2000)):
        matched, prefix, number, count, lead_zero, suffix = split_numbered(part)
        for i, value in enumerate(part.to_pylist()):
            found = re.fullmatch(_NUMBERED, value, re.DOTALL) if value is not None else None
            if found and len(found["suffix"].encode()) > MAX_SUFFIX:
                found = None  # a long tail is kept as other text
            assert bool(matched[i]) == bool(found), value
            if found:
                assert (prefix[i].as_py(), suffix[i].as_py()) == (found["prefix"], found["suffix"]), value
                assert (int(number[i]), int(count[i])) == (int(found["number"]), len(found["number"])), value
                assert bool(lead_zero[i]) == (found["number"].startswith("0") and len(found["number"]) > 1), value


def test_trim_check_from_arrow_buffers_agrees_with_str_strip():
    import random

    import pyarrow as pa

    from kzgeo.io.columns import WHITESPACE, needs_trim

    rng = random.Random(16)
    letters = list("aЖқ1,") + list(WHITESPACE)
    for _ in range(3000):
        values = [None if rng.random() < 0.1 else "".join(rng.choice(letters) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 4))]
        want = any(v is not None and v != v.strip() for v in values)
        assert needs_trim(pa.chunked_array([pa.array(values, pa.string())])) == want, values
    # Cyrillic letters end in the bytes a few whitespace characters end in: they are looked at, not taken for them.
    assert not needs_trim(pa.array(["Карагандинская", "Шет ауданы", "нүкте"] * 1000))


def test_suspect_bytes_finds_every_refused_character():
    from kzgeo.io.readers import suspect_bytes

    clean = "id,name\nkz-1,Ақбұлақ {x} }}\r\nkz-2,\"a\tb\"\n".encode()
    assert not suspect_bytes(clean)
    for bad in ["\x00", "\x07", "\x0b", "\x1f", "\ufffe", "\uffff", "{{", "{%", "{#"]:
        assert suspect_bytes(clean + f"kz-3,x{bad}y\n".encode()), repr(bad)


def test_internal_words_found_in_a_national_column(tmp_path):
    from kzgeo.citations import INTERNAL_WORDS, _word_hits
    from kzgeo.io.columns import ARROW_TEXT

    names = [f"Deposit {k}" for k in range(20_000)]
    for dtype in (object, ARROW_TEXT):
        assert _word_hits(pd.Series(names, dtype=dtype), INTERNAL_WORDS) == []
        marked = names[:12_345] + ["From the Seed Article"] + names[12_346:]
        assert _word_hits(pd.Series(marked, dtype=dtype), INTERNAL_WORDS) == [(12_345, 0)]


def test_fast_popups_show_translations_in_place_of_their_fields(layers_dir):
    """As on the small maps' cards: no row per translation or per name in another language."""
    from kzgeo.html.fastlayer import layer_payload
    from kzgeo.labels import label
    from kzgeo.text import field_label

    data = kzgeo.read_layers(layers_dir)
    spec = data.catalog.layers["deposits"]
    frame = data.layers["deposits"].reset_index(drop=True)
    for lang in ("en", "ru"):
        payload = layer_payload(data, "deposits", lang=lang)
        shown = {c["label"]: decode_column(payload, c) for c in payload["columns"]}
        labels = set(shown)
        assert not labels & {field_label(spec, f, lang) for f in spec.translation_fields | set(spec.names.values())}
        region = shown[field_label(spec, "region", lang)]
        want = frame["region"].tolist() if lang == "en" else [
            t if isinstance(t, str) and t else f"{e} {label('in_english', lang)}" for e, t in zip(frame["region"], frame[spec.translation_of("region", lang)])
        ]
        assert region == want



# ---------------------------------------------------------------- issue 16, third round: the shortcuts agree with the paths they skip


POINT_DOCUMENTS = {
    "valid": '{"type":"FeatureCollection","features":[%s]}',
    "valid, spaced and reordered": '{ "features" : [ %s ] , "type" : "FeatureCollection" }',
    "valid, with a byte-order mark": '\ufeff{"type":"FeatureCollection","features":[%s]}',
}
POINT_FEATURES = {
    "plain": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[70.5,48]}}',
    "properties.id the same": '{"type":"Feature","id":"p%d","properties":{"id":"p%d"},"geometry":{"type":"Point","coordinates":[70,48.25]}}',
    "properties.id differs": '{"type":"Feature","id":"p%d","properties":{"id":"q%d"},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "properties.id a number": '{"type":"Feature","id":"p%d","properties":{"id":7},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "only properties.id": '{"type":"Feature","properties":{"id":"p%d"},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "properties null": '{"type":"Feature","id":"p%d","properties":null,"geometry":{"type":"Point","coordinates":[70,48]}}',
    "properties a list": '{"type":"Feature","id":"p%d","properties":[1],"geometry":{"type":"Point","coordinates":[70,48]}}',
    "integer id": '{"type":"Feature","id":%d,"properties":{},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "id with spaces": '{"type":"Feature","id":" p%d","properties":{},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "empty id": '{"type":"Feature","id":"","properties":{},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "lone surrogate id": '{"type":"Feature","id":"p%d\\ud800","properties":{},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "repeated key": '{"type":"Feature","id":"x","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[70,48]}}',
    "extra members": '{"type":"Feature","id":"p%d","bbox":[1,2,3,4],"properties":{"a":[{}]},"geometry":{"type":"Point","coordinates":[70,48],"x":1}}',
    "boolean coordinate": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[70,true]}}',
    "NaN": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[NaN,48]}}',
    "huge number": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[1e400,48]}}',
    "outside the region": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[48,70]}}',
    "3D": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[70,48,5]}}',
    "coordinates as text": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":["70","48"]}}',
    "a line": '{"type":"Feature","id":"p%d","properties":{},"geometry":{"type":"LineString","coordinates":[[70,48],[71,48]]}}',
    "no geometry": '{"type":"Feature","id":"p%d","properties":{},"geometry":null}',
    "not a feature": '{"type":"Fixture","id":"p%d","properties":{},"geometry":{"type":"Point","coordinates":[70,48]}}',
}


def _one_feature(template: str, i: int) -> str:
    return template % ((i,) * template.count("%d"))


@pytest.mark.parametrize("odd", sorted(POINT_FEATURES))
def test_points_decoded_into_typed_records_as_the_general_path_reads_them(tmp_path, monkeypatch, odd):
    """msgspec's typed decoding (``_typed_points``) gives exactly what orjson and the bulk or
    feature-by-feature checks give: the same ids and points, or it steps aside and they name the problem."""
    from kzgeo.io import readers

    plain = POINT_FEATURES["plain"]
    for shell in POINT_DOCUMENTS.values():
        for extra in ("", ',"crs":null'):
            features = ",".join(_one_feature(odd if i == 2 else plain, i) for i in range(5))
            text = shell % features
            if extra:
                text = text.rstrip()[:-1] + extra + "}"
            path = tmp_path / "points.geojson"
            path.write_bytes(text.encode("utf-8"))
            fast_problems, slow_problems = [], []
            fast = readers.read_geometries(path, "Point", (26, 36, 88, 56), fast_problems)
            with monkeypatch.context() as m:
                m.setattr(readers, "_typed_points", lambda *a: None)
                slow = readers.read_geometries(path, "Point", (26, 36, 88, 56), slow_problems)
            assert [str(p) for p in fast_problems] == [str(p) for p in slow_problems]
            assert fast.ids.tolist() == slow.ids.tolist() and fast.index.tolist() == slow.index.tolist()
            assert shapely.equals_exact(fast.geometry, slow.geometry, 0).all()
            took_it = readers._typed_points(path.read_bytes(), (26, 36, 88, 56)) is not None
            assert took_it == (not slow_problems and not extra and odd in ("plain", "properties.id the same", "properties null", "repeated key", "extra members")), (odd, extra)


def test_internal_words_ruled_out_by_the_file_only_where_no_cell_holds_one():
    """``may_hold_words`` on a CSV file's bytes says False only if no cell, read as kzgeo reads it,
    holds an internal word by either rule the per-column search applies (str.lower, RE2 ignoring case)."""
    import csv
    import io
    import random
    import re

    from kzgeo.citations import INTERNAL_WORDS
    from kzgeo.io.readers import may_hold_words

    rng = random.Random(16)
    pieces = ["seed article", "Fact Sheet", "[CsC]", "seed", "SEED", " ", "article", "ARTicle", "[", "csc", "CSC", "]", "fact", "ſheet", "sheet", "\u212aa", "\u0130", '"', '""', ",", "\n", "ф", "x", "  "]
    found_any = 0
    for _ in range(3000):
        cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(4)]
        out = io.StringIO()
        csv.writer(out).writerows([["a", "b", "c", "d"], cells])
        data = out.getvalue().encode("utf-8")
        values = [c.strip() for row in list(csv.reader(io.StringIO(out.getvalue())))[1:] for c in row]
        by_lower = any(word in v.lower() for v in values for word in INTERNAL_WORDS)
        by_re2 = any(re.search(re.escape(word), v, re.IGNORECASE) for v in values for word in INTERNAL_WORDS)
        if by_lower or by_re2:
            found_any += 1
            assert may_hold_words(data, INTERNAL_WORDS), cells
    assert found_any > 300
    assert not may_hold_words("id,name\nkz-1,Fact  sheet; seed-article\n".encode(), INTERNAL_WORDS)
    assert may_hold_words(b"id,name\nkz-1,\xff\n", INTERNAL_WORDS)  # not UTF-8: cannot rule anything out


def test_a_table_with_an_internal_word_is_reported_when_its_file_is_searched_once(tmp_path):
    """The whole-file search only spares looking: a word in one cell of a large table is still one problem, at its row."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    layers = synthetic.write_layers(tmp_path / "layers", 2000, n_licences=20)
    path = layers / "licences.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[7].split(",")
    cells[header.index("holder")] = "See the FACT SHEET"
    lines[7] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = kzgeo.validate(layers)
    assert [(p.file, p.where, p.message) for p in problems] == [
        ("licences.csv", f'row (id "{cells[0]}")', 'field holder: internal word "fact sheet" would reach the maps')
    ]


def test_backdrop_built_for_some_names_is_the_same_as_built_whole():
    from kzgeo.backdrop import backdrop_frame

    whole = backdrop_frame("countries")
    names = ["Kazakhstan", "Russia", "Egypt", "Armenia", "no such country"]
    some = backdrop_frame("countries", names=names)
    expected = whole[whole["name"].isin(names)].reset_index(drop=True)
    assert some["name"].tolist() == expected["name"].tolist() and len(some) == 4
    assert shapely.equals_exact(some.geometry.values, expected.geometry.values, 0).all()


def test_large_layers_encoded_side_by_side_make_the_same_page(tmp_path, monkeypatch):
    """render_map makes the fast layers' payloads in two threads; the page is byte for byte the one made one layer at a time."""
    from kzgeo.html import render

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    layers = synthetic.write_layers(tmp_path / "layers", 1500, n_licences=30)
    monkeypatch.setattr(settings, "fast_layer_min_features", 20)
    data = kzgeo.read_layers(layers)
    assert len(render._fast_payloads(data, list(data.catalog.layers), "ru", {}, {})) >= 2
    pages = []
    for side_by_side in (True, False):
        with monkeypatch.context() as m:
            if not side_by_side:
                m.setattr(render, "_fast_payloads", lambda *a: {})
            out = tmp_path / f"page-{side_by_side}.html"
            kzgeo.render_map(data, lang="ru").save(str(out))
            pages.append(out.read_bytes())
    assert pages[0] == pages[1]
