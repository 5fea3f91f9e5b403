"""Turn a :class:`~kzgeo.dataset.Dataset` into an interactive folium map.

One ``FeatureGroup`` per layer (after geopandas' ``explore``), styled from the
catalog, with escaped popups (:mod:`kzgeo.html.popup`), uncertainty circles for
approximate locations, and a legend that shows and hides with its layer.
"""

from __future__ import annotations

import logging
from typing import Any

import folium
import numpy as np
import shapely
from folium import plugins
from folium.utilities import JsCode
from shapely.geometry import mapping

from kzgeo import backdrop as bd
from kzgeo import settings
from kzgeo.backdrop import backdrop_geojson
from kzgeo.dataset import Dataset, cell_value, keep_features, layer_names
from kzgeo.html.elements import (
    Backdrop,
    BuildManifest,
    LayerLegend,
    MapTitle,
    OwnControls,
    OwnControlsCode,
    TextPanel,
    Timeline,
    ZoomControl,
)
from kzgeo.html.fastlayer import FastLayer, render_verbatim
from kzgeo.html.page import CdnMap, Page, SelfContainedMap
from kzgeo.html.popup import esc, popup_html, text_panel_html, tooltip_html
from kzgeo.labels import check_language, label, labels_for, term
from kzgeo.provenance import manifest, package_version
from kzgeo.spec import MapSpec, check_map_spec, kept_ids, popup_extras, restyled
from kzgeo.style import (
    accuracy_field,
    is_approximate,
    legend_entries,
    path_style,
    uncertainty_style,
)
from kzgeo.text import (
    agreement_items,
    agreement_lines,
    cited_refs,
    enum_fields,
    feature_names,
    field_label,
    figures_by_feature,
    layer_title,
    map_summary,
    name_field,
    ref_fields,
    resource_lines,
    table_rows,
)

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
            folium.Circle(
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
    self_contained: bool = True,
) -> folium.Map:
    """A folium map of ``layers`` (default: all), fitted to their extent.

    Lines draw under points, and among layers of one kind the catalog's
    first is drawn on top. ``filters`` maps a layer to the ids it keeps;
    ``view`` is ``(lon_min, lat_min, lon_max, lat_max)`` to show instead of
    the extent; ``basemap`` names a tile provider (``"none"`` for no tiles);
    ``popup_extras`` maps layer -> feature id -> extra ``(heading, lines)``
    popup sections (escaped in :mod:`kzgeo.html.popup` like everything else).
    Names, legend, popups and controls are in ``lang``
    (``"en"``, ``"ru"`` or ``"kk"``). With ``self_contained`` (the default)
    the page needs no network: every script and style is inline and the
    minimap, measure and full-screen controls are kzgeo's own; otherwise
    folium's CDN links and plugins are used. Either way the page carries the
    offline backdrop, a text panel (summary and tables), the agreements
    timeline and a build manifest, and renders byte-identically each time.
    """
    check_language(lang)
    names = layer_names(data, layers)
    all_names = feature_names(data, lang)
    data = keep_features(data, filters)
    map_title = title or term(data.catalog.title, lang)
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
    MapTitle(map_title, f"{label('as_of', lang)} {data.as_of}").add_to(fmap)
    order = sorted(names, key=lambda n: (_RANK[data.catalog.layers[n].geometry_type], -names.index(n)))
    groups = [add_layer(fmap, data, name, lang=lang, names=all_names, popup_extras=(popup_extras or {}).get(name)) for name in order]
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_controls(fmap, backdrop, lang, self_contained, tiles)
    _add_text_panel(fmap, data, names, lang)
    Timeline(agreement_items(data), [gj for g in groups for gj in _feature_layers(g)], labels_for(_TIMELINE_LABELS, lang)).add_to(fmap)
    BuildManifest(manifest(data, lang=lang, layers=names)).add_to(fmap)
    bounds = np.array([view] if view else [data.layers[n].total_bounds for n in names]).round(settings.coordinate_precision)
    # Keep the features clear of the controls: tools on the left, title, layers and legends on the right.
    fmap.fit_bounds(
        [[bounds[:, 1].min(), bounds[:, 0].min()], [bounds[:, 3].max(), bounds[:, 2].max()]],
        padding_top_left=(175, 20),
        padding_bottom_right=(350, 20),
    )
    return fmap


def render_spec(spec: MapSpec, data: Dataset, **options: Any) -> folium.Map:
    """Check ``spec`` against ``data`` and draw the map it describes (``options`` go to :func:`render_map`)."""
    check_map_spec(spec, data)
    shown = spec.layers or tuple(data.catalog.layers)
    return render_map(
        restyled(data, spec.styles),
        title=spec.title,
        layers=list(shown),
        lang=spec.lang,
        filters={layer: kept_ids(spec, data, layer) for layer in spec.filters},
        view=spec.view,
        basemap=spec.basemap,
        popup_extras=popup_extras(spec, data, shown),
        **options,
    )
