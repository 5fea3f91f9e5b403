"""Turn a :class:`~kzgeo.dataset.Dataset` into an interactive folium map.

One ``FeatureGroup`` per layer (after geopandas' ``explore``), styled from the
catalog, with escaped popups (:mod:`kzgeo.popup`), uncertainty circles for
approximate locations, and a legend that shows and hides with its layer.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import folium
import numpy as np
import shapely
from folium.utilities import JsCode
from shapely.geometry import mapping

from kzgeo import settings
from kzgeo.assets import SelfContainedMap
from kzgeo.dataset import Dataset
from kzgeo.elements import LayerLegend, MapTitle
from kzgeo.io import split_refs
from kzgeo.labels import label
from kzgeo.popup import popup_html, tooltip_html
from kzgeo.style import is_approximate, legend_entries, path_style, uncertainty_style

log = logging.getLogger(__name__)

_BIND = JsCode(
    """function(feature, layer) {
        layer.bindTooltip(feature.properties._tooltip);
        layer.bindPopup(feature.properties._popup, {maxWidth: 380});
    }"""
)
_RANK = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}


def _rounded(geom, precision: int) -> dict[str, Any]:
    return mapping(shapely.transform(geom, lambda xy: np.round(xy, precision)))


def _clean(value: Any) -> Any:
    """Missing values as None, numpy scalars as Python ones, for JSON."""
    if value is None or value is np.nan or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return None if str(value) == "<NA>" else value


def _resource_lines(data: Dataset, fid: str) -> tuple[list[str], list[str]]:
    table = data.tables.get("resources")
    if table is None:
        return [], []
    lines, refs = [], []
    for row in table[table["deposit"] == fid].to_dict("records"):
        note = f"; {row['note']}" if isinstance(row.get("note"), str) else ""
        lines.append(f"{row['quantity']:,g} {row['unit']} {row['commodity']} ({row['basis']}{note})")
        refs += split_refs(row["sources"])
    return lines, refs


def _agreement_lines(data: Dataset, fid: str) -> list[str]:
    table = data.tables.get("agreements")
    if table is None:
        return []
    rows = [r for r in table.to_dict("records") if fid in split_refs(r["features"])]
    return [f"{r['date']}: {r['title_en']} ({r['parties']})" for r in sorted(rows, key=lambda r: r["date"])]


def _popup_for(data: Dataset, layer: str, row: dict[str, Any], names: dict[str, str], lang: str, extras=()) -> str:
    spec = data.catalog.layers[layer]
    shown = {k: _clean(v) for k, v in row.items() if k != "geometry"}
    for key in ("from_node", "to_node"):
        if shown.get(key) in names:
            shown[key] = names[shown[key]]
    resources, resource_refs = _resource_lines(data, row["id"])
    refs = list(dict.fromkeys(split_refs(row["sources"]) + resource_refs))
    return popup_html(
        shown,
        name_field=spec.name_field,
        cited=data.cited(";".join(refs)),
        extra_sections=[("resources", resources), ("agreements", _agreement_lines(data, row["id"])), *extras],
        lang=lang,
    )


def add_layer(
    fmap: folium.Map, data: Dataset, layer: str, *, lang: str = "en", names: dict[str, str] | None = None, popup_extras: dict | None = None
) -> folium.FeatureGroup:
    """Add one layer to ``fmap`` as a toggleable group with its own legend."""
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    names = names if names is not None else data.feature_names()
    group = folium.FeatureGroup(name=f"{spec.title} ({len(frame)})", show=True)
    style_fields = {spec.name_field, "location_accuracy"}
    if spec.style:
        style_fields |= {spec.style.by, spec.style.dash_by} - {None}
    features = []
    # Exact points first, so approximate ones (smaller) are drawn above them.
    for row in sorted(frame.to_dict("records"), key=is_approximate):
        props = {k: _clean(row.get(k)) for k in sorted(style_fields) if k in row}
        props.update(
            id=row["id"],
            _tooltip=tooltip_html(row[spec.name_field]),
            _popup=_popup_for(data, layer, row, names, lang, (popup_extras or {}).get(row["id"], ())),
        )
        features.append({"type": "Feature", "id": row["id"], "properties": props, "geometry": _rounded(row["geometry"], settings.coordinate_precision)})
        if spec.geometry_type == "Point" and is_approximate(row):
            folium.Circle(
                location=[row["geometry"].y, row["geometry"].x],
                radius=float(row["uncertainty_km"]) * 1000,
                interactive=False,
                **uncertainty_style(spec, row),
            ).add_to(group)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=spec.title,
        style_function=lambda f: path_style(spec, f["properties"]),
        marker=folium.CircleMarker(radius=7) if spec.geometry_type == "Point" else None,
        on_each_feature=_BIND,
        control=False,
    ).add_to(group)
    group.add_to(fmap)
    values = set()
    if spec.style:
        for col in (spec.style.by, spec.style.dash_by, "location_accuracy"):
            if col in frame:
                values |= set(frame[col].dropna().astype(str))
    LayerLegend(group, spec.title, legend_entries(spec, values)).add_to(fmap)
    return group


def render_map(
    data: Dataset,
    *,
    title: str | None = None,
    layers: list[str] | None = None,
    lang: str = "en",
    filters: dict[str, Any] | None = None,
    view: tuple[float, float, float, float] | None = None,
    basemap: str | None = None,
    popup_extras: dict[str, dict[str, list[tuple[str, list[str]]]]] | None = None,
) -> folium.Map:
    """A folium map of ``layers`` (default: all), fitted to their extent.

    Lines draw under points, and among layers of one kind the catalog's
    first is drawn on top. ``filters`` maps a layer to the ids it keeps;
    ``view`` is ``(lon_min, lat_min, lon_max, lat_max)`` to show instead of
    the extent; ``basemap`` names a tile provider (``"none"`` for no tiles);
    ``popup_extras`` maps layer -> feature id -> extra ``(heading, lines)``
    popup sections (escaped in :mod:`kzgeo.popup` like everything else).
    """
    names = layers or list(data.catalog.layers)
    unknown = [n for n in names if n not in data.layers]
    if unknown:
        raise KeyError(f"unknown layer(s) {unknown}; valid: {sorted(data.layers)}")
    all_names = data.feature_names()
    if filters:
        kept = {n: f[f[data.catalog.layers[n].key].isin(list(filters[n]))] if n in filters else f for n, f in data.layers.items()}
        data = dataclasses.replace(data, layers=kept)
    fmap = SelfContainedMap(tiles=None, control_scale=True, zoom_snap=0.25)
    if (basemap or settings.basemap) != "none":
        folium.TileLayer(basemap or settings.basemap, name="Basemap", control=False).add_to(fmap)
    as_of = data.as_of
    MapTitle(title or data.catalog.title, f"{label('as_of', lang)} {as_of}").add_to(fmap)
    order = sorted(names, key=lambda n: (_RANK[data.catalog.layers[n].geometry_type], -names.index(n)))
    for name in order:
        add_layer(fmap, data, name, lang=lang, names=all_names, popup_extras=(popup_extras or {}).get(name))
    folium.LayerControl(collapsed=False).add_to(fmap)
    bounds = np.array([view] if view else [data.layers[n].total_bounds for n in names])
    fmap.fit_bounds([[bounds[:, 1].min(), bounds[:, 0].min()], [bounds[:, 3].max(), bounds[:, 2].max()]], padding=(10, 10))
    return fmap
