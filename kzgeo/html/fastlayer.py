"""Large layers as one compact, canvas-drawn map layer (national cadastres, 100,000 points).

folium's GeoJSON layer writes one JSON object per feature with its popup HTML
and draws one SVG element per feature: at 100,000 deposits the page is tens
of megabytes and the browser never finishes drawing it. A layer with at least
``settings.fast_layer_min_features`` features is sent instead as

* columns, not objects: each attribute once as an array, repeated values as a
  dictionary plus integer codes (numbers formatted once per distinct value by
  the popups' own formatter (``kzgeo.html.popup.format_value``), the same words the small maps show);
* coordinates as integers (``settings.coordinate_precision`` decimals for
  points; lines and polygons delta-encoded and, only when they exceed
  ``settings.fast_layer_path_budget`` bytes, simplified until they fit);
* styles as a short list of :func:`kzgeo.style.path_style` results plus one
  small code per feature.

``static/fastlayer.js`` draws points on canvas tiles (as dots below
``settings.fast_point_full_zoom``) and shapes on one Leaflet canvas, finds the
feature under a click itself, and builds its popup from the columns with
``textContent`` -- no data value is ever parsed as HTML. A note on the map
says what was done to the layer.
"""

from __future__ import annotations

import json
import logging
import math
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.map import Layer
from jinja2 import Template
from markupsafe import Markup

from kzgeo import settings
from kzgeo.dataset import Dataset, cell_value
from kzgeo.html.popup import format_value, is_web_url
from kzgeo.io.readers import split_refs, without_gc
from kzgeo.labels import label, term
from kzgeo.style import (
    accuracy_field,
    color_for,
    is_approximate,
    path_style,
    uncertainty_style,
)
from kzgeo.text import (
    agreement_lines,
    enum_fields,
    feature_names,
    field_label,
    figures_by_feature,
    layer_title,
    name_field,
    ref_fields,
    resource_line,
)

log = logging.getLogger(__name__)

#: Tolerances (degrees) tried in turn when a layer's shapes exceed their byte budget.
SIMPLIFY_STEPS = (0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02)
#: Code strings use characters from U+0100 up, short of the UTF-16 surrogates.
CODE_BASE = 0x100
MAX_CODES = 0xD800 - CODE_BASE - 1


@cache
def fastlayer_js() -> str:
    """The browser side of the fast layer, shipped as package data."""
    return resources.files("kzgeo.html").joinpath("static/fastlayer.js").read_text(encoding="utf-8")


@without_gc
def compact_json(value: Any) -> Markup:
    """JSON without spaces, safe inside ``<script>`` (``<``, ``>``, ``&``, ``'`` as escapes)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return Markup(text)


def code_string(codes: np.ndarray) -> str:
    """Small integer codes (-1 = missing) as one string, a character per feature.

    Code ``k`` becomes the character ``CODE_BASE + 1 + k`` and missing becomes
    ``CODE_BASE``: two bytes per feature in UTF-8 for up to 1,791 distinct
    values, never a character JSON or HTML would escape. The browser reads a
    code back with ``charCodeAt``.
    """
    return (np.asarray(codes, dtype=np.int64) + CODE_BASE + 1).astype("<u4").tobytes().decode("utf-32-le")


def _words(values) -> list[str | None]:
    """Display text of each value: strings as they are, numbers as the popups format them."""
    return [None if cell_value(v) is None else v if isinstance(v, str) else format_value(v) for v in values]


def encode_column(values: pd.Series) -> dict[str, Any]:
    """Display text of one column: distinct values and a code string when values repeat, else a list."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) * 2 <= len(values) and len(uniques) < MAX_CODES:
        return {"dict": _words(uniques.tolist()), "codes": code_string(codes)}
    return {"values": _words(values.tolist())}


def _scaled(values: np.ndarray, digits: int) -> np.ndarray:
    return np.round(values * 10**digits).astype(np.int64)


def encode_points(geoms: np.ndarray, digits: int) -> dict[str, Any]:
    """Point coordinates as integer arrays in units of 10**-digits degrees."""
    return {"x": _scaled(shapely.get_x(geoms), digits).tolist(), "y": _scaled(shapely.get_y(geoms), digits).tolist()}


def encode_shapes(geoms: np.ndarray, digits: int) -> list:
    """Lines or polygons as nested lists whose innermost level is ``[x0, y0, dx1, dy1, ...]``.

    Integers in units of 10**-digits degrees, each ring or line starting
    absolute and continuing as differences: small numbers, few bytes. The
    nesting follows GeoJSON (polygon: rings; multipolygon: polygons of rings;
    a layer that mixes the two is sent as multipolygons throughout).
    """
    _, coords, offsets = shapely.to_ragged_array(geoms)
    scaled = _scaled(coords[:, :2], digits)
    deltas = scaled.copy()
    deltas[1:] -= scaled[:-1]
    starts = offsets[0][:-1]
    deltas[starts] = scaled[starts]
    parts = deltas.ravel().tolist()
    for level, bounds in enumerate(offsets):
        edges = (bounds * 2 if level == 0 else bounds).tolist()
        parts = [parts[a:b] for a, b in zip(edges[:-1], edges[1:])]
    return parts


def encode_paths(geoms: np.ndarray, *, budget: int, precision: int) -> dict[str, Any]:
    """Lines or polygons encoded, simplified step by step until they fit ``budget`` bytes.

    Returns the encoded shapes with ``digits``, ``tolerance`` (0 when not
    simplified) and ``bytes``, so a map can say what was done.
    """
    tolerance, digits = 0.0, precision
    for step in (0.0, *SIMPLIFY_STEPS):
        if step:
            tolerance, digits = step, min(precision, math.ceil(-math.log10(step)) + 1)
        shapes = encode_shapes(shapely.simplify(geoms, step, preserve_topology=True) if step else geoms, digits)
        size = len(json.dumps(shapes, separators=(",", ":")))
        if size <= budget:
            break
    return {"shapes": shapes, "digits": digits, "tolerance": tolerance, "bytes": size}


def _style_codes(spec, frame: pd.DataFrame) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """One code per feature into a list of styles, one per distinct styling combination."""
    fields = [f for f in (spec.style.by, spec.style.dash_by) if f] if spec.style else []
    accuracy = accuracy_field(spec)
    fields += [accuracy] if accuracy in frame else []
    combined = np.zeros(len(frame), dtype=np.int64)
    distinct = []
    for name in fields:
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
        combined = combined * (len(uniques) + 1) + codes + 1
        distinct.append([None, *uniques.tolist()])
    codes, keys = pd.factorize(combined)
    styles = []
    for key in keys.tolist():
        props = {}
        for name, values in zip(reversed(fields), reversed(distinct)):
            key, k = divmod(key, len(values))
            props[name] = values[k]
        style = {**path_style(spec, props), "dot": color_for(spec, props)}
        if is_approximate(spec, props) and spec.geometry_type == "Point":
            style["uncertainty"] = uncertainty_style(spec, props)
        styles.append(style)
    return codes, styles


def _extra_sections(data: Dataset, ids: pd.Series, lang: str, popup_extras: dict | None) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """Resource, agreement and map-spec lines of the few features that have any, keyed by feature index.

    ``popup_extras`` maps a feature id to ``(heading key, lines)`` pairs, as
    :func:`kzgeo.html.render.add_layer` takes them. Also returns the source ids the
    resource lines cite, per feature index.
    """
    index = pd.Index(ids)
    resource_lines: dict[int, list[str]] = {}
    extra_refs: dict[int, list[str]] = {}
    figures = figures_by_feature(data)
    for fid, at in zip(figures, index.get_indexer(list(figures))):
        for row in figures[fid] if at >= 0 else ():
            resource_lines.setdefault(int(at), []).append(resource_line(row))
            extra_refs.setdefault(int(at), []).extend(split_refs(row["sources"]))
    by_fid = agreement_lines(data)
    named = pd.Index(sorted(by_fid))
    agreements = {int(at): by_fid[fid] for fid, at in zip(named, index.get_indexer(named)) if at >= 0}
    by_heading = {"figures": resource_lines, "agreements": agreements}
    for fid, extras in (popup_extras or {}).items():
        at = int(index.get_indexer([fid])[0])
        for heading, lines in extras if at >= 0 else ():
            if lines:
                by_heading.setdefault(heading, {})[at] = list(lines)
    sections = [{"label": label(key, lang), "lines": lines} for key, lines in by_heading.items() if lines]
    return sections, extra_refs


def _citations(data: Dataset, spec, frame: pd.DataFrame, extra_refs: dict[int, list[str]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per feature, which sources its popup lists, as codes into distinct source lists."""
    cells = frame[spec.field("sources")].astype(object).tolist()
    for i, refs in extra_refs.items():
        cells[i] = ";".join(dict.fromkeys(split_refs(cells[i]) + refs))
    codes, uniques = pd.factorize(pd.Series(cells, dtype=object))
    table = data.sources
    order = {sid: k for k, sid in enumerate(table.index)}
    sources = [
        {
            "text": f"{row['publisher']}: {row['title']} ({row['date']})",
            "url": row["url"] if is_web_url(row["url"]) else None,
        }
        for row in table.to_dict("records")
    ]
    return {"dict": [[order[s] for s in split_refs(u)] for u in uniques], "codes": code_string(codes)}, sources


def _note(spec, title: str, n: int, geometry: dict[str, Any], lang: str) -> str:
    """The sentence the map shows, in its language, about what was done to a large layer."""
    if spec.geometry_type == "Point":
        return label("fast_points_note", lang).format(title=title, n=f"{n:,}", zoom=settings.fast_point_full_zoom)
    size = f"{geometry['bytes'] / 1e6:.1f} MB"
    if geometry["tolerance"]:
        degrees = f"{geometry['tolerance']:.6f}".rstrip("0")
        metres = f"{geometry['tolerance'] * 111_320:,.0f}"
        return label("fast_shapes_simplified_note", lang).format(title=title, n=f"{n:,}", degrees=degrees, metres=metres, size=size)
    return label("fast_shapes_note", lang).format(title=title, n=f"{n:,}", size=size)


@without_gc
def layer_payload(
    data: Dataset, layer: str, *, lang: str = "en", names: dict[str, str] | None = None, popup_extras: dict | None = None
) -> dict[str, Any]:
    """Everything the browser needs to draw ``layer`` and build its popups, as plain JSON values."""
    spec = data.catalog.layers[layer]
    frame = data.layers[layer].reset_index(drop=True)
    names = names if names is not None else feature_names(data, lang)
    title = layer_title(data, layer, lang)
    heading = name_field(data, layer, lang)
    enums = enum_fields(data, layer)
    geoms = frame.geometry.to_numpy()
    if spec.geometry_type == "Point":
        geometry = {"kind": "point", "digits": settings.coordinate_precision, **encode_points(geoms, settings.coordinate_precision)}
    else:
        lines = spec.geometry_type in ("LineString", "MultiLineString")
        geometry = {"kind": "path", "lines": lines, **encode_paths(geoms, budget=settings.fast_layer_path_budget, precision=settings.coordinate_precision)}
    refs = ref_fields(data, layer)
    columns = []
    for f in spec.fields:
        if f.name in (spec.key, spec.field("sources")) or f.name == heading:
            continue
        column = encode_column(frame[f.name])
        if f.name in refs or f.name in enums:  # feature names and catalog words, in the map's language
            show = (lambda v: names.get(v, v)) if f.name in refs else (lambda v: term(v, lang))
            key = "dict" if "dict" in column else "values"
            column[key] = [None if v is None else show(v) for v in column[key]]
        columns.append({"label": field_label(spec, f.name, lang), **column})
    sections, extra_refs = _extra_sections(data, frame[spec.key], lang, popup_extras)
    cite, sources = _citations(data, spec, frame, extra_refs)
    style_codes, styles = _style_codes(spec, frame)
    approximate = np.flatnonzero(np.isin(style_codes, [k for k, s in enumerate(styles) if "uncertainty" in s])).tolist()
    payload = {
        "title": title,
        "n": len(frame),
        "geometry": geometry,
        "styles": styles,
        "style": code_string(style_codes),
        "uncertainty": {
            "index": approximate,
            "km": frame[spec.field("uncertainty")].to_numpy()[approximate].tolist() if approximate else [],
        },
        "fullZoom": settings.fast_point_full_zoom,
        "ids": frame[spec.key].astype(str).tolist(),
        "heading": encode_column(frame[heading]),
        "columns": columns,
        "sections": sections,
        "cite": cite,
        "sources": sources,
        "sourcesLabel": label("sources", lang),
        "note": _note(spec, title, len(frame), geometry, lang),
    }
    log.info("fast layer %s: %d features, %s coordinates bytes", layer, len(frame), geometry.get("bytes", "point"))
    return payload


class FastLayer(Layer):
    """A large layer drawn on canvas from columnar data; added to a FeatureGroup or the map.

    ``report`` says how the layer was sent: feature count, payload bytes and,
    for lines and polygons, the simplification tolerance and geometry bytes.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}_data">{{ this.payload }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = kzgeoFastLayer(JSON.parse(
            document.getElementById("{{ this.get_name() }}_data").textContent)).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, data: Dataset, layer: str, *, lang: str = "en", names: dict[str, str] | None = None, popup_extras: dict | None = None
    ):
        super().__init__(name=layer_title(data, layer, lang), control=False)
        self._name = "FastLayer"
        payload = layer_payload(data, layer, lang=lang, names=names, popup_extras=popup_extras)
        self.payload = compact_json(payload)
        geometry = payload["geometry"]
        self.report = {
            "layer": layer,
            "features": payload["n"],
            "bytes": len(self.payload),
            "geometry_bytes": geometry.get("bytes"),
            "tolerance": geometry.get("tolerance", 0.0),
        }

    def render(self, **kwargs):
        """Add the script once per page, then this layer's data block and call, all verbatim.

        The data is a JSON block, not a script literal: browsers parse JSON
        several times faster than they compile a literal of the same size.
        branca would wrap each rendered macro in a new Jinja template and parse
        it again: slow for megabytes of data, and a ``{{`` in the data would be
        evaluated. :class:`Verbatim` children are written out as they are.
        """
        figure = self.get_root()
        if "kz_fastlayer" not in figure.header._children:
            figure.header.add_child(Verbatim(f"<script>{fastlayer_js()}</script>"), name="kz_fastlayer")
        macros = self._template.module.__dict__
        figure.html.add_child(Verbatim(macros["html"](self, kwargs)), name=self.get_name())
        figure.script.add_child(Verbatim(macros["script"](self, kwargs)), name=self.get_name())


class Verbatim(Element):
    """Page text that is written out as it is, never parsed as a template."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text
