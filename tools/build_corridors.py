"""Draw layers/corridors.geojson from the corridor table and the node layer.

Each leg's line is drawn through its ``from_node``, every node listed in its
``via`` (in order) and its ``to_node``, using the node coordinates in
layers/nodes.geojson, so a leg always passes the stations it names and ends
exactly on its nodes. Between two named nodes the line is straight unless
tools/corridor_waypoints.json gives unnamed shape points for that stretch
(sea lanes kept off the land, a planned link kept off the sea); each such
stretch is described in the leg's ``geometry_note``.

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


def build(layers: Path) -> str:
    nodes = {f["id"]: f["geometry"]["coordinates"] for f in json.loads((layers / "nodes.geojson").read_text(encoding="utf-8"))["features"]}
    shape = json.loads(WAYPOINTS.read_text(encoding="utf-8"))["legs"]
    features = []
    with (layers / "corridors.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            stops = [row["from_node"], *[v for v in row["via"].split(";") if v], row["to_node"]]
            extra = shape.get(row["id"], {})
            coords = []
            for stop in stops:
                coords.append(nodes[stop])
                coords.extend(extra.get(stop, []))
            features.append({"type": "Feature", "id": row["id"], "properties": {"id": row["id"]}, "geometry": {"type": "LineString", "coordinates": coords}})
    lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return '{"type": "FeatureCollection", "features": [\n' + lines + "\n]}\n"


if __name__ == "__main__":
    layers = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "layers"
    (layers / "corridors.geojson").write_text(build(layers), encoding="utf-8")
    print(f"wrote {layers / 'corridors.geojson'}")
