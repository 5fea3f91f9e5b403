"""The export opened in real QGIS 3.22 (Debian's python3-qgis), headless.

One QGIS subprocess per export (``tests/qgis_driver.py``) reports what QGIS
sees in the GeoPackage, in each GeoJSON with its sidecars and in the project
after it was copied elsewhere, plus the colours of the rendered project. A
missing QGIS fails these tests; they are never skipped.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import shapely

import kzgeo
from kzgeo.backdrop import LAND
from kzgeo.io.readers import split_refs
from kzgeo.qgis.crs import project_box
from kzgeo.qgis.qml import AREA_TYPES, AREA_FILL_OPACITY, LINE_TYPES, MM_PER_PX, qgis_color, qgis_dash
from kzgeo.qgis.tables import BACKDROP, UNCERTAINTY, junctions
from kzgeo.style import color_for, is_approximate, path_style, uncertainty_style

from conftest import ARTIFACTS, FIXTURE_LAYERS, SHIPPED_LAYERS
from test_export import HOSTILE_TITLE, add_area_layer

QGIS_PYTHON = "/usr/bin/python3"
DRIVER = Path(__file__).resolve().parent / "qgis_driver.py"
#: How far (per RGB channel) a rendered pixel may be from the expected colour.
COLOUR_TOLERANCE = 3


def qgis_env(tmp: Path) -> dict[str, str]:
    """The environment for Debian's Python: headless Qt, none of the test venv's paths."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    runtime = tmp / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return env | {"QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime)}


@pytest.fixture(scope="module")
def qgis_python(tmp_path_factory) -> dict[str, str]:
    """Fail (never skip) when Debian's QGIS Python is missing."""
    env = qgis_env(tmp_path_factory.mktemp("qgis-env"))
    try:
        done = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], env=env, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        pytest.fail(f"{QGIS_PYTHON} is missing; QGIS tests need Debian's python3-qgis (make test installs it)")
    if done.returncode != 0:
        pytest.fail(f"{QGIS_PYTHON} cannot import qgis.core; install python3-qgis and qgis-providers (make test does):\n{done.stderr}")
    return env


@pytest.fixture(scope="module", params=["fixture", "shipped"])
def case(request, tmp_path_factory, qgis_python):
    """One export (tiny hostile fixture + a clockwise polygon, or the shipped layers) as QGIS sees it."""
    base = tmp_path_factory.mktemp(request.param)
    if request.param == "fixture":
        layers = base / "layers"
        shutil.copytree(FIXTURE_LAYERS, layers)
        shutil.copy(SHIPPED_LAYERS / "catalog.toml", layers / "catalog.toml")
        add_area_layer(layers)
    else:
        layers = SHIPPED_LAYERS
    out = base / "export"
    kzgeo.export(layers, out)
    moved = base / "somewhere" / "else"
    shutil.copytree(out, moved)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / f"qgis-project-{request.param}.png"
    done = subprocess.run(
        [QGIS_PYTHON, str(DRIVER), str(out), str(moved), str(png)], env=qgis_python, capture_output=True, text=True, timeout=600
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(f"QGIS driver failed ({done.returncode}): {lines[-1] if lines else ''}\n{done.stderr[-3000:]}")
    report = json.loads(lines[-1])
    return SimpleNamespace(name=request.param, data=kzgeo.read_layers(layers), moved=moved, png=png, report=report)


def spatial_reports(case):
    """(where, layer name, report) for every spatial layer in the GeoPackage, the GeoJSON files and the project."""
    project = {layer_id.removeprefix("kzgeo_layer_"): r for layer_id, r in case.report["project"]["layers"].items()}
    for where, reports in (("geopackage", case.report["geopackage"]), ("geojson", case.report["geojson"]), ("project", project)):
        for name in case.data.layers:
            yield where, name, reports[name]


def table_reports(case):
    project = {layer_id.removeprefix("kzgeo_layer_"): r for layer_id, r in case.report["project"]["layers"].items()}
    for where, reports in (("geopackage", case.report["geopackage"]), ("project", project)):
        for name in case.data.tables:
            yield where, name, reports[name]


def same_value(qgis_value, ours) -> bool:
    if ours is None or ours is pd.NA or (isinstance(ours, float) and math.isnan(ours)):
        return qgis_value is None
    if isinstance(ours, (int, np.integer)) and not isinstance(ours, bool):  # an int field (e.g. a track gauge)
        return qgis_value is not None and int(qgis_value) == int(ours)
    if isinstance(ours, float):
        return qgis_value is not None and math.isclose(float(qgis_value), ours)
    return qgis_value == str(ours)


def test_every_layer_is_valid_everywhere(case):
    gpkg = case.report["geopackage"]
    # QGIS lists every layer and table, and hides its own layer_styles table.
    extra = {*(j.name for j in junctions(case.data.catalog)), UNCERTAINTY, BACKDROP}
    assert set(gpkg) == {*case.data.layers, *case.data.tables, *extra}
    assert set(case.report["geojson"]) == set(case.data.layers)
    assert all(r["valid"] for r in gpkg.values())
    assert all(r["valid"] for r in case.report["geojson"].values())
    project = case.report["project"]
    assert project["read"] is True
    assert len(project["layers"]) == len(case.data.layers) + len(case.data.tables) + len(extra)
    assert all(r["valid"] for r in project["layers"].values())


def test_crs_is_wgs84(case):
    for where, name, report in spatial_reports(case):
        assert report["crs"] == "EPSG:4326", (where, name)
    # The data stay in EPSG:4326; the project draws them projected (test_qgis_project checks how).
    assert case.report["project"]["crs"] != "EPSG:4326"


def _expected(where: str, field, value):
    """What QGIS shows for a catalog value: in the GeoPackage a month-only date is the month's first day."""
    if where != "geojson" and field.type == "date" and isinstance(value, str) and len(value) == 7:
        return value + "-01"
    return value


def _compared(where: str, spec):
    """The fields each output holds: the GeoJSON all of them, the GeoPackage all but lists (junction tables)."""
    return [f for f in spec.fields if where == "geojson" or f.type != "refs"]


def test_features_and_attributes_match_the_layers(case):
    for where, name, report in spatial_reports(case):
        spec = case.data.catalog.layers[name]
        frame = case.data.layers[name].set_index("id", drop=False)
        features = {f["attributes"]["id"]: f for f in report["features"]}
        assert sorted(features) == sorted(frame.index), (where, name)
        for fid, feature in features.items():
            for field in _compared(where, spec):
                assert same_value(feature["attributes"][field.name], _expected(where, field, frame.loc[fid, field.name])), (where, name, fid, field.name)
            assert shapely.hausdorff_distance(shapely.from_wkt(feature["wkt"]), frame.loc[fid, "geometry"]) < 1e-6
    for where, name, report in table_reports(case):
        spec = case.data.catalog.tables[name]
        table = case.data.tables[name].set_index(spec.key, drop=False)
        rows = {r["attributes"][spec.key]: r["attributes"] for r in report["features"]}
        assert sorted(rows) == sorted(table.index), (where, name)
        for key, attributes in rows.items():
            for field in _compared(where, spec):
                assert same_value(attributes[field.name], _expected(where, field, table.loc[key, field.name])), (where, name, key, field.name)
    # Every list entry is a row of its junction table, in order.
    gpkg = case.report["geopackage"]
    for junction in junctions(case.data.catalog):
        frame = case.data.layers.get(junction.owner, case.data.tables.get(junction.owner))
        expected = [(owner, ref, pos) for owner, cell in zip(frame["id"], frame[junction.field]) for pos, ref in enumerate(split_refs(cell), 1)]
        got = [(f["attributes"]["owner_id"], f["attributes"]["ref_id"], f["attributes"]["position"]) for f in gpkg[junction.name]["features"]]
        assert got == expected, junction.name


@pytest.mark.parametrize("case", ["fixture"], indirect=True)  # the hostile values live in the fixture
def test_hostile_values_arrive_as_text(case):
    deposits = {f["attributes"]["id"]: f["attributes"] for f in case.report["geopackage"]["deposits"]["features"]}
    assert deposits["hostile"]["name_en"].startswith("O'Brien <script>")
    for where, name, report in spatial_reports(case):
        if name == "deposits":
            assert report["metadata"]["title"] == HOSTILE_TITLE, where
    md = case.report["geopackage"]["sources"]["metadata"]
    cited = [link["name"] for link in md["links"]] + md["history"]  # a source with no address is named in the history
    assert any("Hostile <script>window.__pwned=3</script>" in text for text in cited)


def test_renderers_are_rule_based_with_the_catalog_colours(case):
    for where, name, report in spatial_reports(case):
        style = case.data.catalog.layers[name].style
        renderer = report["renderer"]
        assert renderer["type"] == "RuleRenderer", (where, name)
        for value, colour in style.colors.items():
            rules = [r for r in renderer["rules"] if any(f"= '{value}'" in f for f in r["filters"])]
            assert rules, (where, name, value)
            assert any(r["symbol"]["properties"].get("color", r["symbol"]["properties"].get("line_color", "")).startswith(qgis_color(colour)[:-4])
                       or r["symbol"]["properties"].get("outline_color", "").startswith(qgis_color(colour)[:-4]) for r in rules), (where, name, value)


def test_each_feature_is_drawn_like_the_html_map(case):
    """Per feature, the symbol QGIS picks has the HTML map's colours, dashes and sizes (in millimetres)."""
    for where, name, report in spatial_reports(case):
        spec = case.data.catalog.layers[name]
        frame = case.data.layers[name].set_index("id", drop=False)
        inner = spec.field("uncertainty_min")
        for fid, drawn in report["feature_styles"].items():
            props = frame.loc[fid].to_dict()
            if inner and pd.notna(props.get(inner)):  # known only as a ring: no marker, as on the HTML map
                assert drawn is None, (where, fid)
                continue
            html = path_style(spec, props)
            symbol = drawn["properties"]
            if spec.geometry_type in LINE_TYPES:
                dash = qgis_dash(html["dashArray"])
                assert symbol["line_color"] == qgis_color(html["color"]), (where, fid)
                assert symbol["line_style"] == ("dash" if dash else "solid"), (where, fid)
                if dash:
                    assert symbol["customdash"] == dash and symbol["use_custom_dash"] == "1", (where, fid)
                assert symbol["line_width_unit"] == "MM" and float(symbol["line_width"]) == pytest.approx(html["weight"] * MM_PER_PX, rel=0.01)
            elif spec.geometry_type not in AREA_TYPES:
                assert symbol["color"] == qgis_color(html["fillColor"], html["fillOpacity"]), (where, fid)
                assert symbol["outline_color"] == qgis_color(html["color"]), (where, fid)
                assert symbol["outline_style"] == ("dash" if is_approximate(spec, props) else "solid"), (where, fid)
                assert symbol["size_unit"] == "MM"
                assert float(symbol["size"]) == pytest.approx(2 * html["radius"] * MM_PER_PX, rel=0.01)


#: Per case, a planned leg and an operating one.
KNOWN_LEGS = {"fixture": ("casp-aktau-alat", "kz-beyneu-aktau"), "shipped": ("tripp-armenia", "kz-dostyk-aktogay")}


def test_planned_legs_are_dashed_and_approximate_points_hollow(case):
    planned, operating = KNOWN_LEGS[case.name]
    corridors = case.report["geopackage"]["corridors"]["feature_styles"]
    assert corridors[planned]["properties"]["customdash"] == qgis_dash("2 6") and corridors[planned]["properties"]["line_style"] == "dash"
    assert corridors[operating]["properties"]["line_style"] == "solid"
    deposits = case.report["geojson"]["deposits"]["feature_styles"]
    if case.name == "fixture":  # an approximate point with a radius only (the shipped North Katpar is a ring: see below)
        assert deposits["north-katpar"]["properties"]["color"].startswith("255,255,255") and deposits["north-katpar"]["properties"]["outline_style"] == "dash"
    assert deposits["upper-kairakty"]["properties"]["color"].startswith("31,95,168") and deposits["upper-kairakty"]["properties"]["outline_style"] == "solid"


@pytest.mark.parametrize("case", ["shipped"], indirect=True)
def test_a_location_known_only_as_a_ring_has_no_marker_and_no_name_at_the_centre(case):
    """North Katpar is somewhere 20-30 km from Upper Kairakty; its point is Upper Kairakty's. In QGIS,
    as on the HTML and print maps, only its ring is drawn: the deposits layer draws no marker and no
    name for it (GeoPackage and GeoJSON with its sidecar style), while Upper Kairakty keeps both and
    North Katpar stays a feature of the layer, with its attributes, for identify and ``kzgeo import``."""
    deposits = case.data.catalog.require("deposits", "this test")
    spec = case.data.catalog.layers[deposits]
    inner = spec.field("uncertainty_min")
    frame = case.data.layers[deposits].set_index("id", drop=False)
    rings = set(frame.index[frame[inner].notna()])
    assert rings == {"north-katpar"}
    project = {layer_id.removeprefix("kzgeo_layer_"): r for layer_id, r in case.report["project"]["layers"].items()}
    for where, reports in (("geopackage", case.report["geopackage"]), ("geojson", case.report["geojson"]), ("project", project)):
        report = reports[deposits]
        assert report["feature_styles"]["north-katpar"] is None, where
        assert report["feature_styles"]["upper-kairakty"]["symbol_count"] == 1, where
        assert report["labels_shown"]["north-katpar"] is False and report["labels_shown"]["upper-kairakty"] is True, where
        assert sum(shown for shown in report["labels_shown"].values()) == len(frame) - len(rings), where
        kept = [f["attributes"] for f in report["features"] if f["attributes"]["id"] == "north-katpar"]
        assert len(kept) == 1 and kept[0][inner] == frame.loc["north-katpar", inner], where
    # The ring itself is drawn, in the uncertainty areas layer.
    areas = case.report["geopackage"][UNCERTAINTY]["feature_styles"]
    assert areas[f"{deposits}/north-katpar"] is not None and areas[f"{deposits}/north-katpar"]["symbol_count"] == 1
    # ...and it carries the name, beside the ring: the only label of that layer (other areas have markers).
    for where, reports in (("geopackage", case.report["geopackage"]), ("project", project)):
        shown = reports[UNCERTAINTY]["labels_shown"]
        assert shown is not None and {k for k, v in shown.items() if v} == {f"{deposits}/north-katpar"}, where
        names = [f["attributes"]["name"] for f in reports[UNCERTAINTY]["features"] if f["attributes"]["id"] == f"{deposits}/north-katpar"]
        assert names == [frame.loc["north-katpar", "name_en"]], (where, names)


def test_metadata_shows_title_abstract_sources_licence_and_date(case):
    for where, name, report in [*spatial_reports(case), *table_reports(case)]:
        spec = case.data.catalog.all_tables[name]
        md = report["metadata"]
        assert md["title"] == spec.title and md["title"], (where, name)
        assert md["abstract"] == spec.abstract and md["abstract"], (where, name)
        assert md["licenses"] == [kzgeo.settings.data_licence]
        assert any(case.data.as_of in item for item in md["history"]), (where, name)
        cited = {link["url"] for link in md["links"]}
        frame = case.data.layers.get(name, case.data.tables.get(name))
        if "sources" in frame:
            urls = {s["url"] for s in case.data.cited(frame["sources"].iloc[0]) if isinstance(s["url"], str)}
            assert urls <= cited, (where, name)


def test_geojson_sidecars_are_applied(case):
    for name, report in case.report["geojson"].items():
        assert report["default_style_loaded"] is True, name
        assert report["default_metadata_loaded"] is True, name


def test_project_opens_from_its_new_folder_in_order_on_the_region(case):
    project = case.report["project"]
    assert project["title"] == case.data.catalog.title
    assert project["absolute_paths"] is False
    for report in project["layers"].values():
        assert report["source"].startswith(str(case.moved)), report["source"]
    kinds = []
    for layer_id in project["tree_order"]:
        name = layer_id.removeprefix("kzgeo_layer_")
        gtype = case.data.catalog.layers[name].geometry_type if name in case.data.layers else "Polygon" if name in (UNCERTAINTY, BACKDROP) else None
        kinds.append(3 if gtype is None else 2 if gtype in AREA_TYPES else 1 if gtype in LINE_TYPES else 0)
    assert kinds == sorted(kinds), project["tree_order"]
    xmin, ymin, xmax, ymax = project["extent"]
    assert project["extent_crs"] == ""  # the project's own Lambert conformal conic, in metres
    for frame in case.data.layers.values():
        bxmin, bymin, bxmax, bymax = project_box(tuple(frame.total_bounds))
        assert xmin <= bxmin and ymin <= bymin and xmax >= bxmax and ymax >= bymax
    lon_min, lat_min, lon_max, lat_max = project_box(case.data.catalog.bounds)
    assert lon_min <= xmin and lat_min <= ymin and xmax <= lon_max and ymax <= lat_max


#: Radius above which an uncertainty circle shows beyond its marker in the rendered project.
VISIBLE_CIRCLE_KM = 50


def _over_white(hex_color: str, opacity: float) -> tuple[int, ...]:
    rgb = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(round(opacity * c + (1 - opacity) * 255) for c in rgb)


def _over(base: str, hex_color: str, opacity: float) -> tuple[int, ...]:
    under = [int(base[i : i + 2], 16) for i in (1, 3, 5)]
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(opacity * c + (1 - opacity) * u) for c, u in zip(rgb, under))


def _seen(colours: dict[str, int], rgb: tuple[int, ...]) -> bool:
    return any(max(abs(int(h[i : i + 2], 16) - rgb[k]) for k, i in enumerate((1, 3, 5))) <= COLOUR_TOLERANCE for h in colours)


def _seen_fill(colours: dict[str, int], hex_color: str, opacity: float) -> bool:
    """A marker's fill at ``opacity`` over whatever lies beneath it: markers crowd at the project's
    scale (Dostyk under Alashankou, Agarak under Meghri), so the pixels left of a crossing's fill
    may be over another marker or a line, not over white. Each channel is then ``opacity * c``
    plus up to ``(1 - opacity) * 255`` from beneath, within the tolerance."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    spread = (1 - opacity) * 255
    return any(
        all(opacity * c - COLOUR_TOLERANCE <= int(h[i : i + 2], 16) <= opacity * c + spread + COLOUR_TOLERANCE for c, i in zip(rgb, (1, 3, 5)))
        for h in colours
    )


def test_rendered_project_shows_the_catalog_colours(case):
    project = case.report["project"]
    assert project["render_errors"] == []
    assert case.png.stat().st_size > 0
    colours = project["image"]["colours"]
    pixels = project["image"]["width"] * project["image"]["height"]
    assert colours.get("#ffffff", 0) < 0.995 * pixels, "the rendered map is blank"
    for name, frame in case.data.layers.items():
        spec = case.data.catalog.layers[name]
        for value, color in spec.style.colors.items():
            rows = [row for row in frame.to_dict("records") if row[spec.style.by] == value]
            if not rows:
                continue
            if spec.geometry_type in LINE_TYPES:
                assert _seen(colours, _over_white(color, path_style(spec, rows[0])["opacity"])), (name, value)
            elif spec.geometry_type in AREA_TYPES:  # drawn over the backdrop's land
                assert _seen(colours, _over(LAND, color, AREA_FILL_OPACITY)), (name, value)
            else:
                exact = [r for r in rows if not is_approximate(spec, r)]
                if exact:  # exact points are filled with the colour
                    assert _seen_fill(colours, color, path_style(spec, exact[0])["fillOpacity"]), (name, value)
                if len(exact) < len(rows):  # approximate ones are outlined in it
                    assert _seen(colours, _over_white(color, 1.0)), (name, value)
    # The largest uncertainty circle of a point layer, when wide enough to show
    # beyond its marker at the project's scale, tints the map in its colour.
    for name, frame in case.data.layers.items():
        spec = case.data.catalog.layers[name]
        approximate = frame[frame["location_accuracy"] == "approximate"] if "location_accuracy" in frame else frame.iloc[0:0]
        if approximate.empty or approximate["uncertainty_km"].max() < VISIBLE_CIRCLE_KM:
            continue
        widest = approximate.loc[approximate["uncertainty_km"].idxmax()].to_dict()
        # Drawn by the uncertainty-area layer, over the land of the backdrop.
        tint = _over(LAND, color_for(spec, widest), uncertainty_style(spec, widest)["fillOpacity"])
        assert _seen(colours, tint), (name, widest["id"])
