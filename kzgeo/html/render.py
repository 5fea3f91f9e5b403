"""Turn a :class:`~kzgeo.dataset.Dataset` into an interactive folium map.

One ``FeatureGroup`` per layer (after geopandas' ``explore``), styled from the
catalog, with escaped popups (:mod:`kzgeo.html.popup`), uncertainty circles for
approximate locations, and a legend that shows and hides with its layer.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium import plugins
from folium.utilities import JsCode
from shapely.geometry import mapping

from kzgeo import backdrop as bd, settings
from kzgeo.html.page import CdnMap, Page, SelfContainedMap
from kzgeo.backdrop import backdrop_geojson
from kzgeo.dataset import Dataset, cell_value
from kzgeo.html.fastlayer import FastLayer, render_verbatim
from kzgeo.html.elements import Backdrop, BuildManifest, LayerLegend, MapTitle, OwnControls, OwnControlsCode, TextPanel, Timeline, ZoomControl
from kzgeo.errors import MapArgumentError
from kzgeo.selection import apply_filters, check_basemap, check_layers_argument, check_view, frames_argument, select
from kzgeo.io.readers import split_refs
from kzgeo.labels import LANGUAGES, check_language, label, labels_for, term
from kzgeo.html.popup import attribute_popup_html, esc, popup_html, text_panel_html, tooltip_html
from kzgeo.style import accuracy_field, default_color, default_legend, default_style, is_approximate, legend_entries, path_style, shape_of, uncertainty_style
from kzgeo.text import agreement_items, agreement_lines, cited_refs, field_label, figures_by_feature, resource_lines, enum_fields, feature_names, layer_title, map_summary, name_field, ref_fields, table_rows
from kzgeo.provenance import manifest, package_version
from kzgeo.spec import MapSpec, check_map_spec, kept_ids, popup_extras as spec_popup_extras, restyled

log = logging.getLogger(__name__)


class VerbatimGeoJson(folium.GeoJson):
    """folium's GeoJson layer, written out without compiling its data as a Jinja template (see ``render_verbatim``)."""

    def render(self, **kwargs):
        from folium.features import GeoJsonStyleMapper
        from folium.utilities import get_obj_in_upper_tree

        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if (self.style or self.highlight) and self.data["features"]:
            mapper = GeoJsonStyleMapper(self.data, self.feature_identifier, self)
            if self.style:
                self.style_map = mapper.get_style_map(self.style_function)
            if self.highlight:
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        if self.show:  # what folium's Layer.render adds: the call that puts the layer on its parent
            from folium.map import ElementAddToElement

            self.add_child(ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()), name=self.get_name() + "_add")
        render_verbatim(self, kwargs)


class VerbatimCircle(folium.Circle):
    """folium's Circle (an uncertainty radius), written out without compiling it as a Jinja template."""

    def render(self, **kwargs):
        if self.location is None:
            raise ValueError(f"{self._name} location must be assigned when added directly to map.")
        render_verbatim(self, kwargs)

_BIND = JsCode(
    """function(feature, layer) {
        layer.bindTooltip(feature.properties._tooltip);
        layer.bindPopup(feature.properties._popup, {maxWidth: 380, autoPanPaddingTopLeft: [50, 190], autoPanPaddingBottomRight: [360, 20]});
    }"""
)
#: A transparent 1x1 GIF: what a tile that failed to load shows (no broken-image icon).
_BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_BACKDROP_STYLE = {"water": bd.WATER, "land": bd.LAND, "border": bd.BORDER, "attribution": bd.ATTRIBUTION}
_PANEL_ID = "kz-text"
_CONTROL_LABELS = ["fullscreen", "exit_fullscreen", "measure", "measure_hint", "measure_total", "measure_clear", "km", "minimap"]
_TIMELINE_LABELS = ["timeline", "timeline_all", "timeline_none"]
_RANK = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}


def _rounded(geom, precision: int) -> dict[str, Any]:
    return mapping(shapely.transform(geom, lambda xy: np.round(xy, precision)))


def _popup_for(
    data: Dataset, layer: str, row: dict[str, Any], names: dict[str, str], lang: str, agreements: dict[str, list[str]], figures: dict, extras=()
) -> str:
    spec = data.catalog.layers[layer]
    enums = enum_fields(data, layer)
    shown = {k: cell_value(v) for k, v in row.items() if k != "geometry"}
    for key in enums:
        if isinstance(shown.get(key), str):
            shown[key] = term(shown[key], lang)
    for key in ref_fields(data, layer):
        if shown.get(key) in names:
            shown[key] = names[shown[key]]
    fid = row[spec.key]
    resources, resource_refs = resource_lines(data, fid, figures)
    refs = list(dict.fromkeys(cited_refs(spec, row) + resource_refs))
    return popup_html(
        shown,
        name_field=name_field(data, layer, lang),
        captions={f.name: field_label(spec, f.name, lang) for f in spec.fields},
        hidden={spec.key, spec.field("sources")},
        cited=data.cited(";".join(refs)),
        extra_sections=[("figures", resources), ("agreements", agreements.get(fid, [])), *extras],
        lang=lang,
    )


def add_layer(
    fmap: folium.Map, data: Dataset, layer: str, *, lang: str = "en", names: dict[str, str] | None = None, popup_extras: dict | None = None
) -> folium.FeatureGroup:
    """Add one layer to ``fmap`` as a toggleable group with its own legend.

    Every drawn feature carries the class ``kz-layer-<layer>``, so a page (or
    a test) can find what a layer drew.
    """
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    names = names if names is not None else feature_names(data, lang)
    title = layer_title(data, layer, lang)
    label_field = name_field(data, layer, lang)
    # Leaflet's layer control inserts names as HTML: escape.
    group = folium.FeatureGroup(name=esc(f"{title} ({len(frame)})"), show=True)
    if len(frame) >= settings.fast_layer_min_features:
        FastLayer(data, layer, lang=lang, names=names, popup_extras=popup_extras).add_to(group)
        return _add_group(fmap, group, data, layer, lang)
    style_fields = {label_field, accuracy_field(spec)} - {None}
    if spec.style:
        style_fields |= {spec.style.by, spec.style.dash_by} - {None}
    agreements = agreement_lines(data)
    figures = figures_by_feature(data)
    uncertainty = spec.field("uncertainty")
    features = []
    # Exact points first, so approximate ones (smaller) are drawn above them.
    for row in sorted(frame.to_dict("records"), key=lambda r: is_approximate(spec, r)):
        props = {k: cell_value(row[k]) for k in sorted(style_fields) if k in row}
        props.update(
            id=row[spec.key],
            _tooltip=tooltip_html(row[label_field]),
            _popup=_popup_for(data, layer, row, names, lang, agreements, figures, (popup_extras or {}).get(row[spec.key], ())),
        )
        features.append({"type": "Feature", "id": row[spec.key], "properties": props, "geometry": _rounded(row["geometry"], settings.coordinate_precision)})
        if spec.geometry_type == "Point" and uncertainty and is_approximate(spec, row):
            VerbatimCircle(
                location=[round(row["geometry"].y, settings.coordinate_precision), round(row["geometry"].x, settings.coordinate_precision)],
                radius=float(row[uncertainty]) * 1000,
                interactive=False,
                class_name=f"kz-uncertainty kz-uncertainty-{layer}",
                **uncertainty_style(spec, row),
            ).add_to(group)
    class_name = f"kz-layer-{layer}"
    VerbatimGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=title,
        style_function=lambda f: {**path_style(spec, f["properties"]), "className": class_name},
        marker=folium.CircleMarker(radius=7) if spec.geometry_type == "Point" else None,
        on_each_feature=_BIND,
        control=False,
    ).add_to(group)
    return _add_group(fmap, group, data, layer, lang)


def _add_group(fmap: folium.Map, group: folium.FeatureGroup, data: Dataset, layer: str, lang: str) -> folium.FeatureGroup:
    """Put a layer's group on the map with a legend of the categories it contains."""
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    group.add_to(fmap)
    values = set()
    if spec.style:
        for col in (spec.style.by, spec.style.dash_by, accuracy_field(spec)):
            if col in frame:
                values |= {str(v) for v in frame[col].dropna().unique()}  # distinct first: a cadastre has a million rows
    LayerLegend(group, layer_title(data, layer, lang), legend_entries(spec, values, translate=lambda word: term(word, lang))).add_to(fmap)
    return group


def _feature_layers(group: folium.FeatureGroup) -> list[folium.GeoJson]:
    return [child for child in group._children.values() if isinstance(child, folium.GeoJson)]


def _add_controls(fmap: folium.Map, backdrop: Backdrop, lang: str, self_contained: bool, tiles: str) -> None:
    """Full screen, measure and minimap: kzgeo's own (inline) or folium's plugins (CDN)."""
    if self_contained:
        OwnControls(backdrop, labels_for(_CONTROL_LABELS, lang)).add_to(fmap)
        return
    plugins.Fullscreen(title=label("fullscreen", lang), title_cancel=label("exit_fullscreen", lang)).add_to(fmap)
    plugins.MeasureControl(primary_length_unit="kilometers", secondary_length_unit=None, primary_area_unit="sqkilometers", secondary_area_unit=None).add_to(fmap)
    minimap_tiles = tiles if tiles != "none" else settings.basemap
    plugins.MiniMap(tile_layer=folium.TileLayer(minimap_tiles), position="bottomleft", width=150, height=120, zoom_level_offset=-4).add_to(fmap)


def _add_text_panel(fmap: folium.Map, data: Dataset, names: list[str], lang: str) -> None:
    tables = []
    for layer in names:
        if len(data.layers[layer]) >= settings.fast_layer_min_features:
            continue  # a national layer is summarised above; a 100,000-row table would outweigh the map
        headers, rows = table_rows(data, layer, lang)
        tables.append((f"{layer_title(data, layer, lang)} ({len(rows)})", headers, rows))
    body = text_panel_html(
        _PANEL_ID,
        heading=label("table_heading", lang),
        close=label("table_close", lang),
        summary_heading=label("summary", lang),
        summary=map_summary(data, names, lang),
        tables=tables,
        footer=label("built_with", lang).format(version=package_version(), files=len(data.file_hashes), as_of=data.as_of),
    )
    TextPanel(_PANEL_ID, body, labels_for(["table_open", "table_close"], lang)).add_to(fmap)


def _base_map(map_title: str, subtitle: str, lang: str, self_contained: bool, basemap: str | None) -> tuple[folium.Map, Backdrop, str]:
    """An empty kzgeo map in its page: zoom buttons, backdrop, tiles and title."""
    page = Page(lang=lang, title=esc(map_title))
    fmap = (SelfContainedMap if self_contained else CdnMap)(tiles=None, control_scale=True, zoom_snap=0.25, zoom_control=False)
    page.add_child(fmap)
    ZoomControl(label("zoom_in", lang), label("zoom_out", lang)).add_to(fmap)
    OwnControlsCode().add_to(fmap)
    backdrop = Backdrop(backdrop_geojson(), _BACKDROP_STYLE)
    backdrop.add_to(fmap)
    tiles = basemap or settings.basemap
    if tiles != "none":
        folium.TileLayer(tiles, name="Basemap", control=False, error_tile_url=_BLANK_TILE).add_to(fmap)
    MapTitle(map_title, subtitle).add_to(fmap)
    return fmap, backdrop, tiles


#: The closest the first view zooms to fit the data (a region around a few close sites).
FIT_MAX_ZOOM = 6


def _fit(fmap: folium.Map, view, frames: list) -> None:
    """Fit the view (or the frames' extent), clear of the controls: tools and minimap on the left,
    title, layers and legends on the right."""
    boxes = [view] if view else [f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()]
    if not boxes:
        raise MapArgumentError("there is nothing to draw: every layer is empty; pass a view to show an area anyway")
    bounds = np.array(boxes, dtype=float).round(settings.coordinate_precision)
    fmap.fit_bounds(
        [[bounds[:, 1].min(), bounds[:, 0].min()], [bounds[:, 3].max(), bounds[:, 2].max()]],
        padding_top_left=(175, 20),
        padding_bottom_right=(350, 20),
        # A few sites close together would otherwise fill the screen with no place to recognise.
        max_zoom=FIT_MAX_ZOOM,
    )


def render_map(
    data: Dataset | gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    *,
    title: str | None = None,
    layers: list[str] | None = None,
    lang: str = "en",
    filters: dict[str, Any] | None = None,
    view: tuple[float, float, float, float] | None = None,
    basemap: str | None = None,
    popup_extras: dict[str, dict[str, list[tuple[str, list[str]]]]] | None = None,
    self_contained: bool = True,
) -> folium.Map:
    """A folium map of ``layers`` (default: all), fitted to their extent.

    ``data`` is a :class:`~kzgeo.dataset.Dataset` (``kzgeo.read_layers``),
    one GeoDataFrame, or a mapping of layer names to GeoDataFrames. A frame
    is reprojected to EPSG:4326 (it must have a CRS) and drawn with a default
    style (one colour per layer), a legend, a tooltip from its name column and
    a popup listing every attribute, escaped.

    Lines draw under points, and among layers of one kind the first named
    is drawn on top. ``filters`` maps a layer to the ids it keeps (for a
    frame: its ``id`` column, else its index) or to ``{field: [values]}``;
    ``view`` is ``(lon_min, lat_min, lon_max, lat_max)`` to show instead of
    the extent; ``basemap`` names a tile provider (``"none"`` for no tiles);
    ``popup_extras`` maps layer -> feature id -> extra ``(heading, lines)``
    popup sections (escaped in :mod:`kzgeo.html.popup` like everything else).
    Every argument is checked as a map spec is: an unknown layer, field or id,
    a wrong type, or a view that misses every feature raises
    :class:`~kzgeo.errors.MapArgumentError`.
    Names, legend, popups and controls are in ``lang``
    (``"en"``, ``"ru"`` or ``"kk"``). With ``self_contained`` (the default)
    the page needs no network: every script and style is inline and the
    minimap, measure and full-screen controls are kzgeo's own; otherwise
    folium's CDN links and plugins are used. A Dataset's page also carries the
    text panel (summary and tables), the agreements timeline and a build
    manifest, and renders byte-identically each time.

    The result is a plain ``folium.Map``: add folium's own elements
    (``GeoJson`` with popups and tooltips, a ``Marker``, a ``FeatureGroup``
    and ``LayerControl``) or ``gdf.explore(m=...)`` and save it; the page
    stays self-contained (see :mod:`kzgeo.html.page`).
    """
    check_language(lang)
    if title is not None and not isinstance(title, str):
        raise MapArgumentError(f"title must be a string, not {type(title).__name__}")
    basemap = check_basemap(basemap)
    if not isinstance(data, Dataset):
        return _render_frames(frames_argument(data), title=title, layers=layers, lang=lang, filters=filters, view=view, basemap=basemap, self_contained=self_contained)
    names, data = select(data, layers, filters)
    view = check_view(view, [data.layers[n] for n in names])
    all_names = feature_names(data, lang)
    map_title = title or term(data.catalog.title, lang)
    fmap, backdrop, tiles = _base_map(map_title, f"{label('as_of', lang)} {data.as_of}", lang, self_contained, basemap)
    order = sorted(names, key=lambda n: (_RANK[data.catalog.layers[n].geometry_type], -names.index(n)))
    groups = [add_layer(fmap, data, name, lang=lang, names=all_names, popup_extras=(popup_extras or {}).get(name)) for name in order]
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_controls(fmap, backdrop, lang, self_contained, tiles)
    _add_text_panel(fmap, data, names, lang)
    Timeline(agreement_items(data), [gj for g in groups for gj in _feature_layers(g)], labels_for(_TIMELINE_LABELS, lang)).add_to(fmap)
    BuildManifest(manifest(data, lang=lang, layers=names)).add_to(fmap)
    _fit(fmap, view, [data.layers[n] for n in names])
    return fmap


#: Columns that name a feature, tried in order for an analyst's frame (``{lang}`` is the map's language).
_NAME_COLUMNS = ("name_{lang}", "name", "name_en", "title", "label", "id")


def _frame_name_column(frame: gpd.GeoDataFrame, lang: str) -> str | None:
    return next((c.format(lang=lang) for c in _NAME_COLUMNS if c.format(lang=lang) in frame.columns), None)


def _plain(value: Any) -> Any:
    """A cell as a value JSON and the popup can carry: numbers and text as they are, anything else as text."""
    value = cell_value(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, np.ndarray)) or not pd.api.types.is_scalar(value):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def add_frame(fmap: folium.Map, name: str, frame: gpd.GeoDataFrame, *, color: str, lang: str = "en", position: int = 0) -> folium.FeatureGroup:
    """Draw an analyst's GeoDataFrame (EPSG:4326) as one toggleable group with a legend.

    Points are circles, lines and areas paths, all in ``color``; the tooltip
    is the feature's name (``name``, ``title``, ``id``... or its index) and
    the popup lists every other column. Every drawn feature carries the class
    ``kz-frame-<position>``. Missing or empty geometries are not drawn.
    """
    geometry = frame.geometry
    drawn = frame[geometry.notna().to_numpy() & ~geometry.is_empty.to_numpy()]
    name_column = _frame_name_column(drawn, lang)
    columns = [c for c in drawn.columns if c != drawn.geometry.name]
    group = folium.FeatureGroup(name=esc(f"{name} ({len(drawn)})"), show=True)
    features = []
    for index, row in zip(drawn.index, drawn.to_dict("records")):
        title = row[name_column] if name_column and cell_value(row[name_column]) is not None else index
        props = {c: _plain(row[c]) for c in columns if c != name_column}
        geom = row[drawn.geometry.name]
        features.append(
            {
                "type": "Feature",
                "properties": {"_tooltip": tooltip_html(_plain(title)), "_popup": attribute_popup_html(_plain(title), props)},
                "geometry": _rounded(geom, settings.coordinate_precision),
            }
        )
    class_name = f"kz-frame-{position}"
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=esc(name),
        style_function=lambda f: {**default_style(f["geometry"]["type"], color), "className": class_name},
        marker=folium.CircleMarker(radius=6),
        on_each_feature=_BIND,
        control=False,
    ).add_to(group)
    group.add_to(fmap)
    shapes = {shape_of(t) for t in set(drawn.geom_type.dropna())}
    LayerLegend(group, name, default_legend(shapes, color, name)).add_to(fmap)
    return group


def _frame_rank(frame: gpd.GeoDataFrame) -> int:
    """Areas under lines under points, by the kind of shape most of a frame's features are."""
    kinds = frame.geom_type.dropna().map(shape_of)
    return {"area": 0, "line": 1, "point": 2}[kinds.mode().iloc[0]] if len(kinds) else 2


def _render_frames(frames: dict[str, gpd.GeoDataFrame], *, title, layers, lang, filters, view, basemap, self_contained) -> folium.Map:
    names = check_layers_argument(list(frames), layers)
    keys = {n: ("id" if "id" in f.columns else None) for n, f in frames.items()}
    frames = apply_filters(frames, names, filters, keys=keys)
    view = check_view(view, [frames[n] for n in names])
    map_title = title or ", ".join(names)
    count = sum(len(frames[n]) for n in names)
    fmap, backdrop, tiles = _base_map(map_title, f"{count:,} {label('features', lang)}", lang, self_contained, basemap)
    colors = {n: default_color(i) for i, n in enumerate(names)}
    for name in sorted(names, key=lambda n: (_frame_rank(frames[n]), -names.index(n))):
        add_frame(fmap, name, frames[name], color=colors[name], lang=lang, position=names.index(name))
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_controls(fmap, backdrop, lang, self_contained, tiles)
    BuildManifest({"kzgeo_version": package_version(), "lang": lang, "layers": {n: len(frames[n]) for n in names}}).add_to(fmap)
    _fit(fmap, view, [frames[n] for n in names])
    return fmap


def render_spec(
    spec: MapSpec,
    data: Dataset,
    *,
    title: str | None = None,
    lang: str | None = None,
    view: tuple[float, float, float, float] | None = None,
    basemap: str | None = None,
    self_contained: bool = True,
) -> folium.Map:
    """Check ``spec`` against ``data`` and draw the map it describes.

    The keywords override the spec as ``kzgeo build`` does (``--lang``,
    ``--cdn``): a given ``title``, ``lang``, ``view`` or ``basemap`` replaces
    the spec's and is checked like it. An unknown name or a view that misses
    the data raises :class:`~kzgeo.errors.MapSpecError` naming the spec file.
    """
    overrides = {k: v for k, v in {"title": title, "lang": lang, "view": view, "basemap": basemap}.items() if v is not None}
    if overrides:
        spec = dataclasses.replace(spec, **overrides)
    if spec.lang not in LANGUAGES:
        raise spec.fail(f"unknown language {spec.lang!r}; valid: {', '.join(LANGUAGES)}")
    check_map_spec(spec, data)
    shown = spec.layers or tuple(data.catalog.layers)
    try:
        return render_map(
            restyled(data, spec.styles),
            title=spec.title,
            layers=list(shown),
            lang=spec.lang,
            filters={layer: kept_ids(spec, data, layer) for layer in spec.filters},
            view=spec.view,
            basemap=spec.basemap,
            popup_extras=spec_popup_extras(spec, data, shown),
            self_contained=self_contained,
        )
    except MapArgumentError as exc:
        raise spec.fail(str(exc)) from None
