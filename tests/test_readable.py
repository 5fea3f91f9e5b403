"""The shipped maps as a policy reader meets them: on a desktop and a phone, in English and Russian.

Built once from the shipped layers and opened in offline Chromium. The opening
view must name places on the map itself (read back by OCR with Tesseract),
every deposit must be in view on a 390 px phone, Upper Kairakty must open
inside North Katpar's ring with a card that fits the window and a map that
stays on the region, and the Russian page's controls must carry no English word.
Screenshots go to the review folder (``conftest.ARTIFACTS``, a temporary folder) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

import kzgeo
import kzgeo.backdrop
import kzgeo.labels

from conftest import CHROMIUM_ARGS, ROOT, SHIPPED_LAYERS, open_details, opened_card, settle

from conftest import ARTIFACTS  # noqa: E402  (screenshots for review go to a temporary folder, never the checkout)
MAP_JS = "Object.keys(window).filter(k => /^map_[0-9]+$/.test(k)).map(k => window[k])[0]"
TESSERACT = Path("/usr/bin/tesseract")
#: Latin words allowed on the Russian page's controls: proper names of data providers and software.
# OpenStreetMap and its licence (ODbL) are credited for the Aras border of the close-view outlines.
PROPER_NAMES = {"Leaflet", "Esri", "DeLorme", "NAVTEQ", "Natural", "Earth", "OpenStreetMap", "ODbL", "TRIPP", "kzgeo"}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("shipped")
    pages = {}
    for lang in ("en", "ru", "kk"):
        for path in kzgeo.build(SHIPPED_LAYERS, out / lang, maps_dir=ROOT / "maps", lang=lang):
            pages[(path.name.split(".")[0], lang)] = path
    return pages


@pytest.fixture(scope="module")
def context_factory(browser):
    contexts = []

    def make(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:", "about:")) else r.abort())
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def open_map(page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_function("""document.querySelectorAll('.kz-label').length > 0 && document.querySelectorAll('path[class*="kz-layer-"]').length > 0""")
    # Labels are placed again once fonts and controls have their sizes and the start view is fitted.
    page.evaluate("() => document.fonts.ready.then(() => true)")
    settle(page)
    assert page.errors == []


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def ocr(png: Path, lang: str) -> str:
    """Tesseract's reading of a screenshot (enlarged 2x: map labels are 12-14 px)."""
    if not TESSERACT.exists():
        pytest.fail(f"{TESSERACT} is missing: install Debian's tesseract-ocr and tesseract-ocr-rus (make test does)")
    big = png.with_name(png.stem + "-2x.png")
    with Image.open(png) as image:
        image.convert("L").resize((image.width * 2, image.height * 2), Image.LANCZOS).save(big)
    result = subprocess.run([str(TESSERACT), str(big), "-", "-l", lang, "--psm", "11"], capture_output=True, text=True, check=True)
    return result.stdout


def view_state(page) -> dict:
    return page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          const c = map.getCenter();
          return {{lat: c.lat, lng: c.lng, zoom: map.getZoom()}};
        }}"""
    )


def point_of(page, fid: str) -> list[float]:
    """Where feature ``fid`` is drawn, in page pixels."""
    return page.evaluate(
        f"""(id) => {{
          const map = {MAP_JS};
          let found = null;
          map.eachLayer(l => {{ if (l.feature && l.feature.id === id) found = l; }});
          const p = map.latLngToContainerPoint(found.getLatLng ? found.getLatLng() : found.getBounds().getCenter());
          const box = map.getContainer().getBoundingClientRect();
          return [box.left + p.x, box.top + p.y];
        }}""",
        fid,
    )


@pytest.mark.parametrize("lang,words", [
    ("en", ["KAZAKHSTAN", "Caspian", "Astana", "Tashkent", "Upper Kairakty", "North Katpar", "Kokbulak", "Aktau", "Baku", "Balkhash", "Aral", "TRIPP"]),
    ("ru", ["КАЗАХСТАН", "Каспийское", "Астана", "Ташкент", "Верхнее Кайракты", "Северный Катпар", "Кокбулак", "Актау", "Баку", "Балхаш", "Аральское", "TRIPP"]),
])
def test_opening_view_names_places_on_the_map(shipped, context_factory, lang, words):
    page = context_factory(1400, 900)
    open_map(page, shipped[("overview", lang)])
    png = shot(page, f"readable-overview-{lang}-1400.png")
    text = ocr(png, "eng" if lang == "en" else "rus+eng")
    flat = re.sub(r"\s+", " ", text)
    read = [w for w in words if w.lower() in flat.lower()]
    # Tesseract misses a few small words on a busy map; most of the names must come through.
    assert len(read) >= 8, (read, flat[:2000])
    assert any(w in read for w in words[:2]), read  # a country or a sea
    assert any(w in read for w in words[4:7]), read  # a deposit


@pytest.mark.parametrize("width,height", [(390, 844), (360, 740), (540, 900)])
def test_phone_opens_on_every_deposit(shipped, context_factory, width, height):
    page = context_factory(width, height)
    open_map(page, shipped[("overview", "en")])
    shot(page, f"readable-overview-phone-{width}.png")
    data = kzgeo.read_layers(SHIPPED_LAYERS)
    deposits = data.catalog.require("deposits", "this test")
    ids = list(data.layers[deposits][data.catalog.layers[deposits].key])
    for fid in ids:
        x, y = point_of(page, fid)
        assert 0 <= x <= width and 0 <= y <= height, (fid, x, y)
    state = view_state(page)
    assert 2.5 <= state["zoom"] <= 6, state  # the region, not the world and not street level
    # The country the map is about is named on a phone too, among the deposits' names.
    assert page.locator(".kz-label-country", has_text="Kazakhstan").count() == 1
    # Legends and the layer list are folded away on a phone.
    assert page.locator("details.kz-legend[open]").count() == 0
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    # ...and open on demand.
    page.locator("details.kz-legend summary").first.click()
    assert page.locator("details.kz-legend[open]").count() == 1


@pytest.mark.parametrize("width,height", [(390, 844), (1400, 900)])
def test_upper_kairakty_card_fits_and_the_map_stays(shipped, context_factory, width, height):
    page = context_factory(width, height)
    open_map(page, shipped[("overview", "en")])
    before = view_state(page)
    x, y = point_of(page, "upper-kairakty")
    page.mouse.click(x, y)
    popup = opened_card(page)  # the card has opened and panned the map; a click now lands on it
    # North Katpar is drawn as the 20-30 km ring round Upper Kairakty, whose marker sits in the
    # ring's hole: a click on the marker opens Upper Kairakty's card with no chooser.
    assert popup.locator(".kz-chooser").count() == 0
    card = page.locator(".leaflet-popup-content")
    assert card.locator("h4").inner_text() == "Upper Kairakty"
    head = card.inner_text()
    assert "Tungsten · Development" in head and "Exact location" in head
    assert re.search(r"\d Mt|\d kt", head) and re.search(r"source (dated \w|undated)", head) and "nan" not in head
    open_details(page, card)  # the details open inside the card, which scrolls; the map pans once more
    box = page.locator(".leaflet-popup").bounding_box()
    shot(page, f"readable-upper-kairakty-{width}.png")
    assert box["height"] <= 0.8 * height, box
    assert box["y"] >= -1 and box["y"] + box["height"] <= height + 1, box
    after = view_state(page)
    assert 36 <= after["lat"] <= 56 and abs(after["lat"] - before["lat"]) < 8, (before, after)
    # The start-view button brings the opening view back.
    page.locator(".leaflet-popup-close-button").click()
    page.get_by_role("button", name="Back to the start view").click()
    # Wait for the view itself (under load the move can outlast any fixed pause).
    page.wait_for_function(
        f"""([zoom, lat]) => {{ const m = {MAP_JS}; return Math.abs(m.getZoom() - zoom) < 0.01 && Math.abs(m.getCenter().lat - lat) < 0.01; }}""",
        arg=[before["zoom"], before["lat"]], timeout=10_000,
    )
    home = view_state(page)
    assert abs(home["zoom"] - before["zoom"]) < 0.01 and abs(home["lat"] - before["lat"]) < 0.01


def latin_words(page, lang: str = "ru") -> list[str]:
    text = page.evaluate(
        """() => {
          const parts = [];
          document.querySelectorAll('.leaflet-control, .kz-skip').forEach(c => {
            parts.push(c.innerText);
            c.querySelectorAll('[title], [aria-label]').forEach(e => parts.push(e.getAttribute('title') || '', e.getAttribute('aria-label') || ''));
            if (c.getAttribute('title')) parts.push(c.getAttribute('title'));
            if (c.getAttribute('aria-label')) parts.push(c.getAttribute('aria-label'));
          });
          return parts.join(' ');
        }"""
    )
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in PROPER_NAMES | kept_by_translators(lang)})


def kept_by_translators(lang: str = "ru") -> set[str]:
    """Latin words the translations themselves keep (company names such as Cove Kaz Capital, USGS)."""
    data = kzgeo.read_layers(SHIPPED_LAYERS)
    words: set[str] = set()
    for name, spec in data.catalog.all_tables.items():
        frame = data.layers.get(name, data.tables.get(name))
        for field in spec.fields:
            if field.translates and field.lang == lang:
                words |= {w for cell in frame[field.name].dropna() for w in re.findall(r"[A-Za-z]{2,}", str(cell))}
    return words


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("name", ["overview", "corridors"])
def test_russian_controls_have_no_english_word(shipped, context_factory, name, lang):
    """The Russian (and the Kazakh) page's controls carry no English word."""
    page = context_factory(1400, 900)
    open_map(page, shipped[(name, lang)])
    # Open everything a control can open: the agreements list and the layer list.
    page.locator(".kz-timeline-toggle").click()
    shot(page, f"readable-{name}-{lang}-controls.png")
    assert latin_words(page, lang) == [], latin_words(page, lang)
    # On a phone too (collapsed layer list, folded legends).
    phone = context_factory(390, 844)
    open_map(phone, shipped[(name, lang)])
    assert latin_words(phone, lang) == []


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_deposit_cards_have_no_untranslated_text(shipped, context_factory, lang):
    """Every deposit's card, details open, is in the page's language: no text marked "(in English)"."""
    page = context_factory(1400, 900)
    open_map(page, shipped[("overview", lang)])
    data = kzgeo.read_layers(SHIPPED_LAYERS)
    deposits = data.catalog.require("deposits", "this test")
    marker = kzgeo.labels.label("in_english", lang)
    for fid in data.layers[deposits][data.catalog.layers[deposits].key]:
        x, y = point_of(page, fid)
        page.mouse.click(x, y)
        popup = opened_card(page)
        choose = popup.locator(f'button[data-feature="{fid}"]')
        if choose.count():
            choose.click()
            page.wait_for_function("() => !document.querySelector('.leaflet-popup-content .kz-chooser')")
            popup = opened_card(page)  # the card replaces the chooser and pans the map again
        open_details(page, popup)
        text = popup.inner_text()
        assert marker not in text, (fid, text)
        page.locator(".leaflet-popup-close-button").click()
        page.wait_for_function("() => !document.querySelector('.leaflet-popup')")


def test_russian_card_formats_money_and_numbers(shipped, context_factory):
    page = context_factory(1400, 900)
    open_map(page, shipped[("overview", "ru")])
    x, y = point_of(page, "upper-kairakty")
    page.mouse.click(x, y)
    card = opened_card(page)
    assert card.locator("h4").inner_text() == "Верхнее Кайракты"
    open_details(page, card)
    text = card.inner_text()
    assert "1,1 млрд долл. США" in text  # the agreements' value, in Russian
    assert re.search(r"\d+(,\d+)? (млн|тыс\.) т ", text)  # figures in Russian units and decimals
    assert "Карагандинская область" in text
    assert "Karaganda region" not in text


def test_skip_link_is_the_first_tab_stop(shipped, context_factory):
    page = context_factory(1400, 900)
    open_map(page, shipped[("overview", "en")])
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className + '|' + document.activeElement.textContent")
    assert focused == "kz-skip|Skip to the map as text"
    page.keyboard.press("Enter")
    panel = page.locator("#kz-text")
    assert panel.is_visible()
    assert page.evaluate("document.activeElement.id") == "kz-text-h"
    # The page's source list is numbered, with every address printed and linked.
    sources = panel.locator(".kz-sourcelist ol li")
    assert sources.count() > 20
    first = panel.locator(".kz-sourcelist ol li a").first
    assert first.get_attribute("href") == first.inner_text()


def test_measuring_adds_points_and_opens_no_card(shipped, context_factory):
    page = context_factory(1400, 900)
    open_map(page, shipped[("overview", "en")])
    page.get_by_role("button", name="Measure a distance").click()
    for fid in ("upper-kairakty", "aktau"):
        x, y = point_of(page, fid)
        page.mouse.click(x, y)
    # Both clicks have been handled once the line has both points (a card would open in the same click).
    page.wait_for_function(f"() => {MAP_JS}.kzMeasure.total() > 1000")
    assert page.locator(".leaflet-popup").count() == 0
    assert page.evaluate(f"{MAP_JS}.kzMeasure.total()") > 1000
    out = page.locator(".kz-measure-out").inner_text()
    assert re.search(r"Distance: [\d,]+\.\d km", out), out


def test_tripp_zoom_to_and_a_wide_click_target(shipped, context_factory):
    page = context_factory(1400, 900)
    open_map(page, shipped[("overview", "en")])
    page.get_by_role("button", name="Zoom to TRIPP").click()
    settle(page)  # the fit to TRIPP has finished (under load it can outlast any fixed pause)
    shot(page, "readable-tripp.png")
    assert view_state(page)["zoom"] >= 7
    labels = page.locator(".kz-label").all_inner_texts()
    assert "TRIPP" in labels and "Meghri" in labels
    # A click 7 px beside a thin planned line still finds it.
    xy = page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          let line = null;
          const size = map.getSize();
          map.eachLayer(l => {{
            if (!(l.feature && l.getLatLngs && l.options.dashArray === "2 6")) return;
            const ll = l.getLatLngs();
            const m = map.latLngToContainerPoint(ll[0]).add(map.latLngToContainerPoint(ll[1])).divideBy(2);
            if (m.x > 250 && m.x < size.x - 450 && m.y > 150 && m.y < size.y - 150) line = l;  // in view, clear of the controls
          }});
          const ll = line.getLatLngs();
          const a = map.latLngToContainerPoint(ll[0]), b = map.latLngToContainerPoint(ll[1]);  // the first segment
          const m = a.add(b).divideBy(2), d = b.subtract(a), n = Math.hypot(d.x, d.y);
          const box = map.getContainer().getBoundingClientRect();
          return [box.left + m.x - d.y / n * 7, box.top + m.y + d.x / n * 7, line.feature.id];
        }}"""
    )
    page.mouse.click(xy[0], xy[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h4").count() == 1


def test_validate_warns_about_untranslated_text(tmp_path):
    from typer.testing import CliRunner
    from kzgeo.cli import app
    from conftest import copy_fixture_layers

    layers = copy_fixture_layers(tmp_path / "layers")
    with pytest.warns(kzgeo.TranslationWarning, match=r"agreements.csv: title_en has no ru translation \(title_ru\) in \d+ row"):
        assert kzgeo.validate(layers) == []
    result = CliRunner().invoke(app, ["validate", "--layers", str(layers)])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("Warning: ")]
    assert any("title_en has no kk translation" in line for line in lines)
    assert len(lines) == len(set(lines))  # one line per field and language, with a count


@pytest.mark.parametrize("name", ["overview", "corridors", "tungsten", "rare-earths"])
def test_each_legend_symbol_is_drawn_on_the_map(shipped, context_factory, name):
    """Every mark in a legend (fill, outline, dash, width) is the mark of some feature on the map:
    no grey "exact location" dot that matches nothing."""
    page = context_factory(1400, 900)
    open_map(page, shipped[(name, "en")])
    marks = page.evaluate(
        """() => {
          const sig = el => [el.getAttribute('stroke'), el.tagName === 'line' ? 'none' : el.getAttribute('fill'),
                             (el.getAttribute('stroke-dasharray') || '').replace(/,/g, ' ').replace(/\\s+/g, ' ').trim()].join('|');
          const drawn = new Set();
          document.querySelectorAll('.leaflet-overlay-pane path').forEach(p => drawn.add(sig(p)));
          const legend = [];
          document.querySelectorAll('.kz-legend div').forEach(row => {
            row.querySelectorAll('svg > *').forEach(m => legend.push([row.textContent, sig(m)]));
          });
          return {drawn: [...drawn], legend};
        }"""
    )
    assert marks["legend"], "no legend symbols"
    missing = [(label, sig) for label, sig in marks["legend"] if sig not in marks["drawn"]]
    assert not missing, (missing, marks["drawn"])
    labels = [label for label, _ in marks["legend"]]
    if name == "overview":
        assert "exact location" in labels and any(lab.startswith("approximate location") for lab in labels)
    shot(page, f"readable-legend-{name}.png")


@pytest.mark.parametrize("width,height", [(1400, 900), (390, 844), (360, 740)])
def test_backdrop_covers_every_allowed_view(shipped, context_factory, width, height):
    """From the start view out to the least zoom allowed, and panned to the edges, the view never
    runs off the Natural Earth land and sea."""
    page = context_factory(width, height)
    open_map(page, shipped[("overview", "en")])
    result = page.evaluate(
        f"""() => {{
          const map = {MAP_JS};
          const e = {list(kzgeo.backdrop.EXTENT)};
          const out = [];
          /* In screen pixels, with one pixel to spare for Leaflet's rounding at fractional zooms. */
          const check = (what) => {{
            const nw = map.latLngToContainerPoint([e[3], e[0]]), se = map.latLngToContainerPoint([e[1], e[2]]), size = map.getSize();
            if (nw.x > 1 || nw.y > 1 || se.x < size.x - 1 || se.y < size.y - 1) out.push([what, map.getZoom(), map.getBounds().toBBoxString()]);
          }};
          check('start');
          for (let z = map.getZoom(); z >= map.getMinZoom(); z -= 0.25) {{
            map.setZoom(z, {{animate: false}});
            for (const [lat, lng] of [[90, -180], [90, 180], [-90, -180], [-90, 180]]) {{
              map.panTo([lat, lng], {{animate: false}});
              check('panned ' + lat + ',' + lng);
            }}
          }}
          map.setZoom(map.getMinZoom() - 1, {{animate: false}});
          check('below the minimum');
          return {{out, minZoom: map.getMinZoom()}};
        }}"""
    )
    assert result["out"] == [], result


@pytest.mark.parametrize("lang,undated,no_url", [("en", "undated", "no web address"), ("ru", "без даты", "нет веб-адреса")])
def test_source_list_prints_no_none(shipped, lang, undated, no_url):
    """The page's numbered source list says "undated" and "no web address" in the page's language."""
    text = shipped[("overview", lang)].read_text(encoding="utf-8")
    items = re.findall(r'<li id="kz-src-\d+">(.*?)</li>', text)
    assert len(items) > 50
    assert not [i for i in items if "None" in i or "nan" in i]
    assert any(f"({undated})" in i for i in items)
    assert all("<a href=" in i or f"({no_url})" in i for i in items)
