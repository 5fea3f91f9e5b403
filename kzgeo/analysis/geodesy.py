"""Lengths and distances on the WGS84 ellipsoid, vectorised, in metres.

Everything is computed with :class:`pyproj.Geod` (Karney's geodesic
algorithms) on WGS84. Degrees are never treated as distances, and no single
projected CRS is used: the layers run from western China to Türkiye, wider
than any projection keeps true to scale.

The functions follow shapely 2: one geometry or a sequence (list, array,
GeoSeries) in, numpy floats out, and ``nan`` -- not an exception -- for a
missing (``None``) or empty geometry.

Any CRS
    A GeoSeries or GeoDataFrame in any CRS (UTM, Web Mercator, Pulkovo
    1942...) is transformed to WGS84 longitude/latitude first, so its
    distances are geodesics like everyone else's. Geometries without a CRS
    (plain shapely objects, lists) are taken as longitude/latitude and
    checked: a coordinate outside ±180/±90 -- projected metres, almost
    certainly -- raises :class:`~kzgeo.errors.CrsError` rather than
    returning ``nan``.

Point-to-line distance
    A line is densified along its own geodesic segments (forward geodesic
    problem from each vertex) so that no two consecutive vertices are more
    than ``spacing`` metres apart, and the distance to the line is the
    smallest geodesic distance to any of those vertices. Each vertex lies on
    the line, so the result never underestimates; the true foot of the
    perpendicular lies within ``spacing / 2`` of a vertex, so (geodesic
    distance being a metric) the result overestimates by at most
    ``spacing / 2`` -- 50 m at the default 100 m spacing -- and, for a point
    ``d`` metres from the line, by about ``spacing**2 / (8 d)`` (under a
    centimetre at 1 km away).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from kzgeo.errors import CrsError

#: The ellipsoid every length and distance in kzgeo is measured on.
WGS84 = Geod(ellps="WGS84")

#: Largest gap, in metres, between the vertices a line is densified to.
DEFAULT_SPACING = 100.0


def _arrays(*columns: Any) -> tuple[int, list[np.ndarray]]:
    """Equal-length float arrays for :data:`WGS84`, a one-element set doubled.

    pyproj tries its one-point path first and falls back to arrays when that
    refuses; numpy before 2.4 converts a one-element array there with a
    DeprecationWarning instead of refusing it, so one element goes in twice.
    """
    arrays = [np.atleast_1d(np.asarray(c, dtype=float)) for c in columns]
    n = arrays[0].size
    return n, [np.r_[a, a] for a in arrays] if n == 1 else arrays


def inv(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward azimuths, back azimuths and distances (m) between two arrays of points on WGS84."""
    n, args = _arrays(lon1, lat1, lon2, lat2)
    return tuple(np.asarray(out, dtype=float)[:n] for out in WGS84.inv(*args))  # type: ignore[return-value]


def fwd(lon: Any, lat: Any, azimuth: Any, dist: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """End longitudes, latitudes and back azimuths of geodesics from points, azimuths and distances (m)."""
    n, args = _arrays(lon, lat, azimuth, dist)
    return tuple(np.asarray(out, dtype=float)[:n] for out in WGS84.fwd(*args))  # type: ignore[return-value]


def _lonlat(geoms: Any) -> Any:
    """A GeoSeries (or a GeoDataFrame's geometry) in WGS84 longitude/latitude; other input as it is."""
    geoms = getattr(geoms, "geometry", geoms) if hasattr(geoms, "columns") else geoms
    crs = getattr(geoms, "crs", None)
    if crs is None or crs.equals("EPSG:4326"):
        return geoms
    try:
        return geoms.to_crs("EPSG:4326")
    except Exception as exc:  # pyproj's errors vary by CRS; all mean the same to the caller
        raise CrsError(f"cannot transform geometries in {crs.name} to longitude/latitude (WGS84): {exc}") from None


def _check_degrees(arr: np.ndarray) -> None:
    """Refuse coordinates that cannot be longitude/latitude (projected metres, swapped axes)."""
    present = arr[_present(arr)]
    if not len(present):
        return
    bounds = shapely.bounds(present)
    west, south = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
    east, north = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
    if not (-180 <= west and east <= 180 and -90 <= south and north <= 90):
        raise CrsError(
            f"coordinates span x {west:,.6g} to {east:,.6g}, y {south:,.6g} to {north:,.6g}, which is not longitude/latitude; "
            "for projected data pass a GeoSeries with its CRS (it is transformed to WGS84) or reproject it with to_crs(4326)"
        )


def _as_array(geoms: Any) -> tuple[np.ndarray, bool]:
    """Geometries as a 1-d object array in longitude/latitude, and whether a single one was given."""
    if geoms is None or isinstance(geoms, BaseGeometry):
        arr, scalar = np.array([geoms], dtype=object), True
    else:
        arr, scalar = np.asarray(list(_lonlat(geoms)), dtype=object).reshape(-1), False
    _check_degrees(arr)
    return arr, scalar


def _present(arr: np.ndarray) -> np.ndarray:
    """True where a geometry is neither missing nor empty."""
    return ~(shapely.is_missing(arr) | shapely.is_empty(arr))


def _points_xy(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of points; nan where a point is missing or empty."""
    present = _present(arr)
    if np.any(shapely.get_type_id(arr[present]) != shapely.GeometryType.POINT):
        raise ValueError("expected Point geometries")
    x, y = np.full(len(arr), np.nan), np.full(len(arr), np.nan)
    x[present], y[present] = shapely.get_x(arr[present]), shapely.get_y(arr[present])
    return x, y


def _parts_coordinates(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates of every simple part, with the part and the geometry each belongs to.

    Polygons contribute their rings, so a vertex sequence never jumps from
    one part or ring to the next.
    """
    arr = np.where(shapely.get_dimensions(arr) == 2, shapely.boundary(arr), arr)
    parts, owner = shapely.get_parts(arr, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    return coords, part, owner


def _segments(coords: np.ndarray, part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each segment's first vertex, and of the part it belongs to."""
    start = np.flatnonzero(part[1:] == part[:-1])
    return start, part[start]


def length(geoms: Any) -> np.ndarray | float:
    """Geodesic length of each line on WGS84, in metres.

    Multi-part lines add up their parts; polygons give their perimeter;
    points have length 0. Missing or empty geometries give ``nan``.

    >>> from shapely import LineString, Point
    >>> round(float(length(LineString([(0, 0), (1, 0)]))), 2)  # 1 degree of the equator
    111319.49
    >>> length([LineString([(0, 0), (0, 1)]), None, LineString(), Point(5, 5)]).round(2)
    array([110574.39,       nan,       nan,      0.  ])
    >>> length([])
    array([], dtype=float64)
    >>> length(None)
    nan
    """
    arr, scalar = _as_array(geoms)
    out = np.full(len(arr), np.nan)
    present = _present(arr)
    if present.any():
        coords, part, owner = _parts_coordinates(arr[present])
        start, seg_part = _segments(coords, part)
        _, _, dist = inv(coords[start, 0], coords[start, 1], coords[start + 1, 0], coords[start + 1, 1])
        out[present] = np.bincount(owner[seg_part], weights=dist, minlength=int(present.sum()))
    return float(out[0]) if scalar else out


def point_distance(points: Any, others: Any) -> np.ndarray:
    """Geodesic distance in metres from every point to every other point.

    Returns an array of shape ``(len(points), len(others))``; a missing or
    empty point gives a row (or column) of ``nan``.

    >>> from shapely import Point
    >>> point_distance([Point(0, 0), None], [Point(1, 0), Point()]).round(2)
    array([[111319.49,       nan],
           [      nan,       nan]])
    >>> point_distance([], [Point(0, 0)]).shape
    (0, 1)
    """
    a, _ = _as_array(points)
    b, _ = _as_array(others)
    ax, ay = _points_xy(a)
    bx, by = _points_xy(b)
    n, m = len(a), len(b)
    _, _, dist = inv(np.repeat(ax, m), np.repeat(ay, m), np.tile(bx, n), np.tile(by, n))
    return np.asarray(dist, dtype=float).reshape(n, m)


def densify(lines: Any, spacing: float = DEFAULT_SPACING) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices along each line, no more than ``spacing`` metres apart along the geodesic.

    Returns ``(lon, lat, owner)``: the vertices' coordinates and, for each,
    the position of the line it belongs to in ``lines``. Vertices are sorted by
    owner. Missing or empty lines contribute no vertices; a point contributes
    itself.

    >>> from shapely import LineString
    >>> lon, lat, owner = densify([LineString([(0, 0), (1, 0)]), None], spacing=30_000)
    >>> lon.round(4), owner
    (array([0.  , 0.25, 0.5 , 0.75, 1.  ]), array([0, 0, 0, 0, 0]))
    """
    if not spacing > 0:
        raise ValueError(f"spacing must be a positive number of metres, not {spacing!r}")
    arr, _ = _as_array(lines)
    present = np.flatnonzero(_present(arr))
    if not len(present):
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    coords, part, owner = _parts_coordinates(arr[present])
    start, seg_part = _segments(coords, part)
    x0, y0 = coords[start, 0], coords[start, 1]
    az, _, dist = inv(x0, y0, coords[start + 1, 0], coords[start + 1, 1])
    steps = np.maximum(np.ceil(dist / spacing).astype(int), 1)
    seg = np.repeat(np.arange(len(start)), steps)
    k = np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)
    lon, lat, _ = fwd(x0[seg], y0[seg], az[seg], dist[seg] * k / steps[seg])
    # The line's own vertices are kept exactly as given, not recomputed.
    lon, lat = np.where(k == 0, x0[seg], lon), np.where(k == 0, y0[seg], lat)
    # Each part's last vertex ends its final segment; it was not generated above.
    last = np.flatnonzero(np.r_[part[1:] != part[:-1], True])
    lon, lat = np.r_[lon, coords[last, 0]], np.r_[lat, coords[last, 1]]
    own = present[np.r_[owner[seg_part[seg]], owner[part[last]]]]
    order = np.argsort(own, kind="stable")
    return lon[order], lat[order], own[order]


def line_distance(points: Any, lines: Any, *, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """Geodesic distance in metres from every point to every line.

    Returns an array of shape ``(len(points), len(lines))``. The result is
    never smaller than the true distance and at most ``spacing / 2`` larger
    (see the module's notes). Missing or empty inputs give ``nan``.

    >>> from shapely import LineString, Point
    >>> meridian = LineString([(0, -10), (0, 10)])
    >>> line_distance([Point(1, 0), None], [meridian, None]).round(2)
    array([[111319.49,       nan],
           [      nan,       nan]])
    >>> line_distance([Point(1, 0)], []).shape
    (1, 0)
    """
    a, _ = _as_array(points)
    b, _ = _as_array(lines)
    px, py = _points_xy(a)
    out = np.full((len(a), len(b)), np.nan)
    lon, lat, owner = densify(b, spacing)
    if not len(lon):
        return out
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    for i in np.flatnonzero(~np.isnan(px)):
        _, _, dist = inv(np.full(len(lon), px[i]), np.full(len(lon), py[i]), lon, lat)
        out[i, owner[firsts]] = np.minimum.reduceat(np.asarray(dist, dtype=float), firsts)
    return out


def nearest(distances: Any) -> tuple[np.ndarray, np.ndarray]:
    """For each row of a distance matrix: the column of its minimum, and that minimum.

    ``nan`` entries are ignored; a row with no finite distance gives index
    ``-1`` and distance ``nan``.

    >>> import numpy as np
    >>> nearest(np.array([[3.0, 1.0, np.nan], [np.nan, np.nan, np.nan]]))
    (array([ 1, -1]), array([ 1., nan]))
    >>> nearest(np.empty((2, 0)))
    (array([-1, -1]), array([nan, nan]))
    """
    d = np.asarray(distances, dtype=float)
    index = np.full(d.shape[0], -1)
    value = np.full(d.shape[0], np.nan)
    found = ~np.isnan(d).all(axis=1)
    if not found.any():
        return index, value
    index[found] = np.nanargmin(d[found], axis=1)
    value[found] = d[found, index[found]]
    return index, value


def within_distance(points: Any, lines: Any, distance: float, *, spacing: float = DEFAULT_SPACING) -> np.ndarray:
    """True for each point whose distance to any of ``lines`` is at most ``distance`` metres.

    A missing or empty point is never within any distance.

    >>> from shapely import LineString, Point
    >>> equator = LineString([(0, 0), (10, 0)])
    >>> within_distance([Point(5, 0.5), Point(5, 2), None], [equator], 100_000)
    array([ True, False, False])
    """
    return (line_distance(points, lines, spacing=spacing) <= distance).any(axis=1)


#: Vertices of an uncertainty circle: a 30 km circle is then true to about 10 m.
CIRCLE_VERTICES = 144
#: Beyond this radius (a quarter of a great circle) a "circle" covers a hemisphere and is no
#: longer an area anyone can use; such a row keeps its radius and gets no shape.
MAX_CIRCLE_KM = 10_000.0


def _ring(lon: float, lat: float, radius_m: float) -> list[tuple[float, float]]:
    azimuths = np.linspace(0.0, 360.0, CIRCLE_VERTICES, endpoint=False)
    lons, lats, _ = fwd(np.full(azimuths.size, lon), np.full(azimuths.size, lat), azimuths, np.full(azimuths.size, radius_m))
    # Azimuths run clockwise; reversed, the ring is counter-clockwise (an exterior).
    ring = list(zip(lons[::-1].tolist(), lats[::-1].tolist(), strict=True))
    return ring + ring[:1]


def uncertainty_area(lon: float, lat: float, radius_km: float, inner_km: float | None = None) -> shapely.Polygon | None:
    """Where a point located to within ``radius_km`` may lie: a geodesic circle on WGS 84,
    or a ring when the sources also rule out the inner ``inner_km`` (North Katpar's
    "20 to 30 km from Upper Kairakty"); None beyond :data:`MAX_CIRCLE_KM`.

    The HTML map, the print map and the QGIS export all draw this one shape, so a
    ring reads the same everywhere.
    """
    if not (0 < radius_km <= MAX_CIRCLE_KM):
        return None
    outer = _ring(lon, lat, radius_km * 1000)
    holes = [_ring(lon, lat, inner_km * 1000)[::-1]] if inner_km and 0 < inner_km < radius_km else []
    return shapely.Polygon(outer, holes)
