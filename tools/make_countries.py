"""Regenerate kzgeo/data/countries.geojson, the country shapes `kzgeo validate` checks against.

Source: Natural Earth 1:10m Admin 0 countries (public domain) as TopoJSON in the
npm package world-atlas 2.0.2 (ISC). Nothing is downloaded at run time; fetch
the package once with npm and point this script at it:

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python tools/make_countries.py /tmp/package/countries-10m.json

What it does, so the output can be rebuilt byte for byte:

1. decodes the quantised TopoJSON arcs (delta-encoded integers times the
   file's transform) into polygons;
2. keeps every country whose outline meets the catalog's bounds (western
   China to Türkiye), clipped to those bounds plus one degree;
3. simplifies each outline with a 0.004° tolerance (about 300-450 m here,
   which is the quantisation step of the source itself) and rounds
   coordinates to 4 decimals (about 10 m);
4. tags each shape with its ISO 3166-1 alpha-2 code, the code the layers'
   `countries` and `country` fields use.

The 1:10m outlines are needed because the TRIPP line runs within a kilometre
of the Armenia-Iran border along the Aras; at 1:50m the border is placed
several km off in places, more than the 2 km tolerance of the checks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely import MultiPolygon, Polygon, box, make_valid

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


def derive(topo: dict) -> dict:
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
    return {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:10m Admin 0 countries (public domain), TopoJSON from the npm package world-atlas 2.0.2; "
        "clipped, simplified (0.004 degrees) and rounded by tools/make_countries.py",
        "features": features,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit(__doc__)
    doc = derive(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    unknown = [f["properties"]["name"] for f in doc["features"] if not f["properties"]["iso_a2"]]
    target = Path(__file__).resolve().parent.parent / "kzgeo" / "data" / "countries.geojson"
    target.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size:,} bytes, {len(doc['features'])} countries; no ISO code: {unknown})")


if __name__ == "__main__":
    main(sys.argv)
