"""The built HTML map in real headless Chromium with every network request refused.

What a policy reader does with a map from an email attachment: open it with no
network, see every layer, click a deposit, untick a layer, read the table with
the keyboard, pick an agreement, measure a distance, switch language. Each
test looks at what the page shows, not at how it is built.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import xyzservices.providers as providers
from playwright.sync_api import expect

import kzgeo
from kzgeo import settings

from conftest import FIXTURE_LAYERS, ROOT, SHIPPED_LAYERS, open_details, opened_card, screenshot, settle

HOSTILE_NAME = "O'Brien <script>window.__pwned=1</script> & <img src=x onerror=\"window.__pwned=2\">"
#: Features the fixture layers draw, per layer.
FIXTURE_COUNTS = {"deposits": 3, "corridors": 2, "nodes": 3}

MAP_JS = "Object.keys(window).filter(k => /^map_[0-9]+$/.test(k)).map(k => window[k])[0]"
LAYER_OF = f"""(id) => {{
  const map = {MAP_JS};
  let found = null;
  map.eachLayer(l => {{ if (l.feature && l.feature.id === id) found = l; }});
  return found;
}}"""
# A point where the feature's marker is the topmost thing under the mouse
# (a neighbour may cover part of it), as a reader would click it.
CENTER_OF_JS = f"""(id) => {{
  const el = ({LAYER_OF})(id).getElement();
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  for (let d = 0; d < r.width / 2; d += 1) {{
    for (const [x, y] of [[cx, cy + d], [cx, cy - d], [cx - d, cy], [cx + d, cy]]) {{
      if (document.elementFromPoint(x, y) === el) return [x, y];
    }}
  }}
  throw new Error('marker of ' + id + ' is covered');
}}"""


def open_card(page, fid: str):
    """Click feature ``fid`` as a reader would; where several features lie under the click, pick it
    from the chooser. Returns the popup's content locator."""
    x, y = page.evaluate(CENTER_OF_JS, fid)
    page.mouse.click(x, y)
    popup = opened_card(page)
    if popup.locator(".kz-chooser").count():
        popup.locator(f'button[data-feature="{fid}"]').click()
        page.wait_for_function(f"() => !document.querySelector('.leaflet-popup-content .kz-chooser')")
        popup = opened_card(page)  # the card replaces the chooser and pans the map again
    return popup


def tile_url_pattern() -> re.Pattern:
    """The URLs the default basemap asks for, with any z/x/y."""
    provider = providers.query_name(settings.basemap)
    url = provider.build_url(x=1111, y=2222, z=3333)
    return re.compile("^" + re.escape(url).replace("1111", r"\d+").replace("2222", r"\d+").replace("3333", r"\d+") + "$")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The fixture layers built once per module as English, Russian and CDN pages."""
    layers = tmp_path_factory.mktemp("layers") / "layers"
    shutil.copytree(FIXTURE_LAYERS, layers)
    shutil.copy(SHIPPED_LAYERS / "catalog.toml", layers / "catalog.toml")
    out = tmp_path_factory.mktemp("maps")
    (en,) = kzgeo.build(layers, out, maps_dir=out)
    (ru,) = kzgeo.build(layers, out, maps_dir=out, lang="ru")
    (cdn,) = kzgeo.build(layers, out, maps_dir=out, self_contained=False)
    return {"en": en, "ru": ru, "cdn": cdn}


def open_offline(page, path: Path) -> dict[str, list]:
    """Load ``path`` with the network refused; record every request and console error."""
    seen: dict[str, list] = {"requests": [], "console_errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: m.type == "error" and seen["console_errors"].append((m.text, m.location.get("url", ""))))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('path.kz-layer-deposits').length > 0")
    settle(page)  # the fit has finished and is painted
    assert page.errors == []
    return seen


def shot(page, name: str) -> None:
    """Save a screenshot for a person to review, once pans have finished (fades are skipped)."""
    screenshot(page, name)


def test_self_contained_page_needs_no_network(pages, offline_page):
    page = offline_page
    seen = open_offline(page, pages["en"])
    shot(page, "offline-en.png")
    tiles = tile_url_pattern()
    assert page.errors == []
    # The page itself asks for nothing but its own file and map tiles...
    others = [u for u in seen["requests"] if not u.startswith(("file:", "data:")) and not tiles.match(u)]
    assert others == []
    # ...the tiles are refused here, and that is all that is refused or reported as failed.
    assert page.blocked and all(tiles.match(u) for u in page.blocked)
    assert all(tiles.match(url) for _, url in seen["console_errors"]), seen["console_errors"]
    # A refused tile shows nothing, not a broken-image icon.
    broken = page.evaluate(
        "() => Array.from(document.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth === 0).length"
    )
    assert broken == 0
    text = pages["en"].read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"?https?:", text)


def test_every_layer_and_the_backdrop_draw(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    for layer, count in FIXTURE_COUNTS.items():
        assert page.locator(f"path.kz-layer-{layer}").count() == count, layer
    # Approximate deposits and nodes carry their uncertainty circles.
    assert page.locator("path.kz-uncertainty-deposits").count() == 2
    assert page.locator("path.kz-uncertainty-nodes").count() == 1
    # The offline backdrop is painted: land-coloured pixels on its canvas.
    land_pixels = page.evaluate(
        """() => {
          const c = document.querySelector('.leaflet-kzBackdrop-pane canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) { if (d[i] === 0xf4 && d[i + 1] === 0xf1 && d[i + 2] === 0xea) n++; }
          return n;
        }"""
    )
    assert land_pixels > 10_000
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Natural Earth" in attribution and "Esri" in attribution


def test_fixture_fits_clear_of_the_controls(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    inside = page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          const box = map.getContainer().getBoundingClientRect();
          return Array.from(document.querySelectorAll('path[class*="kz-layer-"]')).every(p => {{
            const r = p.getBoundingClientRect();
            return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
          }});
        }}"""
    )
    assert inside
    assert page.evaluate(UNCOVERED_JS) == []


def test_clicking_a_deposit_opens_its_popup(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    popup = open_card(page, "upper-kairakty")
    assert "Upper Kairakty" in popup.locator("h4").inner_text()
    open_details(page, popup)
    link = popup.locator("ul.kz-sources a")
    assert link.get_attribute("href") == "https://example.org/a?x=1&y=2"
    assert "Tungsten deal announced" in link.inner_text()
    shot(page, "popup-en.png")


def test_unticking_a_layer_hides_its_features_and_legend(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    legend = page.locator('.kz-legend[data-layer="Critical-mineral deposits"]')
    assert legend.count() == 1
    page.get_by_label("Critical-mineral deposits (3)").uncheck()
    assert page.locator("path.kz-layer-deposits").count() == 0
    assert page.locator("path.kz-uncertainty-deposits").count() == 0
    assert legend.count() == 0
    assert page.locator("path.kz-layer-nodes").count() == FIXTURE_COUNTS["nodes"]
    page.get_by_label("Critical-mineral deposits (3)").check()
    assert page.locator("path.kz-layer-deposits").count() == FIXTURE_COUNTS["deposits"]
    assert legend.count() == 1


def test_hostile_values_show_as_text_and_run_nothing(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    popup = open_card(page, "hostile")
    open_details(page, popup)
    text = popup.inner_text()
    assert HOSTILE_NAME in text
    assert "Hostile <script>window.__pwned=3</script>" in text
    assert popup.locator("img, script").count() == 0
    page.get_by_role("button", name="Table of features").click()
    panel = page.locator("#kz-text")
    assert HOSTILE_NAME in panel.inner_text()
    assert panel.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.errors == []


def test_table_and_summary_by_keyboard(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    button = page.get_by_role("button", name="Table of features")
    assert button.get_attribute("aria-expanded") == "false"
    # Reach the button with Tab alone, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('kz-table-btn')"):
            break
    else:
        pytest.fail("the table button cannot be reached with Tab")
    page.keyboard.press("Enter")
    panel = page.locator("#kz-text")
    assert panel.is_visible() and button.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "kz-text-h"
    summary = panel.locator("p.kz-summary").inner_text()
    assert "Critical-mineral deposits: 3 (rare earths 1, tungsten 2)" in summary or "Critical-mineral deposits: 3 (tungsten 2, rare earths 1)" in summary
    assert "3 of 6 point locations are approximate" in summary
    assert "Data as of 2026-02-23" in summary
    tables = panel.locator("table")
    assert tables.count() == 3
    deposits = tables.filter(has=page.locator("caption", has_text="Critical-mineral deposits"))
    assert deposits.locator("thead th[scope=col]").count() >= 3
    assert deposits.locator("tbody th[scope=row]").count() == 3
    assert "North Katpar" in deposits.inner_text()
    shot(page, "text-panel-en.png")
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('kz-table-btn')")


def test_choosing_an_agreement_highlights_its_features(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    toggle = page.locator(".kz-timeline-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    item = page.locator('button.kz-agreement[data-agreement="mou-2025-11-06"]')
    assert "2025-11-06" in item.inner_text() and "Critical minerals MOU" in item.inner_text()
    item.click()
    assert item.get_attribute("aria-pressed") == "true"
    lit = page.evaluate(f"() => {MAP_JS}.kzTimeline.highlighted()")
    assert sorted(lit) == ["north-katpar", "upper-kairakty"]
    expect(page.locator("path.kz-lit")).to_have_count(2)  # highlighted while the map flies to them
    shot(page, "timeline-en.png")
    item.click()
    assert page.evaluate(f"() => {MAP_JS}.kzTimeline.highlighted()") == []
    assert page.locator("path.kz-lit").count() == 0


def test_measure_fullscreen_and_minimap(pages, offline_page):
    page = offline_page
    open_offline(page, pages["en"])
    page.get_by_role("button", name="Measure a distance").click()
    page.mouse.click(500, 400)
    page.mouse.click(700, 420)
    out = page.locator(".kz-measure-out span").inner_text()
    expected = page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          const a = map.containerPointToLatLng([500, 400]), b = map.containerPointToLatLng([700, 420]);
          return (map.distance(a, b) / 1000).toFixed(1);
        }}"""
    )
    assert out == f"Distance: {expected} km"
    assert float(expected) > 100
    shot(page, "measure-en.png")
    page.get_by_role("button", name="Measure a distance").click()

    # fullscreenElement changes before the browser fires fullscreenchange, which
    # updates the button: wait for the state a screen reader announces.
    page.get_by_role("button", name="Full screen").click()
    page.wait_for_function("document.fullscreenElement !== null")
    expect(page.locator(".kz-fullscreen")).to_have_attribute("aria-pressed", "true")
    page.locator(".kz-fullscreen").click()
    page.wait_for_function("document.fullscreenElement === null")
    expect(page.locator(".kz-fullscreen")).to_have_attribute("aria-pressed", "false")

    covers = page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          const mini = map.kzMinimap.mini;
          return mini.getBounds().contains(map.getBounds().getCenter()) && mini.getZoom() < map.getZoom();
        }}"""
    )
    assert covers
    assert page.locator(".kz-minimap canvas").count() >= 1


def test_russian_page(pages, offline_page):
    page = offline_page
    open_offline(page, pages["ru"])
    assert page.errors == []
    assert page.evaluate("document.documentElement.lang") == "ru"
    overlays = " ".join(page.locator(".leaflet-control-layers-overlays label").all_inner_texts())
    assert "Месторождения критически важных минералов (3)" in overlays
    legend = page.locator(".kz-legend").first.inner_text()
    assert "вольфрам" in legend or "железная дорога" in legend
    popup = open_card(page, "upper-kairakty")
    assert "Верхнее Кайракты" in popup.locator("h4").inner_text()
    assert "Вольфрам · Освоение" in popup.inner_text()
    assert page.get_by_role("button", name="Таблица объектов").count() == 1
    assert page.get_by_role("button", name="Измерить расстояние").count() == 1
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Приблизить"
    assert "Данные на 23 февраля 2026\u202fг." in page.locator(".kz-title").inner_text()
    shot(page, "popup-ru.png")


def test_cdn_page_has_its_own_name_beside_the_self_contained_page(pages):
    assert pages["cdn"].name == "overview.cdn.html" and pages["en"].name == "overview.html"
    assert pages["cdn"].parent == pages["en"].parent
    # Building the CDN page left the self-contained page as it was: no web links in it.
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"?https?:", pages["en"].read_text(encoding="utf-8"))


def test_cdn_page_in_a_browser_loads_only_cdn_assets_and_draws_the_map(pages, browser):
    """The CDN page with the network replaced: Leaflet and jQuery come from the local XStatic
    copies of the very files the CDN serves; every other request is recorded and refused."""
    import xstatic.pkg.jquery as xs_jquery
    import xstatic.pkg.leaflet as xs_leaflet

    local = {
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": (Path(xs_leaflet.BASE_DIR) / "leaflet.js", "text/javascript"),
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": (Path(xs_leaflet.BASE_DIR) / "leaflet.css", "text/css"),
        "https://code.jquery.com/jquery-3.7.1.min.js": (Path(xs_jquery.BASE_DIR) / "jquery.min.js", "text/javascript"),
    }
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    asked: list[str] = []
    errors: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith("file:"):
            return r.continue_()
        asked.append(url)
        if url in local:
            path, kind = local[url]
            return r.fulfill(status=200, body=path.read_bytes(), content_type=kind)
        return r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(pages["cdn"].as_uri())
        page.wait_for_function("document.querySelectorAll('path.kz-layer-deposits').length > 0")
        for layer, count in FIXTURE_COUNTS.items():
            assert page.locator(f"path.kz-layer-{layer}").count() == count, layer
        hosts = {re.match(r"https?://([^/]+)/", u).group(1) for u in asked}
        tiles = tile_url_pattern()
        cdn_hosts = {"cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn.com"}
        assert hosts - cdn_hosts == {h for u in asked if tiles.match(u) for h in [re.match(r"https?://([^/]+)/", u).group(1)]}
        assert set(local) <= set(asked)
        # The plugins' scripts are the only thing missing here; nothing else failed.
        assert all("fullscreen" in e.lower() or "measure" in e.lower() or "minimap" in e.lower() or "awesome" in e.lower() for e in errors), errors
    finally:
        context.close()


def test_cdn_page_links_folium_plugins(pages):
    text = pages["cdn"].read_text(encoding="utf-8")
    for asset in ("leaflet@1.9.3", "leaflet.fullscreen", "leaflet-measure", "Control.MiniMap"):
        assert asset in text
    assert "kzgeo.fullscreen(" not in text
    assert pages["cdn"].stat().st_size < pages["en"].stat().st_size - 100_000


# Every drawn feature has a visible point not under any control, title or legend.
UNCOVERED_JS = """() => {
  const hidden = [];
  document.querySelectorAll('path[class*="kz-layer-"]').forEach(p => {
    const r = p.getBoundingClientRect();
    const tries = [[0.5, 0.5], [0, 0], [1, 1], [0, 1], [1, 0], [0.25, 0.25], [0.75, 0.75]];
    const seen = tries.some(([fx, fy]) => {
      const x = r.left + fx * r.width, y = r.top + fy * r.height;
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
      const top = document.elementFromPoint(x, y);
      return !(top && top.closest('.leaflet-control'));
    });
    if (!seen) hidden.push(p.getAttribute('class'));
  });
  return hidden;
}"""


def test_shipped_layers_fit_clear_of_the_controls(tmp_path, offline_page):
    """The real map: Kazakhstan through the Caucasus in view, nothing hidden behind a control."""
    data = kzgeo.read_layers(SHIPPED_LAYERS)
    (path,) = kzgeo.build(SHIPPED_LAYERS, tmp_path, maps_dir=tmp_path)
    page = offline_page
    open_offline(page, path)
    shot(page, "overview-shipped-en.png")
    assert page.errors == []
    for layer, frame in data.layers.items():
        assert page.locator(f"path.kz-layer-{layer}").count() == len(frame), layer
    assert page.evaluate(UNCOVERED_JS) == []
    west_east = page.evaluate(f"() => {{ const b = {MAP_JS}.getBounds(); return [b.getWest(), b.getEast(), b.getSouth(), b.getNorth()]; }}")
    bounds = data.layers["corridors"].total_bounds
    assert west_east[0] < bounds[0] and west_east[1] > bounds[2]  # Black Sea coast to the Chinese border
    assert west_east[2] < bounds[1] and west_east[3] > data.layers["deposits"].total_bounds[3]
