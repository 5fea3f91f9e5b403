"""The coordinate system and ellipsoid the QGIS project draws and measures in.

The data stay in EPSG:4326 (longitude/latitude on WGS 84), as every GIS reads
them; only the *project* draws in a projected system. Drawn in plain
longitude/latitude (EPSG:4326), a map at 40-55 degrees north is stretched
1.3-1.6 times east-west, and a layout scale bar has no single length. kzgeo
uses one Lambert conformal conic projection for the whole region (Türkiye and
the Caucasus to western China, 36-56 N):

* conformal, so shapes and angles (coastlines, the Caspian, route directions)
  look right, as on a topographic map;
* standard parallels at 39.5 N and 52.5 N (one sixth in from each edge of the
  36-56 N band), so the scale is true on both and off by at most about 2 %
  anywhere in the region; the central meridian 57 E sits in the middle of
  26-88 E, so north is up at the centre and the map is symmetric;
* on the WGS 84 datum, so no datum shift is ever applied to the data.

No EPSG code covers this area this way (the national Kazakh and UTM zones
each cover a fraction of it), so the projection is defined by its parameters
and written into the project as PROJ and WKT. Measurements do not depend on
it: the project's ellipsoid is WGS 84, so ``$length``, ``$area``, the Measure
tool and scale bars are computed on the ellipsoid, matching ``kzgeo report``.
"""

from __future__ import annotations

from functools import cache

import pyproj

#: PROJ definition of the project CRS (see the module docstring for the choice).
PROJECT_PROJ = "+proj=lcc +lat_0=46 +lon_0=57 +lat_1=39.5 +lat_2=52.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
PROJECT_CRS_NAME = "kzgeo Lambert conformal conic, Central Asia and the Caucasus (WGS 84)"
#: QGIS's name for the WGS 84 ellipsoid; the project measures on it.
ELLIPSOID = "EPSG:7030"
#: Vertices per degree of box edge when a longitude/latitude box is projected.
_DENSIFY = 21


@cache
def project_crs() -> pyproj.CRS:
    return pyproj.CRS.from_proj4(PROJECT_PROJ)


@cache
def project_wkt() -> str:
    """WKT2 of the project CRS, named, as QGIS 3.22 (PROJ 9) reads it."""
    return project_crs().to_wkt("WKT2_2019").replace('PROJCRS["unknown"', f'PROJCRS["{PROJECT_CRS_NAME}"', 1)


@cache
def _forward() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", project_crs(), always_xy=True)


def project_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A longitude/latitude box as the smallest box in project metres that holds it."""
    xmin, ymin, xmax, ymax = _forward().transform_bounds(*box, densify_pts=_DENSIFY)
    return float(xmin), float(ymin), float(xmax), float(ymax)


def fit_aspect(box: tuple[float, float, float, float], width: float, height: float) -> tuple[float, float, float, float]:
    """Grow ``box`` around its centre to the aspect ratio ``width:height`` (a layout map frame)."""
    xmin, ymin, xmax, ymax = box
    dx, dy = xmax - xmin, ymax - ymin
    if dx / dy < width / height:
        grow = (dy * width / height - dx) / 2
        return xmin - grow, ymin, xmax + grow, ymax
    grow = (dx * height / width - dy) / 2
    return xmin, ymin - grow, xmax, ymax + grow
