"""Two builds of the same inputs are byte-identical, and the page says what it was built from."""

from __future__ import annotations

import hashlib

import json
import re

import pytest

import kzgeo
import importlib.util

from kzgeo.backdrop import backdrop_frame, backdrop_text

from conftest import ROOT


@pytest.mark.parametrize(("fmt", "lang"), [("html", "en"), ("html", "kk"), ("png", "en"), ("pdf", "ru")])
def test_two_builds_are_byte_identical(layers_dir, tmp_path, fmt, lang):
    (first,) = kzgeo.build(layers_dir, tmp_path / "one", maps_dir=tmp_path / "one", fmt=fmt, lang=lang)
    (second,) = kzgeo.build(layers_dir, tmp_path / "two", maps_dir=tmp_path / "two", fmt=fmt, lang=lang)
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()


def test_cdn_build_is_byte_identical(layers_dir, tmp_path):
    (first,) = kzgeo.build(layers_dir, tmp_path / "one", maps_dir=tmp_path / "one", self_contained=False)
    (second,) = kzgeo.build(layers_dir, tmp_path / "two", maps_dir=tmp_path / "two", self_contained=False)
    assert first.read_bytes() == second.read_bytes()


def test_page_has_no_random_ids(layers_dir, tmp_path):
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path)
    text = path.read_text(encoding="utf-8")
    assert re.search(r"_[0-9a-f]{32}\b", text) is None
    assert "map_0001" in text


def test_manifest_names_version_inputs_and_data_date(layers_dir, tmp_path):
    data = kzgeo.read_layers(layers_dir)
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path)
    text = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="kz-build">(.*?)</script>', text, re.S)
    manifest = json.loads(block.group(1))
    assert manifest["kzgeo_version"] == kzgeo.__version__
    assert manifest["as_of"] == data.as_of == "2026-02-23"
    assert manifest["inputs"] == data.file_hashes
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in layers_dir.iterdir()}
    assert manifest["inputs"] == on_disk
    assert len(manifest["inputs"]) == 14 and all(len(h) == 64 for h in manifest["inputs"].values())
    assert f'<meta name="generator" content="kzgeo {kzgeo.__version__}">' in text


def test_changed_input_changes_the_manifest(layers_dir, tmp_path):
    (before,) = kzgeo.build(layers_dir, tmp_path / "one", maps_dir=tmp_path / "one")
    sources = layers_dir / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace("Example Agency", "Example Agency (renamed)"), encoding="utf-8")
    (after,) = kzgeo.build(layers_dir, tmp_path / "two", maps_dir=tmp_path / "two")
    assert before.read_bytes() != after.read_bytes()


def _tool(name: str):
    """A script of tools/ loaded as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_backdrop_is_what_the_script_derives():
    """kzgeo/data/backdrop.json is exactly tools/make_backdrop.py's output from the committed Natural Earth files."""
    assert backdrop_text() == _tool("make_backdrop").derive()
    doc = json.loads(backdrop_text())
    names = {c["name"] for c in doc["countries"]}
    assert {"Kazakhstan", "Azerbaijan", "Georgia", "Armenia", "Turkey", "China", "Iran"} <= names
    assert "public domain" in doc["source"] and "1:50m" in doc["source"]
    assert {"Lake Balkhash", "Aral Sea", "Lake Sevan"} <= {lake["name"] for lake in doc["lakes"]}
    assert {"Irtysh", "Syr Darya", "Ural", "Volga"} <= {river["name"] for river in doc["rivers"]}


def test_committed_countries_are_what_the_script_derives():
    """kzgeo/data/countries.geojson is exactly tools/make_countries.py's output from the committed
    Natural Earth 1:10m TopoJSON and OpenStreetMap's Aras (tools/sources/aras_osm.json)."""
    assert (ROOT / "kzgeo" / "data" / "countries.geojson").read_text(encoding="utf-8") == _tool("make_countries").text()


def test_committed_corridors_are_what_the_script_draws():
    """layers/corridors.geojson is exactly tools/build_corridors.py's drawing from the node layer,
    the leg table, corridor_waypoints.json, OpenStreetMap's Aras and its station extract."""
    layers = ROOT / "layers"
    assert (layers / "corridors.geojson").read_text(encoding="utf-8") == _tool("build_corridors").build(layers)


def test_every_openstreetmap_station_drawn_is_cited_and_named():
    """A leg drawn through OpenStreetMap's station nodes cites the extract and says so in its note,
    and the extract records what it was read from."""
    import csv

    extract = json.loads((ROOT / "tools" / "sources" / "osm_stations.json").read_text(encoding="utf-8"))
    assert extract["commit"] and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in extract["files_sha256"].values())
    known = {s["id"] for s in extract["stations"]}
    legs = json.loads((ROOT / "tools" / "corridor_waypoints.json").read_text(encoding="utf-8"))["legs"]
    with (ROOT / "layers" / "corridors.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    drawn = {leg: [i for stretch in stops.values() if isinstance(stretch, dict) for i in stretch.get("osm_stations", [])] for leg, stops in legs.items()}
    assert any(drawn.values())
    for leg, ids in drawn.items():
        if ids:
            assert set(ids) <= known, leg
            assert "osm-stations-2026-02" in rows[leg]["sources"].split(";"), leg
            for lang in ("", "_ru", "_kk"):
                assert "OpenStreetMap" in rows[leg][f"geometry_note{lang}"], (leg, lang)


def test_every_leg_drawn_along_openstreetmaps_track_cites_it_and_says_so():
    """A leg with a stretch along OpenStreetMap's track cites the extract and says so in all three
    languages, and the extract records the commit and the hash of the file it was read from."""
    import csv
    import gzip

    extract = json.loads(gzip.decompress((ROOT / "tools" / "sources" / "osm_railways_caucasus.json.gz").read_bytes()))
    assert extract["commit"] and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in extract["file_sha256"].values())
    legs = json.loads((ROOT / "tools" / "corridor_waypoints.json").read_text(encoding="utf-8"))["legs"]
    with (ROOT / "layers" / "corridors.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    traced = {leg for leg, stops in legs.items() if any(isinstance(s, dict) and s.get("track") == "osm" for s in stops.values())}
    assert {"az-baku-alat", "az-alat-ganja", "az-ganja-gardabani", "ge-gardabani-tbilisi", "ge-tbilisi-akhalkalaki"} <= traced
    says = {"": "along OpenStreetMap's track", "_ru": "по пути из OpenStreetMap", "_kk": "OpenStreetMap-тағы жол бойымен"}
    for leg in traced:
        assert "osm-railways-2026-02" in rows[leg]["sources"].split(";"), leg
        for lang, words in says.items():
            assert words in rows[leg][f"geometry_note{lang}"], (leg, lang)


def test_following_the_track_refuses_a_point_off_it_and_a_detour():
    """The builder stops rather than draw a wrong line: a point far from any track, or a way between
    two points that runs round by another line (Baku's station to Abşeron without the stations
    between is 26 km of track against an 8 km chord), is an error naming the leg."""
    tool = _tool("build_corridors")
    with pytest.raises(SystemExit, match="from OpenStreetMap's track"):
        tool.along_track([[49.84984, 40.38051], [48.5, 41.5]], "test-leg")
    with pytest.raises(SystemExit, match="another line"):
        tool.along_track([[49.84984, 40.38051], [49.77476, 40.33691]], "test-leg")
    # Through Keşlə and Biləcəri, the stations OpenStreetMap has between them, it is drawn.
    line = tool.along_track([[49.84984, 40.38051], [49.87378, 40.41271], [49.80468, 40.43248], [49.77476, 40.33691]], "test-leg")
    assert len(line) > 20


def test_countries_source_is_the_published_file(tmp_path):
    import gzip

    tool = _tool("make_countries")
    (tmp_path / "countries-10m.json.gz").write_bytes(gzip.compress(b'{"type":"Topology","objects":{},"arcs":[]}'))
    tool.SOURCES = tmp_path
    with pytest.raises(SystemExit, match="not the published file"):
        tool.read_topology()


def test_backdrop_sources_are_the_published_files(tmp_path):
    """A changed source file is refused, not silently turned into a different backdrop."""
    import gzip

    tool = _tool("make_backdrop")
    # countries-10m.json.gz is tools/make_countries.py's source (the backdrop reads its output), and
    # osm_railways_caucasus.json.gz tools/build_corridors.py's (checked below).
    assert set(tool.SHA256) | {"countries-10m.json.gz", "osm_railways_caucasus.json.gz"} == {p.name for p in tool.SOURCES.glob("*.json.gz")}
    tampered = tmp_path / "ne_50m_lakes.json.gz"
    tampered.write_bytes(gzip.compress(b'{"type":"FeatureCollection","features":[]}'))
    tool.SOURCES = tmp_path
    with pytest.raises(SystemExit, match="not the published file"):
        tool.read_source("ne_50m_lakes.json.gz")


def test_backdrop_decodes_to_the_region_at_1_50m():
    """The quantised shapes decode to valid polygons covering the region; Kazakhstan's area is right."""
    countries = backdrop_frame("countries")
    assert countries.geometry.is_valid.all()
    kz = countries[countries["name"] == "Kazakhstan"].to_crs("ESRI:54034").area.sum() / 1e6
    assert 2.6e6 < kz < 2.8e6  # 2,724,900 km2
    bounds = countries.total_bounds
    assert bounds[0] <= 26 and bounds[2] >= 89 and bounds[1] <= 36 and bounds[3] >= 56
    assert len(backdrop_frame("lakes")) and len(backdrop_frame("rivers"))
    # Land is land and sea is sea across the whole extent, the Arctic included (a ring crossing the
    # antimeridian, Chukotka's, once painted bands of land over the Kara Sea and sea over Siberia).
    from shapely import Point

    land = countries.union_all()
    for lon, lat in ((65, 62), (100, 66), (45, 63), (30, 0), (78, 20), (130, 45), (-5, 40)):
        assert land.contains(Point(lon, lat)), (lon, lat)
    for lon, lat in ((70, 75), (40, 75), (70, -10), (150, 20), (50, 42), (34, 43), (-20, 50)):
        assert not land.contains(Point(lon, lat)), (lon, lat)
