"""QGIS layer styles (QML) built from the same style functions as the HTML map.

Each layer gets a categorized renderer on its catalog ``style.by`` field, one
category per catalog colour. The second dimension of the HTML style is
reproduced with QGIS expressions on each category's symbol: an approximate
point is hollow with a dashed outline in its category colour, drawn over a
circle of its uncertainty radius, and a corridor
leg is dashed by ``style.dash_by`` (planned legs dotted). Sizes are in pixels,
as in Leaflet, and every value comes from :func:`kzgeo.style.path_style`, so a
change of colour or dash in the catalog reaches both outputs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kzgeo.catalog import LayerSpec
from kzgeo.qgis.xml import (
    QGIS_VERSION,
    data_defined,
    document,
    option_map,
    quote_field,
    quote_literal,
    sub,
)
from kzgeo.style import (
    APPROXIMATE,
    FALLBACK_COLOR,
    accuracy_field,
    path_style,
    uncertainty_style,
)
from kzgeo.text import field_label

LINE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")


def uncertainty_circle(accuracy: str, uncertainty: str) -> str:
    """The circle of an approximate location, as a QGIS expression.

    A buffer in Web Mercator scaled by 1/cos(latitude), which makes its radius
    true in metres at the point (as Leaflet draws L.circle), returned in the
    layer's CRS. ``accuracy`` and ``uncertainty`` are the layer's fields for
    the location accuracy and the radius in km.
    """
    return (
        f"CASE WHEN {quote_field(accuracy)} = '{APPROXIMATE}' AND {quote_field(uncertainty)} > 0 THEN "
        "transform(buffer(transform($geometry, 'EPSG:4326', 'EPSG:3857'), "
        f"{quote_field(uncertainty)} * 1000 / cos(radians(y($geometry))), 48), 'EPSG:3857', 'EPSG:4326') END"
    )

#: Leaflet's default weight and opacity for areas, which ``path_style`` leaves to Leaflet.
AREA_OUTLINE_PX, AREA_FILL_OPACITY = 2, 0.2
_PIXELS = {"size_unit": "Pixel", "outline_width_unit": "Pixel", "offset_unit": "Pixel"}


def qgis_color(hex_color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and an opacity as QGIS writes colours: ``"r,g,b,a"``."""
    value = hex_color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(opacity * 255)}"


def qgis_dash(dash_array: str | None) -> str:
    """A Leaflet ``dashArray`` ("8 5") as a QGIS custom dash ("8;5"); "" for solid."""
    return ";".join((dash_array or "").replace(",", " ").split())


def _when(field: str, choices: dict[str, str], otherwise: str | None) -> str:
    """``CASE WHEN "field" = 'a' THEN 'x' ... ELSE 'y' END`` (no ELSE: NULL)."""
    whens = " ".join(f"WHEN {quote_field(field)} = {quote_literal(k)} THEN {quote_literal(v)}" for k, v in choices.items())
    tail = f" ELSE {quote_literal(otherwise)}" if otherwise is not None else ""
    return f"CASE {whens}{tail} END"


def _marker(style: dict) -> dict[str, str]:
    """SimpleMarker options equivalent to a Leaflet circle-marker style."""
    return {
        "name": "circle",
        "color": qgis_color(style["fillColor"], style["fillOpacity"]),
        "outline_color": qgis_color(style["color"]),
        "outline_width": f'{style["weight"]:g}',
        "outline_style": "dash" if style.get("dashArray") else "solid",
        "size": f'{2 * style["radius"]:g}',
        "scale_method": "diameter",
        **_PIXELS,
    }


def _line(style: dict) -> dict[str, str]:
    """SimpleLine options equivalent to a Leaflet polyline style (dash set per feature)."""
    return {
        "line_color": qgis_color(style["color"]),
        "line_width": f'{style["weight"]:g}',
        "line_width_unit": "Pixel",
        "line_style": "solid",
        "use_custom_dash": "1",
        "customdash": qgis_dash(style.get("dashArray")) or "1;0",
        "customdash_unit": "Pixel",
        "capstyle": "round",
        "joinstyle": "round",
    }


def _symbol_layer(symbol: ET.Element, cls: str, options: dict[str, str], expressions: dict[str, str]) -> None:
    layer = sub(symbol, "layer", **{"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    option_map(layer, options)
    if expressions:
        data_defined(layer, expressions)


def _uncertainty_circle(symbol: ET.Element, name: str, spec: LayerSpec, value: str) -> None:
    """A geometry-generator layer drawing the HTML map's uncertainty circle under the marker."""
    style = uncertainty_style(spec, {spec.style.by: value} if spec.style else {})
    layer = sub(symbol, "layer", **{"class": "GeometryGenerator", "enabled": "1", "locked": "0", "pass": "0"})
    option_map(layer, {"SymbolType": "Fill", "geometryModifier": uncertainty_circle(spec.field("accuracy"), spec.field("uncertainty"))})
    fill = sub(layer, "symbol", type="fill", name=f"@{name}@0", alpha="1", clip_to_extent="1", force_rhr="0")
    options = {
        "color": qgis_color(style["fillColor"], style["fillOpacity"]),
        "outline_color": qgis_color(style["color"]),
        "outline_width": f'{style["weight"]:g}',
        "outline_width_unit": "Pixel",
        "style": "solid",
        "outline_style": "dash",
    }
    _symbol_layer(fill, "SimpleFill", options, {})


def _symbol(parent: ET.Element, name: str, spec: LayerSpec, value: str) -> None:
    """One category's symbol, with expressions for the style's second dimension."""
    by = spec.style.by if spec.style else ""
    if spec.geometry_type in LINE_TYPES:
        base = path_style(spec, {by: value})
        symbol = sub(parent, "symbol", type="line", name=name, alpha=str(base["opacity"]), clip_to_extent="1", force_rhr="0")
        expressions = {}
        if spec.style and spec.style.dash_by:
            dashes = {k: qgis_dash(path_style(spec, {by: value, spec.style.dash_by: k})["dashArray"]) for k in spec.style.dashes}
            dashed = {k: d for k, d in dashes.items() if d}
            expressions["customDash"] = _when(spec.style.dash_by, dashed, None)
            # A solid pen style overrides the custom dash; NULL (dashed legs) leaves it alone.
            expressions["outlineStyle"] = _when(spec.style.dash_by, {k: "solid" for k in dashes if k not in dashed}, None)
        _symbol_layer(symbol, "SimpleLine", _line(base), expressions)
    elif spec.geometry_type in AREA_TYPES:
        color = spec.style.colors.get(value, FALLBACK_COLOR) if spec.style else FALLBACK_COLOR
        symbol = sub(parent, "symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
        options = {"color": qgis_color(color, AREA_FILL_OPACITY), "outline_color": qgis_color(color), "outline_width": str(AREA_OUTLINE_PX), "outline_width_unit": "Pixel", "style": "solid", "outline_style": "solid"}
        _symbol_layer(symbol, "SimpleFill", options, {})
    else:
        accuracy = accuracy_field(spec)
        exact = _marker(path_style(spec, {by: value, accuracy: "exact"}))
        symbol = sub(parent, "symbol", type="marker", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
        expressions = {}
        if accuracy:
            approx = _marker(path_style(spec, {by: value, accuracy: APPROXIMATE}))
            names = {"size": "size", "fillColor": "color", "outlineColor": "outline_color", "outlineWidth": "outline_width", "outlineStyle": "outline_style"}
            expressions = {
                prop: _when(accuracy, {APPROXIMATE: approx[key]}, exact[key]) for prop, key in names.items() if approx[key] != exact[key]
            }
            if spec.field("uncertainty"):
                _uncertainty_circle(symbol, name, spec, value)
        _symbol_layer(symbol, "SimpleMarker", exact, expressions)


def renderer(spec: LayerSpec) -> ET.Element:
    """The ``<renderer-v2>`` of a layer: categorized on ``style.by``, one category per colour."""
    if spec.style is None:
        node = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0", enableorderby="0")
        _symbol(sub(node, "symbols"), "0", spec, "")
        return node
    node = ET.Element("renderer-v2", type="categorizedSymbol", attr=spec.style.by, symbollevels="0", forceraster="0", enableorderby="0")
    categories, symbols = sub(node, "categories"), sub(node, "symbols")
    for index, value in enumerate(spec.style.colors):
        sub(categories, "category", value=value, label=value, symbol=str(index), render="true")
        _symbol(symbols, str(index), spec, value)
    return node


def aliases(spec: LayerSpec) -> ET.Element:
    """Readable column captions (the HTML popup's labels) as QGIS field aliases."""
    node = ET.Element("aliases")
    for index, name in enumerate(spec.field_names):
        caption = field_label(spec, name, "en")
        sub(node, "alias", field=name, index=str(index), name="" if caption == name else caption)
    return node


def style_document(spec: LayerSpec) -> str:
    """The complete ``.qml`` of a layer: renderer and field aliases."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Fields")
    root.append(renderer(spec))
    root.append(aliases(spec))
    return document(root)
