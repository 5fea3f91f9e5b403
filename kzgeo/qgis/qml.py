"""QGIS layer styles (QML): symbols, labels, captions and forms, from the same style functions as the HTML map.

Each catalog layer gets a *rule-based* renderer, so the legend (on screen, in
a print layout, in SLD) names both dimensions of the HTML style: a parent rule
per ``style.by`` category (commodity, mode, kind) and, under it, a child rule
per second dimension -- exact or approximate location for points, each
``style.dash_by`` value (operating, under construction, planned) for lines.
Every colour and dash comes from :func:`kzgeo.style.path_style`; sizes are in
millimetres (a Leaflet pixel is a CSS pixel, 1/96 inch), so a layout prints
markers the size the screen shows them.

Labels show each feature's name in the export language; field captions
(aliases) and enum dropdowns (value maps) are in that language too, and so are
rule labels: a catalog word through :func:`kzgeo.labels.term`, a data value
with translation columns (a map spec colouring route variants) through the
data's own translation (``words``, from :func:`kzgeo.text.style_value_words`),
as the HTML and print legends show it. A style
never names a field of the shipped data: it asks the catalog (types, roles,
style) which field plays which part.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable, Mapping

from kzgeo.backdrop import BORDER, LAND
from kzgeo.catalog import FieldSpec, LayerSpec, TableSpec
from kzgeo.labels import label, term
from kzgeo.qgis.roles import field_for, name_field
from kzgeo.qgis.tables import (
    OWNER, POSITION, PRECISION_SUFFIX, PRECISION_VALUES, REF, REF_TABLE, Junction, relation_id,
)
from kzgeo.qgis.words import word
from kzgeo.qgis.xml import QGIS_VERSION, data_defined, document, option_map, quote_field, quote_literal, sub
from kzgeo.style import FALLBACK_COLOR, path_style, uncertainty_style

LINE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")
#: Millimetres per CSS pixel (Leaflet sizes are CSS pixels, 96 to the inch).
MM_PER_PX = 25.4 / 96
#: Leaflet's default weight and opacity for areas, which ``path_style`` leaves to Leaflet.
AREA_OUTLINE_PX, AREA_FILL_OPACITY = 2, 0.2
LABEL_FONT = "DejaVu Sans"
LABEL_POINTS = {"Point": 8.0, "LineString": 7.0, "MultiLineString": 7.0}
STYLE_CATEGORIES = "Symbology|Labeling|Fields|Forms|MapTips"


def qgis_color(hex_color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and an opacity as QGIS writes colours: ``"r,g,b,a"``."""
    value = hex_color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(opacity * 255)}"


def mm(px: float) -> str:
    """A Leaflet size in pixels as QGIS millimetres (text)."""
    return f"{px * MM_PER_PX:.3g}"


def qgis_dash(dash_array: str | None) -> str:
    """A Leaflet ``dashArray`` ("8 5", pixels) as a QGIS custom dash in millimetres ("2.12;1.32"); "" for solid."""
    return ";".join(mm(float(v)) for v in (dash_array or "").replace(",", " ").split())


def caption(f: FieldSpec, lang: str) -> str:
    """A field's caption in ``lang``: the catalog's ``label`` when it has one, else kzgeo's words."""
    return f.label.get(lang) or f.label.get("en") or label(f.name, lang)


def _is(field: str, value: str) -> str:
    return f"{quote_field(field)} = {quote_literal(value)}"


def _both(a: str | None, b: str | None) -> str | None:
    """Two rule filters that must both hold (either may be absent)."""
    return f"({a}) AND ({b})" if a and b else a or b


def drawn_as_point(spec: LayerSpec) -> str | None:
    """A filter true where a feature's point means its location; None when every point does.

    A location known only as a distance from somewhere (a field with role ``uncertainty_min``,
    the ring's inner radius: North Katpar, 20-30 km from Upper Kairakty) has no point of its
    own: its geometry is the ring's centre, the *other* deposit's spot. As the HTML and print
    maps do, QGIS draws only the ring (the uncertainty areas layer) for it, and neither a
    marker nor a name at the centre; the feature stays in the layer (attributes, relations,
    identify, and so edits come back through ``kzgeo import``).
    """
    inner = field_for(spec, "uncertainty_min") if spec.geometry_type == "Point" else None
    return f"{quote_field(inner)} IS NULL" if inner else None


def _none_of(field: str, values) -> str:
    """True where ``field`` holds none of ``values`` (NULL included).

    Written out instead of QGIS's ``ELSE`` rule: an ELSE rule is honoured when
    drawing but not by "symbol for feature" (identify, feature counts, select
    by symbol), which would report several symbols per feature.
    """
    return f"coalesce(to_string({quote_field(field)}), '') NOT IN ({', '.join(quote_literal(v) for v in values)})"


# ------------------------------------------------------------------ symbols


def _symbol_layer(symbol: ET.Element, cls: str, options: dict[str, str], expressions: dict[str, str] | None = None) -> None:
    layer = sub(symbol, "layer", **{"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    option_map(layer, options)
    if expressions:
        data_defined(layer, expressions)


def _marker(parent: ET.Element, name: str, style: dict) -> None:
    symbol = sub(parent, "symbol", type="marker", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    _symbol_layer(symbol, "SimpleMarker", {
        "name": "circle",
        "color": qgis_color(style["fillColor"], style["fillOpacity"]),
        "outline_color": qgis_color(style["color"]),
        "outline_width": mm(style["weight"]),
        "outline_width_unit": "MM",
        "outline_style": "dash" if style.get("dashArray") else "solid",
        "size": mm(2 * style["radius"]),
        "size_unit": "MM",
        "offset_unit": "MM",
        "scale_method": "diameter",
    })


def _line(parent: ET.Element, name: str, style: dict) -> None:
    symbol = sub(parent, "symbol", type="line", name=name, alpha=str(style["opacity"]), clip_to_extent="1", force_rhr="0")
    dash = qgis_dash(style.get("dashArray"))
    _symbol_layer(symbol, "SimpleLine", {
        "line_color": qgis_color(style["color"]),
        "line_width": mm(style["weight"]),
        "line_width_unit": "MM",
        "line_style": "dash" if dash else "solid",
        "use_custom_dash": "1" if dash else "0",
        "customdash": dash or "5;2",
        "customdash_unit": "MM",
        "capstyle": "round" if not dash else "flat",
        "joinstyle": "round",
    })


def _fill(parent: ET.Element, name: str, color: str, opacity: float, outline: str, width_px: float, dashed: bool = False) -> None:
    symbol = sub(parent, "symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    _symbol_layer(symbol, "SimpleFill", {
        "color": qgis_color(color, opacity),
        "outline_color": qgis_color(outline),
        "outline_width": mm(width_px),
        "outline_width_unit": "MM",
        "style": "solid",
        "outline_style": "dash" if dashed else "solid",
        "joinstyle": "round",
    })


class _Rules:
    """Collects the rules and symbols of one rule-based renderer."""

    def __init__(self) -> None:
        self.root = ET.Element("renderer-v2", type="RuleRenderer", symbollevels="0", forceraster="0", enableorderby="0")
        self.rules = sub(self.root, "rules", key="kzgeo-root")
        self.symbols = sub(self.root, "symbols")
        self.count = 0

    def group(self, parent: ET.Element, label_: str, filter_: str) -> ET.Element:
        self.count += 1
        return sub(parent, "rule", key=f"kzgeo-rule-{self.count}", label=label_, filter=filter_)

    def leaf(self, parent: ET.Element, label_: str, filter_: str | None, draw) -> None:
        self.count += 1
        symbol = str(len(self.symbols))
        attrs = {"key": f"kzgeo-rule-{self.count}", "label": label_, "symbol": symbol}
        if filter_:
            attrs["filter"] = filter_
        sub(parent, "rule", **attrs)
        draw(self.symbols, symbol)


def _categories(spec: LayerSpec) -> list[tuple[str | None, str]]:
    """(value, label) per category, then "ELSE" for values the catalog has no colour for."""
    if spec.style is None:
        return [(None, spec.title)]
    return [*((value, value) for value in spec.style.colors), ("ELSE", "other")]


def _shown(value: str, lang: str, words: Mapping[str, str]) -> str:
    """A style value as a rule label in ``lang``: the data's translation where it has one, else kzgeo's word."""
    return words.get(value) or term(value, lang)


def renderer(spec: LayerSpec, lang: str = "en", only_ids: Iterable[str] | None = None, words: Mapping[str, str] | None = None) -> ET.Element:
    """The rule-based ``<renderer-v2>`` of a catalog layer (``only_ids``: draw just these features).

    ``words``: the data's translations of the values the style colours and dashes by
    (:func:`kzgeo.text.style_value_words`); other values are catalog words (:func:`term`).
    """
    words = words or {}
    rules = _Rules()
    parent = rules.rules
    point = drawn_as_point(spec)
    if only_ids is not None:
        ids = ", ".join(quote_literal(str(i)) for i in only_ids)
        parent = rules.group(parent, "", f"{quote_field(spec.key)} IN ({ids})")
    by = spec.style.by if spec.style else None
    accuracy = field_for(spec, "accuracy")
    for value, text in _categories(spec):
        props = {by: value} if by and value not in (None, "ELSE") else {}
        filter_ = _none_of(by, spec.style.colors) if value == "ELSE" else _is(by, value) if by and value is not None else None
        filter_ = _both(filter_, point)
        shown = word("other", lang) if value == "ELSE" else _shown(text, lang, words)
        if spec.geometry_type in LINE_TYPES:
            dash_by = spec.style.dash_by if spec.style else None
            if dash_by and spec.style.dashes:
                group = rules.group(parent, shown, filter_) if filter_ else parent
                for dvalue in spec.style.dashes:
                    style = path_style(spec, {**props, dash_by: dvalue})
                    rules.leaf(group, _shown(dvalue, lang, words), _is(dash_by, dvalue), lambda s, n, st=style: _line(s, n, st))
                style = path_style(spec, props)
                rules.leaf(group, word("other", lang), _none_of(dash_by, spec.style.dashes), lambda s, n, st=style: _line(s, n, st))
            else:
                style = path_style(spec, props)
                rules.leaf(parent, shown, filter_, lambda s, n, st=style: _line(s, n, st))
        elif spec.geometry_type in AREA_TYPES:
            color = spec.style.colors.get(value, FALLBACK_COLOR) if spec.style and value else FALLBACK_COLOR
            rules.leaf(parent, shown, filter_, lambda s, n, c=color: _fill(s, n, c, AREA_FILL_OPACITY, c, AREA_OUTLINE_PX))
        elif accuracy:
            group = rules.group(parent, shown, filter_) if filter_ else parent
            exact = path_style(spec, {**props, accuracy: "exact"})
            approx = path_style(spec, {**props, accuracy: "approximate"})
            # Approximate before exact: an approximate point on an exact neighbour's spot stays visible.
            rules.leaf(group, word("approximate location", lang), _is(accuracy, "approximate"), lambda s, n, st=approx: _marker(s, n, st))
            rules.leaf(group, word("exact location", lang), _none_of(accuracy, ["approximate"]), lambda s, n, st=exact: _marker(s, n, st))
        else:
            style = path_style(spec, props)
            rules.leaf(parent, shown, filter_, lambda s, n, st=style: _marker(s, n, st))
    return rules.root


def uncertainty_renderer(layers: dict[str, LayerSpec], lang: str = "en", only: dict[str, list[str] | None] | None = None,
                         words: Mapping[str, Mapping[str, str]] | None = None) -> ET.Element:
    """Uncertainty areas drawn as the HTML map draws its circles: per layer and category colour, dashed.

    Only approximate locations are drawn (as on the HTML map); every area stays in the table.
    ``only`` (a map theme's selection) draws just these layers, each limited to the listed ids
    (``None``: all of its features). ``words``: per layer, as for :func:`renderer`.
    """
    rules = _Rules()
    for name, spec in layers.items():
        if field_for(spec, "uncertainty") is None or spec.geometry_type != "Point":
            continue
        if only is not None and name not in only:
            continue
        accuracy = field_for(spec, "accuracy")
        base = _is("layer", name) + (f" AND {quote_field('accuracy')} = 'approximate'" if accuracy else "")
        if only is not None and only[name] is not None:
            base += f" AND {quote_field('feature')} IN ({', '.join(quote_literal(str(i)) for i in only[name])})"
        for value, _ in _categories(spec):
            props = {spec.style.by: value} if spec.style and value not in (None, "ELSE") else {}
            style = uncertainty_style(spec, props)
            filter_ = _none_of("category", spec.style.colors) if value == "ELSE" else _is("category", value) if value else None
            text = _shown(value, lang, (words or {}).get(name, {})) if value and value != "ELSE" else word("other", lang)
            full = f"{base} AND ({filter_})" if filter_ else base
            rules.leaf(rules.rules, text, full, lambda s, n, st=style: _fill(s, n, st["color"], st["fillOpacity"], st["color"], st["weight"], dashed=True))
    return rules.root


def ring_labeling(only: dict[str, list[str] | None] | None = None) -> ET.Element:
    """Names of the locations known only as a ring (an inner radius), beside the ring: their points
    draw no marker and no name (:func:`drawn_as_point`), so the ring is where a reader finds them.
    ``only``, as for :func:`uncertainty_renderer`, keeps to a map theme's features; the table's
    ``name`` is already in the export's language (``tables.uncertainty_frame``)."""
    show = f"{quote_field('inner_km')} IS NOT NULL"
    if only is not None:
        kept = [_is("layer", name) + (f" AND {quote_field('feature')} IN ({', '.join(quote_literal(str(i)) for i in ids)})" if ids is not None else "")
                for name, ids in only.items()]
        show = _both(show, " OR ".join(f"({k})" for k in kept) or "FALSE")
    return _label_node("name", False, "area", show)


def backdrop_renderer() -> ET.Element:
    """Land in the HTML map's land colour with grey borders (the sea is the project's background)."""
    node = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0", enableorderby="0")
    _fill(sub(node, "symbols"), "0", LAND, 1.0, BORDER, 1.0)
    return node


# ------------------------------------------------------------------ labels


def _label_node(text: str, is_expression: bool, kind: str, show: str | None) -> ET.Element:
    """A simple labelling with a white halo: ``kind`` "point" (beside it), "line" (along it) or "area" (outside it);
    ``show``: an expression limiting which features are named."""
    line = kind == "line"
    node = ET.Element("labeling", type="simple")
    settings = sub(node, "settings", calloutType="simple")
    size = LABEL_POINTS["LineString"] if line else LABEL_POINTS["Point"]
    style = sub(settings, "text-style", fieldName=text, isExpression="1" if is_expression else "0", fontFamily=LABEL_FONT, fontSize=str(size),
                fontSizeUnit="Point", fontItalic="1" if line else "0", fontWeight="50", textColor="40,40,40,255" if not line else "90,90,90,255",
                textOpacity="1", multilineHeight="1", blendMode="0", allowHtml="0")
    sub(style, "families")
    sub(style, "text-buffer", bufferDraw="1", bufferSize="0.7", bufferSizeUnits="MM", bufferColor="255,255,255,255", bufferOpacity="0.85", bufferJoinStyle="128", bufferNoFill="1")
    sub(settings, "text-format", wrapChar="", autoWrapLength="18" if not line else "0", multilineAlign="3", placeDirectionSymbol="0")
    if kind == "area":  # beside the area (OutsidePolygons), never in a ring's hole, where another place stands
        sub(settings, "placement", placement="8", dist="0.8", distUnits="MM", priority="7")
    elif line:
        sub(settings, "placement", placement="3", placementFlags="10", dist="0.6", distUnits="MM", repeatDistance="0", overrunDistance="0", maxCurvedCharAngleIn="25", maxCurvedCharAngleOut="-25", priority="3")
    else:
        sub(settings, "placement", placement="6", dist="1.2", distUnits="MM", predefinedPositionOrder="TR,TL,BR,BL,R,L,TSR,BSR", priority="7")
    sub(settings, "rendering", obstacle="1", obstacleFactor="1", obstacleType="1", displayAll="0", upsidedownLabels="0", labelPerPart="0", mergeLines="1" if line else "0",
        limitNumLabels="0", maxNumLabels="2000", minFeatureSize="0", scaleVisibility="0", fontLimitPixelSize="0", drawLabels="1", zIndex="1" if not line else "0")
    shown = {"Show": {"active": True, "expression": show, "type": 3}} if show else {}
    option_map(sub(settings, "dd_properties"), {"name": "", "properties": shown, "type": "collection"})
    return node


def labeling(spec: LayerSpec, lang: str, only_ids: Iterable[str] | None = None) -> ET.Element | None:
    """Feature names in ``lang`` beside points and along lines, with a white halo; None without a name field.

    A location known only as a ring is not named at the ring's centre (:func:`drawn_as_point`).
    """
    field = name_field(spec, lang)
    if field is None or spec.geometry_type in AREA_TYPES:
        return None
    show = _both(f"{quote_field(spec.key)} IN ({', '.join(quote_literal(str(i)) for i in only_ids)})" if only_ids is not None else None, drawn_as_point(spec))
    return _label_node(field, False, "line" if spec.geometry_type in LINE_TYPES else "point", show)


# ------------------------------------------------------------------ fields and forms


def _value_map(values: Iterable[str], lang: str) -> dict:
    return {"map": [{term(v, lang): v} for v in values]}


def _widget(parent: ET.Element, name: str, kind: str, config: dict) -> None:
    field = sub(parent, "field", name=name, configurationFlags="None")
    widget = sub(field, "editWidget", type=kind)
    _options(sub(widget, "config"), config)


def _options(parent: ET.Element, value, name: str | None = None) -> None:
    """QGIS ``<Option>`` trees including lists (value maps are lists of one-entry maps)."""
    attrs = {} if name is None else {"name": name}
    if isinstance(value, dict):
        node = sub(parent, "Option", type="Map", **attrs)
        for key, item in value.items():
            _options(node, item, key)
    elif isinstance(value, list):
        node = sub(parent, "Option", type="List", **attrs)
        for item in value:
            _options(node, item)
    elif isinstance(value, bool):
        sub(parent, "Option", type="bool", value="true" if value else "false", **attrs)
    else:
        sub(parent, "Option", type="QString", value=str(value), **attrs)


def form_elements(spec: TableSpec, columns: list[str], lang: str, related: bool = False) -> list[ET.Element]:
    """Edit widgets (dropdowns for enums, calendars for dates), captions and the id constraint of a catalog table.

    With ``related`` (inside the project, where the relations exist) a ``ref``
    field to one table is picked from that table's features by name.
    """
    by_name = {f.name: f for f in spec.fields}
    config = ET.Element("fieldConfiguration")
    aliases = ET.Element("aliases")
    for index, column in enumerate(columns):
        f = by_name.get(column)
        if f is not None and f.type == "enum":
            _widget(config, column, "ValueMap", _value_map(f.values, lang))
        elif related and f is not None and f.type == "ref" and len(f.to) == 1:
            _widget(config, column, "RelationReference", {
                "Relation": relation_id(spec.name, f.name), "AllowNULL": not f.required, "ShowForm": False, "ShowOpenFormButton": True,
                "MapIdentification": True, "ReadOnly": False, "OrderByValue": True, "AllowAddFeatures": False,
            })
        elif f is not None and f.type == "date":
            _widget(config, column, "DateTime", {"allow_null": True, "calendar_popup": True, "display_format": "yyyy-MM-dd", "field_format": "yyyy-MM-dd", "field_iso_format": False})
        elif column.endswith(PRECISION_SUFFIX) and column[: -len(PRECISION_SUFFIX)] in by_name:
            _widget(config, column, "ValueMap", _value_map(PRECISION_VALUES, lang))
        elif f is not None and f.type == "url":
            _widget(config, column, "ExternalResource", {"DocumentViewer": 0, "FileWidget": False, "FileWidgetButton": False, "UseLink": True, "FullUrl": True, "StorageMode": 0})
        else:
            _widget(config, column, "TextEdit", {"IsMultiline": False, "UseHtml": False})
        if f is not None:
            text = caption(f, lang)
        elif column.endswith(PRECISION_SUFFIX) and column[: -len(PRECISION_SUFFIX)] in by_name:
            text = f"{caption(by_name[column[: -len(PRECISION_SUFFIX)]], lang)}: {word('precision', lang)}"
        else:
            text = column
        sub(aliases, "alias", field=column, index=str(index), name="" if text == column else text)
    constraints = ET.Element("constraints")
    sub(constraints, "constraint", field=spec.key, constraints="3", notnull_strength="1", unique_strength="1", exp_strength="0")
    return [config, aliases, constraints]


def junction_form(junction: Junction, lang: str) -> list[ET.Element]:
    config = ET.Element("fieldConfiguration")
    _widget(config, REF_TABLE, "ValueMap", _value_map(junction.targets, lang))
    aliases = ET.Element("aliases")
    for index, (column, text) in enumerate(((OWNER, junction.owner), (REF, junction.field), (REF_TABLE, "table"), (POSITION, "position"))):
        sub(aliases, "alias", field=column, index=str(index), name=word(text, lang))
    return [config, aliases]


def style_document(spec: LayerSpec, lang: str = "en", columns: list[str] | None = None, words: Mapping[str, str] | None = None) -> str:
    """The complete ``.qml`` of a catalog layer: renderer, labels, captions and forms (``words``: as for :func:`renderer`)."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories=STYLE_CATEGORIES)
    labels = labeling(spec, lang)
    root.set("labelsEnabled", "1" if labels is not None else "0")
    root.append(renderer(spec, lang, words=words))
    if labels is not None:
        root.append(labels)
    for element in form_elements(spec, columns or spec.field_names, lang):
        root.append(element)
    return document(root)


def plain_style_document(node: ET.Element, labels: ET.Element | None = None) -> str:
    """A ``.qml`` holding a renderer and maybe labels (backdrop, uncertainty areas)."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Labeling", labelsEnabled="0" if labels is None else "1")
    root.append(node)
    if labels is not None:
        root.append(labels)
    return document(root)
