"""Geography checks: is every place where its attributes say it is?

:func:`check_geography` takes the features and rows :mod:`kzgeo.dataset` has
read and returns a :class:`~kzgeo.errors.Problem` for each of these faults:

- a node that lies outside its ``country``;
- a leg whose first or last vertex is not at its ``from_node`` or ``to_node``;
- a leg that does not pass a station it names in ``via``;
- a rail leg that runs over the sea, or through a country missing from its
  ``countries``: more than 2 km beyond the shore or border, or for more than
  3 km however close to it;
- a sea leg that crosses land away from its two ports.

The country shapes are Natural Earth's 1:10m outlines (public domain), with the
border of Iran along the Aras from OpenStreetMap (© OpenStreetMap contributors,
ODbL 1.0), shipped as package data (``kzgeo/data/countries.geojson``, built by
``tools/make_countries.py``). Areas
outside every country (the Caspian, the Black Sea) count as sea. Every test
allows :data:`TOLERANCE_M` (2 km), about the error of a settlement centre that
stands for a station and of the simplified outlines at a border or coast.
Within that distance of a station a leg names, the station's own checked
coordinate decides, not the outline: a settlement point standing in for a
station may lie on the wrong side of a simplified border.

Distances are measured in an equidistant conic projection fitted to the region
(standard parallels 38° and 52° N), whose scale error is under 2 % from
Türkiye to western China: ample for a 2 km tolerance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely import Point, box
from shapely.strtree import STRtree

from kzgeo.errors import Problem
from kzgeo.io.readers import split_refs

#: Allowed gap, in metres, at borders, coasts and line ends.
TOLERANCE_M = 2_000.0

#: How far, in metres, a station named in ``via`` may lie from its leg.
VIA_TOLERANCE_M = 3_000.0

#: A rail leg may leave the coastline, or cross into a country not among its
#: ``countries``, for at most this many metres (a chord across a bay or a river
#: bend); a longer stretch is an error even when it stays within
#: :data:`TOLERANCE_M` of the shore or border.
SEA_STRETCH_M = 3_000.0

#: Shorter stretches outside the allowed area are ignored (rounding noise).
MIN_STRETCH_M = 50.0

_PROJ = "+proj=eqdc +lat_0=45 +lat_1=38 +lat_2=52 +lon_0=60 +datum=WGS84 +units=m +no_defs"


@lru_cache(maxsize=1)
def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", _PROJ, always_xy=True)


@lru_cache(maxsize=1)
def _to_lonlat() -> Transformer:
    return Transformer.from_crs(_PROJ, "EPSG:4326", always_xy=True)


def _apply(transformer: Transformer, geom: shapely.Geometry) -> shapely.Geometry:
    # Lists, not arrays: pyproj first tries its one-point path, and under numpy 1.x a
    # one-element array passed there converts with a DeprecationWarning instead of
    # falling back to the array path (legs and nodes are small, so the lists cost nothing).
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0].tolist(), xy[:, 1].tolist())))


def _project(geom: shapely.Geometry) -> shapely.Geometry:
    return _apply(_to_metric(), geom)


def _lonlat(point: Point) -> tuple[float, float]:
    return _to_lonlat().transform(point.x, point.y)


class Countries:
    """Country outlines in metres, looked up by ISO 3166-1 alpha-2 code."""

    def __init__(self, features: Sequence[Mapping[str, Any]]):
        self.codes: list[str] = []
        self.names: list[str] = []
        shapes = []
        for f in features:
            self.codes.append(f["properties"].get("iso_a2") or "")
            self.names.append(f["properties"]["name"])
            shapes.append(_project(shapely.geometry.shape(f["geometry"])))
        self.shapes = shapes
        self.tree = STRtree(shapes)
        self._by_code: dict[str, list[shapely.Geometry]] = {}
        for code, shape in zip(self.codes, shapes):
            self._by_code.setdefault(code, []).append(shape)

    def known(self, code: str) -> bool:
        return code in self._by_code

    def name(self, code: str) -> str:
        return self.names[self.codes.index(code)] if code in self.codes else code

    def union(self, codes: Sequence[str], window: shapely.Geometry) -> shapely.Geometry:
        """The named countries, clipped to ``window`` (for speed), as one shape."""
        parts = [s.intersection(window) for c in codes for s in self._by_code.get(c, [])]
        return shapely.union_all([p for p in parts if not p.is_empty]) if parts else shapely.Polygon()

    def land(self, window: shapely.Geometry) -> shapely.Geometry:
        parts = [self.shapes[i].intersection(window) for i in self.tree.query(window)]
        return shapely.union_all([p for p in parts if not p.is_empty]) if parts else shapely.Polygon()

    def at(self, point: Point) -> tuple[str, str] | None:
        """(code, name) of the country containing ``point``, or None at sea."""
        for i in self.tree.query(point, predicate="intersects"):
            return self.codes[i], self.names[i]
        return None


@lru_cache(maxsize=1)
def shipped_countries() -> Countries:
    """The country outlines shipped with kzgeo (Natural Earth 1:10m, public domain; the Aras border from OpenStreetMap, ODbL)."""
    text = resources.files("kzgeo").joinpath("data/countries.geojson").read_text(encoding="utf-8")
    return Countries(json.loads(text)["features"])


def _where(point: Point) -> str:
    lon, lat = _lonlat(point)
    return f"{abs(lat):.2f} {'N' if lat >= 0 else 'S'} {abs(lon):.2f} {'E' if lon >= 0 else 'W'}"


def _km(metres: float) -> str:
    return f"{metres / 1000:,.1f} km"


def _pieces(geom: shapely.Geometry) -> list[shapely.Geometry]:
    if geom.is_empty:
        return []
    return [g for g in getattr(geom, "geoms", [geom]) if g.length >= MIN_STRETCH_M]


def _place(countries: Countries, piece: shapely.Geometry) -> str:
    """What lies under a stretch of line: a country's name and code, or the sea."""
    mid = piece.interpolate(0.5, normalized=True)
    found = countries.at(mid)
    if found is None:
        return "over the sea"
    code, name = found
    return f"through {name} ({code})" if code else f"through {name}"


def _leg_problems(
    leg_id: str,
    line: shapely.Geometry,
    mode: str,
    codes: list[str],
    end_zones: list[shapely.Geometry],
    countries: Countries,
    file: str,
    station_zones: Sequence[shapely.Geometry] = (),
) -> list[Problem]:
    where = f'feature "{leg_id}"'
    window = box(*line.bounds).buffer(50_000)
    problems = []
    if mode == "sea":
        land = countries.land(window).buffer(-TOLERANCE_M)
        crossing = line.intersection(land)
        for zone in end_zones:
            crossing = crossing.difference(zone)
        for piece in _pieces(crossing):
            problems.append(
                Problem(file, where, f"sea leg crosses land {_place(countries, piece)} for {_km(piece.length)} around {_where(piece.interpolate(0.5, normalized=True))}")
            )
        return problems
    unknown = [c for c in codes if not countries.known(c)]
    if unknown:
        return [Problem(file, where, f"countries: {', '.join(unknown)} is not a country code in the shipped outlines")]
    allowed = countries.union(codes, window)
    # Within TOLERANCE_M of a named station the station's own (checked)
    # coordinate decides; the outline's error there is not held against the line.
    for zone in station_zones:
        line = line.difference(zone)
    for piece in _pieces(line.difference(allowed)):
        place = _place(countries, piece)
        if place == "over the sea":
            continue  # measured against the coast below
        away = max(allowed.distance(piece.interpolate(i / 20, normalized=True)) for i in range(21))
        if piece.length > SEA_STRETCH_M or away > TOLERANCE_M:
            problems.append(
                Problem(
                    file,
                    where,
                    f"rail leg runs {place}, which is not among its countries ({';'.join(codes)}), for {_km(piece.length)} "
                    f"(up to {_km(away)} across the border) around {_where(piece.interpolate(0.5, normalized=True))}",
                )
            )
    land = countries.land(window)
    for piece in _pieces(line.difference(land)):
        offshore = max(land.distance(piece.interpolate(i / 20, normalized=True)) for i in range(21))
        if piece.length > SEA_STRETCH_M or offshore > TOLERANCE_M:
            problems.append(
                Problem(file, where, f"rail leg runs over the sea for {_km(piece.length)} (up to {_km(offshore)} from the shore) around {_where(piece.interpolate(0.5, normalized=True))}")
            )
    return problems


def densified(geom: shapely.Geometry, step_m: float = 1_000.0) -> list[tuple[float, float]]:
    """Lon/lat points along a line at most ``step_m`` apart (measured in the checking projection)."""
    metric = _project(geom)
    n = max(int(metric.length // step_m), 1)
    points = [metric.interpolate(i / n, normalized=True) for i in range(n + 1)]
    return [_lonlat(p) for p in points]


def part_within(geom: shapely.Geometry | None, code: str, countries: Countries | None = None) -> shapely.Geometry | None:
    """The part of a lon/lat geometry inside country ``code``, in lon/lat (None for None)."""
    if geom is None or geom.is_empty:
        return geom
    countries = countries or shipped_countries()
    metric = _project(geom)
    inside = metric.intersection(countries.union([code], box(*metric.bounds).buffer(10_000)))
    return _apply(_to_lonlat(), inside)


def check_geography(
    legs: Sequence[Any],
    leg_rows: Sequence[Mapping[str, Any]],
    nodes: Sequence[Any],
    node_rows: Sequence[Mapping[str, Any]],
    *,
    legs_file: str = "corridors.geojson",
    nodes_file: str = "nodes.geojson",
    countries: Countries | None = None,
) -> list[Problem]:
    """Every geographic fault in the legs and nodes, each naming file, feature and place.

    ``legs`` and ``nodes`` are features as read (``.id`` and ``.geometry`` in
    lon/lat); ``leg_rows`` and ``node_rows`` their attribute rows, keyed by
    ``id``. Leg rows use ``mode``, ``countries``, ``from_node``, ``to_node``
    and ``via``; node rows ``country`` and ``uncertainty_km``.
    """
    countries = countries or shipped_countries()
    problems: list[Problem] = []
    node_row = {r["id"]: r for r in node_rows}
    node_xy: dict[str, Point] = {}
    for f in nodes:
        if f.geometry is None or f.geometry.is_empty or f.geometry.geom_type != "Point":
            continue
        p = _project(f.geometry)
        node_xy[f.id] = p
        code = (node_row.get(f.id) or {}).get("country")
        if not code:
            continue
        if not countries.known(code):
            problems.append(Problem(nodes_file, f'feature "{f.id}"', f"country: {code} is not a country code in the shipped outlines"))
            continue
        home = countries.union([code], p.buffer(TOLERANCE_M * 20))
        gap = home.distance(p) if not home.is_empty else math.inf
        if gap > TOLERANCE_M:
            found = countries.at(p)
            place = "at sea" if found is None else f"in {found[1]}" + (f" ({found[0]})" if found[0] else "")
            off = f"{_km(gap)} from {code}" if math.isfinite(gap) else f"more than {_km(TOLERANCE_M * 20)} from {code}"
            problems.append(Problem(nodes_file, f'feature "{f.id}"', f"lies {place} at {_where(p)}, {off}"))
    row_of = {r["id"]: r for r in leg_rows}
    for f in legs:
        row = row_of.get(f.id)
        if row is None or f.geometry is None or f.geometry.is_empty:
            continue
        line = _project(f.geometry)
        where = f'feature "{f.id}"'
        coords = list(line.coords) if line.geom_type == "LineString" else []
        ends = {"from_node": Point(coords[0]) if coords else None, "to_node": Point(coords[-1]) if coords else None}
        zones = []
        for field, end in ends.items():
            node = row.get(field)
            if node in node_xy and end is not None:
                gap = end.distance(node_xy[node])
                if gap > TOLERANCE_M:
                    problems.append(Problem(legs_file, where, f"{field} {node}: the line ends {_km(gap)} away from it, at {_where(end)}"))
                radius = float((node_row.get(node) or {}).get("uncertainty_km") or 0) * 1000
                zones.append(node_xy[node].buffer(radius + TOLERANCE_M))
        stations = [node_xy[n] for n in (row.get("from_node"), row.get("to_node")) if n in node_xy]
        for node in split_refs(row.get("via")):
            if node in node_xy:
                stations.append(node_xy[node])
                gap = line.distance(node_xy[node])
                if gap > VIA_TOLERANCE_M:
                    problems.append(Problem(legs_file, where, f"via {node}: the line passes {_km(gap)} from it ({_where(node_xy[node])})"))
        codes = [c for c in split_refs(row.get("countries")) if c]
        station_zones = [p.buffer(TOLERANCE_M) for p in stations]
        problems += _leg_problems(f.id, line, str(row.get("mode") or ""), codes, zones, countries, legs_file, station_zones)
    return problems


def check_dataset_geography(catalog: Any, features: Mapping[str, Sequence[Any]], rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Problem]:
    """:func:`check_geography` on the catalog's legs and nodes (``role = "legs"`` and ``"nodes"``), when it has both.

    Fields are found by their roles (``from``, ``to``, ``via``, ``mode``,
    ``countries``; ``country``, ``uncertainty``), so the check reads any
    dataset whose catalog declares them; a role it lacks is simply not checked.
    """
    legs, nodes = catalog.name_for("legs"), catalog.name_for("nodes")
    if legs is None or nodes is None or legs not in features or nodes not in features:
        return []
    leg_spec, node_spec = catalog.layers[legs], catalog.layers[nodes]

    def canonical(spec: Any, table: Sequence[Mapping[str, Any]], roles: dict[str, str]) -> list[dict[str, Any]]:
        fields = {key: spec.field(role) for key, role in roles.items()}
        return [{"id": r[spec.key], **{key: (r.get(f) if f else None) for key, f in fields.items()}} for r in table]

    leg_rows = canonical(leg_spec, rows[legs], {"from_node": "from", "to_node": "to", "via": "via", "mode": "mode", "countries": "countries"})
    node_rows = canonical(node_spec, rows[nodes], {"country": "country", "uncertainty_km": "uncertainty"})
    return check_geography(features[legs], leg_rows, features[nodes], node_rows, legs_file=leg_spec.geometry, nodes_file=node_spec.geometry)
