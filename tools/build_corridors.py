"""Draw layers/corridors.geojson from the corridor table and the node layer.

Each leg's line is drawn through its ``from_node``, every node listed in its
``via`` (in order) and its ``to_node``, using the node coordinates in
layers/nodes.geojson, so a leg passes the stations it names (on the Aras, see below) and ends
exactly on its nodes. Between two named nodes the line is straight unless
tools/corridor_waypoints.json gives unnamed shape points for that stretch
(sea lanes kept off the land, a planned link kept off the sea, a coastal
line kept on the shore); each such stretch is described in the leg's
``geometry_note``. A stretch may instead name OpenStreetMap station nodes,
``{"osm_stations": [id, ...]}``, which are drawn at their positions in
tools/sources/osm_stations.json (see tools/osm_stations.py).

A stretch with ``"track": "osm"`` (and, optionally, ``"osm_stations"``) follows
OpenStreetMap's track instead (tools/sources/osm_railways_caucasus.json.gz, see
tools/osm_railways.py): from the node to each listed station in turn and on to the next
node, along the shortest way over the ways tagged ``railway=rail``. The stations keep
the search on the line where a junction offers a shorter branch; a way more than
:data:`TRACK_DETOUR` times the chord, or a point more than :data:`TRACK_SNAP_KM` from
the track, stops the build instead of drawing a wrong line. The path is simplified to
:data:`TRACK_TOLERANCE_M`, which keeps the file small and the length to within a few
metres a kilometre.

The Aras stretches of the TRIPP route use ``{"along": "aras_osm"}`` instead: the
line follows OpenStreetMap's Aras (tools/sources/aras_osm.json, the border the
shipped outlines carry there) moved :data:`ARAS_BANK_KM` north, from the point
nearest one station to the point nearest the next. The old line ran, and the new
one runs, on the river's north bank; sampling by longitude would cut the river's
bends and lose about a tenth of its length. A station between two such stretches
is a town point a kilometre or two up from the river, where the station itself
is not sourced: the line passes it on the bank instead of running up to the town
and back, which would add track that does not exist.

    .venv/bin/python tools/build_corridors.py [layers_dir]

The output is deterministic: rebuild after editing nodes or legs, then run
``kzgeo validate``, which checks the drawn lines against country outlines.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAYPOINTS = Path(__file__).resolve().parent / "corridor_waypoints.json"
ARAS = Path(__file__).resolve().parent / "sources" / "aras_osm.json"
OSM_STATIONS = Path(__file__).resolve().parent / "sources" / "osm_stations.json"
OSM_RAILWAYS = Path(__file__).resolve().parent / "sources" / "osm_railways_caucasus.json.gz"

#: Furthest a station or node may stand from OpenStreetMap's track for a stretch to follow it, in km.
#: A station node stands beside its tracks (at most 0.4 km here); a town centre further off is
#: not a point on the line.
TRACK_SNAP_KM = 1.5
#: Longest a followed stretch may be against its chord (plus 3 km, for a line that leaves a
#: station the other way round a city): more means the search took another line.
TRACK_DETOUR = 1.6
#: Douglas-Peucker tolerance for a followed stretch, in metres (the map's closest zoom shows ~5 m a pixel).
TRACK_TOLERANCE_M = 15.0

#: How far north of OpenStreetMap's Aras (the border line) the Aras legs are drawn, in km.
#: The river is some 50-150 m wide here and the track keeps to the terrace above its left
#: bank (Bartaz and Nrnadzor, both on the old line, stand 0.4 and 1.9 km from the border
#: line); half a kilometre keeps the drawn track clear of the water at the map's closest
#: zoom and well inside the 2 km tolerance of the checks.
ARAS_BANK_KM = 0.5

def along_aras(start: list[float], end: list[float], offset_km: float = ARAS_BANK_KM) -> list[list[float]]:
    """Points of OpenStreetMap's Aras moved ``offset_km`` north, from the point nearest ``start`` to the one nearest ``end``."""
    from shapely import LineString, Point
    from shapely.ops import substring

    from kzgeo.geography import _apply, _to_lonlat, _to_metric

    river = _apply(_to_metric(), LineString(json.loads(ARAS.read_text(encoding="utf-8"))["line"]))
    # The line runs west to east, so its left side (a positive offset) is the north bank.
    bank = river.offset_curve(offset_km * 1000, join_style="round")
    if bank.geom_type != "LineString":
        raise SystemExit(f"{ARAS}: the river moved {offset_km} km north is not one line")
    a, b = (bank.project(_apply(_to_metric(), Point(p))) for p in (start, end))
    part = substring(bank, a, b)
    lonlat = _apply(_to_lonlat(), part)
    return [[round(x, 4), round(y, 4)] for x, y in lonlat.coords]


@functools.cache
def _osm_positions() -> dict[int, list[float]]:
    """OpenStreetMap station id -> [lon, lat], read once per run."""
    return {s["id"]: [s["lon"], s["lat"]] for s in json.loads(OSM_STATIONS.read_text(encoding="utf-8"))["stations"]}


def osm_station_points(ids: list[int]) -> list[list[float]]:
    """The positions of the OpenStreetMap stations ``ids`` (tools/sources/osm_stations.json), in order.

    Where the stations between two named nodes have no other sourced coordinate, the line
    is drawn through OpenStreetMap's station nodes; each is kept by id, so the drawn line
    can be traced back to the node it passes.
    """
    known = _osm_positions()
    missing = [i for i in ids if i not in known]
    if missing:
        raise SystemExit(f"{WAYPOINTS}: OpenStreetMap stations {missing} are not in {OSM_STATIONS}")
    return [known[i] for i in ids]


@functools.cache
def _track() -> tuple:
    """OpenStreetMap's operating track as a networkx graph (edge weight ``km``, WGS84 geodesics) and its vertices (lon, lat).

    Ways that meet share a point, so two ways join where their points are equal.
    """
    import gzip

    import networkx as nx
    import numpy as np

    from kzgeo.analysis import geodesy

    ways = json.loads(gzip.decompress(OSM_RAILWAYS.read_bytes()))["ways"]
    index: dict[tuple[float, float], int] = {}
    edges = []
    for way in ways:
        if way["railway"] != "rail":
            continue
        ids = [index.setdefault((x, y), len(index)) for x, y in way["points"]]
        edges.extend(zip(ids, ids[1:]))
    vertices = np.array(list(index), dtype=float)
    a, b = np.array(edges).T
    km = geodesy.inv(vertices[a, 0], vertices[a, 1], vertices[b, 0], vertices[b, 1])[2] / 1000
    graph = nx.Graph()
    graph.add_weighted_edges_from(zip(a.tolist(), b.tolist(), km.tolist()), weight="km")
    return graph, vertices


def along_track(points: list[list[float]], where: str) -> list[list[float]]:
    """OpenStreetMap's track from ``points[0]`` through each point in turn to ``points[-1]``, without the two ends."""
    import networkx as nx
    import numpy as np
    from shapely import LineString

    from kzgeo.analysis import geodesy
    from kzgeo.geography import _apply, _to_lonlat, _to_metric

    graph, vertices = _track()
    lon, lat = np.array(points, dtype=float).T
    scale = np.cos(np.radians(vertices[:, 1]))
    # The nearest vertex in a locally scaled plane, then its true (geodesic) distance.
    snapped = [int(np.argmin(((vertices[:, 0] - x) * scale) ** 2 + (vertices[:, 1] - y) ** 2)) for x, y in zip(lon, lat)]
    off = geodesy.inv(lon, lat, vertices[snapped, 0], vertices[snapped, 1])[2] / 1000
    for p, km in zip(points, off):
        if km > TRACK_SNAP_KM:
            raise SystemExit(f"{WAYPOINTS}: {where}: {p} is {km:.1f} km from OpenStreetMap's track (at most {TRACK_SNAP_KM})")
    chords = geodesy.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2] / 1000
    path = [snapped[0]]
    for a, b, p, q, chord in zip(snapped, snapped[1:], points, points[1:], chords):
        try:
            km, step = nx.bidirectional_dijkstra(graph, a, b, weight="km")
        except nx.NetworkXNoPath:
            raise SystemExit(f"{WAYPOINTS}: {where}: no OpenStreetMap track joins {p} and {q}") from None
        if km > TRACK_DETOUR * chord + 3.0:
            raise SystemExit(f"{WAYPOINTS}: {where}: the track from {p} to {q} is {km:.1f} km against a {chord:.1f} km chord: another line?")
        path.extend(step[1:])
    line = LineString(vertices[path])
    simple = _apply(_to_lonlat(), _apply(_to_metric(), line).simplify(TRACK_TOLERANCE_M))
    return [[round(x, 5), round(y, 5)] for x, y in simple.coords]


def build(layers: Path) -> str:
    nodes = {f["id"]: f["geometry"]["coordinates"] for f in json.loads((layers / "nodes.geojson").read_text(encoding="utf-8"))["features"]}
    shape = json.loads(WAYPOINTS.read_text(encoding="utf-8"))["legs"]
    features = []
    with (layers / "corridors.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            stops = [row["from_node"], *[v for v in row["via"].split(";") if v], row["to_node"]]
            extra = shape.get(row["id"], {})
            coords = []
            on_bank = False  # the stretch just drawn follows the river bank
            for stop, after in zip(stops, [*stops[1:], None]):
                shape_points = extra.get(stop, [])
                if isinstance(shape_points, dict) and shape_points.get("track") == "osm":
                    stations = osm_station_points(shape_points.get("osm_stations", []))
                    shape_points = along_track([nodes[stop], *stations, nodes[after]], f"{row['id']} after {stop}")
                elif isinstance(shape_points, dict) and "osm_stations" in shape_points:
                    shape_points = osm_station_points(shape_points["osm_stations"])
                follows = isinstance(shape_points, dict) and after is not None and "along" in shape_points
                if not (on_bank and follows):
                    coords.append(nodes[stop])
                on_bank = follows
                if follows:
                    shape_points = along_aras(nodes[stop], nodes[after])
                    if coords[-1] == shape_points[0]:
                        shape_points = shape_points[1:]
                coords.extend(shape_points)
            features.append({"type": "Feature", "id": row["id"], "properties": {"id": row["id"]}, "geometry": {"type": "LineString", "coordinates": coords}})
    lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return '{"type": "FeatureCollection", "features": [\n' + lines + "\n]}\n"


if __name__ == "__main__":
    layers = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "layers"
    (layers / "corridors.geojson").write_text(build(layers), encoding="utf-8")
    print(f"wrote {layers / 'corridors.geojson'}")
