"""The QGIS project (``kzgeo.qgs``) a GIS professional would publish.

* It draws in a Lambert conformal conic for the region and measures on the
  WGS 84 ellipsoid (:mod:`kzgeo.qgis.crs`), so ``$length``, the Measure tool
  and scale bars agree with ``kzgeo report``.
* It names the GeoPackage by a relative path (``./kzgeo.gpkg``), so the export
  folder can be moved or copied as a whole.
* Points over lines over uncertainty areas over the Natural Earth backdrop,
  on a sea-coloured canvas; tables (and the junction tables) in a collapsed group.
* Each layer carries its style, labels, captions, forms, metadata and a map
  tip with clickable source links; relations tie references to their
  tables (``ref`` fields directly, ``refs`` fields through junction tables).
* Each map spec becomes a map theme (its layers, in a style holding its
  filters and colours), a bookmark of its view and an A4 print layout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from kzgeo.dataset import Dataset, cell_value
from kzgeo.io.readers import split_refs
from kzgeo.labels import label, term
from kzgeo.qgis.crs import ELLIPSOID, project_box
from kzgeo.qgis.layout import layout_element
from kzgeo.qgis.qmd import metadata_element, project_metadata
from kzgeo.qgis.qml import (
    AREA_TYPES, LINE_TYPES, backdrop_renderer, caption, form_elements, junction_form, labeling, renderer, ring_labeling, uncertainty_renderer,
)
from kzgeo.qgis.roles import field_for, name_field, source_fields
from kzgeo.qgis.tables import PRECISION_SUFFIX, BACKDROP, OWNER, relation_id, POSITION, REF, UNCERTAINTY, export_columns, junctions
from kzgeo.qgis.words import word
from kzgeo.qgis.xml import QGIS_VERSION, document, number, ogr_source, quote_field, quote_literal, spatialrefsys, sub
from kzgeo.spec import MapSpec, check_map_spec, kept_ids, restyled
from kzgeo.text import style_value_words
from kzgeo.backdrop import WATER

GEOPACKAGE_NAME = "kzgeo.gpkg"
TABLES_GROUP = "Tables"
#: Share of the data's width and height added around it in the initial view.
VIEW_MARGIN = 0.08


@dataclass(frozen=True)
class Theme:
    """A map spec as the project shows it: a theme, a bookmark and a layout."""

    name: str
    title: str
    layers: tuple[str, ...]
    ids: dict[str, list[str]]
    view: tuple[float, float, float, float]
    styled: dict[str, object]


def layer_id(name: str) -> str:
    """A fixed project layer id (QGIS ignores ids of 10 characters or fewer)."""
    return f"kzgeo_layer_{name}"


def _source(name: str) -> str:
    return ogr_source(f"./{GEOPACKAGE_NAME}", name)


def drawing_order(data: Dataset) -> list[str]:
    """Spatial tables top to bottom: points, lines, areas, uncertainty areas, backdrop."""
    def rank(name: str) -> int:
        gtype = data.catalog.layers[name].geometry_type
        return 2 if gtype in AREA_TYPES else 1 if gtype in LINE_TYPES else 0

    return [*sorted(data.layers, key=rank), UNCERTAINTY, BACKDROP]


def _table_names(data: Dataset) -> list[str]:
    return [*data.tables, *(j.name for j in junctions(data.catalog))]


def _bounds(frames) -> tuple[float, float, float, float]:
    boxes = [f.total_bounds for f in frames if len(f)]
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _with_margin(box) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in box)
    dx, dy = (maxx - minx) * VIEW_MARGIN or 1.0, (maxy - miny) * VIEW_MARGIN or 1.0
    return minx - dx, miny - dy, maxx + dx, maxy + dy


def initial_extent(data: Dataset) -> tuple[float, float, float, float]:
    """The data's bounds with a margin (lon/lat): where the project opens."""
    return _with_margin(_bounds(data.layers.values()))


def themes(data: Dataset, specs: list[MapSpec]) -> list[Theme]:
    """Each spec checked against the data, with the features it keeps and the view it shows."""
    found = []
    for spec in specs:
        check_map_spec(spec, data)
        shown = spec.layers or tuple(data.catalog.layers)
        ids = {layer: kept_ids(spec, data, layer) for layer in spec.filters}
        frames = [data.layers[layer][data.layers[layer]["id"].isin(ids[layer])] if layer in ids else data.layers[layer] for layer in shown]
        view = spec.view or _with_margin(_bounds(frames))
        restyled_layers = restyled(data, spec.styles).catalog.layers
        styled = {layer: restyled_layers[layer] for layer in shown if layer in ids or layer in spec.styles}
        found.append(Theme(spec.name, spec.title or data.catalog.title, tuple(shown), ids, view, styled))
    return found


# ------------------------------------------------------------------ map tips and relations


def _esc(expression: str) -> str:
    """A QGIS expression whose text is made safe for the map tip's HTML."""
    return f"replace(replace(replace(coalesce({expression}, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _source_links(data: Dataset, relation: str) -> str:
    """Map-tip text listing a feature's sources as links, through its junction table, in order."""
    sources = layer_id(data.catalog.sources_table)
    one = f"get_feature({quote_literal(sources)}, 'id', @element)"
    col = source_fields(data.catalog)
    url, publisher, title = (_esc(f"attribute(@s, {quote_literal(col[role])})") for role in ("url", "publisher", "title"))
    raw_date = f"attribute(@s, {quote_literal(col['date'])})"
    precision = f"attribute(@s, {quote_literal(col['date'] + PRECISION_SUFFIX)})"
    date = f"if({precision} = 'month', format_date({raw_date}, 'yyyy-MM'), format_date({raw_date}, 'yyyy-MM-dd'))"
    text = f"{publisher} || ': ' || {title} || coalesce(' (' || {date} || ')', '')"
    # A source with no address is listed as text: an empty link would open nothing.
    link = f"with_variable('s', {one}, if(attribute(@s, {quote_literal(col['url'])}) IS NULL, {text}, '<a href=\"' || {url} || '\">' || {text} || '</a>'))"
    refs = f"relation_aggregate(relation:={quote_literal(relation)}, aggregate:='array_agg', expression:={quote_field(REF)}, order_by:={quote_field(POSITION)})"
    return f"[% array_to_string(array_foreach({refs}, {link}), '<br>') %]"


def map_tip(data: Dataset, name: str, lang: str) -> str:
    """HTML shown on hover: the name, the enum values and the sources as clickable links."""
    spec = data.catalog.all_tables[name]
    title = name_field(spec, lang) or spec.key
    parts = [f"<b>[% {_esc(quote_field(title))} %]</b>"]
    for f in spec.fields:
        if f.type in ("enum", "date"):
            parts.append(f"{caption(f, lang)}: [% {_esc(quote_field(f.name))} %]")
    for junction in junctions(data.catalog):
        if junction.owner == name and junction.targets == (data.catalog.sources_table,):
            parts.append(f"<b>{label('sources', lang)}</b><br>{_source_links(data, relation_id(junction.name, OWNER))}")
    return "<br>".join(parts)


def relations(data: Dataset) -> list[dict[str, str]]:
    """Every relation: each ``ref`` field to its table(s), each junction table to both ends."""
    found = []
    for name, spec in data.catalog.all_tables.items():
        for f in spec.fields:
            if f.type == "ref":
                for target in f.to:
                    found.append({"id": relation_id(name, f.name, target if len(f.to) > 1 else None), "name": f"{data.catalog.all_tables[target].title} → {spec.title} ({f.name})",
                                  "referencing": name, "field": f.name, "referenced": target})
    for junction in junctions(data.catalog):
        owner = data.catalog.all_tables[junction.owner]
        found.append({"id": relation_id(junction.name, OWNER), "name": f"{owner.title} → {junction.field}", "referencing": junction.name, "field": OWNER, "referenced": junction.owner})
        for target in junction.targets:
            found.append({"id": relation_id(junction.name, REF, target), "name": f"{data.catalog.all_tables[target].title} ← {owner.title} ({junction.field})",
                          "referencing": junction.name, "field": REF, "referenced": target})
    return found


# ------------------------------------------------------------------ layers


def _title(data: Dataset, name: str, lang: str) -> str:
    if name in data.catalog.all_tables:
        return term(data.catalog.all_tables[name].title, lang)
    if name == BACKDROP:
        return word("Countries (backdrop)", lang)
    if name == UNCERTAINTY:
        return word("Location uncertainty areas", lang)
    junction = next(j for j in junctions(data.catalog) if j.name == name)
    return f"{term(data.catalog.all_tables[junction.owner].title, lang)}: {junction.field}"


def _tree_layer(parent: ET.Element, data: Dataset, name: str, lang: str) -> None:
    sub(parent, "layer-tree-layer", id=layer_id(name), name=_title(data, name, lang), source=_source(name), providerKey="ogr", checked="Qt::Checked", expanded="1" if name != BACKDROP else "0")


def _geometry_kind(data: Dataset, name: str) -> tuple[str, str]:
    if name == BACKDROP:
        return "Polygon", "MultiPolygon"
    if name == UNCERTAINTY:
        return "Polygon", "Polygon"
    if name in data.layers:
        gtype = data.catalog.layers[name].geometry_type
        return ("Line" if gtype in LINE_TYPES else "Polygon" if gtype in AREA_TYPES else "Point"), gtype
    return "No geometry", "NoGeometry"


def _style_content(parent: ET.Element, data: Dataset, name: str, lang: str, spec=None, ids=None) -> None:
    """Renderer and labels of a spatial layer (``spec``/``ids``: a theme's restyled, filtered version)."""
    if name == BACKDROP:
        parent.append(backdrop_renderer())
        parent.set("labelsEnabled", "0")
        return
    if name == UNCERTAINTY:
        words = {layer: style_value_words(data, layer, lang) for layer in data.catalog.layers}
        parent.append(uncertainty_renderer(data.catalog.layers, lang, only=ids, words=words))
        parent.append(ring_labeling(only=ids))
        parent.set("labelsEnabled", "1")
        return
    spec = spec or data.catalog.layers[name]
    parent.append(renderer(spec, lang, only_ids=ids, words=style_value_words(data, name, lang, spec)))
    labels = labeling(spec, lang, only_ids=ids)
    parent.set("labelsEnabled", "1" if labels is not None else "0")
    if labels is not None:
        parent.append(labels)


def _map_layer(parent: ET.Element, data: Dataset, name: str, lang: str, theme_list: list[Theme], bounds: dict[str, tuple]) -> None:
    geometry, wkb = _geometry_kind(data, name)
    layer = sub(parent, "maplayer", type="vector", geometry=geometry, wkbType=wkb, styleCategories="AllStyleCategories")
    sub(layer, "id", layer_id(name))
    sub(layer, "datasource", _source(name))
    sub(layer, "layername", _title(data, name, lang))
    spatialrefsys(sub(layer, "srs"))
    layer.append(metadata_element(data, name, tag="resourceMetadata", bounds=bounds.get(name)))
    sub(layer, "provider", "ogr", encoding="UTF-8")
    if geometry != "No geometry":
        styles = sub(layer, "map-layer-style-manager", current="default")
        sub(styles, "map-layer-style", name="default")
        for theme in theme_list:
            spec = theme.styled.get(name)
            ids = theme.ids.get(name)
            if name == UNCERTAINTY:  # only the theme's layers, and of them only the features it keeps
                ids = {layer_: theme.ids.get(layer_) for layer_ in theme.layers}
            elif spec is None:
                continue
            style = sub(styles, "map-layer-style", name=theme.name)
            content = sub(style, "qgis", version=QGIS_VERSION, styleCategories="Symbology|Labeling")
            _style_content(content, data, name, lang, spec, ids)
        _style_content(layer, data, name, lang)
    if name in data.catalog.all_tables:
        spec = data.catalog.all_tables[name]
        for element in form_elements(spec, export_columns(spec), lang, related=True):
            layer.append(element)
        sub(layer, "mapTip", map_tip(data, name, lang))
        sub(layer, "previewExpression", quote_field(spec.key))
    else:
        junction = next((j for j in junctions(data.catalog) if j.name == name), None)
        if junction is not None:
            for element in junction_form(junction, lang):
                layer.append(element)
        sub(layer, "previewExpression", quote_field("name") if name in (BACKDROP, UNCERTAINTY) else quote_field(REF))


def _theme_element(parent: ET.Element, data: Dataset, theme: Theme) -> None:
    preset = sub(parent, "visibility-preset", name=theme.name)
    for name in [*theme.layers, UNCERTAINTY, BACKDROP]:
        style = theme.name if (name in theme.styled or name == UNCERTAINTY) else "default"
        sub(preset, "layer", id=layer_id(name), visible="1", style=style)


def _legend_rows(data: Dataset, theme: Theme) -> int:
    """About how many lines the theme's legend shows, so the layout can give a long one two columns.

    The legend is filtered by the map, so it lists the symbol classes the theme's features use:
    per layer a heading, a line per category and one per (category, dash or accuracy) class drawn;
    the uncertainty areas a heading and a line per category; the backdrop two lines.
    """
    rows = 2
    for name in theme.layers:
        spec = theme.styled.get(name) or data.catalog.layers[name]
        frame = data.layers[name]
        if theme.ids.get(name) is not None:
            frame = frame[frame[spec.key].isin(theme.ids[name])]
        by = spec.style.by if spec.style else None
        second = (spec.style.dash_by if spec.style else None) or field_for(spec, "accuracy")
        keys = [f for f in (by, second) if f and f in frame.columns]
        rows += 1 + (len(frame[keys].drop_duplicates()) if keys else 1) + (frame[by].nunique() if by in keys and second in keys else 0)
        if by in keys and field_for(spec, "uncertainty"):
            rows += 1 + frame[by].nunique()
    return rows


def _polygon(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = (number(v) for v in box)
    return f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"


def _sources_shown(data: Dataset, theme: Theme) -> list[str]:
    """Every publisher the theme's features cite, once, in first-cited order (titles, dates and
    addresses are in the layers' metadata and the sources table)."""
    sources = data.sources
    cited: dict[str, None] = {}
    for name in theme.layers:
        spec = data.catalog.layers[name]
        frame = data.layers[name]
        if name in theme.ids:
            frame = frame[frame[spec.key].isin(theme.ids[name])]
        for field in (f.name for f in spec.fields if f.type == "refs" and f.to == (data.catalog.sources_table,)):
            for cell in frame[field]:
                cited.update(dict.fromkeys(split_refs(cell)))
    publishers = (cell_value(sources.loc[sid, "publisher"]) for sid in cited)
    return list(dict.fromkeys(str(p) for p in publishers if p))


def project_document(data: Dataset, specs: list[MapSpec] | None = None, *, lang: str = "en", title: str | None = None,
                     bounds: dict[str, tuple] | None = None) -> str:
    """The ``.qgs`` XML of a project showing every exported table, with a theme, bookmark and layout per spec."""
    title = title or term(data.catalog.title, lang)
    theme_list = themes(data, specs or [])
    bounds = bounds or {}
    root = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    sub(root, "homePath", path="")
    sub(root, "title", title)
    spatialrefsys(sub(root, "projectCrs"), projected=True)
    tree = sub(root, "layer-tree-group")
    for name in drawing_order(data):
        _tree_layer(tree, data, name, lang)
    group = sub(tree, "layer-tree-group", name=word(TABLES_GROUP, lang), checked="Qt::Checked", expanded="0")
    for name in _table_names(data):
        _tree_layer(group, data, name, lang)
    found = sub(root, "relations")
    for rel in relations(data):
        node = sub(found, "relation", id=rel["id"], name=rel["name"], referencingLayer=layer_id(rel["referencing"]), referencedLayer=layer_id(rel["referenced"]), strength="Association")
        sub(node, "fieldRef", referencingField=rel["field"], referencedField="id")
    sub(root, "polymorphicRelations")
    view = project_box(initial_extent(data))
    canvas = sub(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    sub(canvas, "units", "meters")
    extent = sub(canvas, "extent")
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), view, strict=True):
        sub(extent, key, number(value))
    sub(canvas, "rotation", "0")
    spatialrefsys(sub(canvas, "destinationsrs"), projected=True)
    layers = sub(root, "projectlayers")
    for name in [*drawing_order(data), *_table_names(data)]:
        _map_layer(layers, data, name, lang, theme_list, bounds)
    order = sub(root, "layerorder")
    for name in [*drawing_order(data), *_table_names(data)]:
        sub(order, "layer", id=layer_id(name))
    settings = sub(root, "ProjectViewSettings", UseProjectScales="0")
    sub(settings, "Scales")
    corners = dict(zip(("xmin", "ymin", "xmax", "ymax"), (number(v) for v in view), strict=True))
    spatialrefsys(sub(settings, "DefaultViewExtent", **corners), projected=True)
    properties = sub(root, "properties")
    gui = sub(properties, "Gui")
    for part, value in zip(("Red", "Green", "Blue"), (int(WATER[i : i + 2], 16) for i in (1, 3, 5)), strict=True):
        sub(gui, f"CanvasColor{part}Part", str(value), type="int")
    sub(sub(properties, "Measure"), "Ellipsoid", ELLIPSOID, type="QString")
    measurement = sub(properties, "Measurement")
    sub(measurement, "DistanceUnits", "km", type="QString")
    sub(measurement, "AreaUnits", "km2", type="QString")
    paths = sub(properties, "Paths")
    sub(paths, "Absolute", "false", type="bool")
    # QGIS 3.22 reads <projectCrs> only when this flag is set.
    sub(sub(properties, "SpatialRefSys"), "ProjectionsEnabled", "1", type="int")
    # QGIS Server: the root layer's extent is the data's, not the union with the tables' empty ones.
    wms = sub(properties, "WMSExtent", type="QStringList")
    for value in view:
        sub(wms, "value", number(value))
    restricted = sub(properties, "WMSRestrictedLayers", type="QStringList")
    for name in _table_names(data):
        sub(restricted, "value", _title(data, name, lang))
    presets = sub(root, "visibility-presets")
    for theme in theme_list:
        _theme_element(presets, data, theme)
    root.append(project_metadata(data, title))
    layouts = sub(root, "Layouts")
    for theme in theme_list:
        legend = [(layer_id(n), _title(data, n, lang), _source(n)) for n in [*sorted(theme.layers, key=drawing_order(data).index), UNCERTAINTY, BACKDROP]]
        layouts.append(layout_element(name=theme.name, title=term(theme.title, lang), theme=theme.name, view=theme.view, legend_layers=legend,
                                      as_of=data.as_of, sources=_sources_shown(data, theme), lang=lang, legend_rows=_legend_rows(data, theme)))
    marks = sub(root, "Bookmarks")
    for theme in theme_list:
        mark = sub(marks, "Bookmark", id=f"kzgeo_bookmark_{theme.name}", name=term(theme.title, lang), group="kzgeo map specs", extent=_polygon(theme.view))
        spatialrefsys(mark)
    return document(root)
