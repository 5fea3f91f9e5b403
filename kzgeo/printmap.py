"""Print-ready maps for briefings: PNG and PDF, drawn with matplotlib, no network.

The page has what a printed map needs: a title with the data's date, the
offline backdrop (:mod:`kzgeo.backdrop`), every layer styled as on the HTML
map (:mod:`kzgeo.style`), a legend, a scale bar, a north arrow and the list of
sources. A PDF gets a second page with every source in full.

Data text is drawn literally: every text call passes ``parse_math=False``, so
a ``$`` in a name is a dollar sign, not mathtext.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, FancyArrow, Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from kzgeo import backdrop as bd, formats
from kzgeo.analysis.geodesy import uncertainty_area
from kzgeo.analysis.measures import SMALL_CORRIDOR_DEG, corridor_groups
from kzgeo.dataset import Dataset
from kzgeo.labels import check_language, label, term
from kzgeo.places import place_labels
from kzgeo.selection import check_view, select
from kzgeo.style import is_approximate, legend_entries, path_style, ring_radii, shape_of, style_samples, uncertainty_style
from kzgeo.text import layer_title, name_field, source_lines, style_value_words

FORMATS = ("png", "pdf")
#: A4 landscape, in inches.
PAGE_SIZE = (11.69, 8.27)
PNG_DPI = 150
_KM_PER_DEGREE = 111.32
_LITERAL = {"parse_math": False}
_RANK = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}


def _dash(pattern: str | None):
    """An SVG dash pattern ("8 5") as a matplotlib line style."""
    if not pattern:
        return "solid"
    return (0, tuple(float(x) / 2 for x in pattern.split()))


def _extent(data: Dataset, layers: list[str], box_aspect: float, view=None) -> tuple[float, float, float, float]:
    """``view`` or the layers' padded bounds, widened or heightened to fill a box of ``box_aspect`` (width/height)."""
    if view:
        west, south, east, north = view
    else:
        bounds = np.array([data.layers[n].total_bounds for n in layers])
        west, south, east, north = bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
        pad_x, pad_y = max((east - west) * 0.05, 0.5), max((north - south) * 0.12, 0.5)
        west, south, east, north = west - pad_x, south - pad_y, east + pad_x, north + pad_y
    shrink = math.cos(math.radians((south + north) / 2))
    width, height = (east - west) * shrink, north - south
    if width / height > box_aspect:
        grow = (width / box_aspect - height) / 2
        south, north = south - grow, north + grow
    else:
        grow = (height * box_aspect - width) / 2 / shrink
        west, east = west - grow, east + grow
    return west, south, east, north


#: Where a label may go relative to its point (points), tried in order until it overlaps no other label.
_LABEL_SLOTS = (((5, 4), "left"), ((5, -12), "left"), ((-5, 4), "right"), ((-5, -12), "right"), ((5, 14), "left"), ((5, -22), "left"))


def _inside(ax, box) -> bool:
    frame = ax.get_window_extent(ax.figure.canvas.get_renderer())
    return frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def _place_label(ax, annotation, placed: list) -> None:
    """Move ``annotation`` to the first slot inside the map frame where it overlaps no label
    already placed; failing that, the first slot inside the frame (a feature is always named,
    and never over the legend beside the map)."""
    renderer = ax.figure.canvas.get_renderer()
    fallback = None
    for offset, align in _LABEL_SLOTS:
        annotation.set_position(offset)
        annotation.set_horizontalalignment(align)
        box = annotation.get_window_extent(renderer)
        if not _inside(ax, box):
            continue
        if not any(box.overlaps(other) for other in placed):
            break
        fallback = fallback or (offset, align)
    else:
        offset, align = fallback or _LABEL_SLOTS[0]
        annotation.set_position(offset)
        annotation.set_horizontalalignment(align)
    annotation.set_clip_on(True)  # a name longer than the map is cut at the frame, not drawn over the legend
    placed.append(annotation.get_window_extent(renderer))


#: Layers with more features than this are drawn as dots, without name labels or
#: uncertainty circles (a national cadastre would bury the map under them).
MAX_LABELLED_FEATURES = 200


def _grouped(styles: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Feature positions by identical style, so each style is drawn in one call."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, style in enumerate(styles):
        groups[json.dumps(style, sort_keys=True)].append(i)
    return groups


def _draw_areas(ax, geoms: np.ndarray, styles: list[dict[str, Any]]) -> None:
    """Polygons as on the HTML page: filled lightly in their colour, outlined in it, holes kept."""
    for key, index in _grouped(styles).items():
        style = json.loads(key)
        fill = to_rgba(style.get("fillColor", style["color"]), style.get("fillOpacity", 0.25))
        gpd.GeoSeries(geoms[index]).plot(ax=ax, facecolor=fill, edgecolor=style["color"], linewidth=max(style.get("weight", 1) * 0.6, 0.4), zorder=2)


def _draw_lines(ax, geoms: np.ndarray, styles: list[dict[str, Any]]) -> None:
    """Lines (and multi-part lines) in their colour and dash, one collection per style."""
    for key, index in _grouped(styles).items():
        style = json.loads(key)
        parts = [np.asarray(part.coords) for geom in geoms[index] for part in getattr(geom, "geoms", [geom])]
        ax.add_collection(LineCollection(parts, colors=style["color"], linewidths=2.2, linestyles=[_dash(style.get("dashArray"))], capstyle="round", zorder=3))


def _draw_layer(ax, data: Dataset, layer: str, lang: str, placed: list) -> None:
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    frame = frame[frame.geometry.notna().to_numpy() & ~frame.geometry.is_empty.to_numpy()]
    if not len(frame):
        return
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    geoms = frame.geometry.to_numpy()
    styles = [path_style(spec, row) for row in records]
    kind = shape_of(spec.geometry_type)
    if kind == "area":
        _draw_areas(ax, geoms, styles)
        return
    if kind == "line":
        _draw_lines(ax, geoms, styles)
        return
    main = spec.role == "deposits"
    approximate = [is_approximate(spec, row) for row in records]
    exact = [i for i, approx in enumerate(approximate) if not approx]
    # A national layer's thousands of points shrink towards dots, as on the HTML map.
    size = (46 if main else 22) * min(1.0, math.sqrt(MAX_LABELLED_FEATURES / len(records)))
    edge = 1.2 if len(records) <= MAX_LABELLED_FEATURES else 0.0
    exact_styles = [styles[i] for i in exact]
    for key, index in _grouped(exact_styles).items():
        style = json.loads(key)
        points = geoms[[exact[i] for i in index]]
        ax.scatter(shapely.get_x(points), shapely.get_y(points), s=size, facecolor=style["fillColor"], edgecolor=style["color"], linewidth=edge, zorder=4)
    national = len(records) > MAX_LABELLED_FEATURES
    if national:
        # Thousands of uncertainty circles would bury the page: approximate points are drawn
        # hollow (as in the legend), grouped by style, without their circles or labels.
        approx = [i for i, a in enumerate(approximate) if a]
        for key, index in _grouped([styles[i] for i in approx]).items():
            style = json.loads(key)
            points = geoms[[approx[i] for i in index]]
            ax.scatter(shapely.get_x(points), shapely.get_y(points), s=size, facecolor=style["fillColor"], edgecolor=style["color"], linewidth=edge, zorder=4)
        return
    for i, row in enumerate(records):
        geom = geoms[i]
        ring = ring_radii(spec, row)
        if ring:
            # Known only as a distance from a place (North Katpar): the ring is the feature,
            # drawn as on the HTML map, and its label sits on the ring's northern edge.
            area = uncertainty_area(geom.x, geom.y, ring[1], ring[0])
            circle = uncertainty_style(spec, row)
            path = MplPath.make_compound_path(*(MplPath(np.asarray(r.coords)) for r in (area.exterior, *area.interiors)))
            ax.add_patch(PathPatch(path, facecolor=circle["fillColor"], alpha=0.3, edgecolor="none", zorder=2))
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor=circle["color"], linestyle=(0, (3, 3)), linewidth=1.2, zorder=2))
            geom = shapely.Point(geom.x, geom.y + (ring[0] + ring[1]) / 2 / _KM_PER_DEGREE)
        elif approximate[i]:
            style = styles[i]
            ax.scatter([geom.x], [geom.y], s=size, facecolor=style["fillColor"], edgecolor=style["color"], linewidth=edge, linestyle="--", zorder=4)
        if approximate[i] and spec.field("uncertainty") and not ring:
            circle = uncertainty_style(spec, row)
            radius = float(row[spec.field("uncertainty")]) / _KM_PER_DEGREE
            ax.add_patch(Ellipse((geom.x, geom.y), 2 * radius / math.cos(math.radians(geom.y)), 2 * radius, facecolor=circle["fillColor"], alpha=0.15, edgecolor="none", zorder=2))
            ax.add_patch(Ellipse((geom.x, geom.y), 2 * radius / math.cos(math.radians(geom.y)), 2 * radius, facecolor="none", edgecolor=circle["color"], linestyle=(0, (3, 3)), linewidth=1, zorder=2))
        if main or spec.role == "nodes" and row.get(spec.field("kind")) in ("port", "border crossing"):
            annotation = ax.annotate(
                str(row[name_field(data, layer, lang)]),
                (geom.x, geom.y),
                xytext=_LABEL_SLOTS[0][0],
                textcoords="offset points",
                fontsize=7.5 if main else 6.5,
                fontweight="bold" if main else "normal",
                color="#222222",
                zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
                **_LITERAL,
            )
            _place_label(ax, annotation, placed)


#: Text styles of place labels on the printed map, by kind.
_PLACE_STYLE = {
    "country": {"fontsize": 8, "color": "#6b6259", "fontweight": "bold"},
    "sea": {"fontsize": 7.5, "color": "#1d5a7a", "fontstyle": "italic"},
    "lake": {"fontsize": 6.5, "color": "#1d5a7a", "fontstyle": "italic"},
    "capital": {"fontsize": 6.5, "color": "#222222", "fontweight": "bold"},
    "corridor": {"fontsize": 7.5, "color": "#5b2c83", "fontweight": "bold"},
}


#: Offsets (points) tried for a small corridor's name, centred on its middle: on it, then below, above, further out.
_CORRIDOR_SLOTS = ((0, -16), (0, 0), (0, 16), (0, -30), (0, 30), (-40, -16), (40, -16), (-40, 16), (40, 16), (0, -44))


def _draw_places(ax, data: Dataset, layers: list[str], lang: str, placed: list, extent) -> None:
    """Countries, seas, lakes and capitals (``kzgeo.places``) and small corridors (TRIPP), clear of other labels."""
    west, south, east, north = extent
    taken = [(g.x, g.y) for n in layers if data.catalog.layers[n].geometry_type == "Point" for g in data.layers[n].geometry]
    items = [p for p in place_labels(lang, taken) if p["kind"] in _PLACE_STYLE]
    items += [{"kind": "corridor", "text": term(g["name"], lang), "lon": g["lon"], "lat": g["lat"]} for g in corridor_groups(data, layers) if g["bounds"][2] - g["bounds"][0] < SMALL_CORRIDOR_DEG]
    renderer = ax.figure.canvas.get_renderer()
    order = {"corridor": 0, "country": 1, "sea": 2, "lake": 3, "capital": 4}
    for item in sorted(items, key=lambda i: order[i["kind"]]):
        if not (west < item["lon"] < east and south < item["lat"] < north):
            continue
        text = item["text"].upper() if item["kind"] == "country" else item["text"]
        area = item["kind"] in ("country", "sea", "lake")
        if item["kind"] == "capital":
            ax.scatter([item["lon"]], [item["lat"]], s=8, marker="s", color="#222222", zorder=3)
        annotation = ax.annotate(
            text, (item["lon"], item["lat"]), xytext=(0, 0) if area else (4, 3), textcoords="offset points",
            ha="center" if area else "left", va="center" if area else "bottom", zorder=5, **_PLACE_STYLE[item["kind"]], **_LITERAL,
        )
        box = annotation.get_window_extent(renderer)
        if item["kind"] == "corridor":
            # A small corridor (TRIPP) sits among its stations' names: try around it, and name it
            # in any case (on a white box, which keeps it text in the PDF) -- the map's title promises it.
            annotation.set_bbox({"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
            annotation.set_horizontalalignment("center")
            annotation.set_verticalalignment("center")
            for offset in _CORRIDOR_SLOTS:
                annotation.set_position(offset)
                box = annotation.get_window_extent(renderer)
                if _inside(ax, box) and not any(box.overlaps(other) for other in placed):
                    break
            else:
                annotation.set_position(_CORRIDOR_SLOTS[0])
                box = annotation.get_window_extent(renderer)
            placed.append(box)
            continue
        if not _inside(ax, box) or any(box.overlaps(other) for other in placed):
            annotation.remove()
            continue
        placed.append(box)


def _legend_handles(data: Dataset, layers: list[str], lang: str) -> list[tuple[Any, str]]:
    handles = []
    for layer in layers:
        spec = data.catalog.layers[layer]
        frame = data.layers[layer]
        handles.append((Line2D([], [], linestyle="none"), "\n".join(textwrap.wrap(layer_title(data, layer, lang), 30))))
        words = style_value_words(data, layer, lang)
        for entry in legend_entries(spec, style_samples(spec, frame), translate=lambda word: words.get(word) or term(word, lang)):
            if entry["shape"] == "line":
                handle = Line2D([], [], color=entry["color"], linewidth=2.2, linestyle=_dash(entry["dash"]))
            elif entry["shape"] == "area":
                handle = Patch(facecolor=entry["color"], edgecolor=entry["color"], alpha=0.35)
            else:
                # As drawn: exact points filled with a dark edge, approximate ones hollow in their colour.
                style = entry["style"]
                handle = Line2D([], [], linestyle="none", marker="o", markersize=7 if entry["shape"] == "point" else 5,
                                markerfacecolor=style.get("fillColor", entry["color"]), markeredgecolor=style.get("color", entry["color"]))
            handles.append((handle, "\n".join(textwrap.wrap(entry["label"], 32))))
    return handles


def _scale_bar(ax, extent: tuple[float, float, float, float], lang: str) -> None:
    west, south, east, north = extent
    mid_lat = (south + north) / 2
    km_per_deg_lon = _KM_PER_DEGREE * math.cos(math.radians(mid_lat))
    span_km = (east - west) * km_per_deg_lon
    step = next(s for s in (1000, 500, 250, 200, 100, 50, 20, 10, 5, 2, 1) if s <= span_km / 5)
    # Bottom right: the corner this region's maps leave empty (south of the Tian Shan railway).
    x0, y0 = east - (east - west) * 0.03 - step / km_per_deg_lon - (east - west) * 0.05, south + (north - south) * 0.06
    width = step / km_per_deg_lon
    height = (north - south) * 0.008
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * width / 2, y0), width / 2, height, facecolor="#222222" if i == 0 else "white", edgecolor="#222222", linewidth=0.8, zorder=6))
    for frac, text in ((0, "0"), (0.5, f"{step / 2:g}"), (1, f"{step:g} {label('km', lang)}")):
        ax.text(x0 + frac * width, y0 + height * 2, text, fontsize=7, ha="center" if frac < 1 else "left", va="bottom", zorder=6, **_LITERAL)


def _north_arrow(ax, extent: tuple[float, float, float, float], lang: str) -> None:
    west, south, east, north = extent
    # Top left: the steppe north of the Caspian, empty on this region's maps.
    x = west + (east - west) * 0.03
    y = north - (north - south) * 0.16
    length = (north - south) * 0.08
    ax.add_patch(FancyArrow(x, y, 0, length, width=(east - west) * 0.004, head_width=(east - west) * 0.014, head_length=length * 0.4, length_includes_head=True, color="#222222", zorder=6))
    ax.text(x, y + length * 1.1, label("north", lang), ha="center", va="bottom", fontsize=10, fontweight="bold", zorder=6, **_LITERAL)


def _shorten(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1].rstrip() + "\u2026"


def _map_page(data: Dataset, layers: list[str], title: str, lang: str, view=None, notes: tuple[str, list[str]] | None = None) -> Figure:
    fig = Figure(figsize=PAGE_SIZE)
    FigureCanvasAgg(fig)  # a renderer, to measure labels while placing them
    fig.text(0.03, 0.955, title, fontsize=16, fontweight="bold", va="top", **_LITERAL)
    fig.text(0.03, 0.915, f"{label('as_of', lang)} {formats.date(data.as_of, lang)}", fontsize=10, color="#444444", va="top", **_LITERAL)
    box = (0.03, 0.3, 0.72, 0.6)
    ax = fig.add_axes(box)
    extent = _extent(data, layers, (box[2] * PAGE_SIZE[0]) / (box[3] * PAGE_SIZE[1]), view)
    west, south, east, north = extent
    ax.set_facecolor(bd.WATER)
    # The 1:50m backdrop: an A4 page at this extent shows about 0.02 degree a point, its resolution.
    bd.backdrop_frame("countries").plot(ax=ax, facecolor=bd.LAND, edgecolor=bd.BORDER, linewidth=0.6, zorder=1)
    bd.backdrop_frame("lakes").plot(ax=ax, facecolor=bd.WATER, edgecolor=bd.RIVER, linewidth=0.4, zorder=1.1)
    rivers = bd.backdrop_frame("rivers")
    rivers.plot(ax=ax, color=bd.RIVER, linewidth=[0.9 if r <= 3 else 0.6 for r in rivers["rank"]], zorder=1.05)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    # Equirectangular with the true scale at the middle latitude; the box shrinks, the extent stays.
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)), adjustable="box", anchor="NW")
    ax.apply_aspect()
    placed: list = []
    for layer in sorted(layers, key=lambda n: (_RANK[data.catalog.layers[n].geometry_type], -layers.index(n))):
        _draw_layer(ax, data, layer, lang, placed)
    _draw_places(ax, data, layers, lang, placed, extent)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, extent, lang)
    _north_arrow(ax, extent, lang)
    ax.text(0.995, 0.008, label("backdrop_credit", lang), transform=ax.transAxes, fontsize=6, ha="right", va="bottom", color="#555555", **_LITERAL)
    handles = _legend_handles(data, layers, lang)
    legend = fig.legend([h for h, _ in handles], [t for _, t in handles], loc="upper left", bbox_to_anchor=(0.765, 0.9), fontsize=7.5, frameon=False, handlelength=2.4)
    for text, (handle, _) in zip(legend.get_texts(), handles):
        text.set_parse_math(False)
        if handle.get_linestyle() == "None" and handle.get_marker() in ("None", None, ""):
            text.set_fontweight("bold")
    if notes and notes[1]:
        heading, note_lines = notes
        wrapped = ["\n".join(textwrap.wrap(line, 48, subsequent_indent="  ")) for line in note_lines]
        fig.text(0.765, 0.36, heading, fontsize=7.5, fontweight="bold", va="top", **_LITERAL)
        fig.text(0.765, 0.34, "\n".join(wrapped), fontsize=5.6, va="top", linespacing=1.25, **_LITERAL)
    lines = source_lines(data, layers, lang=lang)
    fig.text(0.03, 0.275, f"{label('source_list', lang)} ({len(lines)})", fontsize=8, fontweight="bold", va="top", **_LITERAL)
    columns = 3
    # Beside a lengths block the source list keeps to the map's width.
    step, width = (0.245, 62) if notes and notes[1] else (0.32, 80)
    per_column = math.ceil(len(lines) / columns) if lines else 0
    for c in range(columns):
        chunk = lines[c * per_column : (c + 1) * per_column]
        fig.text(0.03 + c * step, 0.255, "\n".join(_shorten(line, width) for line in chunk), fontsize=5.2, va="top", linespacing=1.25, family="DejaVu Sans", **_LITERAL)
    return fig


def _sources_page(data: Dataset, layers: list[str], title: str, lang: str) -> Figure:
    fig = Figure(figsize=PAGE_SIZE)
    fig.text(0.03, 0.96, f"{title}: {label('source_list', lang)}", fontsize=13, fontweight="bold", va="top", **_LITERAL)
    wrapped = ["\n".join(textwrap.wrap(line, 105, subsequent_indent="   ", break_long_words=True)) for line in source_lines(data, layers, urls=True, lang=lang)]
    half = math.ceil(len(wrapped) / 2)
    for c, chunk in enumerate((wrapped[:half], wrapped[half:])):
        fig.text(0.03 + c * 0.49, 0.92, "\n".join(chunk), fontsize=5.6, va="top", linespacing=1.3, **_LITERAL)
    return fig


def render_static(
    data: Dataset,
    *,
    fmt: str = "png",
    title: str | None = None,
    layers: list[str] | None = None,
    lang: str = "en",
    filters: dict[str, Any] | None = None,
    view: tuple[float, float, float, float] | None = None,
    notes: tuple[str, list[str]] | None = None,
) -> bytes:
    """A print-ready map of ``layers`` as PNG or PDF bytes (A4 landscape).

    ``filters`` and ``view`` mean what they mean for
    :func:`kzgeo.html.render.render_map`; ``notes`` is a heading and lines
    printed under the legend (a map spec's route lengths). The PDF has two
    pages: the map, then every source in full with its web address. Both carry no timestamp, so the same inputs give
    the same bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f'unknown format "{fmt}"; choose one of: {", ".join(FORMATS)}')
    check_language(lang)
    names, data = select(data, layers, filters)
    view = check_view(view, [data.layers[n] for n in names])
    map_title = term(title or data.catalog.title, lang)
    buffer = io.BytesIO()
    if fmt == "png":
        _map_page(data, names, map_title, lang, view, notes).savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    else:
        with PdfPages(buffer, metadata={"Title": map_title, "Creator": "kzgeo", "CreationDate": None}) as pdf:
            pdf.savefig(_map_page(data, names, map_title, lang, view, notes))
            pdf.savefig(_sources_page(data, names, map_title, lang))
    return buffer.getvalue()
