"""North Katpar's ring outside the browser: the shared geodesic shape and the print map.

The browser side is tests/test_ring_browser.py; the QGIS side is the uncertainty-area
test in tests/test_qgis_project.py. Here: the ring is known only where its field says
so, has the published radii, and the printed map fills its band and leaves its hole,
where Upper Kairakty's own marker stands.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import kzgeo
from kzgeo.analysis import geodesy
from kzgeo.style import ring_radii

from conftest import SHIPPED_LAYERS


@pytest.fixture(scope="module")
def shipped():
    return kzgeo.read_layers(SHIPPED_LAYERS)


def test_only_a_point_with_an_inner_radius_is_a_ring(shipped):
    spec = shipped.catalog.layers["deposits"]
    rows = {r["id"]: r for r in shipped.layers["deposits"].to_dict("records")}
    assert ring_radii(spec, rows["north-katpar"]) == (20.0, 30.0)
    assert all(ring_radii(spec, row) is None for fid, row in rows.items() if fid != "north-katpar")
    # An exact location is never a ring, and nor is an inner radius that is not inside the outer one.
    assert ring_radii(spec, {**rows["north-katpar"], "location_accuracy": "exact"}) is None
    assert ring_radii(spec, {**rows["north-katpar"], spec.field("uncertainty_min"): 40.0}) is None
    assert ring_radii(spec, {**rows["north-katpar"], spec.field("uncertainty_min"): float("nan")}) is None


def test_the_ring_is_a_geodesic_annulus():
    ring = geodesy.uncertainty_area(73.2586, 48.6839, 30, 20)
    assert ring.is_valid and len(ring.interiors) == 1
    for coords, km in ((ring.exterior.coords, 30), (ring.interiors[0].coords, 20)):
        lon, lat = np.asarray(coords).T
        dist = geodesy.inv(np.full(lon.size, 73.2586), np.full(lon.size, 48.6839), lon, lat)[2] / 1000
        assert np.allclose(dist, km, atol=0.01)
    assert len(geodesy.uncertainty_area(73.2586, 48.6839, 30, None).interiors) == 0
    assert geodesy.uncertainty_area(73.2586, 48.6839, 20_000) is None


def test_print_map_fills_the_band_and_leaves_the_hole(shipped):
    from kzgeo.printmap import _map_page

    centre = shipped.layers["deposits"].set_index("id").geometry["upper-kairakty"]
    view = (centre.x - 0.8, centre.y - 0.5, centre.x + 0.8, centre.y + 0.5)
    fig = _map_page(shipped, ["deposits"], "ring", "en", view, None)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    ax = fig.axes[0]

    def pixel(lon, lat):
        x, y = ax.transData.transform((lon, lat))
        return image[image.shape[0] - int(round(y)), int(round(x))]

    def at(bearing, km):
        lon, lat = (float(v[0]) for v in geodesy.fwd(centre.x, centre.y, bearing, km * 1000)[:2])
        return pixel(lon, lat)

    land = np.array([0xF4, 0xF1, 0xEA])
    tungsten = np.array([0x1F, 0x5F, 0xA8])
    band = [at(bearing, 25) for bearing in (45, 135, 225, 315)]
    hole = [at(bearing, 12) for bearing in (45, 135, 225, 315)]
    # The band is tinted towards tungsten blue; the hole is bare land.
    for colour in band:
        assert colour[2] - colour[0] > (land[2] - land[0]) + 20, colour
    for colour in hole:
        assert np.abs(colour - land).max() <= 6, colour
    # Upper Kairakty's own marker is drawn in the hole, in tungsten blue.
    assert np.abs(pixel(centre.x, centre.y) - tungsten).max() <= 40
