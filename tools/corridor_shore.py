"""Shape points along a lake shore, for a leg whose source says the line follows that shore.

The Kazakh Wikipedia article on the Aktogay–Dostyk railway says the line runs along
the south shore of Lake Alakol. This tool takes the lake's outline from Natural Earth's
1:10m lakes (public domain; ``10m/physical/ne_10m_lakes.7z`` in the public repository
martynafford/natural-earth-geojson, unpacked with ``7z x``), moves it ``offset_km``
inland, and returns the points of that inland line between the two shore points
nearest ``start`` and ``end``, going round the side of the lake named by ``side``
("south" or "north"), thinned to one point every ``step_km``.

    .venv/bin/python tools/corridor_shore.py ne_10m_lakes.json Alakol 81.38,46.05 82.14,45.75 south [--write LEG NODE]

With ``--write LEG NODE`` the points are stored in tools/corridor_waypoints.json as the
shape points after ``NODE`` in leg ``LEG`` (then run tools/build_corridors.py); without
it they are printed. The lake file is read only here: nothing at run time needs it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WAYPOINTS = Path(__file__).resolve().parent / "corridor_waypoints.json"


def shore_points(lakes: Path, name: str, start: tuple[float, float], end: tuple[float, float], side: str, offset_km: float = 1.5, step_km: float = 3.0) -> list[list[float]]:
    from kzgeo.geography import _apply, _to_lonlat, _to_metric

    features = [f for f in json.loads(lakes.read_text(encoding="utf-8"))["features"] if f["properties"].get("name") == name]
    if len(features) != 1:
        raise SystemExit(f"{lakes}: {len(features)} lakes named {name!r}, expected one")
    lake = _apply(_to_metric(), shape(features[0]["geometry"]))
    ring = np.asarray(lake.buffer(offset_km * 1000).exterior.coords)[:-1]
    fwd = _to_metric()
    a = int(np.argmin(np.hypot(*(ring - np.asarray(fwd.transform(*start))).T)))
    b = int(np.argmin(np.hypot(*(ring - np.asarray(fwd.transform(*end))).T)))
    one = ring[a : b + 1] if a <= b else np.concatenate([ring[a:], ring[: b + 1]])
    other = (ring[b : a + 1] if b <= a else np.concatenate([ring[b:], ring[: a + 1]]))[::-1]
    lat = lambda part: float(np.mean(np.asarray(_to_lonlat().transform(part[:, 0], part[:, 1]))[1]))
    path = min((one, other), key=lat) if side == "south" else max((one, other), key=lat)
    line = LineString(path)
    n = max(1, int(line.length / (step_km * 1000)))
    points = [line.interpolate(line.length * k / n) for k in range(n + 1)]
    lonlat = _apply(_to_lonlat(), shapely.MultiPoint(points))
    return [[round(p.x, 4), round(p.y, 4)] for p in lonlat.geoms]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lakes", type=Path)
    parser.add_argument("name")
    parser.add_argument("start")
    parser.add_argument("end")
    parser.add_argument("side", choices=["south", "north"])
    parser.add_argument("--offset-km", type=float, default=1.5)
    parser.add_argument("--step-km", type=float, default=3.0)
    parser.add_argument("--write", nargs=2, metavar=("LEG", "NODE"))
    args = parser.parse_args()
    coords = lambda text: tuple(float(v) for v in text.split(","))
    points = shore_points(args.lakes, args.name, coords(args.start), coords(args.end), args.side, args.offset_km, args.step_km)
    if not args.write:
        print(json.dumps(points))
        return
    data = json.loads(WAYPOINTS.read_text(encoding="utf-8"))
    leg, node = args.write
    data["legs"].setdefault(leg, {})[node] = points
    WAYPOINTS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(points)} points after {node} in {leg} to {WAYPOINTS}")


if __name__ == "__main__":
    main()
