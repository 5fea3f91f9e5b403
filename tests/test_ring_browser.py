"""North Katpar drawn as what is known: the 20-30 km ring around Upper Kairakty, in real Chromium.

The sources give a distance from Upper Kairakty and no direction, so the shipped map
draws the ring itself as North Katpar (no marker at its centre, which is Upper
Kairakty's point). A reader clicks the ring's band and gets North Katpar's card, clicks
the marker in the middle and gets Upper Kairakty's; a click in the ring's hole, away
from the marker, opens nothing.
"""

from __future__ import annotations

import pytest

import kzgeo
from kzgeo.analysis import geodesy

from conftest import SHIPPED_LAYERS, opened_card, screenshot, settle
from test_browser import LAYER_OF, MAP_JS, open_card, open_offline

CENTRE_JS = f"""(id) => {{
  const map = {MAP_JS};
  const l = ({LAYER_OF})(id);
  const c = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
  const p = map.latLngToContainerPoint(c);
  const box = map.getContainer().getBoundingClientRect();
  return [p.x + box.left, p.y + box.top];
}}"""
TO_SCREEN_JS = f"""([lat, lon]) => {{
  const map = {MAP_JS};
  const p = map.latLngToContainerPoint([lat, lon]);
  const box = map.getContainer().getBoundingClientRect();
  return [p.x + box.left, p.y + box.top];
}}"""


@pytest.fixture(scope="module")
def tungsten_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("ring")
    data = kzgeo.read_layers(SHIPPED_LAYERS)
    (path,) = kzgeo.build(SHIPPED_LAYERS, out, maps_dir=out)
    return path, data


def _zoom_to_kairakty(page, data) -> None:
    centre = data.layers["deposits"].set_index("id").geometry["upper-kairakty"]
    page.evaluate(f"([lat, lon]) => {{ {MAP_JS}.setView([lat, lon], 9, {{animate: false}}); }}", [centre.y, centre.x])
    settle(page)


def test_north_katpar_is_a_ring_and_both_deposits_open_their_cards(tungsten_page, offline_page):
    path, data = tungsten_page
    page = offline_page
    open_offline(page, path)
    _zoom_to_kairakty(page, data)
    deposits = data.layers["deposits"].set_index("id")
    centre = deposits.geometry["upper-kairakty"]
    # The ring is North Katpar's own feature: a polygon with a hole, no marker at the centre.
    shape = page.evaluate(
        f"""() => {{
          const l = ({LAYER_OF})('north-katpar');
          return {{point: !!l.getLatLng, rings: l.getLatLngs().length, cls: l.getElement().getAttribute('class')}};
        }}"""
    )
    assert shape["point"] is False and shape["rings"] == 2 and "kz-uncertainty-ring" in shape["cls"]
    # Its rings lie 20 and 30 km from Upper Kairakty, measured on the ellipsoid.
    radii = page.evaluate(f"() => ({LAYER_OF})('north-katpar').getLatLngs().map(r => r.map(p => [p.lng, p.lat]))")
    for ring, km in zip(radii, (30, 20), strict=True):
        dists = geodesy.inv([centre.x] * len(ring), [centre.y] * len(ring), [p[0] for p in ring], [p[1] for p in ring])[2] / 1000
        assert dists.min() > km - 0.1 and dists.max() < km + 0.1
    screenshot(page, "north-katpar-ring-en.png")

    # A click in the band, 25 km east of the centre, opens North Katpar's card.
    lon, lat = (float(v[0]) for v in geodesy.fwd(centre.x, centre.y, 90, 25_000)[:2])
    x, y = page.evaluate(TO_SCREEN_JS, [lat, lon])
    page.mouse.click(x, y)
    popup = opened_card(page)
    assert "North Katpar" in popup.locator("h4").inner_text()
    assert "20–30 km" in popup.inner_text() and "not published" in popup.inner_text()
    screenshot(page, "north-katpar-ring-card-en.png")
    page.evaluate(f"() => {{ {MAP_JS}.closePopup(); }}")
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")  # gone, not fading

    # Upper Kairakty's marker, in the ring's hole, opens Upper Kairakty's card alone.
    popup = open_card(page, "upper-kairakty")
    assert "Upper Kairakty" in popup.locator("h4").inner_text()
    assert popup.locator(".kz-chooser").count() == 0
    page.evaluate(f"() => {{ {MAP_JS}.closePopup(); }}")
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")  # gone, not fading

    # A click in the hole away from the marker (10 km north) opens nothing: the centre is ruled out.
    lon, lat = (float(v[0]) for v in geodesy.fwd(centre.x, centre.y, 0, 10_000)[:2])
    x, y = page.evaluate(TO_SCREEN_JS, [lat, lon])
    page.mouse.click(x, y)
    assert page.locator(".leaflet-popup-content").count() == 0
    assert page.errors == []


def test_the_ring_reads_in_russian(tmp_path, offline_page):
    (path,) = kzgeo.build(SHIPPED_LAYERS, tmp_path, maps_dir=tmp_path, lang="ru")
    data = kzgeo.read_layers(SHIPPED_LAYERS)
    page = offline_page
    open_offline(page, path)
    _zoom_to_kairakty(page, data)
    centre = data.layers["deposits"].set_index("id").geometry["upper-kairakty"]
    lon, lat = (float(v[0]) for v in geodesy.fwd(centre.x, centre.y, 270, 25_000)[:2])
    x, y = page.evaluate(TO_SCREEN_JS, [lat, lon])
    page.mouse.click(x, y)
    popup = opened_card(page)
    # The Moyynty–Zharyk line crosses the ring here: the chooser offers both, as for any overlap.
    if popup.locator(".kz-chooser").count():
        assert popup.locator('button[data-feature="north-katpar"]').count() == 1
        popup.locator('button[data-feature="north-katpar"]').click()
        page.wait_for_function("() => !document.querySelector('.leaflet-popup-content .kz-chooser')")
        popup = opened_card(page)
    assert "20–30 км" in popup.inner_text() and "не опубликовано" in popup.inner_text()
    assert page.errors == []
