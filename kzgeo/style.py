"""Style specs to Leaflet path options and legend entries -- pure functions.

The same :class:`~kzgeo.catalog.StyleSpec` drives the HTML map and the QGIS
styles, so a deposit has one colour wherever it is shown. Nothing here touches
HTML or files.
"""

from __future__ import annotations

from typing import Any

from kzgeo.catalog import LayerSpec, TableSpec

FALLBACK_COLOR = "#777777"
#: Dash pattern marking a location that is not known exactly.
APPROXIMATE_DASH = "4 4"
#: Approximate points are drawn smaller and on top, so a point placed on an
#: exact neighbour's coordinate (North Katpar on Upper Kairakty) stays clickable.
APPROXIMATE_SCALE = 0.6


def color_for(spec: LayerSpec, props: dict[str, Any]) -> str:
    """The colour of a feature, from the layer's ``style.by`` field."""
    if spec.style is None:
        return FALLBACK_COLOR
    return spec.style.colors.get(str(props.get(spec.style.by)), FALLBACK_COLOR)


#: The value of a layer's ``accuracy`` field that marks a location not published exactly.
APPROXIMATE = "approximate"


def accuracy_field(spec: TableSpec) -> str | None:
    """The field saying how well each feature's location is known, if the layer has one."""
    return spec.field("accuracy")


def is_approximate(spec: TableSpec, props: dict[str, Any]) -> bool:
    """True when the feature's location is not published exactly."""
    field = accuracy_field(spec)
    return field is not None and props.get(field) == APPROXIMATE


def ring_radii(spec: TableSpec, props: dict[str, Any]) -> tuple[float, float] | None:
    """``(inner_km, outer_km)`` when an approximate point is known only to lie on a ring, else None.

    A ring is what the sources say when they give a distance from a known place but no
    direction (North Katpar: "20 to 30 km from Upper Kairakty"). The point is then the
    centre of the ring, not the feature's location, so the maps draw the ring itself as
    the feature (the thing to click) and no marker at the centre.
    """
    inner, outer = spec.field("uncertainty_min"), spec.field("uncertainty")
    if not (inner and outer and is_approximate(spec, props)):
        return None
    low, high = _number(props.get(inner)), _number(props.get(outer))
    if low is None or high is None or not 0 < low < high:
        return None
    return low, high


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def path_style(spec: LayerSpec, props: dict[str, Any]) -> dict[str, Any]:
    """Leaflet path options for one feature.

    Lines are coloured by ``style.by`` and dashed by ``style.dash_by``; areas
    are outlined and lightly filled in that colour; points are filled when
    exact, and smaller and hollow with a dashed outline when approximate.
    """
    color = color_for(spec, props)
    radius = spec.style.radius if spec.style else 6
    if spec.geometry_type in ("LineString", "MultiLineString"):
        dash = spec.style.dashes.get(str(props.get(spec.style.dash_by)), "") if spec.style and spec.style.dash_by else ""
        return {"color": color, "weight": 4, "opacity": 0.9, "dashArray": dash or None}
    if spec.geometry_type in ("Polygon", "MultiPolygon"):
        return {"color": color, "weight": 1, "fillColor": color, "fillOpacity": 0.25}
    if is_approximate(spec, props):
        return {"color": color, "weight": 2, "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.9, "dashArray": "3 3", "radius": radius * APPROXIMATE_SCALE}
    return {"color": "#222222", "weight": 1, "fill": True, "fillColor": color, "fillOpacity": 0.95, "radius": radius}


def uncertainty_style(spec: LayerSpec, props: dict[str, Any]) -> dict[str, Any]:
    """Style of the circle drawn around an approximate location."""
    color = color_for(spec, props)
    return {"color": color, "weight": 1.5, "dashArray": APPROXIMATE_DASH, "fillColor": color, "fillOpacity": 0.08}


def legend_entries(spec: LayerSpec, values_present: set[str], translate=lambda s: s) -> list[dict[str, Any]]:
    """Legend rows for a layer: one per category present, plus what the marks mean.

    Each row is ``{"label", "color", "shape", "dash"}`` where shape is
    ``"point"``, ``"hollow"``, ``"line"`` or ``"area"``.
    """
    if spec.style is None:
        return []
    line = spec.geometry_type in ("LineString", "MultiLineString")
    area = spec.geometry_type in ("Polygon", "MultiPolygon")
    rows = [
        {"label": translate(value), "color": color, "shape": "line" if line else "area" if area else "point", "dash": ""}
        for value, color in spec.style.colors.items()
        if value in values_present
    ]
    if line and spec.style.dash_by:
        rows += [
            {"label": translate(value), "color": "#444444", "shape": "line", "dash": dash}
            for value, dash in spec.style.dashes.items()
            if value in values_present
        ]
    if not line and APPROXIMATE in values_present:
        rows += [
            {"label": translate("exact location"), "color": "#444444", "shape": "point", "dash": ""},
            {"label": translate("approximate location (circle: uncertainty radius)"), "color": "#444444", "shape": "hollow", "dash": APPROXIMATE_DASH},
        ]
    return rows


#: Colours for an analyst's own layers, one per layer in order (colour-blind safe, after Okabe & Ito).
DEFAULT_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


def default_color(position: int) -> str:
    """The colour of the ``position``-th layer that has no catalog style."""
    return DEFAULT_COLORS[position % len(DEFAULT_COLORS)]


def shape_of(geometry_type: str | None) -> str:
    """``"point"``, ``"line"`` or ``"area"`` for a GeoJSON geometry type (collections count as areas)."""
    if geometry_type in ("Point", "MultiPoint"):
        return "point"
    if geometry_type in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    return "area"


def default_style(geometry_type: str | None, color: str) -> dict[str, Any]:
    """Leaflet path options for a feature of a layer without a catalog style: one colour per layer,
    points as filled circles, lines solid, areas outlined and lightly filled (as catalog areas are)."""
    shape = shape_of(geometry_type)
    if shape == "line":
        return {"color": color, "weight": 3, "opacity": 0.9}
    if shape == "area":
        return {"color": color, "weight": 1.5, "fillColor": color, "fillOpacity": 0.25}
    return {"color": "#222222", "weight": 1, "fill": True, "fillColor": color, "fillOpacity": 0.9, "radius": 6}


def default_legend(shapes: set[str], color: str, title: str) -> list[dict[str, Any]]:
    """Legend rows for a layer without a catalog style: one per kind of shape it holds."""
    return [{"label": title, "color": color, "shape": shape, "dash": ""} for shape in ("area", "line", "point") if shape in shapes]
