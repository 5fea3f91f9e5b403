"""Maps as code: an analyst keeps editing what ``render_map`` returns, with folium and geopandas.

Each case builds a kzgeo map, adds what an analyst new to kzgeo would add --
folium's ``GeoJson`` with ``GeoJsonPopup``/``GeoJsonTooltip``, a ``Marker``
with its default icon, a ``FeatureGroup`` with a ``LayerControl``, geopandas'
``explore(m=...)`` -- saves the page and opens it in headless Chromium with
every request beyond the file refused. The page must run without a script
error, ask the web for nothing but basemap tiles (nothing at all with
``basemap="none"``), keep the view on the data and its controls, and open the
analyst's marker popup on a real click.
"""

from __future__ import annotations

import re
from pathlib import Path

import folium
import geopandas as gpd
import pytest
import shapely

import kzgeo
from kzgeo.errors import CrsError, MapArgumentError, OfflineAssetError

from conftest import ROOT, settle
from test_browser import MAP_JS, tile_url_pattern

from conftest import ARTIFACTS  # noqa: E402  (screenshots for review go to a temporary folder, never the checkout)
#: The fixture layers lie within these bounds (lon_min, lat_min, lon_max, lat_max).
MARKER_TITLE = "Analyst's marker"


def analyst_frame() -> gpd.GeoDataFrame:
    """A made-up frame in a projected CRS (UTM 42N), as an analyst's own data often is."""
    frame = gpd.GeoDataFrame(
        {"name": ["Site <b>A</b> & co", "Site B"], "grade": [1.5, 2.75], "kind": ["drill", "outcrop"]},
        geometry=[shapely.Point(69.0, 47.0), shapely.Point(72.0, 49.5)],
        crs="EPSG:4326",
    )
    return frame.to_crs("EPSG:32642")


def add_geojson(fmap: folium.Map) -> None:
    frame = analyst_frame().to_crs(4326)
    folium.GeoJson(
        frame.to_json(),
        name="My sites",
        popup=folium.GeoJsonPopup(["name", "grade"]),
        tooltip=folium.GeoJsonTooltip(["name"]),
    ).add_to(fmap)


def add_marker(fmap: folium.Map) -> None:
    folium.Marker([48.0, 66.0], popup="Field camp, summer 2026", title=MARKER_TITLE).add_to(fmap)


def add_group(fmap: folium.Map) -> None:
    group = folium.FeatureGroup(name="My group").add_to(fmap)
    folium.CircleMarker([46.0, 75.0], radius=8, color="#d00", tooltip="in my group").add_to(group)
    folium.Marker([47.0, 64.0], popup="Field camp, summer 2026", title=MARKER_TITLE).add_to(group)
    folium.LayerControl().add_to(fmap)


def add_explore_categories(fmap: folium.Map) -> None:
    analyst_frame().explore(m=fmap, column="kind", name="explore by kind")


def add_explore_numbers(fmap: folium.Map) -> None:
    analyst_frame().explore(m=fmap, column="grade", name="explore by grade")


def add_everything(fmap: folium.Map) -> None:
    add_geojson(fmap)
    add_group(fmap)
    add_explore_categories(fmap)
    add_explore_numbers(fmap)


CASES = {
    "geojson-popup-tooltip": add_geojson,
    "marker": add_marker,
    "featuregroup-layercontrol": add_group,
    "explore-categories": add_explore_categories,
    "explore-numbers": add_explore_numbers,
    "everything": add_everything,
}


def open_offline(page, path: Path) -> list[str]:
    """Load ``path`` with the network refused; return every request that left the file."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('path.kz-layer-deposits').length > 0")
    page.wait_for_function(f"{MAP_JS}.getZoom() > 2")
    return [u for u in requests if not u.startswith(("file:", "data:"))]


def assert_view_on_data(page) -> None:
    """The map still shows kzgeo's features (not the whole world) and its own controls."""
    on_data = page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          const b = map.getBounds();
          return map.getZoom() >= 3 && b.contains([47.0, 70.0]) && b.getWest() > -10 && b.getEast() < 150;
        }}"""
    )
    assert on_data
    for selector in (".kz-title", ".leaflet-control-zoom-in", ".kz-fullscreen", ".kz-measure", ".kz-minimap", ".kz-legend"):
        assert page.locator(selector).count() >= 1, selector
    assert page.locator(".leaflet-control-layers").count() == 1


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("basemap", [None, "none"], ids=["tiles", "no-tiles"])
def test_analyst_additions_work_offline(case, basemap, layers_dir, tmp_path, offline_page):
    page = offline_page
    fmap = kzgeo.render_map(kzgeo.read_layers(layers_dir), basemap=basemap)
    CASES[case](fmap)
    path = tmp_path / f"{case}.html"
    fmap.save(str(path))
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", text)
    left = open_offline(page, path)
    assert page.errors == []
    if basemap == "none":
        assert left == []
    else:
        tiles = tile_url_pattern()
        assert [u for u in left if not tiles.match(u)] == []
    assert_view_on_data(page)
    if case in ("marker", "featuregroup-layercontrol", "everything"):
        marker = page.locator(f'img.leaflet-marker-icon[title="{MARKER_TITLE}"]')
        assert marker.get_attribute("src").startswith("data:image/png")
        marker.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert popup.inner_text().strip() == "Field camp, summer 2026"
        # The icon and its shadow are drawn: loaded images, none broken.
        assert page.evaluate("() => Array.from(document.querySelectorAll('img.leaflet-marker-icon, img.leaflet-marker-shadow')).every(i => i.complete && i.naturalWidth > 0)")
    if case in ("featuregroup-layercontrol", "everything"):
        control = page.locator(".leaflet-control-layers-overlays")
        assert "My group" in control.inner_text() and "Critical-mineral deposits" in control.inner_text()
        page.get_by_label("My group").uncheck()
        assert page.locator(f'img.leaflet-marker-icon[title="{MARKER_TITLE}"]').count() == 0
    if case in ("geojson-popup-tooltip",):
        site = page.locator("img.leaflet-marker-icon").first
        site.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        # folium's own popup, as folium writes it (the analyst's element, not escaped by kzgeo).
        assert "Site" in popup.inner_text() and "grade" in popup.inner_text()
    if case.startswith("explore") or case == "everything":
        assert page.locator(".leaflet-interactive").count() > 10
    if case == "everything" and basemap is None:
        ARTIFACTS.mkdir(exist_ok=True)
        settle(page)  # the popup's pan has finished before the picture (no fixed pause: under load it can take longer)
        page.screenshot(path=str(ARTIFACTS / "compose-everything.png"))


def test_a_geodataframe_becomes_a_map(tmp_path, offline_page):
    page = offline_page
    fmap = kzgeo.render_map(analyst_frame(), title="My sites")
    assert isinstance(fmap, folium.Map)
    path = tmp_path / "frame.html"
    fmap.save(str(path))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('path.kz-frame-0').length === 2")
    assert page.errors == []
    # Projected input was reprojected: the points lie where they were made (Kazakhstan), in view.
    assert page.evaluate(f"() => {MAP_JS}.getBounds().contains([47.0, 69.0]) && {MAP_JS}.getBounds().contains([49.5, 72.0])")
    assert page.locator(".kz-legend").inner_text().count("layer") >= 1
    page.locator("path.kz-frame-0").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Site <b>A</b> & co" in popup.locator("h4").inner_text()
    assert popup.locator("b").count() == 0
    assert "grade" in popup.inner_text()


def test_a_mapping_of_frames_draws_each_with_its_own_colour_and_legend(tmp_path, offline_page):
    page = offline_page
    areas = gpd.GeoDataFrame({"id": ["a1"], "title": ["Licence 1"]}, geometry=[shapely.box(60, 44, 63, 46)], crs="EPSG:4326")
    lines = gpd.GeoDataFrame({"label": ["Track"]}, geometry=[shapely.LineString([(55, 43), (70, 50)])], crs="EPSG:4326")
    fmap = kzgeo.render_map({"sites": analyst_frame(), "licences": areas, "tracks": lines})
    path = tmp_path / "frames.html"
    fmap.save(str(path))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('path.kz-frame-1').length === 1")
    assert page.errors == []
    colours = [page.locator(f"path.kz-frame-{i}").first.get_attribute("stroke") for i in (1, 2)]
    assert len(set(colours)) == 2
    assert page.locator(".kz-legend").count() == 3
    assert page.locator(".leaflet-control-layers-overlays").inner_text().split() == ["tracks", "(1)", "licences", "(1)", "sites", "(2)"] or "licences (1)" in page.locator(".leaflet-control-layers-overlays").inner_text()


def test_frames_are_filtered_by_id_column_or_index():
    areas = gpd.GeoDataFrame({"id": ["a1", "a2"]}, geometry=[shapely.box(60, 44, 63, 46), shapely.box(64, 44, 65, 45)], crs="EPSG:4326")
    html = kzgeo.render_map({"areas": areas}, filters={"areas": ["a2"]}).get_root().render()
    assert "areas (1)" in html
    with pytest.raises(MapArgumentError, match="no feature with id 'a3'"):
        kzgeo.render_map({"areas": areas}, filters={"areas": ["a3"]})
    html = kzgeo.render_map(analyst_frame(), filters={"layer": [1]}).get_root().render()
    assert "layer (1)" in html


def test_folium_icon_is_refused_with_a_clear_error(layers_dir):
    fmap = kzgeo.render_map(kzgeo.read_layers(layers_dir))
    folium.Marker([48, 66], icon=folium.Icon(color="red")).add_to(fmap)
    with pytest.raises(OfflineAssetError, match="folium.Icon"):
        fmap.get_root().render()


def test_an_element_linking_an_unknown_web_script_is_refused(layers_dir):
    from folium.plugins import MarkerCluster

    fmap = kzgeo.render_map(kzgeo.read_layers(layers_dir))
    MarkerCluster().add_to(fmap)
    with pytest.raises(OfflineAssetError, match=r"markercluster.*self_contained=False"):
        fmap.get_root().render()
    # The CDN page links it, as folium does.
    fmap = kzgeo.render_map(kzgeo.read_layers(layers_dir), self_contained=False)
    MarkerCluster().add_to(fmap)
    assert "markercluster" in fmap.get_root().render()


BAD_ARGUMENTS = {
    "unknown layer in filters": ({"filters": {"deposit": ["upper-kairakty"]}}, r"unknown layer 'deposit'; valid layers: deposits"),
    "misspelt field": ({"filters": {"deposits": {"comodity_primary": ["tungsten"]}}}, r"no field 'comodity_primary'; valid fields: .*commodity_primary"),
    "unknown field value": ({"filters": {"deposits": {"commodity_primary": ["gold"]}}}, r"'gold' not found in deposits.commodity_primary"),
    "misspelt id": ({"filters": {"deposits": ["upper-kairaky"]}}, r"no feature with id 'upper-kairaky'"),
    "a string": ({"filters": {"deposits": "upper-kairakty"}}, r"is the string 'upper-kairakty'; give a list of ids"),
    "a mask": ({"filters": {"deposits": "MASK"}}, r"boolean mask"),
    "a GeoDataFrame": ({"filters": {"deposits": "FRAME"}}, r"is a GeoDataFrame; give a list of ids"),
    "filters as a frame": ({"filters": "FRAME"}, r"filters must map layer names .* not a GeoDataFrame"),
    "filtered but hidden": ({"layers": ["nodes"], "filters": {"deposits": ["upper-kairakty"]}}, r"filtered but not shown"),
    "layers as a string": ({"layers": "deposits"}, r"layers must be a list of layer names, not the string 'deposits'"),
    "integer view": ({"view": 5}, r"view must be \(lon_min, lat_min, lon_max, lat_max\) in degrees, not an int"),
    "three numbers": ({"view": (60, 40, 70)}, r"four numbers"),
    "view max before min": ({"view": (70, 40, 60, 50)}, r"minimum before maximum"),
    "view of nan": ({"view": (60, float("nan"), 70, 50)}, r"not a finite number"),
    "swapped lat/lon": ({"view": (40, 60, 50, 80)}, r"shows none of the map's features.*swapped"),
    "unknown basemap": ({"basemap": "OpenStreetMap.Nope"}, r"unknown basemap"),
    "title not text": ({"title": 5}, r"title must be a string"),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=list(BAD_ARGUMENTS))
def test_bad_arguments_raise_a_kzgeo_error_naming_the_problem(case, layers_dir):
    data = kzgeo.read_layers(layers_dir)
    kwargs, message = BAD_ARGUMENTS[case]
    deposits = data.layers["deposits"]
    replace = {"MASK": deposits["id"] == "upper-kairakty", "FRAME": deposits}
    if isinstance(kwargs.get("filters"), str):
        kwargs = {**kwargs, "filters": replace[kwargs["filters"]]}
    elif isinstance(kwargs.get("filters"), dict):
        kwargs = {**kwargs, "filters": {k: replace.get(v, v) if isinstance(v, str) and v in replace else v for k, v in kwargs["filters"].items()}}
    with pytest.raises(MapArgumentError, match=message):
        kzgeo.render_map(data, **kwargs)
    # The print map checks the same arguments.
    if "title" not in kwargs and "basemap" not in kwargs:
        from kzgeo.printmap import render_static

        with pytest.raises(kzgeo.KzgeoError):
            render_static(data, layers=kwargs.get("layers"), filters=kwargs.get("filters"), view=kwargs.get("view"))


@pytest.mark.parametrize(
    "data, message",
    [
        ("layers", r"draws a Dataset .* not the string 'layers'"),
        ({}, r"empty mapping"),
        ({"a": "not a frame"}, r"layer 'a' must be a GeoDataFrame"),
    ],
)
def test_render_map_refuses_what_it_cannot_draw(data, message):
    with pytest.raises(MapArgumentError, match=message):
        kzgeo.render_map(data)


def test_a_frame_without_crs_is_refused():
    frame = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(70, 48)])
    with pytest.raises(CrsError, match=r"no CRS.*set_crs"):
        kzgeo.render_map(frame)


def test_good_filters_and_view_still_work(layers_dir):
    data = kzgeo.read_layers(layers_dir)
    html = kzgeo.render_map(
        data,
        filters={"deposits": {"commodity_primary": ["tungsten"]}, "nodes": ("aktogay",) if "aktogay" in set(data.layers["nodes"]["id"]) else list(data.layers["nodes"]["id"][:1])},
        view=[60, 40, 85, 52],
    ).get_root().render()
    assert "Upper Kairakty" in html


def test_render_spec_takes_the_clis_overrides(layers_dir, tmp_path):
    data = kzgeo.read_layers(layers_dir)
    spec = kzgeo.MapSpec(path=tmp_path / "x.toml")
    html = kzgeo.render_spec(spec, data, title="Briefing map", lang="ru", self_contained=False).get_root().render()
    assert "<title>Briefing map</title>" in html and 'lang="ru"' in html and "cdn.jsdelivr.net" in html
    with pytest.raises(kzgeo.MapSpecError, match=r"x.toml: unknown language 'xx'"):
        kzgeo.render_spec(spec, data, lang="xx")
    with pytest.raises(kzgeo.MapSpecError, match=r"x.toml: .*shows none of the map's features"):
        kzgeo.render_spec(spec, data, view=(40, 60, 50, 80))
