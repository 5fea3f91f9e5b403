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

import base64
import json
import logging
import math
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
    citation_text,
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
#: zlib level for UTF-8 text: 6 is zlib's default, within a few per cent of 9 at half the time.
DEFLATE_LEVEL = 6
#: Text of at least this many bytes is deflated at level 1: several times faster, a little larger.
BIG_ARRAY = 1 << 20
#: Typed-array kinds the browser knows (``static/fastlayer.js``), by numpy dtype.
_KINDS = {np.dtype("uint8"): "u8", np.dtype("uint16"): "u16", np.dtype("uint32"): "u32", np.dtype("int32"): "i32", np.dtype("float64"): "f64"}
#: "Numbered text": a prefix, a number of at most 9 digits, a suffix (``dep-1203``, ``Licence 17``).
_NUMBERED = r"^(?P<prefix>.*?)(?P<number>[0-9]{1,9})(?P<suffix>[^0-9]*)$"


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


class Blobs:
    """The binary columns of one layer: typed arrays, each deflated and sent as base64.

    :meth:`add` returns the reference a column's JSON carries (``{"bin": k,
    "kind": "u16", "shuffle": false}``); :meth:`encoded` compresses them all,
    in threads (zlib releases the GIL), for the payload's ``bin`` list. With
    ``shuffle`` the bytes are sent plane by plane (all first bytes, then all
    second bytes...), which lets deflate find the slowly varying high bytes of
    coordinates. The browser inflates them with ``DecompressionStream``.
    """

    def __init__(self) -> None:
        self.arrays: list[tuple[np.ndarray, bool, bool]] = []

    def add(self, array: np.ndarray, *, shuffle: bool = False, text: bool = False) -> dict[str, Any]:
        """Queue ``array``; ``text`` marks UTF-8 bytes, which repeat words (the rest are numbers and codes)."""
        array = np.ascontiguousarray(array)
        kind = _KINDS[array.dtype.newbyteorder("=")]
        self.arrays.append((array.astype(array.dtype.newbyteorder("<"), copy=False), shuffle and array.itemsize > 1, text))
        return {"bin": len(self.arrays) - 1, "kind": kind, "shuffle": shuffle and array.itemsize > 1}

    @staticmethod
    def _pack(item: tuple[np.ndarray, bool, bool]) -> str:
        """Deflate one array: text with zlib's usual matching, numbers and codes as runs plus Huffman codes.

        Codes, steps and coordinate byte planes hold runs and a skewed choice of
        byte values, not repeated phrases: zlib's ``Z_RLE`` strategy (matches at
        distance one only) codes them smaller than level 6 in a tenth of the
        time (the benchmark's million deposits: 12.1 MB instead of 12.4 MB, 0.6 s instead of 5.2 s).
        """
        array, shuffle, text = item
        raw = array.view(np.uint8).reshape(-1, array.itemsize).T.tobytes() if shuffle else array.tobytes()
        if text:
            packed = zlib.compress(raw, DEFLATE_LEVEL if len(raw) < BIG_ARRAY else 1)
        else:
            runs = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
            packed = runs.compress(raw) + runs.flush()
        return base64.b64encode(packed).decode("ascii")

    def encoded(self) -> list[str]:
        if len(self.arrays) < 2:
            return [self._pack(item) for item in self.arrays]
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            return list(pool.map(self._pack, self.arrays))


def unpack(payload: dict[str, Any], ref: dict[str, Any]) -> np.ndarray:
    """The typed array a column reference points at (what the browser decodes; for tests and tools)."""
    dtype = np.dtype({"u8": "<u1", "u16": "<u2", "u32": "<u4", "i32": "<i4", "f64": "<f8"}[ref["kind"]])
    raw = zlib.decompress(base64.b64decode(payload["bin"][ref["bin"]]))
    if ref["shuffle"]:
        raw = np.frombuffer(raw, np.uint8).reshape(dtype.itemsize, -1).T.tobytes()
    return np.frombuffer(raw, dtype)


def codes_array(codes: np.ndarray) -> np.ndarray:
    """Codes (-1 = missing) as the smallest unsigned array of ``code + 1`` (0 = missing)."""
    shifted = np.asarray(codes, dtype=np.int64) + 1
    top = int(shifted.max()) if len(shifted) else 0
    return shifted.astype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32)


def _words(values) -> list[str | None]:
    """Display text of each value: strings as they are, numbers as the popups format them."""
    return [None if cell_value(v) is None else v if isinstance(v, str) else format_value(v) for v in values]


def _text_column(values: pd.Series, blobs: Blobs) -> dict[str, Any]:
    """Distinct text as UTF-8 bytes plus one length per value (-1 = missing), straight from Arrow buffers."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:  # Arrow-backed text: no Python strings at all
        array = pa.array(values).cast(pa.string())
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    else:
        words = values if values.dtype == object and all(isinstance(v, str) or cell_value(v) is None for v in values.iloc[:1000]) else pd.Series(_words(values.tolist()), dtype=object)
        array = pa.array(words.to_numpy(), type=pa.string(), from_pandas=True)
    numbered = _numbered_column(array, blobs)
    if numbered is not None:
        return numbered
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    lengths = np.diff(offsets).astype(np.int32)
    if array.null_count:
        lengths[array.is_null().to_numpy(zero_copy_only=False)] = -1
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]] if len(array) else np.zeros(0, np.uint8)
    return {"text": {"lengths": blobs.add(lengths, shuffle=True), "utf8": blobs.add(np.ascontiguousarray(data), text=True)}}


#: Numbered text may have this share of values that are not numbered (real names among synthetic ones).
OTHERS_SHARE = 0.01


#: Longest suffix, in bytes, after the number of numbered text (``Licence 17 (cancelled)``).
MAX_SUFFIX = 24


def _strings(seg: np.ndarray, mask: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """The bytes of ``seg`` under ``mask``, cut into strings of ``lengths`` bytes."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(seg[mask]))).cast(pa.string())


def split_numbered(array: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """Each value split as :data:`_NUMBERED` would (``prefix``, ``number``, ``suffix``), from its UTF-8 bytes.

    Returns ``matched`` (a value ends in a number and at most
    :data:`MAX_SUFFIX` bytes of non-digits), the prefixes, the numbers as
    int64, their digit counts, whether a number has a leading zero, and the
    suffixes (prefix and suffix "" where not matched). A regular expression
    with groups takes close to a second per million values; this walks back
    from each value's end a byte at a time, one numpy pass per step, and
    finds where the number starts without looking at the prefix.
    """
    array = array.cast(pa.string()) if array.type != pa.string() else array
    n = len(array)
    _, ob, db = array.buffers()
    offsets = np.frombuffer(ob, dtype=np.int32)[array.offset: array.offset + n + 1].astype(np.int64)
    data = np.frombuffer(db, dtype=np.uint8) if db is not None else np.zeros(0, np.uint8)
    lo, hi = int(offsets[0]), int(offsets[-1])
    spare = hi - lo  # index of one spare byte past the text: reads below never fail
    seg = np.concatenate([data[lo:hi], np.zeros(1, np.uint8)])
    s, e = offsets[:-1] - lo, offsets[1:] - lo
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    size = e - s
    suffix = np.full(n, -1, dtype=np.int64)  # bytes of suffix, -1 = no digit found yet
    for k in range(MAX_SUFFIX + 1):
        looking = (suffix < 0) & (k < size)
        if not looking.any():
            break
        b = seg[np.where(looking, e - 1 - k, spare)]
        suffix[looking & (b >= 0x30) & (b <= 0x39)] = k
    matched = valid & (suffix >= 0)
    last = e - 1 - suffix
    count = np.zeros(n, dtype=np.int64)
    going = matched.copy()
    for k in range(9):
        at = last - k
        going &= at >= s
        b = seg[np.where(going, at, spare)]
        going &= (b >= 0x30) & (b <= 0x39)
        if not going.any():
            break
        count += going
    num_start = last - count + 1
    value = np.zeros(n, dtype=np.int64)
    for k in range(int(count.max()) if n else 0):
        has = k < count
        value[has] = value[has] * 10 + seg[num_start[has] + k] - 0x30
    lead_zero = matched & (count > 1) & (seg[np.where(matched, num_start, spare)] == 0x30)
    # prefix bytes: every byte of a matched value but its number and suffix
    keep = np.ones(len(seg), dtype=bool)
    keep[-1] = False
    other = np.flatnonzero(~matched & (size > 0))  # few: their bytes are dropped one by one
    if len(other):
        sizes = size[other]
        keep[np.repeat(s[other] - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))] = False
    tail = np.where(matched, e - num_start, 0)
    for k in range(int(tail.max()) if n else 0):
        sel = k < tail
        keep[num_start[sel] + k] = False
    prefix = _strings(seg, keep, np.where(matched, num_start - s, 0))
    keep[:] = False
    for k in range(int(suffix.max()) + 1 if n else 0):
        sel = matched & (k < suffix)
        keep[last[sel] + 1 + k] = True
    suffixes = _strings(seg, keep, np.where(matched, suffix, 0))
    return matched, prefix, value, count, lead_zero, suffixes


def _numbered_column(array: pa.Array, blobs: Blobs) -> dict[str, Any] | None:
    """Numbered text (``dep-1203``) as a dictionary of prefixes and suffixes plus delta-coded numbers, or None.

    Cadastre ids and many names are a fixed text and a running number; sent
    as numbers, a million of them take a few kilobytes instead of megabytes.
    Numbers with leading zeros qualify only when all have the same width. Up
    to ``OTHERS_SHARE`` of the values may be other text (``others``: their
    positions and text), so a few real names among numbered ones still qualify.
    """
    if len(array) == 0:
        return None
    array = array.cast(pa.string()) if array.type != pa.string() else array
    sample = array.slice(0, 1000)
    if int((~split_numbered(sample)[0] & sample.is_valid().to_numpy(zero_copy_only=False)).sum()) > max(1, OTHERS_SHARE * len(sample)):
        return None  # the first thousand values already hold too many that are not numbered
    matched_np, prefix, numbers, counts, lead_zero, suffix = split_numbered(array)
    other_at = np.flatnonzero(~matched_np & array.is_valid().to_numpy(zero_copy_only=False))
    if len(other_at) > OTHERS_SHARE * len(array) or not matched_np.any():
        return None
    matched = pa.array(matched_np)
    none = pa.scalar(None, pa.string())
    prefix, suffix = pc.if_else(matched, prefix, none), pc.if_else(matched, suffix, none)
    width = 0
    if lead_zero.any():
        widths = counts[matched_np]
        if widths.min() != widths.max():
            return None
        width = int(widths.min())
    prefix_codes = pc.dictionary_encode(prefix)
    suffix_codes = pc.dictionary_encode(suffix)
    if len(prefix_codes.dictionary) >= 2**16 - 2 or len(suffix_codes.dictionary) >= 2**8 - 1:
        return None
    # Numbers continue from the last numbered value across missing and other values, so steps stay small.
    filled = pd.Series(np.where(matched_np, numbers, np.nan)).ffill().fillna(0).to_numpy(dtype=np.int64)
    steps = np.diff(filled, prepend=0)
    prefix_idx = prefix_codes.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    prefix_idx[other_at] = len(prefix_codes.dictionary)  # one past the prefixes: see ``others``
    return {
        "numbered": {
            "prefixes": prefix_codes.dictionary.to_pylist(),
            "prefix": blobs.add(codes_array(prefix_idx), shuffle=True),
            "suffixes": suffix_codes.dictionary.to_pylist(),
            "suffix": blobs.add(codes_array(suffix_codes.indices.fill_null(-1).to_numpy(zero_copy_only=False))),
            "steps": blobs.add(steps.astype(np.int32), shuffle=True),
            "width": width,
            "others": {"at": other_at.tolist(), "text": array.take(pa.array(other_at)).to_pylist()},
        }
    }


def encode_column(values: pd.Series, blobs: Blobs) -> dict[str, Any]:
    """Display text of one column: distinct values and codes when values repeat, else the text itself."""
    if len(values) > 20_000 and values.iloc[:10_000].nunique() > 9_000:
        return _text_column(values, blobs)  # a sample says the values are distinct: skip counting them all
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) * 2 <= len(values):
        return {"dict": _words(uniques.tolist()), "codes": blobs.add(codes_array(codes), shuffle=True)}
    return _text_column(values, blobs)


def decode_column(payload: dict[str, Any], column: dict[str, Any]) -> list[str | None]:
    """Every value of an encoded column, as the browser reads it (for tests and tools)."""
    if "dict" in column:
        words = [None, *column["dict"]]
        return [words[k] for k in unpack(payload, column["codes"]).tolist()]
    if "numbered" in column:
        c = column["numbered"]
        prefixes, suffixes = [None, *c["prefixes"]], [None, *c["suffixes"]]
        numbers = np.cumsum(unpack(payload, c["steps"]).astype(np.int64)).tolist()
        others = dict(zip(c["others"]["at"], c["others"]["text"]))
        return [
            others[i] if i in others else None if p == 0 else f"{prefixes[p]}{str(k).zfill(c['width'])}{suffixes[s] or ''}"
            for i, (p, s, k) in enumerate(zip(unpack(payload, c["prefix"]).tolist(), unpack(payload, c["suffix"]).tolist(), numbers))
        ]
    c = column["text"]
    lengths = unpack(payload, c["lengths"]).tolist()
    data = unpack(payload, c["utf8"]).tobytes()
    out, at = [], 0
    for n in lengths:
        out.append(None if n < 0 else data[at : at + n].decode("utf-8"))
        at += max(n, 0)
    return out


def _scaled(values: np.ndarray, digits: int) -> np.ndarray:
    return np.round(values * 10**digits).astype(np.int64)


def encode_points(geoms: np.ndarray, digits: int, blobs: Blobs) -> dict[str, Any]:
    """Point coordinates as 32-bit integers in units of 10**-digits degrees, byte planes deflated."""
    return {
        "x": blobs.add(_scaled(shapely.get_x(geoms), digits).astype(np.int32), shuffle=True),
        "y": blobs.add(_scaled(shapely.get_y(geoms), digits).astype(np.int32), shuffle=True),
    }


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
    steps = (0.0, *SIMPLIFY_STEPS)
    # Every position takes at least four characters ("0,0," after the first of its line): a layer
    # whose positions alone would exceed the budget need not be encoded as it is to learn that.
    if 4 * int(shapely.get_num_coordinates(geoms).sum()) - 2 * len(geoms) > budget:
        steps = SIMPLIFY_STEPS
    for step in steps:
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
    index = pd.Index(ids.to_numpy(dtype=object), dtype=object)
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


def _citations(data: Dataset, spec, frame: pd.DataFrame, extra_refs: dict[int, list[str]], blobs: Blobs, lang: str = "en") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per feature, which sources its popup lists, as codes into distinct source lists."""
    codes, found = pd.factorize(frame[spec.field("sources")].astype(object), use_na_sentinel=False)
    uniques = found.tolist()
    if extra_refs:  # the few features whose resource lines cite more: their own lists, added to the distinct ones
        at = {cell: k for k, cell in enumerate(uniques)}
        for i, refs in extra_refs.items():
            cell = ";".join(dict.fromkeys(split_refs(uniques[codes[i]]) + refs))
            codes[i] = at.setdefault(cell, len(at))
            if codes[i] == len(uniques):
                uniques.append(cell)
    table = data.sources
    order = {sid: k for k, sid in enumerate(table.index)}
    sources = [
        {"text": citation_text(row, lang), "url": row["url"] if is_web_url(row["url"]) else None}  # as the cards write them
        for row in table.to_dict("records")
    ]
    return {"dict": [[order[s] for s in split_refs(u)] for u in uniques], "codes": blobs.add(codes_array(codes), shuffle=True)}, sources


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


def _in_language(spec, frame: pd.DataFrame, name: str, lang: str) -> pd.Series:
    """Column ``name`` as :func:`kzgeo.text.translated` shows each cell in ``lang``, a column at a time."""
    values = frame[name]
    if lang == "en" or not spec.translations_of(name):
        return values
    column = spec.translation_of(name, lang)
    english = values.astype(object)
    given = english.map(cell_value, na_action="ignore").notna()
    marked = (english.astype(str) + " " + label("in_english", lang)).where(given, None).astype(object)
    if column is None or column not in frame:
        return marked
    translation = frame[column].astype(object)
    has = translation.map(cell_value, na_action="ignore").notna() & given
    return translation.astype(str).where(has, marked).astype(object)


@without_gc
def layer_payload(
    data: Dataset, layer: str, *, lang: str = "en", names: dict[str, str] | None = None, popup_extras: dict | None = None
) -> dict[str, Any]:
    """Everything the browser needs to draw ``layer`` and build its popups.

    Plain JSON values, except that the per-feature columns are binary
    (:class:`Blobs`): the payload's ``bin`` list holds them deflated, as
    base64, and each column refers to its arrays by position.
    """
    blobs = Blobs()
    spec = data.catalog.layers[layer]
    frame = data.layers[layer].reset_index(drop=True)
    names = names if names is not None else feature_names(data, lang)
    title = layer_title(data, layer, lang)
    heading = name_field(data, layer, lang)
    enums = enum_fields(data, layer)
    geoms = frame.geometry.to_numpy()
    if spec.geometry_type == "Point":
        geometry = {"kind": "point", "digits": settings.coordinate_precision, **encode_points(geoms, settings.coordinate_precision, blobs)}
    else:
        lines = spec.geometry_type in ("LineString", "MultiLineString")
        geometry = {"kind": "path", "lines": lines, **encode_paths(geoms, budget=settings.fast_layer_path_budget, precision=settings.coordinate_precision)}
    refs = ref_fields(data, layer)
    columns = []
    # As on the small maps' cards: names in other languages and translation columns are not rows of their own;
    # a translated field shows its text in the map's language (the English marked as such where none is given).
    skip = {spec.key, spec.field("sources"), heading} | set(spec.names.values()) | spec.translation_fields
    for f in spec.fields:
        if f.name in skip:
            continue
        values = _in_language(spec, frame, f.name, lang)
        if f.name in refs or f.name in enums:  # feature names and catalog words, in the map's language
            show = (lambda v: names.get(v, v)) if f.name in refs else (lambda v: term(v, lang))
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            shown = np.array([*(show(v) for v in uniques.tolist()), None], dtype=object)
            values = pd.Series(shown[codes], dtype=object)
        columns.append({"label": field_label(spec, f.name, lang), **encode_column(values, blobs)})
    sections, extra_refs = _extra_sections(data, frame[spec.key], lang, popup_extras)
    cite, sources = _citations(data, spec, frame, extra_refs, blobs, lang)
    style_codes, styles = _style_codes(spec, frame)
    approximate = np.isin(style_codes, [k for k, s in enumerate(styles) if "uncertainty" in s])
    km_codes, km = pd.factorize(frame[spec.field("uncertainty")].where(approximate) if approximate.any() else pd.Series(np.nan, index=frame.index), use_na_sentinel=True)
    payload = {
        "title": title,
        "n": len(frame),
        "geometry": geometry,
        "styles": styles,
        "style": blobs.add(codes_array(style_codes), shuffle=True),
        "uncertainty": {"km": [float(k) for k in km], "codes": blobs.add(codes_array(km_codes), shuffle=True)},
        "fullZoom": settings.fast_point_full_zoom,
        "ids": encode_column(frame[spec.key].astype(object), blobs),
        "heading": encode_column(frame[heading], blobs),
        "columns": columns,
        "sections": sections,
        "cite": cite,
        "sources": sources,
        "sourcesLabel": label("sources", lang),
        "note": _note(spec, title, len(frame), geometry, lang),
    }
    payload["bin"] = blobs.encoded()
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
        self,
        data: Dataset,
        layer: str,
        *,
        lang: str = "en",
        names: dict[str, str] | None = None,
        popup_extras: dict | None = None,
        payload: dict[str, Any] | None = None,
    ):
        super().__init__(name=layer_title(data, layer, lang), control=False)
        self._name = "FastLayer"
        # ``payload``: what layer_payload gives for these arguments, made beforehand (render_map makes
        # the large layers' payloads side by side, in threads).
        payload = payload if payload is not None else layer_payload(data, layer, lang=lang, names=names, popup_extras=popup_extras)
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


def render_verbatim(element, kwargs) -> None:
    """What branca's ``MacroElement.render`` does, with each rendered macro added as :class:`Verbatim`.

    branca wraps every rendered macro in a new ``Element``, which compiles the
    text as a Jinja template: for a layer's GeoJSON that is a lexer pass over
    every coordinate, about a second per page, for text the page then writes
    out as it is anyway.
    """
    figure = element.get_root()
    macros = element._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(Verbatim(macro(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        child.render(**kwargs)
