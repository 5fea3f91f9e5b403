"""Read the layer files strictly, collecting every problem instead of stopping.

GeoJSON is parsed with :mod:`json` (so that RFC 7946 details such as a ``crs``
member, ``NaN`` or a swapped lat/lon are visible) and turned into shapely
geometries; CSV is read with :mod:`csv` so that ragged rows are caught rather
than padded. Each reader appends :class:`~kzgeo.errors.Problem` objects and
returns whatever it could read.
"""

from __future__ import annotations

import csv
import functools
import gc
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from kzgeo.catalog import FieldSpec, TableSpec, text_problem
from kzgeo.errors import KzgeoIOError, Problem
from kzgeo.io.files import read_capped

#: Files larger than this are refused before reading. It admits a whole
#: national cadastre (300,000 records come to about 60 MB of CSV) and keeps
#: memory bounded: a larger file is a mistake or an attack.
MAX_FILE_BYTES = 150 * 1024 * 1024
LIST_SEPARATOR = ";"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$")
_URL = re.compile(r"^https?://[^\x00-\x20\x7f<>\"'`\\]+$", re.IGNORECASE)
_INT = re.compile(r"^[+-]?[0-9]+$")
_FLOAT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_INT64 = 2**63
#: How many array levels lie above the positions in each geometry type.
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}


def without_gc(func):
    """Run ``func`` with Python's cycle collector paused.

    Reading a national layer creates millions of small lists and dicts and no
    reference cycles; left on, the collector walks them over and over (about a
    third of the reading time at 100,000 features).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        paused = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if paused:
                gc.enable()

    return wrapper


@dataclass(frozen=True)
class Feature:
    """One GeoJSON feature as read: its id, geometry and position in the file."""

    id: str
    geometry: shapely.Geometry
    index: int


def _read(path: Path, problems: list[Problem], digests: dict[Path, str] | None) -> bytes | None:
    """The file's bytes, or None after noting why it cannot be read.

    With ``digests``, the SHA-256 of exactly the bytes read is recorded under
    ``path``, so a build states what it parsed without reading the file again.
    """
    try:
        data = read_capped(path, MAX_FILE_BYTES)
    except KzgeoIOError as exc:
        problems.append(Problem(path.name, "", exc.reason))
        return None
    if digests is not None:
        digests[path] = hashlib.sha256(data).hexdigest()
    return data


def _show(value: Any, limit: int = 60) -> str:
    """A JSON value as compact text for a message, cut short if long."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except RecursionError:
        return "a deeply nested array or object"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates from \ud800 escapes
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: The types ``json.loads`` gives numbers (``true``/``false`` are ``bool``, not among them).
_JSON_NUMBERS = frozenset({int, float})


def _position(value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or not _JSON_NUMBERS.issuperset(map(type, value)) or not value:
        raise ValueError(f"a position must be an array of two numbers [longitude, latitude], found {_show(value)}")
    if len(value) != 2:
        hint = "; kzgeo layers are 2D, so drop the altitude" if len(value) == 3 else ""
        raise ValueError(f"a position must have two numbers [longitude, latitude], found {len(value)}{hint}")
    try:
        return float(value[0]), float(value[1])
    except OverflowError:
        return math.inf, math.inf


def _positions(value: Any, depth: int, gtype: str) -> list:
    """Check the nesting of a coordinates array and return it as nested tuples."""
    if depth == 0:
        return _position(value)
    if not isinstance(value, list):
        raise ValueError(f"{gtype} coordinates need {depth + 1} levels of arrays, found {_show(value)}")
    return [_positions(item, depth - 1, gtype) for item in value]


def _flat(nested: Any, depth: int) -> list[tuple[float, float]]:
    return [nested] if depth == 0 else [p for item in nested for p in _flat(item, depth - 1)]


def _shape_problem(gtype: str, coords: list) -> str | None:
    """What makes the checked coordinates unfit for their type (too few points, open rings)."""
    lines = [coords] if gtype == "LineString" else coords if gtype == "MultiLineString" else []
    rings = coords if gtype == "Polygon" else [r for p in coords for r in p] if gtype == "MultiPolygon" else []
    if any(len(line) < 2 for line in lines):
        return "a line needs at least two positions"
    for ring in rings:
        if len(ring) < 4 or ring[0] != ring[-1]:
            return "polygon ring is not closed (its first and last positions differ, or it has fewer than 4)"
    if gtype == "MultiPolygon" and any(not p for p in coords):
        return "a polygon needs at least one ring"
    return None


def _check_geometry(raw: Any, expected: str, bounds, label: str, name: str, problems: list[Problem]):
    """Return a shapely geometry from a raw GeoJSON geometry, or None after noting why not.

    A point is returned as its checked ``(x, y)`` pair; :func:`read_features`
    turns them all into geometries in one vectorised call.
    """

    def bad(message: str) -> None:
        problems.append(Problem(name, label, f"geometry: {message}"))

    if raw is None:
        return bad(f"is null; every feature needs a {expected}")
    if not isinstance(raw, dict) or "type" not in raw:
        return bad(f"is not a GeoJSON geometry object (found {_show(raw)})")
    gtype = raw.get("type")
    if gtype != expected:
        return bad(f"type is {gtype if isinstance(gtype, str) else _show(gtype)}, the catalog expects {expected}")
    if raw.get("coordinates") == []:
        return bad("is empty")
    try:
        coords = _positions(raw.get("coordinates"), _DEPTH[gtype], gtype)
    except ValueError as exc:
        return bad(f"bad coordinates: {exc}")
    pairs = _flat(coords, _DEPTH[gtype])
    if not pairs:
        return bad("is empty")
    lon_min, lat_min, lon_max, lat_max = bounds
    # Checked all at once; only a geometry with a bad coordinate is walked, to name the first.
    for x, y in () if _all_inside(np.array(pairs), bounds) else pairs:
        if not (math.isfinite(x) and math.isfinite(y)):
            return bad(f"coordinate ({x}, {y}) is not a finite number")
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            return bad(f"coordinate ({x}, {y}) is outside longitude -180..180 / latitude -90..90")
        if not (lon_min <= x <= lon_max and lat_min <= y <= lat_max):
            hint = "; are longitude and latitude swapped?" if lon_min <= y <= lon_max and lat_min <= x <= lat_max else ""
            return bad(
                f"coordinate ({x}, {y}) lies outside the region "
                f"(longitude {lon_min:g}..{lon_max:g}, latitude {lat_min:g}..{lat_max:g}){hint}"
            )
    reason = _shape_problem(gtype, coords)
    if reason:
        return bad(reason)
    if gtype == "Point":
        return coords  # a finite point is always valid: read_features builds them all at once
    geom = shape({"type": gtype, "coordinates": coords})
    if geom.is_empty:
        return bad("is empty")
    reason = shapely.is_valid_reason(geom)
    if reason != "Valid Geometry":
        return bad(f"invalid geometry: {reason}")
    return geom


def _encodable(text: str) -> bool:
    """False for strings holding lone surrogates (JSON allows ``"\\ud800"``; UTF-8 does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _id_text(value: Any) -> str | None:
    """A GeoJSON id as kzgeo keys it: a non-blank string (stripped) or an integer."""
    if isinstance(value, str) and value.strip() and _encodable(value):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _feature_id(index: int, raw: dict, name: str, problems: list[Problem]) -> tuple[str | None, str]:
    """The feature's id and its label for messages, noting a missing or conflicting id."""
    props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    given = raw["id"] if "id" in raw else props.get("id")
    fid = _id_text(given)
    label = f'feature "{fid}"' if fid else f"feature #{index + 1}"
    if fid is None:
        if given is None or (isinstance(given, str) and not given.strip()):
            why = "missing"
        elif isinstance(given, str):
            why = f"{_show(given)} holds an unpaired surrogate escape, which is not text"
        else:
            why = f"{_show(given)} is not a string or an integer"
        problems.append(Problem(name, label, f'id: {why} (set the feature\'s "id")'))
    elif "id" in raw and "id" in props and _id_text(props["id"]) != fid:
        problems.append(
            Problem(name, label, f'id: properties.id {_show(props["id"])} differs from the feature\'s id "{fid}"; make them the same')
        )
        return None, label
    return fid, label


def _all_inside(xy: np.ndarray, bounds) -> bool:
    """True when every (x, y) row is finite, on the globe and inside the region's bounds."""
    x, y = xy[:, 0], xy[:, 1]
    lon_min, lat_min, lon_max, lat_max = bounds
    inside = (x >= max(lon_min, -180)) & (x <= min(lon_max, 180)) & (y >= max(lat_min, -90)) & (y <= min(lat_max, 90))
    return bool(inside.all())  # comparisons with NaN are false


def _points_if_valid(raws: list, bounds) -> list[Feature] | None:
    """Every feature as a point, or None if any feature needs a closer look.

    The fast path for a valid point layer: structure and ids are checked
    feature by feature (ids by :func:`_feature_id`, the same rule), the
    coordinates all at once with numpy. On None, :func:`read_features` checks
    each feature in turn to name every problem.
    """
    ids, xy = [], []
    scratch: list[Problem] = []
    for index, raw in enumerate(raws):
        geom = raw.get("geometry") if isinstance(raw, dict) and raw.get("type") == "Feature" else None
        coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
        if not isinstance(coords, list) or len(coords) != 2 or not _JSON_NUMBERS.issuperset(map(type, coords)):
            return None
        fid, _ = _feature_id(index, raw, "", scratch)
        if fid is None:
            return None
        ids.append(fid)
        xy.append(coords)
    if not ids or len(set(ids)) != len(ids):
        return None
    try:
        arr = np.array(xy, dtype=float)
    except OverflowError:
        return None
    if not _all_inside(arr, bounds):
        return None
    return [Feature(fid, point, index) for index, (fid, point) in enumerate(zip(ids, shapely.points(arr)))]


@without_gc
def read_features(path: Path, expected_type: str, bounds, problems: list[Problem], *, digests: dict[Path, str] | None = None) -> list[Feature]:
    """Read a GeoJSON FeatureCollection, checking RFC 7946 and the region bounds.

    ``NaN`` and ``Infinity`` (not JSON, but written by some tools) are read as
    numbers so that a coordinate holding one is reported with its feature.
    """
    name = path.name
    data = _read(path, problems, digests)
    if data is None:
        return []
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "", f"not UTF-8 text (byte {exc.start})"))
        return []
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"))
        return []
    except RecursionError:
        problems.append(Problem(name, "", "not valid GeoJSON: arrays or objects are nested too deeply"))
        return []
    except ValueError as exc:
        problems.append(Problem(name, "", f"not valid JSON: {exc}"))
        return []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        problems.append(Problem(name, "", "not a GeoJSON FeatureCollection (needs \"type\": \"FeatureCollection\" and a \"features\" array)"))
        return []
    if "crs" in doc:
        problems.append(Problem(name, "", "has a \"crs\" member, which RFC 7946 removed; coordinates must be WGS 84 lon/lat"))
    elif expected_type == "Point" and (points := _points_if_valid(doc["features"], bounds)) is not None:
        return points

    features: list[Feature] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc["features"]):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            problems.append(Problem(name, f"feature #{index + 1}", "is not a GeoJSON Feature"))
            continue
        fid, label = _feature_id(index, raw, name, problems)
        if fid is not None and fid in seen:
            problems.append(Problem(name, label, f"id: duplicate id, also used by feature #{seen[fid] + 1}"))
            fid = None
        elif fid is not None:
            seen[fid] = index
        geom = _check_geometry(raw.get("geometry"), expected_type, bounds, label, name, problems)
        if geom is not None and fid is not None:
            features.append(Feature(fid, geom, index))
    if expected_type == "Point" and features:
        points = shapely.points([f.geometry for f in features])
        features = [Feature(f.id, point, f.index) for f, point in zip(features, points)]
    return features


def _month_ok(text: str) -> bool:
    year, month, *day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        return False
    if day:
        try:
            date(year, month, day[0])
        except ValueError:
            return False
    return True


def parse_value(spec: FieldSpec, text: str) -> Any:
    """Convert one CSV cell by its field type; raise ValueError with a reason."""
    if reason := text_problem(text):
        raise ValueError(reason)
    if spec.type in ("str", "ref"):
        return text
    if spec.type == "int":
        if not _INT.fullmatch(text) or abs(int(text)) >= _INT64:
            raise ValueError(f"{text!r} is not a whole number")
        return int(text)
    if spec.type == "float":
        if not _FLOAT.fullmatch(text):
            raise ValueError(f"{text!r} is not a number")
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    if spec.type == "date":
        if not (_DATE.fullmatch(text) and _month_ok(text)):
            raise ValueError(f"{text!r} is not a date (YYYY-MM or YYYY-MM-DD)")
        return text
    if spec.type == "url":
        if not _URL.fullmatch(text):
            raise ValueError(f"{text!r} is not an http(s) address")
        return text
    if spec.type == "enum":
        if text not in spec.values:
            raise ValueError(f"{text!r} is not one of {', '.join(spec.values)}")
        return text
    if spec.type == "refs":
        ids = [part.strip() for part in text.split(LIST_SEPARATOR)]
        if any(not part for part in ids):
            raise ValueError(f"{text!r} has an empty id in its {LIST_SEPARATOR!r}-separated list")
        return LIST_SEPARATOR.join(ids)
    raise ValueError(f"unknown field type {spec.type}")


def split_refs(value: Any) -> list[str]:
    """The ids in a ``refs`` cell (``"a;b"`` -> ``["a", "b"]``); empty for a missing cell."""
    if not isinstance(value, str) or not value:
        return []
    return value.split(LIST_SEPARATOR)


def _rows_if_valid(header: list[str], fields: list[FieldSpec], key_at: int, expected: list[str], body: list[list[str]]) -> list[dict[str, Any]] | None:
    """Every row typed, or None if any row is ragged, any cell bad or any key repeated.

    The fast path for a valid table: each column's distinct cells go through
    :func:`parse_value` once, instead of every cell. It accepts nothing the
    cell-by-cell reading would refuse; on None, :func:`read_rows` reads the
    table that way to report each problem.
    """
    body = [cells for cells in body if any(c.strip() for c in cells)]
    if not body:
        return []
    if any(len(cells) != len(header) for cells in body):
        return None
    keys = [cells[key_at].strip() for cells in body]
    if len(set(keys)) != len(keys):
        return None
    columns = {}
    for column, field, raw in zip(header, fields, zip(*body)):
        cells = list(map(str.strip, raw))
        parsed: dict[str, Any] = {}
        for cell in set(cells):
            if cell == "":
                if field.required:
                    return None
                parsed[cell] = None
                continue
            try:
                parsed[cell] = parse_value(field, cell)
            except ValueError:
                return None
        unchanged = all(value is cell for cell, value in parsed.items())  # text fields: the cells are the values
        columns[column] = cells if unchanged else list(map(parsed.__getitem__, cells))
    if all(f in columns for f in expected):
        return [dict(zip(expected, values)) for values in zip(*(columns[f] for f in expected))]
    # Translation columns a file leaves out read as empty, in the catalog's field order.
    blank = [None] * len(body)
    return [dict(zip(expected, values)) for values in zip(*(columns.get(f, blank) for f in expected))]


@without_gc
def read_rows(path: Path, spec: TableSpec, problems: list[Problem], *, digests: dict[Path, str] | None = None) -> list[dict[str, Any]]:
    """Read a CSV table and type its cells per the catalog, noting each bad cell."""
    name = path.name
    data = _read(path, problems, digests)
    if data is None:
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, f"line {line}", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"))
        return []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if header is None:
            problems.append(Problem(name, "", "file is empty; it needs a header row"))
            return []
        header = [h.strip() for h in header]
        expected = spec.field_names
        # A translation column may be left out: its texts then count as untranslated (validate warns).
        optional = {f.name for f in spec.fields if getattr(f, "translates", None)}
        missing = [f for f in expected if f not in header and f not in optional]
        extra = [h for h in header if h not in expected]
        if missing or extra:
            hint = ""
            if len(header) == 1 and ";" in header[0]:
                hint = " (the file looks ';'-delimited; kzgeo reads comma-separated CSV)"
            parts = []
            if missing:
                parts.append(f"missing column(s) {', '.join(missing)}")
            if extra:
                parts.append(f"unknown column(s) {', '.join(json.dumps(h, ensure_ascii=False) for h in extra)}")
            problems.append(Problem(name, "header", "; ".join(parts) + hint))
            return []
        if len(set(header)) != len(header):
            problems.append(Problem(name, "header", "a column name appears twice"))
            return []
        fields = {f.name: f for f in spec.fields}
        rows = _rows_if_valid(header, [fields[c] for c in header], header.index(spec.key), expected, list(reader))
        if rows is not None:
            return rows
        # Something is wrong: read again cell by cell, naming every problem.
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        next(reader)
        rows = []
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            key_value = cells[header.index(spec.key)].strip() if len(cells) > header.index(spec.key) else ""
            where = f'row {line} ({spec.key} "{key_value}")' if key_value else f"row {line}"
            if len(cells) != len(header):
                problems.append(Problem(name, where, f"has {len(cells)} cells, the header has {len(header)}"))
                continue
            row: dict[str, Any] = {}
            ok = True
            for column, cell in zip(header, cells):
                field = fields[column]
                cell = cell.strip()
                if cell == "":
                    if field.required:
                        problems.append(Problem(name, where, f"field {column}: a value is required"))
                        ok = False
                    row[column] = None
                    continue
                try:
                    row[column] = parse_value(field, cell)
                except ValueError as exc:
                    problems.append(Problem(name, where, f"field {column}: {exc}"))
                    ok = False
            if key_value:
                if key_value in seen:
                    problems.append(Problem(name, where, f"duplicate {spec.key} (first on row {seen[key_value]})"))
                    ok = False
                else:
                    seen[key_value] = line
            if ok:
                rows.append({f: row.get(f) for f in expected})
        return rows
    except csv.Error as exc:
        problems.append(Problem(name, f"line {reader.line_num}", f"CSV cannot be parsed: {exc}"))
        return []
