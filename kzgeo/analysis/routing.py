"""The corridor layer as a network: shortest routes from a deposit or node to another.

An analyst's first question is how a deposit's product reaches the Black Sea
or Türkiye, and at what cost in distance, sea crossings, transshipments and
borders. This module answers it from the layers alone:

* :class:`Network` turns the layer with role ``legs`` into a
  :class:`networkx.MultiGraph` whose vertices are the ids of the layer with
  role ``nodes``. A leg that passes stations (its ``via`` field) is split at
  each of them, so a route may start, end or turn at any station. Each edge
  is weighted by the geodesic length (WGS84, :mod:`kzgeo.analysis.geodesy`)
  of its stretch of the drawn line and carries the leg's mode, status,
  countries and track gauge.
* A deposit joins the network at its railhead, by the feeder line or access
  road the table with role ``access`` declares. A deposit with no declared
  access is joined to the nearest network node by a straight line, and the
  route says so (``declared: false``): it is an assumption, not a track.
* :func:`find_route` returns a :class:`Route`: the legs in order, length by
  mode, the transshipments (mode and gauge changes) with where they happen,
  the borders crossed, and the transit times the sources publish for a
  stretch of it.
* :func:`to_market` compares, for every deposit, the routes to the markets
  named in :data:`kzgeo.settings.market_routes`.

Nothing here names a layer, table or field of the shipped data: every one is
found through its catalog role.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from kzgeo import settings
from kzgeo.analysis import geodesy
from kzgeo.dataset import Dataset, cell_value
from kzgeo.errors import CatalogError, KzgeoError
from kzgeo.io.readers import split_refs

log = logging.getLogger(__name__)

_PURPOSE = "routing"


class RouteError(KzgeoError, ValueError):
    """A place is unknown, or no route exists under the constraints given."""


@dataclass(frozen=True)
class Place:
    """A deposit or a network node, as a route's end or waypoint."""

    id: str
    kind: str  # "deposit" or "node"
    name: str
    point: Point
    country: str | None = None


@dataclass
class Route:
    """One route through the corridor network, ready to print, save or draw.

    ``legs`` are network legs in travel order (a leg used only in part is
    ``partial``); ``access`` holds the segments joining a deposit to its
    railhead, which are not corridor legs. ``by_mode`` sums to ``total_km``.
    """

    origin: Place
    destination: Place
    via: list[Place]
    include_planned: bool
    avoid: list[str]
    legs: list[dict[str, Any]]
    access: list[dict[str, Any]]
    transshipments: list[dict[str, Any]]
    borders: list[dict[str, Any]]
    transit_times: list[dict[str, Any]]
    straight_km: float
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: English names of every place the route touches, by id.
    names: dict[str, str] = field(default_factory=dict)
    #: The route's lines in travel order, each with what it is: ``("leg", i)`` for
    #: ``legs[i]`` (cut to the part used) or ``("access", i)`` for ``access[i]``.
    geometries: list[tuple[tuple[str, int], LineString]] = field(default_factory=list, repr=False)

    @property
    def total_km(self) -> float:
        return round(sum(leg["km"] for leg in self.legs) + sum(a["km"] for a in self.access), 1)

    @property
    def by_mode(self) -> dict[str, float]:
        """Km per mode (``access`` for the deposit access segments); the values sum to ``total_km``."""
        modes: dict[str, float] = {}
        for leg in self.legs:
            modes[leg["mode"]] = modes.get(leg["mode"], 0.0) + leg["km"]
        for seg in self.access:
            modes["access"] = modes.get("access", 0.0) + seg["km"]
        rounded = {mode: round(km, 1) for mode, km in modes.items()}
        # Rounding each mode may leave 0.1 km between the parts and the whole: give it to the longest.
        if rounded:
            gap = round(self.total_km - sum(rounded.values()), 1)
            longest = max(rounded, key=rounded.get)
            rounded[longest] = round(rounded[longest] + gap, 1)
        return rounded

    @property
    def not_operating_km(self) -> float:
        """Km on legs that are under construction or planned."""
        return round(sum(leg["km"] for leg in self.legs if not leg["operating"]), 1)

    def to_dict(self) -> dict[str, Any]:
        """The route as JSON-ready data (schema in the README)."""
        return {
            "from": _place_dict(self.origin),
            "to": _place_dict(self.destination),
            "via": [_place_dict(p) for p in self.via],
            "include_planned": self.include_planned,
            "avoid": list(self.avoid),
            "total_km": self.total_km,
            "straight_km": self.straight_km,
            "by_mode": self.by_mode,
            "not_operating_km": self.not_operating_km,
            "access": self.access,
            "legs": self.legs,
            "transshipments": self.transshipments,
            "borders": self.borders,
            "transit_times": self.transit_times,
            "sources": self.sources,
            "ellipsoid": "WGS84",
        }


def _km(km: float) -> float:
    """Km to one decimal, rounded as :func:`kzgeo.analysis.measures.leg_lengths` rounds."""
    return float(np.round(km, 1))


def _place_dict(place: Place) -> dict[str, Any]:
    return {"id": place.id, "kind": place.kind, "name": place.name}


def _fold(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


class Network:
    """The legs of one :class:`~kzgeo.dataset.Dataset` as a graph, with its places.

    Build it once and ask it many routes (:meth:`route`); :func:`find_route`
    builds one for a single question.
    """

    def __init__(self, data: Dataset):
        self.data = data
        cat = data.catalog
        self.legs_name = cat.require("legs", _PURPOSE)
        self.nodes_name = cat.require("nodes", _PURPOSE)
        self.deposits_name = cat.name_for("deposits")
        self.legs_spec = cat.layers[self.legs_name]
        self.nodes_spec = cat.layers[self.nodes_name]
        self._leg_field = {role: self.legs_spec.field(role) for role in ("from", "to", "mode", "status", "countries", "via", "gauge_mm", "sources")}
        for role in ("from", "to", "mode", "status"):
            if self._leg_field[role] is None:
                raise CatalogError(f'{cat.root / "catalog.toml"}: {self.legs_name} has no field with role = "{role}", which routing needs')
        self.places: dict[str, Place] = {}
        self._names: dict[str, set[str]] = {}
        self._index_places()
        self.graph = nx.MultiGraph()
        self.leg_rows: dict[str, dict[str, Any]] = {}
        self.leg_km: dict[str, float] = {}
        self._build_graph()

    # ------------------------------------------------------------ places
    def _spec_names(self, spec) -> list[str]:
        names = getattr(spec, "names", None) or {}
        fields = list(names.values())
        if spec.name_field not in fields:
            fields.insert(0, spec.name_field)
        return [f for f in fields if f in spec.field_names]

    def _index_places(self) -> None:
        country_field = self.nodes_spec.field("country")
        layers = [(self.nodes_name, self.nodes_spec, "node")]
        if self.deposits_name in self.data.layers:
            layers.append((self.deposits_name, self.data.catalog.layers[self.deposits_name], "deposit"))
        for layer, spec, kind in layers:
            name_fields = self._spec_names(spec)
            frame = self.data.layers[layer]
            for row in frame.to_dict("records"):
                pid = row[spec.key]
                if pid in self.places:
                    continue  # a node id wins over a deposit of the same id
                country = cell_value(row.get(country_field)) if kind == "node" and country_field else None
                self.places[pid] = Place(pid, kind, str(row[spec.name_field]), row["geometry"], country)
                for key in [pid, *(row[f] for f in name_fields)]:
                    if cell_value(key) is not None:
                        self._names.setdefault(_fold(key), set()).add(pid)

    def resolve(self, text: str) -> Place:
        """The place an id or name (any language, any case) stands for."""
        key = _fold(text)
        if key in self.places:
            return self.places[key]
        found = self._names.get(key, set())
        if len(found) == 1:
            return self.places[next(iter(found))]
        if len(found) > 1:
            raise RouteError(f'"{text}" names more than one place ({", ".join(sorted(found))}); give an id')
        close = difflib.get_close_matches(key, list(self._names), n=3, cutoff=0.75)
        files = " and ".join(self.data.catalog.layers[n].attributes for n in (self.nodes_name, self.deposits_name) if n in self.data.catalog.layers)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else f"; the ids and names are those in {files}"
        raise RouteError(f'unknown place "{text}": no deposit or node has this id or name{hint}')

    # ------------------------------------------------------------ graph
    def _via_ids(self, cell: Any) -> list[str]:
        """Stations a leg passes, by id or (for free-text via fields) by name."""
        ids = []
        for token in split_refs(cell) if cell_value(cell) is not None else []:
            key = _fold(token)
            if key in self.places and self.places[key].kind == "node":
                ids.append(key)
            elif len(found := {p for p in self._names.get(key, ()) if self.places[p].kind == "node"}) == 1:
                ids.append(found.pop())
            else:
                log.debug("via %r is not a node; the leg is not split there", token)
        return ids

    def _build_graph(self) -> None:
        f = self._leg_field
        frame = self.data.layers[self.legs_name]
        lengths = geodesy.length(frame.geometry)
        for row, length_m in zip(frame.to_dict("records"), lengths):
            lid = row[self.legs_spec.key]
            line = row["geometry"]
            self.leg_rows[lid] = row
            self.leg_km[lid] = float(length_m) / 1000
            via = self._via_ids(row.get(f["via"])) if f["via"] else []
            stops = [row[f["from"]], *via, row[f["to"]]]
            positions = [(0.0, 0.0)] + [_position(line, self.places[s].point) for s in stops[1:-1]] + [(float(length_m), line.length)]
            order = sorted(range(len(stops)), key=lambda i: positions[i][0])
            stops = [stops[i] for i in order]
            positions = [positions[i] for i in order]
            gauge = cell_value(row.get(f["gauge_mm"])) if f["gauge_mm"] else None
            countries = split_refs(row.get(f["countries"])) if f["countries"] else []
            parts = len(stops) - 1
            for k in range(parts):
                (a, (ma, pa)), (b, (mb, pb)) = (stops[k], positions[k]), (stops[k + 1], positions[k + 1])
                if a == b:
                    continue
                self.graph.add_edge(
                    a,
                    b,
                    key=f"{lid}#{k}",
                    leg=lid,
                    part=k,
                    parts=parts,
                    km=(mb - ma) / 1000,
                    start=a,
                    planar=(pa, pb),
                    mode=row[f["mode"]],
                    status=row[f["status"]],
                    countries=countries,
                    gauge=int(gauge) if gauge is not None else None,
                )

    def usable(self, include_planned: bool, avoid: Iterable[str]) -> nx.MultiGraph:
        """The graph cut down to the legs a route may use."""
        avoid = set(avoid)
        operating = set(settings.operating_statuses)

        def keep(u, v, key):
            e = self.graph.edges[u, v, key]
            if not include_planned and e["status"] not in operating:
                return False
            touched = set(e["countries"]) | {self.places[n].country for n in (u, v)}
            return not (touched & avoid)

        return nx.subgraph_view(self.graph, filter_edge=keep)

    # ------------------------------------------------------------ routes
    def route(
        self,
        origin: str,
        destination: str,
        *,
        via: Iterable[str] = (),
        include_planned: bool = False,
        avoid: Iterable[str] = (),
    ) -> Route:
        """The shortest route (by geodesic length) from ``origin`` to ``destination``.

        ``via`` places are passed in the order given; ``avoid`` lists country
        codes (ISO 3166-1 alpha-2) no leg or node of the route may be in. By
        default only operating legs are used; ``include_planned`` adds legs
        under construction and planned, and the route marks them.
        """
        start, end = self.resolve(origin), self.resolve(destination)
        stops = [start, *(self.resolve(v) for v in via), end]
        avoid = self._check_avoid(avoid, stops)
        base = self.usable(include_planned, avoid)
        graph = nx.MultiGraph(base)
        deposits = {p.id: p for p in stops if p.kind == "deposit"}
        for place in deposits.values():
            self._join_deposit(graph, place)
        if start.id == end.id and not [p for p in stops[1:-1] if p.id != start.id]:
            raise RouteError(f"{start.name} is both the start and the end; name two different places")
        path: list[tuple[str, str, str]] = []
        for a, b in zip(stops, stops[1:]):
            if a.id == b.id:
                continue
            self._check_on_network(graph, a, include_planned, avoid)
            self._check_on_network(graph, b, include_planned, avoid)
            # Another stop's deposit is a dead end, never a way through (its access lines are not track).
            leg_graph = nx.restricted_view(graph, set(deposits) - {a.id, b.id}, [])
            try:
                nodes = nx.dijkstra_path(leg_graph, a.id, b.id, weight="km")
            except nx.NetworkXNoPath:
                raise RouteError(_no_path(a, b, include_planned, avoid)) from None
            for u, v in zip(nodes, nodes[1:]):
                key = min(graph[u][v], key=lambda k: graph[u][v][k]["km"])
                path.append((u, v, key))
        return self._assemble(graph, path, start, end, stops[1:-1], include_planned, avoid)

    def _check_avoid(self, avoid: Iterable[str], stops: list[Place]) -> list[str]:
        codes = [c.strip().upper() for c in avoid if c.strip()]
        known = {c for _, _, e in self.graph.edges(data=True) for c in e["countries"]} | {p.country for p in self.places.values() if p.country}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise RouteError(f"--avoid {', '.join(unknown)}: no leg or node is in that country; the network's countries are {', '.join(sorted(known))}")
        for place in stops:
            if place.country in codes:
                raise RouteError(f"{place.name} is in {place.country}, which the route is asked to avoid")
        return codes

    def _check_on_network(self, graph: nx.MultiGraph, place: Place, include_planned: bool, avoid: list[str]) -> None:
        if place.id in graph and graph.degree(place.id) > 0:
            return
        if place.id in self.graph and not include_planned and all(
            e["status"] not in settings.operating_statuses for *_, e in self.graph.edges(place.id, data=True)
        ):
            raise RouteError(f"{place.name} lies only on legs that are not operating; add --include-planned to use them")
        if place.id in self.graph:
            raise RouteError(f"no route reaches {place.name} while avoiding {', '.join(avoid)}")
        raise RouteError(f"{place.name} is not on any corridor leg")

    def _join_deposit(self, graph: nx.MultiGraph, deposit: Place) -> None:
        """Join a deposit to the network by edges the route may take to or from it.

        Each declared railhead on a usable leg is one edge, at its published
        distance. With none declared, the deposit is joined, flagged as an
        assumption, to the nearest node of each connected part of the network
        (a feeder line the layers do not connect to the corridor is a part of
        its own): the route takes whichever reaches the other end.
        """
        on_network = {n for n in graph.nodes if graph.degree(n) > 0 and self.places[n].kind == "node"}
        declared = self._declared_access(deposit.id)
        if declared:
            segments = [d for d in declared if d["node"] in on_network]
            if not segments:
                railheads = ", ".join(self.places[d["node"]].name for d in declared)
                raise RouteError(f"{deposit.name} reaches the network at {railheads}, which no usable leg serves")
        else:
            if not on_network:
                raise RouteError(f"no corridor leg is usable to reach {deposit.name}")
            segments = []
            for part in nx.connected_components(graph.subgraph(on_network)):
                nodes = sorted(part)
                dist = geodesy.point_distance([deposit.point], [self.places[n].point for n in nodes])[0]
                i = int(np.nanargmin(dist))
                km = _km(float(dist[i]) / 1000)
                segments.append(
                    {
                        "id": None,
                        "deposit": deposit.id,
                        "node": nodes[i],
                        "kind": "straight line",
                        "declared": False,
                        "km": km,
                        "straight_km": km,
                        "basis": "straight line",
                        "note": "No railhead is declared for this deposit: it is joined to the nearest network node by a straight line, an assumption rather than a track.",
                        "sources": [],
                    }
                )
        for seg in segments:
            graph.add_edge(deposit.id, seg["node"], key=f"access:{deposit.id}:{seg['node']}", access=seg, km=seg["km"], mode="access", status=None, countries=[], gauge=None)

    def _declared_access(self, deposit_id: str) -> list[dict[str, Any]]:
        spec, frame = self.data.catalog.spec_for("access"), self.data.frame_for("access")
        if spec is None:
            return []
        col = {role: spec.field(role) for role in ("deposit", "node", "kind", "published_km", "note", "sources")}
        out = []
        for row in frame.to_dict("records"):
            if row[col["deposit"]] != deposit_id:
                continue
            node = row[col["node"]]
            straight = round(float(geodesy.point_distance([self.places[deposit_id].point], [self.places[node].point])[0, 0]) / 1000, 1)
            published = cell_value(row.get(col["published_km"])) if col["published_km"] else None
            out.append(
                {
                    "id": row[spec.key],
                    "deposit": deposit_id,
                    "node": node,
                    "kind": row[col["kind"]] if col["kind"] else "access",
                    "declared": True,
                    "km": _km(float(published)) if published is not None else straight,
                    "straight_km": straight,
                    "basis": "published" if published is not None else "straight line",
                    "note": cell_value(row.get(col["note"])) if col["note"] else None,
                    "sources": split_refs(row.get(col["sources"])) if col["sources"] else [],
                }
            )
        return out

    def _assemble(self, graph, path, start, end, via, include_planned, avoid) -> Route:
        legs: list[dict[str, Any]] = []
        access: list[dict[str, Any]] = []
        order: list[tuple[str, int]] = []  # what each stretch of the route is, in travel order
        operating = set(settings.operating_statuses)
        for u, v, key in path:
            e = graph.edges[u, v, key]
            if "access" in e:
                seg = dict(e["access"])
                seg["from"], seg["to"] = (u, v)
                access.append(seg)
                order.append(("access", len(access) - 1))
                continue
            forward = e["start"] == u
            lo, hi = e["planar"]
            if legs and legs[-1]["id"] == e["leg"] and legs[-1]["to"] == u and legs[-1]["_dir"] == forward:
                leg = legs[-1]
                leg["to"] = v
                leg["_km"] += e["km"]
                leg["_parts"] += 1
                leg["stops"].append(v)
                leg["_planar"] = (min(leg["_planar"][0], lo), max(leg["_planar"][1], hi))
            else:
                row = self.leg_rows[e["leg"]]
                order.append(("leg", len(legs)))
                legs.append(
                    {
                        "id": e["leg"],
                        "name": str(row[self.legs_spec.name_field]),
                        "mode": e["mode"],
                        "status": e["status"],
                        "operating": e["status"] in operating,
                        "km": 0.0,
                        "from": u,
                        "to": v,
                        "stops": [u, v],
                        "partial": False,
                        "gauge_mm": e["gauge"],
                        "countries": e["countries"],
                        "_km": e["km"],
                        "_parts": 1,
                        "_dir": forward,
                        "_of": e["parts"],
                        "_planar": (lo, hi),
                    }
                )
        lines: dict[tuple[str, int], LineString] = {}
        for i, leg in enumerate(legs):
            leg["partial"] = leg.pop("_parts") < leg.pop("_of")
            # A whole leg is exactly its length in the leg table; a part, its share of the line.
            leg["km"] = _km(self.leg_km[leg["id"]] if not leg["partial"] else leg["_km"])
            lo, hi = leg.pop("_planar")
            line = self.leg_rows[leg["id"]]["geometry"]
            piece = line if not leg["partial"] else substring(line, lo, hi)
            lines["leg", i] = piece if leg["_dir"] else shapely.reverse(piece)
            del leg["_km"], leg["_dir"]
        for i, seg in enumerate(access):
            lines["access", i] = LineString([self.places[seg["from"]].point, self.places[seg["to"]].point])
        route = Route(
            origin=start,
            destination=end,
            via=list(via),
            include_planned=include_planned,
            avoid=list(avoid),
            legs=legs,
            access=access,
            transshipments=_transshipments(legs, self.places),
            borders=_borders(legs, self.places),
            transit_times=self._transit_times(legs),
            straight_km=round(float(geodesy.point_distance([start.point], [end.point])[0, 0]) / 1000, 1),
            geometries=[(key, lines[key]) for key in order],
        )
        route.sources = self._sources(route)
        touched = [start, end, *via] + [self.places[s] for leg in legs for s in leg["stops"]] + [self.places[a["node"]] for a in access]
        route.names = {p.id: p.name for p in touched}
        return route

    def _transit_times(self, legs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        spec, frame = self.data.catalog.spec_for("transit_times"), self.data.frame_for("transit_times")
        if spec is None or not legs:
            return []
        col = {role: spec.field(role) for role in ("from", "to", "days_min", "days_max", "note", "sources")}
        sequence = [legs[0]["from"]] + [s for leg in legs for s in leg["stops"][1:]]
        first = {}
        for i, stop in enumerate(sequence):
            first.setdefault(stop, i)
        out = []
        for row in frame.to_dict("records"):
            a, b = row[col["from"]], row[col["to"]]
            if a in first and b in first and first[a] < first[b]:
                out.append(
                    {
                        "from": a,
                        "to": b,
                        "days_min": cell_value(row[col["days_min"]]),
                        "days_max": cell_value(row[col["days_max"]]),
                        "covers": "whole" if (first[a], first[b]) == (0, len(sequence) - 1) else "part",
                        "note": cell_value(row.get(col["note"])) if col["note"] else None,
                        "sources": split_refs(row.get(col["sources"])) if col["sources"] else [],
                    }
                )
        return out

    def _sources(self, route: Route) -> list[dict[str, Any]]:
        refs: list[str] = []
        src = self._leg_field["sources"]
        for leg in route.legs:
            refs += split_refs(self.leg_rows[leg["id"]].get(src)) if src else []
        for item in [*route.access, *route.transit_times]:
            refs += item["sources"]
        fields = ("id", "publisher", "title", "date", "url")
        return [{k: cell_value(s.get(k)) for k in fields} for s in self.data.cited(";".join(dict.fromkeys(refs)))]


def _position(line: LineString, point: Point) -> tuple[float, float]:
    """Where along ``line`` a station lies: (geodesic metres from the start, planar distance for cutting)."""
    coords = np.asarray(line.coords)[:, :2]
    a, b = coords[:-1], coords[1:]
    d = b - a
    seg_len2 = np.maximum((d**2).sum(axis=1), 1e-30)
    p = np.array([point.x, point.y])
    t = np.clip(((p - a) * d).sum(axis=1) / seg_len2, 0.0, 1.0)
    foot = a + t[:, None] * d
    i = int(np.argmin(((foot - p) ** 2).sum(axis=1)))
    _, _, seg_m = geodesy.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    into = geodesy.inv(a[i, 0], a[i, 1], foot[i, 0], foot[i, 1])[2][0]
    planar = float(np.sqrt(seg_len2[:i]).sum() + t[i] * np.sqrt(seg_len2[i]))
    return float(np.sum(seg_m[:i]) + into), planar


def _transshipments(legs: list[dict[str, Any]], places: dict[str, Place]) -> list[dict[str, Any]]:
    """Where the route changes mode (rail to sea) or track gauge.

    A mode change is at the node between the two legs. A gauge change is where
    a rail leg of one gauge follows one of another; when legs of unknown gauge
    lie between them (a planned link whose gauge no source gives), the change
    is somewhere on that stretch, and the entry says so.
    """
    out = []
    gauge, gauge_end, unknown = None, None, False
    for prev, nxt in zip([None, *legs], legs):
        at = nxt["from"]
        if prev is not None and prev["mode"] != nxt["mode"]:
            out.append({"at": at, "at_name": places[at].name, "kind": "mode", "from": prev["mode"], "to": nxt["mode"], "note": None})
            gauge, gauge_end, unknown = None, None, False
        if nxt["mode"] != "rail":
            continue
        if nxt["gauge_mm"] is None:
            unknown = unknown or gauge is not None
            continue
        if gauge is not None and nxt["gauge_mm"] != gauge:
            where = at if not unknown else gauge_end
            note = None if not unknown else f"the gauge changes between {places[gauge_end].name} and {places[at].name}; no source says where"
            out.append({"at": where, "at_name": places[where].name, "kind": "gauge", "from": gauge, "to": nxt["gauge_mm"], "note": note})
        gauge, gauge_end, unknown = nxt["gauge_mm"], nxt["to"], False
    return out


def _borders(legs: list[dict[str, Any]], places: dict[str, Place]) -> list[dict[str, Any]]:
    """Country changes along the route, in order, each with the leg it happens on."""
    out: list[dict[str, Any]] = []
    current = None
    for leg in legs:
        seen = [places[s].country for s in leg["stops"] if places[s].country]
        # A leg whose countries list one no station of it lies in (a stretch across a
        # country with no station drawn) passes through it between its ends.
        if not leg["partial"]:
            missing = [c for c in leg["countries"] if c not in seen]
            if missing and seen:
                seen = seen[:1] + missing + seen[1:]
        for country in seen:
            if current is not None and country != current:
                out.append({"from": current, "to": country, "leg": leg["id"]})
            current = country
    return out


def _no_path(a: Place, b: Place, include_planned: bool, avoid: list[str]) -> str:
    limits = ["operating legs only (--include-planned adds the rest)" if not include_planned else "all legs, planned ones included"]
    if avoid:
        limits.append(f"avoiding {', '.join(avoid)}")
    return f"no route from {a.name} to {b.name} on {' and '.join(limits)}"


def find_route(
    data: Dataset,
    origin: str,
    destination: str,
    *,
    via: Iterable[str] = (),
    include_planned: bool = False,
    avoid: Iterable[str] = (),
) -> Route:
    """The shortest route from ``origin`` to ``destination`` (ids or names of deposits or nodes).

    See :meth:`Network.route`; raises :class:`RouteError` for an unknown
    place or when no route exists under the constraints.
    """
    return Network(data).route(origin, destination, via=via, include_planned=include_planned, avoid=avoid)


def to_market(data: Dataset, markets: Iterable[settings.MarketRoute] | None = None) -> pd.DataFrame:
    """For every deposit, each market route side by side (one row per deposit and market).

    ``markets`` defaults to :data:`kzgeo.settings.market_routes`: Poti and
    Batumi through the Middle Corridor, Kars by the BTK railway, and TRIPP
    through Meghri with planned legs allowed. A market a deposit cannot reach
    under its constraints gets a row whose ``note`` says why.
    """
    network = Network(data)
    markets = [m for m in (markets if markets is not None else settings.market_routes) if _known(network, m)]
    name = data.catalog.require("deposits", "the to-market table")
    deposits, spec = data.layers[name], data.catalog.layers[name]
    rows = []
    for dep in deposits.to_dict("records"):
        for market in markets:
            base = {"deposit": dep[spec.key], "deposit_name": dep[spec.name_field], "market": market.label, "to": market.to}
            try:
                r = network.route(dep[spec.key], market.to, via=market.via, include_planned=market.include_planned, avoid=market.avoid)
            except RouteError as exc:
                rows.append({**base, "note": str(exc)})
                continue
            modes = r.by_mode
            rows.append(
                {
                    **base,
                    "total_km": r.total_km,
                    "rail_km": modes.get("rail", 0.0),
                    "sea_km": modes.get("sea", 0.0),
                    "access_km": modes.get("access", 0.0),
                    "not_operating_km": r.not_operating_km,
                    "straight_km": r.straight_km,
                    "transshipments": len(r.transshipments),
                    "borders": " ".join(f"{b['from']}→{b['to']}" for b in r.borders),
                    "access_declared": all(a["declared"] for a in r.access),
                    "transit_days": "; ".join(_days(t) for t in r.transit_times) or None,
                    "legs": ";".join(leg["id"] for leg in r.legs),
                    "note": None,
                }
            )
    columns = [
        "deposit", "deposit_name", "market", "to", "total_km", "rail_km", "sea_km", "access_km", "not_operating_km",
        "straight_km", "transshipments", "borders", "access_declared", "transit_days", "legs", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _known(network: Network, market: settings.MarketRoute) -> bool:
    """Whether the dataset has the market's places (a dataset of another region may not)."""
    try:
        for place in (market.to, *market.via):
            network.resolve(place)
    except RouteError:
        log.info("market %r left out: the layers lack its places", market.label)
        return False
    return True


def _days(t: dict[str, Any]) -> str:
    days = f"{t['days_min']:g}" if t["days_min"] == t["days_max"] else f"{t['days_min']:g}–{t['days_max']:g}"
    return f"{t['from']}→{t['to']} {days} days"
