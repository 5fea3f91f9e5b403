"""Hostile values that get past the schema -- or around it, from Python -- are inert in Chromium.

The catalog and map specs refuse a colour or dash that is not one
(test_hostile_schema.py). An analyst can still hand ``render_map`` a dataset
whose styles were set in Python; the page must then carry them as JSON data,
never as script. Feature ids that name JavaScript object properties
(``__proto__``, ``constructor``) must behave like any other id.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from playwright.sync_api import expect

import kzgeo

from conftest import screenshot, settle

SCRIPT = "</script><script>window.__pwned='style'</script>"
MAP_JS = "Object.keys(window).filter(k => /^map_[0-9]+$/.test(k)).map(k => window[k])[0]"


def _restyled(data, layer: str, **changes):
    spec = data.catalog.layers[layer]
    layers = {**data.catalog.layers, layer: dataclasses.replace(spec, style=dataclasses.replace(spec.style, **changes))}
    return dataclasses.replace(data, catalog=dataclasses.replace(data.catalog, layers=layers))


def test_style_values_set_in_python_reach_the_page_as_data_not_code(layers_dir, tmp_path, offline_page):
    data = kzgeo.read_layers(layers_dir)
    data = _restyled(data, "deposits", colors={"tungsten": SCRIPT, "rare earths": "#b2327e"})
    data = _restyled(data, "corridors", dashes={"operating": SCRIPT, "planned": "2 6"})
    page_text = kzgeo.render_map(data).get_root().render()
    # The value is in the page only as escaped JSON (\u003c/script\u003e), never as markup or code.
    assert SCRIPT not in page_text and "</script><script>window.__pwned" not in page_text
    path = tmp_path / "map.html"
    path.write_text(page_text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    page = offline_page
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('path.kz-layer-deposits').length > 0")
    settle(page)
    assert page.evaluate("window.__pwned") is None
    assert page.errors == []
    # The hostile colour reached Leaflet as a value (an SVG attribute), not as code.
    strokes = page.evaluate("() => Array.from(document.querySelectorAll('path.kz-layer-deposits')).map(p => p.getAttribute('fill'))")
    assert SCRIPT in strokes
    screenshot(page, "hostile-style-values.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the page wrote nothing beside itself


def _rename_ids(layers: Path, renames: dict[str, str]) -> None:
    for path in layers.iterdir():
        if path.suffix in (".csv", ".geojson"):
            text = path.read_text(encoding="utf-8")
            for old, new in renames.items():
                text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")


def _open_agreement(page, path: Path):
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('path.kz-layer-deposits').length > 0")
    page.locator(".kz-timeline-toggle").click()
    item = page.locator('button.kz-agreement[data-agreement="mou-2025-11-06"]')
    item.click()
    return item


def test_feature_ids_named_like_object_properties_behave_like_any_id(layers_dir, tmp_path, offline_page):
    _rename_ids(layers_dir, {"upper-kairakty": "__proto__", "north-katpar": "constructor"})
    assert kzgeo.validate(layers_dir) == []
    (path,) = kzgeo.build(layers_dir, tmp_path / "maps", maps_dir=tmp_path / "maps")
    page = offline_page
    item = _open_agreement(page, path)
    assert sorted(page.evaluate(f"() => {MAP_JS}.kzTimeline.highlighted()")) == ["__proto__", "constructor"]
    expect(page.locator("path.kz-lit")).to_have_count(2)
    assert page.evaluate("Object.getPrototypeOf({}) === Object.prototype && typeof ({}).constructor === 'function'")
    assert page.errors == []
    screenshot(page, "hostile-prototype-ids.png")
    item.click()
    expect(page.locator("path.kz-lit")).to_have_count(0)
    assert page.errors == []


def test_agreement_naming_a_feature_called_tostring_that_the_map_leaves_out(layers_dir, tmp_path, offline_page):
    """A plain object would find Object.prototype.toString for an id not on the map, and throw."""
    _rename_ids(layers_dir, {"upper-kairakty": "__proto__", "north-katpar": "toString"})
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "one.toml").write_text('title = "One deposit"\n[filters]\ndeposits.id = ["__proto__"]\n', encoding="utf-8")
    (path,) = kzgeo.build(layers_dir, maps, spec=maps / "one.toml")
    page = offline_page
    _open_agreement(page, path)
    assert page.evaluate(f"() => {MAP_JS}.kzTimeline.highlighted()") == ["__proto__"]
    expect(page.locator("path.kz-lit")).to_have_count(1)
    assert page.errors == []
