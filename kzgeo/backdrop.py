"""The offline backdrop: land, lakes and rivers of the region, shipped with kzgeo.

Tiles are a bonus: on a network that blocks them, or from an email
attachment, the map still needs land and sea. kzgeo ships one compact file,
``kzgeo/data/backdrop.json``, derived from Natural Earth (public domain,
https://www.naturalearthdata.com/about/terms-of-use/):

* **countries** -- 1:50m Admin 0 countries (the TopoJSON of the npm package
  world-atlas 2.0.2), over :data:`EXTENT`, which is wide enough that the view
  stays on land and sea at every zoom a page allows, even a tall phone's
  opening view of the whole corridor;
* **lakes** and **rivers** -- 1:50m lakes and river centre lines, over
  :data:`REGION` (the part of Eurasia the layers can show);
* **detail** -- the 1:10m country shapes ``kzgeo validate`` checks against
  (``data/countries.geojson``), which replace the 1:50m outlines in close views
  (Syunik, where TRIPP follows the Aras border, and the Caspian ports). Along the
  Aras their border of Iran is OpenStreetMap's (© OpenStreetMap contributors,
  ODbL 1.0), see ``tools/make_countries.py``.

Every ring or line is stored as integer deltas of coordinates times a
quantum's inverse (:data:`SCALE`, :data:`DETAIL_SCALE`), the same idea as
TopoJSON's quantised arcs, which keeps the page small; the page and
:func:`backdrop_frame` decode it. Land is drawn on a water-coloured map, so the
Caspian and the Black Sea show as the gaps between countries.

:func:`derive_backdrop` makes the file from the sources (``tools/make_backdrop.py``
reads them from ``tools/sources/``); at run time kzgeo only reads the committed
file (:func:`backdrop`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

#: lon_min, lat_min, lon_max, lat_max of the countries: Iberia to Japan, the Arctic to the
#: southern Indian Ocean, so no view a page allows runs off the backdrop (a 360 px wide phone
#: shows the whole corridor at about zoom 2.4, some 130 degrees of latitude).
EXTENT = (-25.0, -60.0, 160.0, 84.0)
#: lon_min, lat_min, lon_max, lat_max of lakes, rivers and finer outlines: the layers' region (26-89 E, 36-56 N) and ten degrees round it.
REGION = (15.0, 25.0, 100.0, 65.0)
#: Coordinates are stored as integers of 1/SCALE degree (0.01 degree, about 1 km).
SCALE = 100
#: Outlines are simplified to this tolerance in degrees before quantising (below a pixel up to zoom 6).
SIMPLIFY = 0.025
#: Outside :data:`REGION` only wide views show the land (a page's start view and zooming out from
#: it, zoom 4 or less: 0.09 degree a pixel), so it is simplified further.
SIMPLIFY_FAR = 0.08
#: Rivers below this Natural Earth scale rank (1 = largest) are left out; they show from their ``min_zoom``.
MAX_RIVER_RANK = 6
#: The 1:10m shapes: integers of 1/DETAIL_SCALE degree (about 100 m; the shapes are simplified to 0.004 degrees).
DETAIL_SCALE = 1000
#: From this zoom, in views inside the detailed shapes' extent, they replace the 1:50m outlines.
DETAIL_MIN_ZOOM = 5.5
#: Colours shared by the HTML map, the static map and QGIS.
WATER = "#c9dde8"
LAND = "#f4f1ea"
BORDER = "#a8a29a"
RIVER = "#9cc0d4"
ATTRIBUTION = "Backdrop: Natural Earth (public domain)"

_RESOURCE = "data/backdrop.json"


def natural_earth_source() -> Path:
    """The Natural Earth 1:110m countries shapefile inside the installed pyogrio wheel (``tools/make_places.py`` uses it)."""
    import pyogrio

    return Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"


# ---- deriving the file (tools/make_backdrop.py and its test) ----


def topo_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """A quantised TopoJSON's arcs as lon/lat points (``tools/make_countries.py`` decodes with it too)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _topo_shape(geometry: dict, arcs: list):
    from shapely import MultiPolygon, Polygon, make_valid

    def ring(indexes):
        points: list[tuple[float, float]] = []
        for i in indexes:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(part if not points else part[1:])
        # World-atlas rings are spherical: one that crosses the antimeridian (Chukotka, Fiji) jumps
        # 360 degrees, which on the plane would wrap a band round the globe. Unwrap it (longitudes
        # past 180 fall outside EXTENT and are clipped away); a ring that still does not close
        # goes round a pole (Antarctica, far outside EXTENT) and is dropped.
        unwrapped = points[:1]
        for x, y in points[1:]:
            px = unwrapped[-1][0]
            x += 360 * round((px - x) / 360)
            unwrapped.append((x, y))
        if unwrapped and abs(unwrapped[0][0] - unwrapped[-1][0]) > 1e-6:
            return []
        return unwrapped

    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    parts = []
    for rings in polygons:
        shell, *holes = (ring(r) for r in rings)
        if len(shell) >= 4:
            parts.append(Polygon(shell, [h for h in holes if len(h) >= 4]))
    return make_valid(MultiPolygon(parts))


def _parts(geom, kind: str) -> list:
    """The polygons (``kind="Polygon"``) or lines of ``geom``, collections flattened, empties dropped."""
    if geom.is_empty:
        return []
    if geom.geom_type == kind:
        return [geom]
    return [p for g in getattr(geom, "geoms", []) for p in _parts(g, kind)]


def _deltas(coords, scale: int, closed: bool) -> list[int]:
    """Integer deltas of ``coords`` at 1/scale degree; repeated points and a ring's closing point dropped."""
    flat: list[int] = []
    prev = (0, 0)
    points = list(coords)[:-1] if closed else list(coords)
    for x, y in points:
        q = (round(x * scale), round(y * scale))
        if flat and q == prev:
            continue
        flat += [q[0] - prev[0], q[1] - prev[1]]
        prev = q
    return flat


def _polygons(geom, scale: int) -> list[list[list[int]]]:
    out = []
    for polygon in _parts(geom, "Polygon"):
        rings = [_deltas(r.coords, scale, True) for r in [polygon.exterior, *polygon.interiors]]
        if len(rings[0]) >= 6:
            out.append([r for r in rings if len(r) >= 6])
    return out


def derive_backdrop(countries_50m: dict, lakes_50m: dict, rivers_50m: dict, countries_10m: dict) -> str:
    """The backdrop file's text from its sources, parsed: world-atlas ``countries-50m.json``
    (TopoJSON), Natural Earth ``ne_50m_lakes`` and ``ne_50m_rivers_lake_centerlines`` (GeoJSON),
    and kzgeo's own ``data/countries.geojson`` (1:10m).

    Deterministic: the same sources give the same bytes, so a test can check that the committed
    file is exactly what this function makes.
    """
    import shapely
    from shapely.geometry import box, shape

    extent, region = box(*EXTENT), box(*REGION)
    arcs = topo_arcs(countries_50m)
    countries = []
    for g in countries_50m["objects"]["countries"]["geometries"]:
        if "arcs" not in g:
            continue
        geom = _topo_shape(g, arcs)
        if not geom.intersects(extent):
            continue
        # Near and far parts share their cut along REGION's edges exactly, so their union has no seam.
        near = geom.intersection(region).simplify(SIMPLIFY, preserve_topology=True)
        far = geom.intersection(extent).simplify(SIMPLIFY_FAR, preserve_topology=True).difference(region)
        clipped = shapely.make_valid(shapely.union(shapely.make_valid(near), shapely.make_valid(far)))
        polygons = _polygons(clipped, SCALE)
        if polygons:
            countries.append({"name": g["properties"]["name"], "iso_n3": g.get("id", ""), "polygons": polygons})
    countries.sort(key=lambda c: (c["name"], c["iso_n3"]))

    lakes = []
    for f in lakes_50m["features"]:
        geom = shapely.make_valid(shape(f["geometry"]))
        if not geom.intersects(region):
            continue
        polygons = _polygons(geom.intersection(region).simplify(SIMPLIFY / 2, preserve_topology=True), SCALE)
        if polygons:
            lakes.append({"name": f["properties"].get("name") or "", "polygons": polygons})
    lakes.sort(key=lambda c: (c["name"], json.dumps(c["polygons"][0][0][:2])))

    rivers = []
    for f in rivers_50m["features"]:
        p = f["properties"]
        if f["geometry"] is None or (p.get("scalerank") or 99) > MAX_RIVER_RANK:
            continue
        geom = shape(f["geometry"])
        if not geom.intersects(region):
            continue
        lines = [_deltas(line.coords, SCALE, False) for line in _parts(geom.intersection(region).simplify(SIMPLIFY / 2), "LineString")]
        lines = [line for line in lines if len(line) >= 4]
        if lines:
            rivers.append({"name": p.get("name") or "", "rank": int(p["scalerank"]), "minzoom": float(p.get("min_zoom") or 0), "lines": lines})
    rivers.sort(key=lambda r: (r["rank"], r["name"], r["lines"][0][:2]))

    detail = [
        {"name": f["properties"]["name"], "polygons": _polygons(shape(f["geometry"]), DETAIL_SCALE)}
        for f in countries_10m["features"]
    ]
    bounds = [round(float(v), 3) for v in shapely.total_bounds([shape(f["geometry"]) for f in countries_10m["features"]])]
    document = {
        "source": (
            "Natural Earth (public domain, https://www.naturalearthdata.com/about/terms-of-use/): 1:50m Admin 0 countries "
            "(TopoJSON of the npm package world-atlas 2.0.2), 1:50m lakes and river centre lines "
            "(github.com/nvkelso/natural-earth-vector, as GeoJSON in github.com/martynafford/natural-earth-geojson), "
            "and the 1:10m countries of kzgeo/data/countries.geojson, whose border of Iran along the Aras is OpenStreetMap's "
            "(\u00a9 OpenStreetMap contributors, ODbL 1.0, https://www.openstreetmap.org/copyright); "
            "clipped, simplified and quantised by tools/make_backdrop.py"
        ),
        "extent": list(EXTENT),
        "region": list(REGION),
        "scale": SCALE,
        "countries": countries,
        "lakes": lakes,
        "rivers": rivers,
        "detail": {"scale": DETAIL_SCALE, "bounds": bounds, "minzoom": DETAIL_MIN_ZOOM, "countries": detail},
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n"


# ---- reading the committed file ----


@cache
def backdrop_text() -> str:
    """The committed backdrop file, as text."""
    return files("kzgeo").joinpath(_RESOURCE).read_text(encoding="utf-8")


def backdrop() -> dict[str, Any]:
    """The committed backdrop, quantised as stored (a fresh copy each call): what a page carries."""
    return json.loads(backdrop_text())


def _decode(flat: list[int], scale: int, closed: bool) -> list[tuple[float, float]]:
    x = y = 0
    out = []
    for i in range(0, len(flat), 2):
        x += flat[i]
        y += flat[i + 1]
        out.append((x / scale, y / scale))
    return out + out[:1] if closed else out


def backdrop_frame(part: str = "countries", names=None):
    """One part of the backdrop as a GeoDataFrame (EPSG:4326), for static maps and the QGIS export.

    ``part`` is ``"countries"`` (columns ``name``, ``iso_n3``), ``"lakes"`` (``name``) or
    ``"rivers"`` (``name``, ``rank``), all at 1:50m. Quantising can make a ring touch itself;
    the polygons are repaired (``make_valid``), as GIS tools expect. With ``names``, only the
    features of those names are made (each feature's shape is made alone, so they come out the same).
    """
    import geopandas as gpd
    import shapely
    from shapely import LineString, MultiLineString, MultiPolygon, Polygon

    doc = backdrop()
    scale = doc["scale"]
    rows = []
    for item in doc[part]:
        if names is not None and item["name"] not in names:
            continue
        if part == "rivers":
            geom = MultiLineString([LineString(_decode(line, scale, False)) for line in item["lines"]])
            rows.append({"name": item["name"], "rank": item["rank"], "geometry": geom})
        else:
            geom = MultiPolygon([Polygon(_decode(rings[0], scale, True), [_decode(r, scale, True) for r in rings[1:]]) for rings in item["polygons"]])
            geom = shapely.make_valid(geom) if not geom.is_valid else geom
            rows.append({**{k: item[k] for k in ("name", "iso_n3") if k in item}, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
