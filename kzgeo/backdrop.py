"""The offline backdrop: country outlines of the region, shipped with kzgeo.

Tiles are a bonus: on a network that blocks them, or from an email
attachment, the map still needs land and sea. kzgeo ships a small layer of
country outlines derived from Natural Earth's 1:110m countries (public
domain, https://www.naturalearthdata.com/about/terms-of-use/), clipped to the
region and rounded. Land is drawn on a water-coloured background, so the
Caspian and the Black Sea show as the gaps between countries.

:func:`derive_backdrop` regenerates ``kzgeo/data/backdrop.geojson`` from the
copy of Natural Earth that pyogrio ships in its wheel
(``tools/make_backdrop.py`` calls it); at run time kzgeo only reads the
committed file (:func:`backdrop_geojson`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path

#: lon_min, lat_min, lon_max, lat_max kept: central Europe and Arabia to China and Mongolia, so any view of the region is covered.
EXTENT = (5.0, 15.0, 115.0, 70.0)
#: Decimal places kept (about 100 m; the source is 1:110m, accurate to a few km).
PRECISION = 3
#: Colours shared by the HTML map and the static map.
WATER = "#c9dde8"
LAND = "#f4f1ea"
BORDER = "#a8a29a"
ATTRIBUTION = "Backdrop: Natural Earth (public domain)"

_RESOURCE = "data/backdrop.geojson"


def natural_earth_source() -> Path:
    """The Natural Earth 1:110m countries shapefile inside the installed pyogrio wheel."""
    import pyogrio

    return Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"


def derive_backdrop(source: str | Path | None = None) -> str:
    """The backdrop GeoJSON text: countries clipped to :data:`EXTENT`, rounded, sorted by ISO code.

    Deterministic: the same source gives the same bytes, so a test can check
    that the committed file is exactly what this function makes.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    frame = gpd.read_file(source or natural_earth_source())
    frame = frame.clip(EXTENT)
    frame = frame[~frame.geometry.is_empty].copy()
    frame["geometry"] = shapely.make_valid(shapely.transform(frame.geometry.values, lambda xy: np.round(xy, PRECISION)))
    frame = frame.sort_values(["iso_a3", "name"]).reset_index(drop=True)
    features = [
        {
            "type": "Feature",
            "properties": {"name": row["name"], "iso_a3": row["iso_a3"]},
            "geometry": shapely.geometry.mapping(row["geometry"]),
        }
        for _, row in frame.iterrows()
        if row["geometry"].geom_type in ("Polygon", "MultiPolygon")
    ]
    collection = {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:110m Admin 0 - Countries (public domain), as shipped in pyogrio; clipped and rounded by kzgeo.backdrop",
        "features": features,
    }
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n"


@cache
def backdrop_text() -> str:
    """The committed backdrop GeoJSON, as text."""
    return files("kzgeo").joinpath(_RESOURCE).read_text(encoding="utf-8")


def backdrop_geojson() -> dict:
    """The committed backdrop as a GeoJSON FeatureCollection (a fresh copy each call)."""
    return json.loads(backdrop_text())


#: Decimal places of the close-view country shapes in a page (about 100 m; the shapes are simplified to 0.004 degrees).
DETAIL_PRECISION = 3
#: From this zoom, in views inside the detailed shapes' extent, they replace the 1:110m outlines.
DETAIL_MIN_ZOOM = 5.5


@cache
def backdrop_detail() -> dict:
    """The country shapes `kzgeo validate` checks against (Natural Earth 1:10m, simplified; #11's
    ``data/countries.geojson``), quantised for a page: per country, rings of integer
    ``(lon, lat) * 10**DETAIL_PRECISION`` deltas. Close views (Syunik, the Caspian ports) need
    them: at 1:110m the Aras border is a straight line through TRIPP."""
    import shapely
    from shapely.geometry import shape

    collection = json.loads(files("kzgeo").joinpath("data/countries.geojson").read_text(encoding="utf-8"))
    scale = 10**DETAIL_PRECISION
    shapes = []
    for feature in collection["features"]:
        geom = shape(feature["geometry"])
        polygons = []
        for polygon in getattr(geom, "geoms", [geom]):
            rings = []
            for ring in [polygon.exterior, *polygon.interiors]:
                prev = (0, 0)
                flat = []
                for x, y in ring.coords:
                    q = (round(x * scale), round(y * scale))
                    flat += [q[0] - prev[0], q[1] - prev[1]]
                    prev = q
                rings.append(flat)
            polygons.append(rings)
        shapes.append(polygons)
    bounds = [round(float(v), 3) for v in shapely.total_bounds([shape(f["geometry"]) for f in collection["features"]])]
    return {"scale": scale, "bounds": bounds, "minzoom": DETAIL_MIN_ZOOM, "shapes": shapes}


def backdrop_frame():
    """The committed backdrop as a GeoDataFrame (EPSG:4326), for static maps."""
    import geopandas as gpd

    return gpd.GeoDataFrame.from_features(backdrop_geojson()["features"], crs="EPSG:4326")
