"""Corridor measures on a :class:`~kzgeo.dataset.Dataset`: leg and route lengths, deposit proximity.

Plain DataFrames computed with :mod:`kzgeo.analysis.geodesy` (WGS84, metres,
reported here in km). Drawn lines are only as good as the vertices they were
drawn through, so every route length sits beside the length the sources
publish: the gap is shown, not hidden. :mod:`kzgeo.report` formats these tables.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from kzgeo import geography
from kzgeo.analysis import geodesy
from kzgeo.dataset import Dataset
from kzgeo.io.readers import split_refs

log = logging.getLogger(__name__)

#: Default radius, in km, of "deposits within N km of a corridor leg".
DEFAULT_WITHIN_KM = 50.0


def _km(metres: Any) -> Any:
    return np.round(np.asarray(metres, dtype=float) / 1000, 1)


def leg_lengths(data: Dataset) -> pd.DataFrame:
    """Every corridor leg with its geodesic length (``computed_km``)."""
    legs = data.layers["corridors"]
    return pd.DataFrame(
        {
            "id": legs["id"],
            "name": legs["name_en"],
            "corridor": legs["corridor"],
            "mode": legs["mode"],
            "status": legs["status"],
            "computed_km": _km(geodesy.length(legs.geometry)),
        }
    ).reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str, dtype: str = "float") -> pd.Series:
    """A column the catalog may not declare (older layers): missing values where absent."""
    if name in frame:
        return frame[name]
    return pd.Series(np.nan if dtype == "float" else None, index=frame.index, dtype=dtype if dtype == "float" else object)


def route_lengths(data: Dataset) -> pd.DataFrame:
    """Every route variant: the sum of its legs' lengths beside the published length.

    A route with ``measured_in`` (a country code) counts only the part of its
    legs inside that country, so a figure published for one country's section
    is compared like with like. A published range (``published_km_min`` to
    ``published_km_max``) counts as matched anywhere inside it.
    ``diff_pct`` is ``(computed - nearest published bound) / that bound * 100``,
    0 inside a range and ``nan`` where nothing is published.
    """
    routes = data.tables["routes"]
    legs = data.layers["corridors"].set_index("id")
    leg_m = dict(zip(legs.index, geodesy.length(legs.geometry)))
    measured_in = _column(routes, "measured_in", "object")
    computed = []
    for cell, country in zip(routes["legs"], measured_in):
        ids = split_refs(cell)
        if isinstance(country, str) and country:
            parts = [geography.part_within(legs.geometry[i], country) for i in ids]
            computed.append(float(np.nansum(geodesy.length(parts))))
        else:
            computed.append(sum(leg_m[i] for i in ids))
    computed_km = np.array(computed, dtype=float) / 1000
    published = routes["published_km"].to_numpy(dtype=float)
    low = _column(routes, "published_km_min").to_numpy(dtype=float)
    high = _column(routes, "published_km_max").to_numpy(dtype=float)
    low = np.where(np.isnan(low), published, low)
    high = np.where(np.isnan(high), published, high)
    bound = np.where(computed_km < low, low, np.where(computed_km > high, high, computed_km))
    diff = np.where(np.isnan(low), np.nan, (computed_km - bound) / bound * 100)
    return pd.DataFrame(
        {
            "id": routes["id"],
            "name": routes["name_en"],
            "legs": routes["legs"],
            "measured_in": measured_in,
            "computed_km": _km(computed_km * 1000),
            "published_km": published,
            "published_km_min": low,
            "published_km_max": high,
            "diff_pct": np.round(diff, 1),
            "source": routes["sources"],
            "note": routes["published_note"],
            "difference_note": _column(routes, "difference_note", "object"),
        }
    ).reset_index(drop=True)


def deposit_proximity(data: Dataset, *, spacing: float = geodesy.DEFAULT_SPACING) -> pd.DataFrame:
    """For every deposit: the nearest corridor leg and the nearest node, with distances.

    Distances are from the deposit's point. The deposit lies somewhere
    within ``uncertainty_km`` of it (a few km for an exact location, tens or
    hundreds for an approximate one), so ``nearest_corridor_km_min`` and
    ``_max`` give the range the true distance can take.
    """
    deposits, legs, nodes = (data.layers[n] for n in ("deposits", "corridors", "nodes"))
    leg_i, leg_d = geodesy.nearest(geodesy.line_distance(deposits.geometry, legs.geometry, spacing=spacing))
    node_i, node_d = geodesy.nearest(geodesy.point_distance(deposits.geometry, nodes.geometry))
    radius = deposits["uncertainty_km"].to_numpy(dtype=float) * 1000

    def pick(ids: pd.Series, index: np.ndarray) -> list[Any]:
        return [ids.iloc[i] if i >= 0 else None for i in index]

    return pd.DataFrame(
        {
            "id": deposits["id"],
            "name": deposits["name_en"],
            "location_accuracy": deposits["location_accuracy"],
            "uncertainty_km": deposits["uncertainty_km"],
            "nearest_corridor_km": _km(leg_d),
            "nearest_corridor_km_min": _km(np.maximum(leg_d - radius, 0)),
            "nearest_corridor_km_max": _km(leg_d + radius),
            "nearest_leg": pick(legs["id"], leg_i),
            "nearest_node": pick(nodes["id"], node_i),
            "nearest_node_km": _km(node_d),
        }
    ).reset_index(drop=True)


def deposits_near(data: Dataset, km: float = DEFAULT_WITHIN_KM, *, spacing: float = geodesy.DEFAULT_SPACING) -> pd.DataFrame:
    """Every (deposit, corridor leg) pair that may be no more than ``km`` apart, nearest first.

    A pair is listed when the deposit's uncertainty circle reaches within
    ``km`` of the leg; ``certain`` is True when the whole circle does, so an
    approximate location is never reported as surely near.
    """
    deposits, legs = data.layers["deposits"], data.layers["corridors"]
    dist = geodesy.line_distance(deposits.geometry, legs.geometry, spacing=spacing)
    radius = deposits["uncertainty_km"].to_numpy(dtype=float)[:, None] * 1000
    rows, cols = np.nonzero(dist - radius <= km * 1000)
    near = pd.DataFrame(
        {
            "deposit": deposits["id"].to_numpy()[rows],
            "deposit_name": deposits["name_en"].to_numpy()[rows],
            "leg": legs["id"].to_numpy()[cols],
            "leg_name": legs["name_en"].to_numpy()[cols],
            "distance_km": _km(dist[rows, cols]),
            "certain": (dist + radius)[rows, cols] <= km * 1000,
        }
    )
    return near.sort_values(["distance_km", "deposit", "leg"], kind="stable").reset_index(drop=True)
