"""Geodesy against answers that do not come from pyproj.

Independent references: closed-form values of the WGS84 ellipsoid (equator,
meridian arc by numerical integration), GeographicLib's documented JFK-LHR
example, and Vincenty's (1975) iterative inverse written out here -- a
different algorithm from Karney's, which pyproj uses.
"""

from __future__ import annotations

import doctest
import math

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, MultiLineString, Point, Polygon

from kzgeo.analysis import geodesy

A = 6378137.0  # WGS84 semi-major axis, metres
F = 1 / 298.257223563  # WGS84 flattening
E2 = F * (2 - F)


def vincenty_inverse(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Vincenty's inverse formula on WGS84 (metres); good to ~0.5 mm away from antipodes."""
    b = A * (1 - F)
    u1, u2 = math.atan((1 - F) * math.tan(math.radians(lat1))), math.atan((1 - F) * math.tan(math.radians(lat2)))
    lam = big_l = math.radians(lon2 - lon1)
    for _ in range(200):
        sin_sigma = math.hypot(math.cos(u2) * math.sin(lam), math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * math.cos(lam))
        cos_sigma = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * math.cos(lam)
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = math.cos(u1) * math.cos(u2) * math.sin(lam) / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * math.sin(u1) * math.sin(u2) / cos2_alpha if cos2_alpha else 0.0
        c = F / 16 * cos2_alpha * (4 + F * (4 - 3 * cos2_alpha))
        prev, lam = lam, big_l + (1 - c) * F * sin_alpha * (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2)))
        if abs(lam - prev) < 1e-13:
            break
    u_sq = cos2_alpha * (A**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    d_sigma = big_b * sin_sigma * (cos_2sm + big_b / 4 * (cos_sigma * (-1 + 2 * cos_2sm**2) - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)))
    return b * big_a * (sigma - d_sigma)


def meridian_arc(lat_deg: float) -> float:
    """Meridian arc length from the equator, by Simpson integration of the radius of curvature."""
    phi = np.linspace(0.0, math.radians(lat_deg), 20001)
    m = A * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5
    h = phi[1] - phi[0]
    return float(h / 3 * (m[0] + m[-1] + 4 * m[1:-1:2].sum() + 2 * m[2:-1:2].sum()))


def test_docstring_examples_run():
    result = doctest.testmod(geodesy)
    assert result.attempted >= 15
    assert result.failed == 0


def test_one_degree_of_equator():
    # An arc of the equator is a circle of radius a: a * pi / 180.
    assert geodesy.length(LineString([(0, 0), (1, 0)])) == pytest.approx(A * math.pi / 180, abs=1e-6)
    assert round(geodesy.length(LineString([(0, 0), (1, 0)])), 2) == 111319.49


def test_meridian_quadrant():
    # The WGS84 quarter meridian is 10,001,965.729 m.
    assert geodesy.length(LineString([(0, 0), (0, 90)])) == pytest.approx(10_001_965.729, abs=1e-3)
    assert geodesy.length(LineString([(30, 0), (30, 45)])) == pytest.approx(meridian_arc(45), abs=1e-3)


def test_jfk_to_heathrow():
    # GeographicLib's documented example: JFK (40.6 N, 73.8 W) to LHR (51.6 N, 0.5 W) is 5551.76 km.
    assert geodesy.length(LineString([(-73.8, 40.6), (-0.5, 51.6)])) / 1000 == pytest.approx(5551.76, abs=0.005)


@pytest.mark.parametrize(
    "a, b",
    [((51.17, 43.65), (49.41, 39.95)), ((82.55, 45.25), (73.43, 47.22)), ((43.1, 40.6), (76.9, 43.25)), ((0.0, 0.0), (120.0, 60.0))],
)
def test_agrees_with_vincenty(a, b):
    assert geodesy.length(LineString([a, b])) == pytest.approx(vincenty_inverse(*a, *b), abs=1e-3)


def test_length_is_vectorised_and_handles_missing():
    series = gpd.GeoSeries([LineString([(0, 0), (1, 0)]), None, LineString(), MultiLineString([[(0, 0), (1, 0)], [(5, 0), (6, 0)]])])
    out = geodesy.length(series)
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    assert np.isnan(out[1]) and np.isnan(out[2])
    # The two parts add up; the 4-degree gap between them is not counted.
    assert out[3] == pytest.approx(2 * out[0])


def test_polygon_length_is_its_perimeter():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    sides = geodesy.length([LineString([(0, 0), (1, 0)]), LineString([(1, 0), (1, 1)]), LineString([(1, 1), (0, 1)]), LineString([(0, 1), (0, 0)])])
    assert geodesy.length(square) == pytest.approx(sides.sum())


def test_point_distance_matrix_shape_and_values():
    d = geodesy.point_distance([Point(0, 0), Point(0, 1)], [Point(1, 0), Point(0, 0), Point(0, 1)])
    assert d.shape == (2, 3)
    assert d[0, 0] == pytest.approx(A * math.pi / 180)
    assert d[0, 1] == 0 and d[1, 2] == 0
    assert d[1, 1] == pytest.approx(meridian_arc(1), abs=1e-3)


def test_point_distance_refuses_lines():
    with pytest.raises(ValueError, match="Point"):
        geodesy.point_distance([LineString([(0, 0), (1, 0)])], [Point(0, 0)])


def test_distance_to_equator_is_the_meridian_arc():
    # From any point, the shortest way to the equator runs along its meridian.
    equator = LineString([(0, 0), (20, 0)])
    d = geodesy.line_distance([Point(10, 5), Point(7.3, -2.5)], [equator])
    assert d[0, 0] == pytest.approx(meridian_arc(5), abs=0.05)
    assert d[1, 0] == pytest.approx(meridian_arc(2.5), abs=0.05)


def test_distance_to_a_meridian_along_the_equator():
    meridian = LineString([(0, -10), (0, 10)])
    assert geodesy.line_distance([Point(1, 0)], [meridian])[0, 0] == pytest.approx(A * math.pi / 180, abs=0.05)


def test_distance_error_bound():
    """Never below the true distance, at most spacing / 2 above it (true: a 1 m densification)."""
    line = LineString([(51.17, 43.65), (53.0, 44.9), (55.2, 45.3)])
    points = [Point(52.0, 44.3), Point(54.0, 45.1), Point(53.0, 44.9), Point(52.5, 46.0)]
    fine = geodesy.line_distance(points, [line], spacing=1.0)[:, 0]
    for spacing in (100.0, 1000.0, 10_000.0):
        coarse = geodesy.line_distance(points, [line], spacing=spacing)[:, 0]
        assert np.all(coarse >= fine - 0.5)
        assert np.all(coarse - fine <= spacing / 2 + 0.5)
    # A vertex of the line is at distance 0.
    assert fine[2] == 0


def test_line_distance_matrix_with_missing_inputs():
    d = geodesy.line_distance([Point(1, 0), None, Point()], [LineString([(0, -1), (0, 1)]), None])
    assert d.shape == (3, 2)
    assert np.isfinite(d[0, 0])
    assert np.isnan(d[0, 1]) and np.isnan(d[1]).all() and np.isnan(d[2]).all()
    assert geodesy.line_distance([], [LineString([(0, 0), (1, 0)])]).shape == (0, 1)


def test_densify_spacing_and_endpoints():
    line = LineString([(50.0, 40.0), (52.0, 41.0), (52.5, 43.0)])
    lon, lat, owner = geodesy.densify([line], spacing=5000)
    steps = geodesy.point_distance([Point(x, y) for x, y in zip(lon[:-1], lat[:-1])], [Point(x, y) for x, y in zip(lon[1:], lat[1:])]).diagonal()
    assert steps.max() <= 5000 + 1e-6
    assert steps.sum() == pytest.approx(geodesy.length(line), rel=1e-9)
    assert (lon[0], lat[0]) == (50.0, 40.0) and (lon[-1], lat[-1]) == (52.5, 43.0)
    assert set(owner) == {0}
    with pytest.raises(ValueError):
        geodesy.densify([line], spacing=0)


def test_nearest_and_within():
    lines = [LineString([(0, 0), (10, 0)]), LineString([(0, 5), (10, 5)])]
    points = [Point(5, 1), Point(5, 4.5), None]
    index, dist = geodesy.nearest(geodesy.line_distance(points, lines))
    assert index.tolist() == [0, 1, -1]
    assert dist[0] == pytest.approx(meridian_arc(1), abs=0.1)
    assert np.isnan(dist[2])
    assert geodesy.within_distance(points, lines, 60_000).tolist() == [False, True, False]
    assert geodesy.within_distance(points, lines, 120_000).tolist() == [True, True, False]


# --- any CRS in, geodesics out (never nan from projected input) ---------------------------------

import shapely  # noqa: E402

from kzgeo.errors import CrsError  # noqa: E402

_ALMATY, _ASTANA = shapely.Point(76.889, 43.238), shapely.Point(71.446, 51.169)
_LINE = shapely.LineString([(69.0, 47.0), (73.0, 48.0), (77.0, 46.5)])


@pytest.mark.parametrize("crs", ["EPSG:32643", "EPSG:3857", "EPSG:4284", "OGC:CRS84", "EPSG:3395"])
def test_projected_or_other_geographic_input_is_measured_on_wgs84(crs):
    points = gpd.GeoSeries([_ALMATY, _ASTANA], crs="EPSG:4326")
    line = gpd.GeoSeries([_LINE], crs="EPSG:4326")
    expected_d = geodesy.point_distance(points.iloc[:1], points.iloc[1:])[0, 0]
    expected_l = geodesy.length(line)[0]
    expected_near = geodesy.line_distance(points, line)
    moved_points, moved_line = points.to_crs(crs), line.to_crs(crs)
    got_d = geodesy.point_distance(moved_points.iloc[:1], moved_points.iloc[1:])[0, 0]
    assert not np.isnan(got_d)
    # A datum shift (Pulkovo 1942) moves points by ~100 m, not the distance between them by more than a few metres.
    assert abs(got_d - expected_d) < 5
    assert abs(geodesy.length(moved_line)[0] - expected_l) < 5
    assert np.allclose(geodesy.line_distance(moved_points, moved_line), expected_near, atol=60)
    frame = gpd.GeoDataFrame({"name": ["Almaty", "Astana"]}, geometry=moved_points)
    assert np.allclose(geodesy.line_distance(frame, moved_line), expected_near, atol=60)


def test_plain_projected_coordinates_are_refused_not_nan():
    projected = gpd.GeoSeries([_ALMATY], crs="EPSG:4326").to_crs("EPSG:32643")
    bare = list(projected)  # the CRS is lost: only numbers in metres remain
    with pytest.raises(CrsError, match="not longitude/latitude.*to_crs"):
        geodesy.length(bare)
    with pytest.raises(CrsError):
        geodesy.point_distance(bare, [_ASTANA])
    with pytest.raises(CrsError):
        geodesy.line_distance(bare, [_LINE])
    with pytest.raises(CrsError):
        geodesy.within_distance([_ALMATY], projected.to_crs("EPSG:3857").tolist(), 1000)


def test_a_crs_that_cannot_reach_wgs84_is_refused_clearly():
    engineering = gpd.GeoSeries([shapely.Point(10, 10)], crs='LOCAL_CS["site grid",LOCAL_DATUM["x",0],UNIT["metre",1],AXIS["x",EAST],AXIS["y",NORTH]]')
    with pytest.raises(CrsError, match="cannot transform"):
        geodesy.length(engineering)
