"""What a map shows, checked like a map spec: data, layers, filters and view from Python.

:func:`kzgeo.render_map` and :func:`kzgeo.printmap.render_static` take their
arguments from code, where nothing like TOML parsing has looked at them. An
unknown layer, a misspelt field or id, a string where a list belongs, a
boolean mask or a GeoDataFrame where ids belong, a view that is not four
degrees or that misses every feature (as a swapped lat/lon does): each raises
:class:`~kzgeo.errors.MapArgumentError` naming the problem and the valid
choices, instead of an empty layer or a map of the Arctic.

An analyst's own GeoDataFrames come in here too (:func:`frames_argument`):
each is checked for a geometry column and a CRS and reprojected to EPSG:4326,
as geopandas' ``explore`` does.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kzgeo.dataset import Dataset
from kzgeo.errors import CrsError, MapArgumentError
from kzgeo.io.readers import split_refs

#: How many unknown ids an error message lists before it says "and N more".
_SHOWN = 5


def _names(values: Any) -> str:
    values = [str(v) for v in values]
    more = f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else ""
    return ", ".join(values[:_SHOWN]) + more


def _kind(value: Any) -> str:
    """What a wrong argument is, in words ("a GeoDataFrame", "the string 'x'", "an int")."""
    if isinstance(value, gpd.GeoDataFrame):
        return "a GeoDataFrame"
    if isinstance(value, pd.DataFrame):
        return "a DataFrame"
    if isinstance(value, str):
        return f"the string {value!r}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def frames_argument(data: Any) -> dict[str, gpd.GeoDataFrame]:
    """An analyst's frames by name, each in EPSG:4326: one GeoDataFrame (named ``"layer"``)
    or a mapping of names to GeoDataFrames.

    A frame without a CRS is refused (kzgeo will not guess whether numbers are
    degrees or metres); any other CRS is transformed to longitude/latitude.
    """
    if isinstance(data, gpd.GeoDataFrame):
        frames = {"layer": data}
    elif isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
        frames = dict(data)
        if not frames:
            raise MapArgumentError("render_map got an empty mapping; give it layer names mapped to GeoDataFrames")
    else:
        raise MapArgumentError(f"render_map draws a Dataset (kzgeo.read_layers), a GeoDataFrame or a mapping of names to GeoDataFrames, not {_kind(data)}")
    out = {}
    for name, frame in frames.items():
        if not isinstance(name, str) or not name:
            raise MapArgumentError(f"layer names must be non-empty strings, not {name!r}")
        if not isinstance(frame, gpd.GeoDataFrame):
            raise MapArgumentError(f"layer {name!r} must be a GeoDataFrame, not {_kind(frame)}")
        if frame.crs is None:
            raise CrsError(f"layer {name!r} has no CRS, so its coordinates cannot be placed; set it, e.g. frame.set_crs(\"EPSG:4326\")")
        out[name] = frame if frame.crs.equals("EPSG:4326") else frame.to_crs("EPSG:4326")
    return out


def check_layers_argument(valid: list[str], layers: Any) -> list[str]:
    """The layers a map shows: those named (checked), else all of ``valid`` in order."""
    if layers is None:
        return list(valid)
    if isinstance(layers, (str, pd.DataFrame, pd.Series, np.ndarray)) or not isinstance(layers, (list, tuple)):
        raise MapArgumentError(f"layers must be a list of layer names, not {_kind(layers)}; valid layers: {_names(valid)}")
    unknown = [n for n in layers if n not in valid]
    if unknown:
        raise MapArgumentError(f"unknown layer(s) {_names(unknown)}; valid layers: {', '.join(valid)}")
    if not layers:
        raise MapArgumentError(f"layers is empty; name at least one of: {', '.join(valid)}")
    return list(dict.fromkeys(layers))


def _id_list(layer: str, value: Any) -> list[Any]:
    """A filter's ids as a list, refusing what only looks like one (a string, a mask, a frame)."""
    if isinstance(value, (str, bytes)):
        raise MapArgumentError(f"filters[{layer!r}] is {_kind(value)}; give a list of ids, e.g. [{value!r}]")
    if isinstance(value, pd.DataFrame):
        raise MapArgumentError(f"filters[{layer!r}] is {_kind(value)}; give a list of ids, e.g. list(frame[\"id\"])")
    if isinstance(value, (pd.Series, np.ndarray)) and (value.dtype == bool or pd.api.types.is_bool_dtype(value)):
        raise MapArgumentError(f"filters[{layer!r}] is a boolean mask; give the ids it selects, e.g. list(frame.loc[mask, \"id\"])")
    if not isinstance(value, (list, tuple, set, frozenset, pd.Series, pd.Index, np.ndarray)):
        raise MapArgumentError(f"filters[{layer!r}] must be a list of ids or a table of field = [values], not {_kind(value)}")
    values = list(value)
    if any(isinstance(v, (bool, np.bool_)) for v in values):
        raise MapArgumentError(f"filters[{layer!r}] holds True/False values (a mask?); give the ids to keep")
    return values


def _kept(layer: str, frame: pd.DataFrame, key: str | None, rule: Any, ref_fields: set[str]) -> pd.Series:
    """The rows of ``frame`` one filter keeps: ids, or ``{field: [values]}`` (all must match)."""
    ids = frame[key] if key else pd.Series(frame.index, index=frame.index)
    if isinstance(rule, Mapping) and not isinstance(rule, (pd.Series, pd.DataFrame)):
        keep = pd.Series(True, index=frame.index)
        fields = [c for c in frame.columns if c != frame.geometry.name]
        for name, values in rule.items():
            if name not in fields:
                raise MapArgumentError(f"filters[{layer!r}]: layer {layer} has no field {name!r}; valid fields: {', '.join(map(str, fields))}")
            wanted = {str(v) for v in _id_list(f"{layer}.{name}", values)}
            column = frame[name]
            if name in ref_fields:
                present = {ref for cell in column.dropna() for ref in split_refs(cell)}
                match = column.map(lambda cell: bool(wanted & set(split_refs(cell))))
            else:
                present = {str(v) for v in column.dropna()}
                match = column.map(lambda cell: str(cell) in wanted)
            unknown = sorted(wanted - present)
            if unknown:
                raise MapArgumentError(f"filters[{layer!r}][{name!r}]: {_names(repr(v) for v in unknown)} not found in {layer}.{name}; valid values: {_names(sorted(present))}")
            keep &= match
        return keep
    wanted = _id_list(layer, rule)
    valid = set(ids.astype(str)) if key else set(ids)
    probe = [str(v) for v in wanted] if key else wanted
    unknown = [v for v in probe if v not in valid]
    if unknown:
        raise MapArgumentError(f"filters[{layer!r}]: no feature with id {_names(repr(v) for v in unknown)} in {layer}")
    return ids.astype(str).isin(probe) if key else ids.isin(probe)


def apply_filters(frames: dict[str, gpd.GeoDataFrame], shown: list[str], filters: Any, *, keys: Mapping[str, str | None], ref_fields: Mapping[str, set[str]] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """``frames`` with each filtered layer cut down to what its filter keeps.

    ``filters`` maps a layer to the ids it keeps (values of ``keys[layer]``,
    or index labels where that is None) or to ``{field: [values]}``. Every
    name is checked; a filter that keeps nothing is an error, as in a spec.
    """
    if filters is None:
        return frames
    if not isinstance(filters, Mapping) or isinstance(filters, (pd.Series, pd.DataFrame)):
        raise MapArgumentError(f"filters must map layer names to the ids they keep, e.g. {{\"{shown[0]}\": [...]}}, not {_kind(filters)}")
    if not filters:
        return frames
    out = dict(frames)
    for layer, rule in filters.items():
        if layer not in frames:
            raise MapArgumentError(f"filters: unknown layer {layer!r}; valid layers: {', '.join(frames)}")
        if layer not in shown:
            raise MapArgumentError(f"filters: layer {layer!r} is filtered but not shown; add it to layers")
        frame = frames[layer]
        keep = _kept(layer, frame, keys.get(layer), rule, (ref_fields or {}).get(layer, set()))
        if not keep.any():
            raise MapArgumentError(f"filters: the filter on {layer} leaves no features")
        out[layer] = frame[keep.to_numpy()]
    return out


def select(data: Dataset, layers: Any = None, filters: Any = None) -> tuple[list[str], Dataset]:
    """The layers a map of ``data`` shows, and ``data`` cut down by ``filters`` (both checked)."""
    if not isinstance(data, Dataset):
        raise MapArgumentError(f"expected a Dataset (kzgeo.read_layers), not {_kind(data)}")
    names = check_layers_argument(list(data.layers), layers)
    keys = {n: data.catalog.layers[n].key for n in data.layers}
    refs = {n: {f.name for f in data.catalog.layers[n].fields if f.type == "refs"} for n in data.layers}
    kept = apply_filters(data.layers, names, filters, keys=keys, ref_fields=refs)
    return names, (data if kept is data.layers else dataclasses.replace(data, layers=kept))


def check_view(view: Any, frames: list[gpd.GeoDataFrame] | None = None) -> tuple[float, float, float, float] | None:
    """``view`` as ``(lon_min, lat_min, lon_max, lat_max)`` degrees, checked.

    It must be four finite numbers in range, minimum before maximum, and,
    when ``frames`` are given, show at least one of their features: a view
    that misses them all is almost always a swapped latitude and longitude.
    """
    if view is None:
        return None
    shape = "view must be (lon_min, lat_min, lon_max, lat_max) in degrees"
    if isinstance(view, (str, bytes, Mapping)) or not isinstance(view, (list, tuple, np.ndarray)):
        raise MapArgumentError(f"{shape}, not {_kind(view)}")
    values = list(np.asarray(view, dtype=object).reshape(-1)) if isinstance(view, np.ndarray) else list(view)
    if len(values) != 4 or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values):
        raise MapArgumentError(f"{shape}: four numbers, not {view!r}")
    lon0, lat0, lon1, lat1 = (float(v) for v in values)
    if not all(math.isfinite(v) for v in (lon0, lat0, lon1, lat1)):
        raise MapArgumentError(f"{shape}: {view!r} holds a value that is not a finite number")
    if not (-180 <= lon0 < lon1 <= 180 and -90 <= lat0 < lat1 <= 90):
        raise MapArgumentError(f"{shape}, minimum before maximum, longitudes within ±180 and latitudes within ±90: {view!r} is not")
    if frames:
        box = shapely.box(lon0, lat0, lon1, lat1)
        if not any(bool(frame.geometry.intersects(box).any()) for frame in frames if len(frame)):
            bounds = np.array([f.total_bounds for f in frames if len(f)])
            extent = f"({bounds[:, 0].min():.2f}, {bounds[:, 1].min():.2f}, {bounds[:, 2].max():.2f}, {bounds[:, 3].max():.2f})" if len(bounds) else "nowhere"
            raise MapArgumentError(f"view {view!r} shows none of the map's features, which lie within {extent}; is latitude swapped with longitude? {shape}")
    return lon0, lat0, lon1, lat1


def check_basemap(basemap: Any) -> str | None:
    """A tile provider name xyzservices knows (``Esri.WorldGrayCanvas``...), ``"none"`` or None."""
    if basemap is None or basemap == "none":
        return basemap
    import xyzservices

    try:
        xyzservices.providers.query_name(str(basemap))
    except ValueError:
        raise MapArgumentError(f"unknown basemap {basemap!r}; use a tile provider name such as Esri.WorldGrayCanvas or CartoDB.Positron, or \"none\"") from None
    if not isinstance(basemap, str):
        raise MapArgumentError(f"basemap must be a provider name, not {_kind(basemap)}")
    return basemap
