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


def style_samples(spec: LayerSpec, frame) -> list[dict[str, Any]]:
    """One property row per distinct combination of the fields that style ``frame``'s features
    (what :func:`legend_entries` needs; distinct first, since a cadastre has a million rows)."""
    if spec.style is None:
        return []
    cols = [c for c in dict.fromkeys((spec.style.by, spec.style.dash_by, accuracy_field(spec))) if c and c in frame]
    if not cols:
        return [{}] if len(frame) else []
    distinct = frame[cols].assign(_ring=_ring_mask(spec, frame)).drop_duplicates()
    return [{k: (v if k == "_ring" else None if v != v else str(v)) for k, v in r.items()} for r in distinct.to_dict("records")]


def _ring_mask(spec: LayerSpec, frame):
    """Which rows :func:`ring_radii` draws as rings, for a whole frame at once."""
    import pandas as pd

    inner, outer, accuracy = spec.field("uncertainty_min"), spec.field("uncertainty"), accuracy_field(spec)
    if not (inner and outer and accuracy) or inner not in frame or outer not in frame or accuracy not in frame:
        return False
    low, high = pd.to_numeric(frame[inner], errors="coerce"), pd.to_numeric(frame[outer], errors="coerce")
    return ((frame[accuracy] == APPROXIMATE) & (low > 0) & (low < high)).fillna(False).astype(bool)


def ring_style(spec: LayerSpec, props: dict[str, Any]) -> dict[str, Any]:
    """Leaflet path options of a ring drawn as the feature itself (see :func:`ring_radii`)."""
    return {**uncertainty_style(spec, props), "weight": 2, "fillOpacity": 0.18}


def legend_entries(spec: LayerSpec, samples: list[dict[str, Any]], translate=lambda s: s) -> list[dict[str, Any]]:
    """Legend rows for a layer: one per category drawn, plus what the marks mean.

    ``samples`` are the property rows of the features drawn (one per distinct combination of the
    style fields is enough). Each row's symbol is drawn as one of those features is, so the legend
    shows exactly the marks on the map: a row is ``{"label", "color", "shape", "dash", "style"}``,
    where shape is ``"point"``, ``"hollow"``, ``"line"`` or ``"area"`` and ``style`` is the
    :func:`path_style` of a feature it stands for; a ``"hollow"`` (approximate) row also has
    ``"ring"``, the :func:`uncertainty_style` drawn around it.
    """
    if spec.style is None:
        return []
    line = spec.geometry_type in ("LineString", "MultiLineString")
    area = spec.geometry_type in ("Polygon", "MultiPolygon")
    by, dash_by = spec.style.by, spec.style.dash_by
    # Exact features and solid lines first, so a category's mark is the plain one wherever the
    # category has it (the dash rows below say what each dash means).
    dashes = spec.style.dashes if line and dash_by else {}
    samples = sorted(samples, key=lambda p: (is_approximate(spec, p), bool(dashes.get(str(p.get(dash_by)), ""))))

    def first(test):
        return next((p for p in samples if test(p)), None)

    def row(label: str, sample: dict[str, Any], shape: str, dash: str = "") -> dict[str, Any]:
        style = path_style(spec, sample)
        return {"label": translate(label), "color": color_for(spec, sample), "shape": shape, "dash": dash, "style": style}

    kind = "line" if line else "area" if area else "point"
    rows = []
    for value in spec.style.colors:
        sample = first(lambda p, v=value: str(p.get(by)) == v)
        if sample is not None:
            rows.append(row(value, sample, kind))
    if line and dash_by:
        for value, dash in spec.style.dashes.items():
            sample = first(lambda p, v=value: str(p.get(dash_by)) == v)
            if sample is not None:
                rows.append(row(value, sample, "line", dash))
    approximate = first(lambda p: is_approximate(spec, p) and not p.get("_ring"))
    rings = first(lambda p: p.get("_ring"))
    if not line and not area and (approximate or rings) is not None:
        exact = first(lambda p: not is_approximate(spec, p))
        if exact is not None:
            rows.append(row("exact location", exact, "point"))
        if approximate is not None:
            ring = row("approximate location (circle: uncertainty radius)", approximate, "hollow", APPROXIMATE_DASH)
            rows.append({**ring, "ring": uncertainty_style(spec, approximate)})
        if rings is not None:
            rows.append({**row("known only as a distance (ring: somewhere in the band)", rings, "area", APPROXIMATE_DASH), "style": ring_style(spec, rings)})
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
    types = {"area": "Polygon", "line": "LineString", "point": "Point"}
    return [
        {"label": title, "color": color, "shape": shape, "dash": "", "style": default_style(types[shape], color)}
        for shape in ("area", "line", "point")
        if shape in shapes
    ]
