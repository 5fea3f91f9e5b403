"""Corridor measures on a :class:`~kzgeo.dataset.Dataset`: leg and route lengths, deposit proximity.

Plain DataFrames computed with :mod:`kzgeo.analysis.geodesy` (WGS84, metres,
reported here in km). Drawn lines are only as good as the vertices they were
drawn through, so every route length sits beside the length the sources
publish: the gap is shown, not hidden. :mod:`kzgeo.report` formats these tables.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from kzgeo import geography
from kzgeo.analysis import geodesy
from kzgeo.catalog import CATALOG_NAME, LayerSpec, TableSpec
from kzgeo.dataset import Dataset
from kzgeo.errors import CatalogError
from kzgeo.io.readers import split_refs

log = logging.getLogger(__name__)

#: Default radius, in km, of "deposits within N km of a corridor leg".
DEFAULT_WITHIN_KM = 50.0


def _km(metres: Any) -> Any:
    return np.round(np.asarray(metres, dtype=float) / 1000, 1)


def _layer(data: Dataset, role: str, purpose: str) -> tuple[LayerSpec, gpd.GeoDataFrame]:
    """The spec and frame of the layer playing ``role``; a clean error when the dataset has none."""
    name = data.catalog.require(role, purpose)
    if name not in data.layers:
        raise CatalogError(f'{CATALOG_NAME} [tables.{name}]: role = "{role}" must be a layer (with geometry) for {purpose}')
    return data.catalog.layers[name], data.layers[name]


def _column(spec: TableSpec, frame: pd.DataFrame, role: str, purpose: str) -> pd.Series:
    """The column playing field role ``role``; a clean error naming the table when there is none."""
    field = spec.field(role)
    if field is None:
        raise CatalogError(f'{CATALOG_NAME} [{spec.name}]: no field has role = "{role}", which {purpose} needs')
    return frame[field]


def _optional(spec: TableSpec, frame: pd.DataFrame, role: str, default: Any) -> pd.Series:
    """The column playing ``role``, or ``default`` on every row when the table has none."""
    field = spec.field(role)
    return frame[field] if field else pd.Series([default] * len(frame), index=frame.index, dtype=object if isinstance(default, str) else float)


def _radius_m(spec: LayerSpec, frame: pd.DataFrame) -> np.ndarray:
    """Each feature's uncertainty radius in metres (0 where the layer states none)."""
    return _optional(spec, frame, "uncertainty", 0.0).to_numpy(dtype=float) * 1000


def leg_lengths(data: Dataset) -> pd.DataFrame:
    """Every corridor leg with its geodesic length (``computed_km``)."""
    spec, legs = _layer(data, "legs", "leg lengths")
    return pd.DataFrame(
        {
            "id": legs[spec.key],
            "name": legs[spec.name_field],
            "corridor": _optional(spec, legs, "corridor", None),
            "mode": _optional(spec, legs, "mode", None),
            "status": _optional(spec, legs, "status", None),
            "computed_km": _km(geodesy.length(legs.geometry)),
        }
    ).reset_index(drop=True)


def route_lengths(data: Dataset) -> pd.DataFrame:
    """Every route variant: the sum of its legs' lengths beside the published length.

    A route with a ``measured_in`` country code counts only the part of its
    legs inside that country (the shipped Natural Earth outlines), so a figure
    published for one country's section is compared like with like. A
    published range (``published_km_min`` to ``published_km_max``) counts as
    matched anywhere inside it. ``diff_pct`` is ``(computed - nearest published
    bound) / that bound * 100``: 0 inside a range, ``nan`` where nothing is
    published.
    """
    purpose = "route lengths"
    routes = data.frame_for("routes")
    spec = data.catalog.all_tables[data.catalog.require("routes", purpose)]
    leg_spec, legs = _layer(data, "legs", purpose)
    geometry = dict(zip(legs[leg_spec.key], legs.geometry))
    leg_m = dict(zip(legs[leg_spec.key], geodesy.length(legs.geometry)))
    measured_in = _optional(spec, routes, "measured_in", "")
    computed = []
    for cell, country in zip(_column(spec, routes, "legs", purpose), measured_in):
        ids = split_refs(cell)
        if isinstance(country, str) and country:
            parts = [geography.part_within(geometry[i], country) for i in ids]
            computed.append(float(np.nansum(geodesy.length(parts))))
        else:
            computed.append(sum(leg_m[i] for i in ids))
    computed_km = np.array(computed, dtype=float) / 1000
    published = _optional(spec, routes, "published_km", np.nan).to_numpy(dtype=float)
    low = _optional(spec, routes, "published_km_min", np.nan).to_numpy(dtype=float)
    high = _optional(spec, routes, "published_km_max", np.nan).to_numpy(dtype=float)
    low = np.where(np.isnan(low), published, low)
    high = np.where(np.isnan(high), published, high)
    bound = np.where(computed_km < low, low, np.where(computed_km > high, high, computed_km))
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(np.isnan(low), np.nan, (computed_km - bound) / bound * 100)
    return pd.DataFrame(
        {
            "id": routes[spec.key],
            "name": routes[spec.name_in("en")],
            "legs": _column(spec, routes, "legs", purpose),
            "measured_in": [c if isinstance(c, str) and c else None for c in measured_in],
            "computed_km": _km(computed_km * 1000),
            "published_km": published,
            "published_km_min": low,
            "published_km_max": high,
            "diff_pct": np.round(diff, 1),
            "source": _column(spec, routes, "sources", purpose),
            "note": _optional(spec, routes, "note", None),
            "difference_note": _optional(spec, routes, "difference_note", None),
        }
    ).reset_index(drop=True)


#: Node kinds where a train can be loaded: a deposit's railhead is one of these,
#: or a node where a rail leg ends.
RAILHEAD_KINDS = ("station", "junction", "railhead")


def railheads(data: Dataset) -> np.ndarray:
    """Positions (in the nodes layer) of the nodes where a deposit's ore could join the railway:
    nodes of a railhead kind (:data:`RAILHEAD_KINDS`) and the ends of every rail leg."""
    purpose = "the nearest railhead"
    (lspec, legs), (nspec, nodes) = (_layer(data, role, purpose) for role in ("legs", "nodes"))
    kinds = _optional(nspec, nodes, "kind", None)
    wanted = set(nodes[nspec.key][kinds.isin(RAILHEAD_KINDS)])
    mode = _optional(lspec, legs, "mode", None)
    rail = legs[(mode == "rail").to_numpy()]
    for role in ("from", "to"):
        field = lspec.field(role)
        if field:
            wanted |= set(rail[field].dropna())
    return np.flatnonzero(nodes[nspec.key].isin(wanted).to_numpy())


def deposit_proximity(data: Dataset, *, spacing: float = geodesy.DEFAULT_SPACING) -> pd.DataFrame:
    """For every deposit: where it is, how well that is known, and its nearest leg, node and railhead.

    ``lon``/``lat`` are the deposit's point, ``location_accuracy``,
    ``uncertainty_km``, ``location_note`` and ``sources`` say how sure that
    point is and who says so. Distances are from the point; the deposit lies
    somewhere within ``uncertainty_km`` of it (and a node within its own), so
    each distance comes with ``_min`` and ``_max``, the range the true
    distance can take. The railhead is the nearest node where the rail
    network can be joined (:func:`railheads`), as the crow flies.
    """
    purpose = "deposit proximity"
    (dspec, deposits), (lspec, legs), (nspec, nodes) = (_layer(data, role, purpose) for role in ("deposits", "legs", "nodes"))
    leg_i, leg_d = geodesy.nearest(geodesy.line_distance(deposits.geometry, legs.geometry, spacing=spacing))
    to_nodes = geodesy.point_distance(deposits.geometry, nodes.geometry)
    node_i, node_d = geodesy.nearest(to_nodes)
    rail = railheads(data)
    rail_j, rail_d = geodesy.nearest(to_nodes[:, rail]) if len(rail) else (np.full(len(deposits), -1), np.full(len(deposits), np.nan))
    rail_i = np.where(rail_j >= 0, rail[np.maximum(rail_j, 0)] if len(rail) else -1, -1)
    radius = _radius_m(dspec, deposits)
    node_radius = _radius_m(nspec, nodes)

    def pick(ids: pd.Series, index: np.ndarray) -> list[Any]:
        return [ids.iloc[i] if i >= 0 else None for i in index]

    def spread(index: np.ndarray) -> np.ndarray:
        return radius + np.array([node_radius[i] if i >= 0 else np.nan for i in index], dtype=float)

    node_spread, rail_spread = spread(node_i), spread(rail_i)
    precision = 5  # about a metre: enough to find the point again, no more than the data claims
    return pd.DataFrame(
        {
            "id": deposits[dspec.key],
            "name": deposits[dspec.name_field],
            "lon": np.round(deposits.geometry.x.to_numpy(), precision),
            "lat": np.round(deposits.geometry.y.to_numpy(), precision),
            "location_accuracy": _optional(dspec, deposits, "accuracy", "exact"),
            "uncertainty_km": _optional(dspec, deposits, "uncertainty", 0.0),
            "location_note": _optional(dspec, deposits, "location_note", None),
            "sources": _optional(dspec, deposits, "sources", None),
            "nearest_corridor_km": _km(leg_d),
            "nearest_corridor_km_min": _km(np.maximum(leg_d - radius, 0)),
            "nearest_corridor_km_max": _km(leg_d + radius),
            "nearest_leg": pick(legs[lspec.key], leg_i),
            "nearest_node": pick(nodes[nspec.key], node_i),
            "nearest_node_km": _km(node_d),
            "nearest_node_km_min": _km(np.maximum(node_d - node_spread, 0)),
            "nearest_node_km_max": _km(node_d + node_spread),
            "nearest_railhead": pick(nodes[nspec.key], rail_i),
            "nearest_railhead_km": _km(rail_d),
            "nearest_railhead_km_min": _km(np.maximum(rail_d - rail_spread, 0)),
            "nearest_railhead_km_max": _km(rail_d + rail_spread),
        }
    ).reset_index(drop=True)


def deposits_near(data: Dataset, km: float = DEFAULT_WITHIN_KM, *, spacing: float = geodesy.DEFAULT_SPACING) -> pd.DataFrame:
    """Every (deposit, corridor leg) pair that may be no more than ``km`` apart, nearest first.

    A pair is listed when the deposit's uncertainty circle reaches within
    ``km`` of the leg; ``certain`` is True when the whole circle does, so an
    approximate location is never reported as surely near. ``distance_km``
    is from the placed point; ``distance_km_min`` and ``_max`` are the range
    over the uncertainty circle.
    """
    purpose = "deposits near a corridor"
    (dspec, deposits), (lspec, legs) = (_layer(data, role, purpose) for role in ("deposits", "legs"))
    dist = geodesy.line_distance(deposits.geometry, legs.geometry, spacing=spacing)
    radius = _radius_m(dspec, deposits)[:, None]
    rows, cols = np.nonzero(dist - radius <= km * 1000)
    near = pd.DataFrame(
        {
            "deposit": deposits[dspec.key].to_numpy()[rows],
            "deposit_name": deposits[dspec.name_field].to_numpy()[rows],
            "leg": legs[lspec.key].to_numpy()[cols],
            "leg_name": legs[lspec.name_field].to_numpy()[cols],
            "distance_km": _km(dist[rows, cols]),
            "distance_km_min": _km(np.maximum(dist - radius, 0)[rows, cols]),
            "distance_km_max": _km((dist + radius)[rows, cols]),
            "certain": ((dist + radius)[rows, cols] <= km * 1000).astype(bool),
        }
    )
    return near.sort_values(["distance_km", "deposit", "leg"], kind="stable").reset_index(drop=True)


#: A corridor narrower than this (degrees of longitude) is named at every zoom and gets a zoom-to button (TRIPP in Syunik).
SMALL_CORRIDOR_DEG = 8.0


def corridor_groups(data: Dataset, shown: list[str]) -> list[dict[str, Any]]:
    """Each corridor (TRIPP, the Middle Corridor) of the shown leg layers: its name, a label point on its
    lines nearest the middle of its extent, and the extent (lon_min, lat_min, lon_max, lat_max)."""
    groups = []
    for layer in [n for n in shown if data.catalog.layers[n].role == "legs"]:
        frame = data.layers[layer]
        key = data.catalog.layers[layer].field("corridor")
        if key is None or frame.empty:
            continue
        for value, part in frame.groupby(key, sort=True):
            union = shapely.union_all(part.geometry.values)
            lon0, lat0, lon1, lat1 = union.bounds
            anchor = shapely.ops.nearest_points(union, shapely.Point((lon0 + lon1) / 2, (lat0 + lat1) / 2))[0]
            groups.append({"name": value, "lon": anchor.x, "lat": anchor.y, "bounds": [lon0, lat0, lon1, lat1]})
    return groups
