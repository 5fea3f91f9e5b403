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

from kzgeo import backdrop as bd, formats, settings
from kzgeo.analysis.geodesy import uncertainty_area
from kzgeo.analysis.measures import SMALL_CORRIDOR_DEG, corridor_groups
from kzgeo.backdrop import EXTENT, backdrop
from kzgeo.dataset import Dataset, cell_value
from kzgeo.errors import MapArgumentError
from kzgeo.html.elements import (
    Backdrop,
    BuildManifest,
    LayerLegend,
    MapTitle,
    OwnControls,
    OwnControlsCode,
    Picker,
    PlaceLabels,
    ScaleBar,
    SkipLink,
    StartView,
    TextPanel,
    Timeline,
    ZoomControl,
    ZoomTo,
)
from kzgeo.html.fastlayer import FastLayer, render_verbatim
from kzgeo.html.page import CdnMap, Page, SelfContainedMap
from kzgeo.html.popup import attribute_popup_html, card_html, esc, source_list_html, text_panel_html, tooltip_html
from kzgeo.io.readers import split_refs
from kzgeo.labels import LANGUAGES, check_language, country_names, label, labels_for, term
from kzgeo.places import place_labels
from kzgeo.provenance import manifest, package_version
from kzgeo.selection import apply_filters, check_basemap, check_layers_argument, check_view, frames_argument, select
from kzgeo.spec import MapSpec, check_map_spec, kept_ids, popup_extras as spec_popup_extras, restyled
from kzgeo.style import accuracy_field, default_color, default_legend, default_style, is_approximate, legend_entries, path_style, ring_radii, ring_style, shape_of, style_samples, uncertainty_style
from kzgeo.text import (
    agreement_items,
    agreement_lines,
    cited_refs,
    enum_fields,
    feature_names,
    field_label,
    figure_text,
    figures_by_feature,
    headline_figure,
    layer_title,
    map_summary,
    name_field,
    ref_fields,
    resource_lines,
    table_rows,
    translated,
    style_value_words,
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


class VerbatimCircle(folium.Circle):
    """folium's Circle (an uncertainty radius), written out without compiling it as a Jinja template."""

    def render(self, **kwargs):
        if self.location is None:
            raise ValueError(f"{self._name} location must be assigned when added directly to map.")
        render_verbatim(self, kwargs)

# Popups are opened by the page's one click handler (controls.js picker), which can offer a choice
# when several features lie under the click; each feature carries its card as ``_popup``.
_BIND = JsCode(
    """function(feature, layer) {
        layer.bindTooltip(feature.properties._tooltip, {sticky: !layer.getLatLng});
    }"""
)
#: Styles travel as data: each feature carries its Leaflet path options in
#: ``properties._style`` (embedded with the GeoJSON, as escaped JSON), and these two
#: fixed functions hand them to Leaflet. folium's ``style_function`` would instead
#: paste every distinct style into the page as JavaScript source, unescaped, so a
#: catalog colour or dash holding ``</script><script>`` would run.
_STYLE_FROM_DATA = JsCode("function(feature) { return feature.properties._style; }")
_POINT_FROM_DATA = JsCode("function(feature, latlng) { return L.circleMarker(latlng, feature.properties._style); }")
#: A transparent 1x1 GIF: what a tile that failed to load shows (no broken-image icon).
_BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_BACKDROP_STYLE = {"water": bd.WATER, "land": bd.LAND, "border": bd.BORDER, "river": bd.RIVER}
_PANEL_ID = "kz-text"
_CONTROL_LABELS = ["fullscreen", "exit_fullscreen", "measure", "measure_hint", "measure_total", "measure_clear", "km", "minimap"]
_TIMELINE_LABELS = ["timeline", "timeline_all", "timeline_none"]
_VIEW_LABELS = ["start_view", "layers"]
_RANK = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}


def _rounded(geom, precision: int) -> dict[str, Any]:
    return mapping(shapely.transform(geom, lambda xy: np.round(xy, precision)))


#: Field roles holding ";"-separated ISO country codes (shown as country names).
_COUNTRY_ROLES = ("country", "countries")


def _shown_value(spec, row: dict[str, Any], key: str, lang: str, names: dict[str, str], enums: set[str], refs: set[str]) -> str | None:
    """One attribute as a reader sees it: a term translated, a code as a country, an id as a name, a number by locale."""
    value = cell_value(row.get(key))
    if value is None:
        return None
    if key in enums:
        return term(str(value), lang)
    if key in refs:
        return names.get(value, str(value))
    if key in {spec.field(r) for r in _COUNTRY_ROLES}:
        return country_names(value, lang)
    if key == spec.field("investment_usd_m") and isinstance(value, (int, float)):
        return formats.usd(value * 1e6, lang)
    if isinstance(value, float):
        return formats.number(value, lang)
    if isinstance(value, str):
        return translated(spec, row, key, lang)
    return str(value)


def card(
    data: Dataset, layer: str, row: dict[str, Any], names: dict[str, str], lang: str, agreements: dict[str, list[str]], figures: dict, extras=()
) -> tuple[dict[str, Any], list[str]]:
    """A feature's briefing card as plain text, and the sources it cites.

    Headline first: the name in ``lang``, the catalog words (commodity,
    status, mode...) translated, how well the location is known, and for a
    deposit one resource figure with its basis and source date
    (:func:`kzgeo.text.headline_figure`). Everything else goes into the
    collapsed details.
    """
    spec = data.catalog.layers[layer]
    fid = row[spec.key]
    enums = enum_fields(data, layer)
    refs = ref_fields(data, layer)
    accuracy, uncertainty = spec.field("accuracy"), spec.field("uncertainty")
    skip = {spec.key, "geometry", spec.field("sources"), accuracy, uncertainty} | set(spec.names.values()) | spec.translation_fields
    skip |= {k for k in row if k.startswith("_")}
    facts = []
    headline_enums = [f.name for f in spec.fields if f.type == "enum" and f.name != accuracy and cell_value(row.get(f.name)) is not None]
    if headline_enums:
        words = [term(str(row[k]), lang) for k in headline_enums]
        facts.append(" · ".join(w[:1].upper() + w[1:] for w in words))
    for role in _COUNTRY_ROLES:
        key = spec.field(role)
        if key and cell_value(row.get(key)) is not None:
            facts.append(f"{field_label(spec, key, lang)}: {country_names(row[key], lang)}")
            skip.add(key)
    if spec.field("uncertainty_min"):
        skip.add(spec.field("uncertainty_min"))
    if accuracy and cell_value(row.get(accuracy)) is not None:
        if ring := ring_radii(spec, row):
            span = f"{formats.number(ring[0], lang)}–{formats.number(ring[1], lang)} {label('km', lang)}"
            facts.append(label("location_ring", lang).format(km=span))
        elif is_approximate(spec, row) and uncertainty and cell_value(row.get(uncertainty)) is not None:
            radius = f"{formats.number(row[uncertainty], lang)} {label('km', lang)}"
            facts.append(label("location_within", lang).format(km=radius))
        elif not is_approximate(spec, row):
            facts.append(label("location_exact", lang))
    headline = note = None
    resources, resource_refs = resource_lines(data, fid, figures, lang)
    commodity = spec.field("commodity")
    best = headline_figure(figures.get(fid, []), row.get(commodity) if commodity else None)
    figure_refs: list[str] = []
    if best:
        figure, count = best
        headline = figure_text(figure, lang)
        cited = data.cited(figure["sources"])
        dated = [c["date"] for c in cited if cell_value(c.get("date")) is not None]
        if dated:
            note = label("headline_basis", lang).format(basis=term(figure["basis"], lang), date=formats.date(dated[0], lang))
        else:
            note = f"{term(figure['basis'], lang)}; {label('source_undated', lang)}"
        if count > 1:
            note += "; " + label("headline_of", lang).format(n=count)
        figure_refs = split_refs(figure["sources"])
    section_list = list(extras)
    lengths = [lines for heading, lines in section_list if heading == "lengths"]
    if lengths and lengths[0] and not headline:
        headline = lengths[0][0]
    rows = []
    for key in row:
        if key in skip or key in enums or key not in spec.field_names:
            continue
        shown = _shown_value(spec, row, key, lang, names, enums, refs)
        if shown:
            # An amount shown as money ("USD 1.1 bn") keeps no "(USD m)" in its caption.
            caption = label("investment", lang) if key == spec.field("investment_usd_m") else field_label(spec, key, lang)
            rows.append((caption, shown))
    sections = [("figures", resources), ("agreements", agreements.get(fid, [])), *section_list]
    all_refs = list(dict.fromkeys(figure_refs + cited_refs(spec, row) + resource_refs))
    name = cell_value(row.get(name_field(data, layer, lang))) or fid
    return {"name": name, "facts": facts, "headline": headline, "headline_note": note, "rows": rows, "sections": sections}, all_refs


def _popup_for(
    data: Dataset, layer: str, row: dict[str, Any], names: dict[str, str], lang: str, agreements: dict[str, list[str]], figures: dict, extras=()
) -> str:
    content, refs = card(data, layer, row, names, lang, agreements, figures, extras)
    return card_html(content, cited=data.cited(";".join(refs)), lang=lang)


def add_layer(
    fmap: folium.Map,
    data: Dataset,
    layer: str,
    *,
    lang: str = "en",
    names: dict[str, str] | None = None,
    popup_extras: dict | None = None,
    payload: dict[str, Any] | None = None,
) -> folium.FeatureGroup:
    """Add one layer to ``fmap`` as a toggleable group with its own legend.

    Every drawn feature carries the class ``kz-layer-<layer>``, so a page (or
    a test) can find what a layer drew. ``payload`` is a large layer's
    :func:`~kzgeo.html.fastlayer.layer_payload`, if already made.
    """
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    names = names if names is not None else feature_names(data, lang)
    title = layer_title(data, layer, lang)
    label_field = name_field(data, layer, lang)
    # Leaflet's layer control inserts names as HTML: escape.
    group = folium.FeatureGroup(name=esc(f"{title} ({len(frame)})"), show=True)
    if len(frame) >= settings.fast_layer_min_features:
        FastLayer(data, layer, lang=lang, names=names, popup_extras=popup_extras, payload=payload).add_to(group)
        return _add_group(fmap, group, data, layer, lang)
    agreements = agreement_lines(data, lang)
    figures = figures_by_feature(data, lang)
    uncertainty = spec.field("uncertainty")
    class_name = f"kz-layer-{layer}"
    features = []
    # Exact points first, so approximate ones (smaller) are drawn above them.
    for row in sorted(frame.to_dict("records"), key=lambda r: is_approximate(spec, r)):
        props = {
            "id": row[spec.key],
            "_style": {**path_style(spec, {k: cell_value(v) for k, v in row.items() if k != "geometry"}), "className": class_name},
            "_name": cell_value(row[label_field]) or row[spec.key],
            "_kind": title,
            "_tooltip": tooltip_html(row[label_field]),
            "_popup": _popup_for(data, layer, row, names, lang, agreements, figures, (popup_extras or {}).get(row[spec.key], ())),
        }
        geometry = row["geometry"]
        if spec.geometry_type == "Point" and (ring := ring_radii(spec, row)):
            # Known only as a distance from a place: the ring itself is the feature to click.
            geometry = uncertainty_area(geometry.x, geometry.y, ring[1], ring[0])
            props["_style"] = {**ring_style(spec, row), "className": f"{class_name} kz-uncertainty-ring"}
        features.append({"type": "Feature", "id": row[spec.key], "properties": props, "geometry": _rounded(geometry, settings.coordinate_precision)})
        if spec.geometry_type == "Point" and uncertainty and is_approximate(spec, row) and not ring_radii(spec, row):
            VerbatimCircle(
                location=[round(row["geometry"].y, settings.coordinate_precision), round(row["geometry"].x, settings.coordinate_precision)],
                radius=float(row[uncertainty]) * 1000,
                interactive=False,
                class_name=f"kz-uncertainty kz-uncertainty-{layer}",
                **uncertainty_style(spec, row),
            ).add_to(group)
    VerbatimGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=title,
        on_each_feature=_BIND,
        control=False,
        style=_STYLE_FROM_DATA,
        **({"point_to_layer": _POINT_FROM_DATA} if spec.geometry_type == "Point" else {}),
    ).add_to(group)
    return _add_group(fmap, group, data, layer, lang)


def _add_group(fmap: folium.Map, group: folium.FeatureGroup, data: Dataset, layer: str, lang: str) -> folium.FeatureGroup:
    """Put a layer's group on the map with a legend of the categories it contains."""
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    group.add_to(fmap)
    words = style_value_words(data, layer, lang)
    entries = legend_entries(spec, style_samples(spec, frame), translate=lambda word: words.get(word) or term(word, lang))
    LayerLegend(group, layer_title(data, layer, lang), entries).add_to(fmap)
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


def _page_sources(data: Dataset, names: list[str]) -> list[dict[str, Any]]:
    """Every source the page's features, their figures and agreements cite, by publisher and date."""
    ids: set[str] = set()
    for layer in names:
        spec = data.catalog.layers[layer]
        frame = data.layers[layer]
        for refs in frame[spec.field("sources")].unique():  # a national layer repeats a few lists
            ids.update(split_refs(refs))
    figures = data.records("figures", "feature", "sources")
    agreements = data.records("agreements", "features", "sources")
    # Which of the features the figures and agreements name are on the page: a few ids looked up
    # in each layer's key column at once, not a set of a national layer's million ids.
    named = {f["feature"] for f in figures} | {i for a in agreements for i in split_refs(a["features"])}
    shown: set[str] = set()
    for layer in names:
        keys = data.layers[layer][data.catalog.layers[layer].key]
        shown.update(keys[keys.isin(named)].tolist())
    for figure in figures:
        if figure["feature"] in shown:
            ids.update(split_refs(figure["sources"]))
    for agreement in agreements:
        if set(split_refs(agreement["features"])) & shown:
            ids.update(split_refs(agreement["sources"]))
    table = data.sources
    rows = [table.loc[i].to_dict() for i in ids if i in table.index]
    return sorted(rows, key=lambda r: (str(r["publisher"]).lower(), str(r["date"]), str(r["title"])))


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
        footer=label("built_with", lang).format(version=package_version(), files=len(data.file_hashes), as_of=formats.date(data.as_of, lang)),
        sources=source_list_html(label("source_list", lang), _page_sources(data, names), lang),
    )
    TextPanel(_PANEL_ID, body, labels_for(["table_open", "table_close"], lang)).add_to(fmap)


def layers_with_role(data: Dataset, role: str, shown: list[str]) -> list[str]:
    """The shown layers that play ``role`` in the catalog (``deposits``, ``nodes``, ``legs``)."""
    return [n for n in shown if data.catalog.layers[n].role == role]




def _points(data: Dataset, layer: str, lang: str):
    """(name in ``lang``, lon, lat, row) of each feature of a point layer; none for a national-scale
    layer, whose points are too many to name (its tooltips name them)."""
    if len(data.layers[layer]) >= settings.fast_layer_min_features:
        return
    key = name_field(data, layer, lang)
    for row in data.layers[layer].to_dict("records"):
        yield row[key], row["geometry"].x, row["geometry"].y, row


def _label_items(data: Dataset, shown: list[str], lang: str) -> list[dict[str, Any]]:
    """Every label the page may draw, in the order they are placed (deposits first and always).

    Deposits are named at every zoom; small corridors (TRIPP) too; then
    countries, seas and lakes, capitals, the dataset's ports and border
    crossings (junctions from zoom 5.5), then other cities (``kzgeo.places``).
    """
    items: list[dict[str, Any]] = []
    for layer in layers_with_role(data, "deposits", shown):
        for text, lon, lat, _ in _points(data, layer, lang):
            items.append({"kind": "deposit", "text": text, "lon": lon, "lat": lat, "minzoom": 0, "always": True, "gap": 11})
    for group in corridor_groups(data, shown):
        if group["bounds"][2] - group["bounds"][0] < SMALL_CORRIDOR_DEG:
            items.append({"kind": "corridor", "text": term(group["name"], lang), "lon": group["lon"], "lat": group["lat"], "minzoom": 0, "gap": 8})
    nodes, taken = [], []
    for layer in layers_with_role(data, "nodes", shown):
        kind = data.catalog.layers[layer].field("kind")
        for text, lon, lat, row in _points(data, layer, lang):
            major = kind is None or row.get(kind) != "junction"
            nodes.append({"kind": "node", "text": text, "lon": lon, "lat": lat, "minzoom": 4 if major else 5.5, "gap": 7})
            taken.append((lon, lat))
    package = place_labels(lang, taken)
    rank = {"country": 0, "sea": 1, "lake": 2, "capital": 3}
    items += sorted((p for p in package if p["kind"] in rank), key=lambda p: rank[p["kind"]])
    items += sorted(nodes, key=lambda n: n["minzoom"])
    items += [p for p in package if p["kind"] not in rank]
    for item in items:
        item["lon"] = round(float(item["lon"]), 4)
        item["lat"] = round(float(item["lat"]), 4)
    return items
def _base_map(map_title: str, subtitle: str, lang: str, self_contained: bool, basemap: str | None) -> tuple[folium.Map, Backdrop, str]:
    """An empty kzgeo map in its page: zoom buttons, backdrop (with lakes and close-view shapes),
    tiles, title and a scale in ``lang``."""
    page = Page(lang=lang, title=esc(map_title))
    fmap = (SelfContainedMap if self_contained else CdnMap)(tiles=None, control_scale=False, zoom_snap=0.25, zoom_control=False)
    page.add_child(fmap)
    ZoomControl(label("zoom_in", lang), label("zoom_out", lang)).add_to(fmap)
    OwnControlsCode().add_to(fmap)
    # The close views draw kzgeo/data/countries.geojson, whose border along the Aras is OpenStreetMap's.
    style = {**_BACKDROP_STYLE, "attribution": label("backdrop_credit_osm", lang)}
    shapes = backdrop()
    del shapes["source"]  # the credit is on the map; the page need not carry the long form
    element = Backdrop(shapes, style)
    element.add_to(fmap)
    tiles = basemap or settings.basemap
    if tiles != "none":
        attr = label("tiles_credit", lang) if tiles == settings.basemap else None
        folium.TileLayer(tiles, name="Basemap", control=False, error_tile_url=_BLANK_TILE, **({"attr": attr} if attr else {})).add_to(fmap)
    MapTitle(map_title, subtitle).add_to(fmap)
    ScaleBar({"km": label("km", lang), "m": label("m", lang), "leaflet": label("leaflet_title", lang)}).add_to(fmap)
    return fmap, element, tiles


#: The closest the first view zooms to fit the data (a region around a few close sites).
FIT_MAX_ZOOM = 6


def _fit(fmap: folium.Map, view, frames: list, lang: str = "en") -> None:
    """Open on the view (or the frames' extent). The page fits it itself (controls.js startView),
    clear of the controls at whatever width it opens, and a button returns there."""
    boxes = [view] if view else [f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()]
    if not boxes:
        raise MapArgumentError("there is nothing to draw: every layer is empty; pass a view to show an area anyway")
    bounds = np.array(boxes, dtype=float).round(settings.coordinate_precision)
    StartView(
        [[float(bounds[:, 1].min()), float(bounds[:, 0].min())], [float(bounds[:, 3].max()), float(bounds[:, 2].max())]],
        list(EXTENT),
        {**labels_for(_VIEW_LABELS, lang), "max_zoom": FIT_MAX_ZOOM},
    ).add_to(fmap)


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
    map_title = term(title or data.catalog.title, lang)
    fmap, backdrop, tiles = _base_map(map_title, f"{label('as_of', lang)} {formats.date(data.as_of, lang)}", lang, self_contained, basemap)
    SkipLink(label("skip_to_text", lang), _PANEL_ID).add_to(fmap)
    order = sorted(names, key=lambda n: (_RANK[data.catalog.layers[n].geometry_type], -names.index(n)))
    payloads = _fast_payloads(data, order, lang, all_names, popup_extras or {})
    groups = [add_layer(fmap, data, name, lang=lang, names=all_names, popup_extras=(popup_extras or {}).get(name), payload=payloads.get(name)) for name in order]
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_controls(fmap, backdrop, lang, self_contained, tiles)
    small = [g for g in groups if _feature_layers(g)]
    zoom_places = [{"name": term(g["name"], lang), "bounds": g["bounds"]} for g in corridor_groups(data, names) if g["bounds"][2] - g["bounds"][0] < SMALL_CORRIDOR_DEG]
    if zoom_places:
        ZoomTo(zoom_places, {"zoom_to": label("zoom_to", lang)}).add_to(fmap)
    _add_text_panel(fmap, data, names, lang)
    Timeline(agreement_items(data, lang), [gj for g in groups for gj in _feature_layers(g)], labels_for(_TIMELINE_LABELS, lang)).add_to(fmap)
    BuildManifest(manifest(data, lang=lang, layers=names)).add_to(fmap)
    Picker([gj for g in small for gj in _feature_layers(g)], {"choose_heading": label("choose_heading", lang)}).add_to(fmap)
    PlaceLabels(_label_items(data, names, lang)).add_to(fmap)
    _fit(fmap, view, [data.layers[n] for n in names], lang)
    return fmap


def _fast_payloads(data: Dataset, names: list[str], lang: str, all_names: dict[str, str], popup_extras: dict) -> dict[str, dict[str, Any]]:
    """The payloads of the layers drawn by the fast layer, made side by side when there are several.

    Simplifying shapes (shapely), deflating columns (zlib) and most of the
    Arrow and numpy work let go of Python's lock, so a national point layer and
    a layer of licence outlines are encoded on both cores. Each payload is made
    exactly as :class:`~kzgeo.html.fastlayer.FastLayer` would make it alone.
    """
    large = [n for n in names if len(data.layers[n]) >= settings.fast_layer_min_features]
    if len(large) < 2:
        return {}
    import gc
    from concurrent.futures import ThreadPoolExecutor

    from kzgeo.html.fastlayer import layer_payload

    data.sources  # noqa: B018 - made once here, not by both threads at once
    paused = gc.isenabled()
    gc.disable()  # for every thread at once (layer_payload pauses it too, but each thread alone)
    try:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kzgeo-layers") as pool:
            made = {n: pool.submit(layer_payload, data, n, lang=lang, names=all_names, popup_extras=popup_extras.get(n)) for n in large}
            return {n: future.result() for n, future in made.items()}
    finally:
        if paused:
            gc.enable()


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
                "properties": {"_tooltip": tooltip_html(_plain(title)), "_name": _plain(title), "_kind": name, "_popup": attribute_popup_html(_plain(title), props)},
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
    groups = []
    for name in sorted(names, key=lambda n: (_frame_rank(frames[n]), -names.index(n))):
        groups.append(add_frame(fmap, name, frames[name], color=colors[name], lang=lang, position=names.index(name)))
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_controls(fmap, backdrop, lang, self_contained, tiles)
    # The same one click handler as a dataset's map: a popup, or a chooser where features overlap.
    Picker([gj for g in groups for gj in _feature_layers(g)], {"choose_heading": label("choose_heading", lang)}).add_to(fmap)
    BuildManifest({"kzgeo_version": package_version(), "lang": lang, "layers": {n: len(frames[n]) for n in names}}).add_to(fmap)
    _fit(fmap, view, [frames[n] for n in names], lang)
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
