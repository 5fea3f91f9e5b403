"""The overview map: content, legends, popups and escaping, checked in real Chromium."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

import kzgeo

from conftest import screenshot
from hostile import add_polygon_layer
from pagejs import FEATURE_IDS_JS, OPEN_CARD_JS

HOSTILE_NAME = "O'Brien <script>window.__pwned=1</script> & <img src=x onerror=\"window.__pwned=2\">"

@pytest.fixture
def built_map(layers_dir, tmp_path) -> Path:
    (path,) = [p for p in kzgeo.build(layers_dir, tmp_path / "maps", maps_dir=tmp_path / "maps") if p.name == "overview.html"]
    return path


def test_build_writes_overview(built_map):
    assert built_map.exists() and built_map.stat().st_size > 10_000


def test_map_names_layers_deposits_and_date(built_map):
    text = built_map.read_text(encoding="utf-8")
    for title in ("Critical-mineral deposits", "Transport corridors", "Ports, border crossings and junctions"):
        assert title in text
    for name in ("Upper Kairakty", "North Katpar"):
        assert name in text
    assert "Data as of 2026-02-23" in text


def test_hostile_value_never_reaches_markup_raw(built_map):
    text = built_map.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in text
    assert "onerror=\"window" not in text


def test_map_in_browser(built_map, offline_page):
    page = offline_page
    page.goto(built_map.as_uri())
    page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length > 0")
    assert page.errors == []
    screenshot(page, "overview-fixture.png")

    layer_names = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [n.strip() for n in layer_names] == [
        "Transport corridors (2)",
        "Ports, border crossings and junctions (3)",
        "Critical-mineral deposits (3)",
    ]
    assert set(page.evaluate(FEATURE_IDS_JS)) == {"upper-kairakty", "north-katpar", "hostile", "aktau", "beyneu", "alat", "kz-beyneu-aktau", "casp-aktau-alat"}

    legend = page.locator('.kz-legend[data-layer="Critical-mineral deposits"]')
    assert "tungsten" in legend.inner_text() and "rare earths" in legend.inner_text()
    assert "approximate location" in legend.inner_text()
    corridors_legend = page.locator('.kz-legend[data-layer="Transport corridors"]').inner_text()
    for entry in ("rail", "sea", "operating", "planned"):
        assert entry in corridors_legend

    # Unticking a layer hides its features and its legend.
    page.get_by_label("Critical-mineral deposits (3)").uncheck()
    assert legend.count() == 0
    on_map = set(page.evaluate(FEATURE_IDS_JS))
    assert "upper-kairakty" not in on_map and "aktau" in on_map
    page.get_by_label("Critical-mineral deposits (3)").check()
    assert legend.count() == 1

    popup = page.evaluate(OPEN_CARD_JS, "hostile")
    assert HOSTILE_NAME in popup
    assert "<b>bold</b> & 'quoted'" in popup
    assert "Hostile <script>window.__pwned=3</script>" in popup
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".leaflet-popup-content img").count() == 0

    popup = page.evaluate(OPEN_CARD_JS, "kz-beyneu-aktau")
    assert "From\tBeyneu" in popup and "To\tAktau" in popup  # node names, not ids
    assert "beyneu" not in popup

    popup = page.evaluate(OPEN_CARD_JS, "north-katpar")
    assert "Not published; within 30 km of Upper Kairakty" in popup
    assert "142 kt WO3 (JORC)" in popup
    link = page.locator(".leaflet-popup-content a").last
    assert link.get_attribute("href") == "https://example.org/a?x=1&y=2"
    assert "(November 7, 2025)" in link.inner_text()  # the date as the page's language writes it



def test_approximate_locations_get_uncertainty_circles(built_map):
    text = built_map.read_text(encoding="utf-8")
    # North Katpar (30 km) and the hostile test site (50 km) are approximate.
    assert '"radius": 30000.0' in text and '"radius": 50000.0' in text
    assert html.escape("Upper Kairakty") in text


def test_area_layer_legend_shows_areas(layers_dir, tmp_path, offline_page):
    """A polygon layer's legend draws filled boxes, not point circles."""
    add_polygon_layer(layers_dir, [[70, 48], [72, 48], [72, 50], [70, 50], [70, 48]])
    with open(layers_dir / "catalog.toml", "a", encoding="utf-8") as f:
        f.write('[layers.areas.style]\nby = "id"\ncolors = { "licence" = "#aa3300" }\n')
    (path,) = [p for p in kzgeo.build(layers_dir, tmp_path / "maps", maps_dir=tmp_path / "maps") if p.name == "overview.html"]
    offline_page.goto(path.as_uri())
    legend = offline_page.locator('.kz-legend[data-layer="Licence areas"]')
    legend.wait_for()
    assert legend.locator("rect").count() == 1 and legend.locator("circle").count() == 0
    assert legend.locator("rect").get_attribute("fill") == "#aa3300"
