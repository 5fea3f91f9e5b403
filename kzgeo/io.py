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
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from kzgeo.catalog import FieldSpec, TableSpec
from kzgeo.errors import Problem

#: Files larger than this are refused before reading: the layers are small
#: hand-edited files, and a huge one is a mistake or an attack.
MAX_FILE_BYTES = 50 * 1024 * 1024
LIST_SEPARATOR = ";"
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


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


def _label(index: int, fid: object) -> str:
    return f'feature "{fid}"' if fid not in (None, "") else f"feature #{index + 1}"


def _size_ok(path: Path, problems: list[Problem]) -> bool:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        problems.append(Problem(path.name, "", "file not found"))
        return False
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(path.name, "", f"file is {size / 1e6:.0f} MB; kzgeo refuses layer files over {MAX_FILE_BYTES / 1e6:.0f} MB")
        )
        return False
    return True


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in JSON numbers")


#: The types ``json.loads`` gives numbers (``bool`` is not among them, by exact type).
_JSON_NUMBERS = frozenset({int, float})


def _is_position(value: Any) -> bool:
    """A non-empty array of JSON numbers (``true``/``false`` are not numbers here)."""
    return isinstance(value, list) and bool(value) and _JSON_NUMBERS.issuperset(map(type, value))


def _coordinates(value: Any) -> list[tuple[float, float]]:
    """Flatten nested coordinate arrays into (x, y) pairs; raise ValueError on junk."""
    if _is_position(value):
        if len(value) < 2:
            raise ValueError("a position needs at least two numbers")
        return [(float(value[0]), float(value[1]))]
    if not isinstance(value, list):
        raise ValueError(f"coordinates must be arrays of numbers, found {type(value).__name__}")
    pairs = []
    for item in value:
        if len(item) >= 2 and _is_position(item) if isinstance(item, list) else False:
            pairs.append((float(item[0]), float(item[1])))  # the common case, without a call per position
        else:
            pairs.extend(_coordinates(item))
    return pairs


def _check_geometry(raw: Any, expected: str, bounds, label: str, name: str, problems: list[Problem]):
    """Return a shapely geometry from a raw GeoJSON geometry, or None after noting why not.

    A point is returned as its checked ``(x, y)`` pair; :func:`read_features`
    turns them all into geometries in one vectorised call.
    """
    if raw is None:
        problems.append(Problem(name, label, "geometry is null"))
        return None
    if not isinstance(raw, dict) or "type" not in raw:
        problems.append(Problem(name, label, "geometry is not a GeoJSON geometry object"))
        return None
    gtype = raw.get("type")
    if gtype != expected:
        problems.append(Problem(name, label, f"geometry type is {gtype}, the catalog expects {expected}"))
        return None
    try:
        pairs = _coordinates(raw.get("coordinates"))
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(name, label, f"bad coordinates: {exc}"))
        return None
    if not pairs:
        problems.append(Problem(name, label, "geometry is empty"))
        return None
    lon_min, lat_min, lon_max, lat_max = bounds
    for x, y in pairs:
        if not (math.isfinite(x) and math.isfinite(y)):
            problems.append(Problem(name, label, f"coordinate ({x}, {y}) is not a finite number"))
            return None
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            problems.append(Problem(name, label, f"coordinate ({x}, {y}) is outside longitude -180..180 / latitude -90..90"))
            return None
        if not (lon_min <= x <= lon_max and lat_min <= y <= lat_max):
            hint = "; are longitude and latitude swapped?" if lon_min <= y <= lon_max and lat_min <= x <= lat_max else ""
            problems.append(
                Problem(
                    name,
                    label,
                    f"coordinate ({x}, {y}) lies outside the region "
                    f"(longitude {lon_min:g}..{lon_max:g}, latitude {lat_min:g}..{lat_max:g}){hint}",
                )
            )
            return None
    if gtype == "Point":
        return pairs[0]  # a finite point is always valid: read_features builds them all at once
    if gtype in ("Polygon", "MultiPolygon"):
        rings = raw["coordinates"] if gtype == "Polygon" else [r for p in raw["coordinates"] for r in p]
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                problems.append(Problem(name, label, "polygon ring is not closed (first and last positions differ, or fewer than 4)"))
                return None
    try:
        geom = shape(raw)
    except Exception as exc:  # shapely raises several types for malformed input
        problems.append(Problem(name, label, f"geometry cannot be built: {exc}"))
        return None
    if geom.is_empty:
        problems.append(Problem(name, label, "geometry is empty"))
        return None
    reason = shapely.is_valid_reason(geom)
    if reason != "Valid Geometry":
        problems.append(Problem(name, label, f"invalid geometry: {reason}"))
        return None
    return geom


@without_gc
def read_features(path: Path, expected_type: str, bounds, problems: list[Problem]) -> list[Feature]:
    """Read a GeoJSON FeatureCollection, checking RFC 7946 and the region bounds."""
    name = path.name
    if not _size_ok(path, problems):
        return []
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "", f"not UTF-8 text (byte {exc.start})"))
        return []
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"))
        return []
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(name, "", f"not valid JSON: {exc}"))
        return []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        problems.append(Problem(name, "", "not a GeoJSON FeatureCollection (needs \"type\": \"FeatureCollection\" and a \"features\" array)"))
        return []
    if "crs" in doc:
        problems.append(Problem(name, "", "has a \"crs\" member, which RFC 7946 removed; coordinates must be WGS 84 lon/lat"))

    features: list[Feature] = []
    seen: set[str] = set()
    for index, raw in enumerate(doc["features"]):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            problems.append(Problem(name, f"feature #{index + 1}", "is not a GeoJSON Feature"))
            continue
        props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
        fid = raw.get("id", props.get("id"))
        label = _label(index, fid)
        if fid in (None, "") or isinstance(fid, (bool, dict, list)):
            problems.append(Problem(name, label, "has no id (set the feature's \"id\")"))
            fid = None
        else:
            fid = str(fid)
            if fid in seen:
                problems.append(Problem(name, label, "duplicate id"))
            seen.add(fid)
        geom = _check_geometry(raw.get("geometry"), expected_type, bounds, label, name, problems)
        if geom is not None and fid is not None:
            features.append(Feature(fid, geom, index))
    if expected_type == "Point" and features:
        points = shapely.points([f.geometry for f in features])
        features = [Feature(f.id, point, f.index) for f, point in zip(features, points)]
    return features


def parse_value(spec: FieldSpec, text: str) -> Any:
    """Convert one CSV cell by its field type; raise ValueError with a reason."""
    if spec.type in ("str", "ref"):
        if "\x00" in text:
            raise ValueError("contains a NUL character")
        return text
    if spec.type == "int":
        return int(text)
    if spec.type == "float":
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    if spec.type == "date":
        if not _DATE.match(text):
            raise ValueError(f"{text!r} is not a date (YYYY-MM or YYYY-MM-DD)")
        return text
    if spec.type == "url":
        if not _URL.match(text):
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
    keys = [cells[key_at] for cells in body]
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
        columns[column] = list(map(parsed.__getitem__, cells))
    return [dict(zip(expected, values)) for values in zip(*(columns[f] for f in expected))]


@without_gc
def read_rows(path: Path, spec: TableSpec, problems: list[Problem]) -> list[dict[str, Any]]:
    """Read a CSV table and type its cells per the catalog, noting each bad cell."""
    name = path.name
    if not _size_ok(path, problems):
        return []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, f"line {line}", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"))
        return []
    try:
        reader = csv.reader(text.splitlines(keepends=True), strict=True)
        header = next(reader, None)
        if header is None:
            problems.append(Problem(name, "", "file is empty; it needs a header row"))
            return []
        header = [h.strip() for h in header]
        expected = spec.field_names
        missing = [f for f in expected if f not in header]
        extra = [h for h in header if h not in expected]
        if missing or extra:
            hint = ""
            if len(header) == 1 and ";" in header[0]:
                hint = " (the file looks ';'-delimited; kzgeo reads comma-separated CSV)"
            parts = []
            if missing:
                parts.append(f"missing column(s) {', '.join(missing)}")
            if extra:
                parts.append(f"unknown column(s) {', '.join(extra)}")
            problems.append(Problem(name, "header", "; ".join(parts) + hint))
            return []
        if len(set(header)) != len(header):
            problems.append(Problem(name, "header", "a column name appears twice"))
            return []
        by_name = {f.name: f for f in spec.fields}
        fields = [by_name[column] for column in header]
        key_at = header.index(spec.key)
        rows = _rows_if_valid(header, fields, key_at, expected, list(reader))
        if rows is not None:
            return rows
        # Something is wrong: read again cell by cell, naming every problem.
        reader = csv.reader(text.splitlines(keepends=True), strict=True)
        next(reader)
        rows = []
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            key_value = cells[key_at] if len(cells) > key_at else ""
            where = f'row {line} ({spec.key} "{key_value}")' if key_value else f"row {line}"
            if len(cells) != len(header):
                problems.append(Problem(name, where, f"has {len(cells)} cells, the header has {len(header)}"))
                continue
            row: dict[str, Any] = {}
            ok = True
            for column, field, cell in zip(header, fields, cells):
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
