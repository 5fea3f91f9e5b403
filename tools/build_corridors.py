"""Draw layers/corridors.geojson from the corridor table and the node layer.

Each leg's line is drawn through its ``from_node``, every node listed in its
``via`` (in order) and its ``to_node``, using the node coordinates in
layers/nodes.geojson, so a leg always passes the stations it names and ends
exactly on its nodes. Between two named nodes the line is straight unless
tools/corridor_waypoints.json gives unnamed shape points for that stretch
(sea lanes kept off the land, a planned link kept off the sea, a coastal
line kept on the shore); each such stretch is described in the leg's
``geometry_note``.

A stretch can also be told to follow a river border: ``{"north_of": "IR",
"offset_km": 1.0, "step_deg": 0.02}`` places a point every ``step_deg`` of
longitude, ``offset_km`` north of the northernmost edge of that country in
the shipped Natural Earth 1:10m outlines (the Aras is the border with Iran
along the TRIPP route, and the old line ran on its north bank).

    .venv/bin/python tools/build_corridors.py [layers_dir]

The output is deterministic: rebuild after editing nodes or legs, then run
``kzgeo validate``, which checks the drawn lines against country outlines.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAYPOINTS = Path(__file__).resolve().parent / "corridor_waypoints.json"


def north_of(country: str, lon_from: float, lon_to: float, offset_km: float, step_deg: float) -> list[list[float]]:
    """Points ``offset_km`` north of ``country``'s northern edge, every ``step_deg`` between two meridians."""
    from shapely import LineString, union_all

    from kzgeo.geography import _to_lonlat, _to_metric, shipped_countries

    countries = shipped_countries()
    shape = union_all([s for s, code in zip(countries.shapes, countries.codes) if code == country])
    fwd, inv = _to_metric(), _to_lonlat()
    points = []
    n = int(abs(lon_to - lon_from) / step_deg)
    for k in range(1, n + 1):
        lon = lon_from + (lon_to - lon_from) * k / (n + 1)
        ray = LineString([fwd.transform(lon, 36.0), fwd.transform(lon, 42.0)])
        edge = ray.intersection(shape)
        if edge.is_empty:
            continue
        top = max(edge.bounds[3], 0)
        along = max(ray.project(p) for p in (edge.boundary.geoms if hasattr(edge.boundary, "geoms") else [edge.boundary]) if p.y <= top + 1)
        x, y = ray.interpolate(along + offset_km * 1000).coords[0]
        lo, la = inv.transform(x, y)
        points.append([round(lo, 4), round(la, 4)])
    return points


def build(layers: Path) -> str:
    nodes = {f["id"]: f["geometry"]["coordinates"] for f in json.loads((layers / "nodes.geojson").read_text(encoding="utf-8"))["features"]}
    shape = json.loads(WAYPOINTS.read_text(encoding="utf-8"))["legs"]
    features = []
    with (layers / "corridors.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            stops = [row["from_node"], *[v for v in row["via"].split(";") if v], row["to_node"]]
            extra = shape.get(row["id"], {})
            coords = []
            for stop, after in zip(stops, [*stops[1:], None]):
                coords.append(nodes[stop])
                shape_points = extra.get(stop, [])
                if isinstance(shape_points, dict) and after is not None:
                    shape_points = north_of(shape_points["north_of"], nodes[stop][0], nodes[after][0], shape_points["offset_km"], shape_points["step_deg"])
                coords.extend(shape_points)
            features.append({"type": "Feature", "id": row["id"], "properties": {"id": row["id"]}, "geometry": {"type": "LineString", "coordinates": coords}})
    lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return '{"type": "FeatureCollection", "features": [\n' + lines + "\n]}\n"


if __name__ == "__main__":
    layers = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "layers"
    (layers / "corridors.geojson").write_text(build(layers), encoding="utf-8")
    print(f"wrote {layers / 'corridors.geojson'}")
