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
import itertools
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely
from shapely.geometry import shape

from kzgeo import settings
from kzgeo.catalog import FieldSpec, TableSpec, text_problem
from kzgeo.schema import MAX_MAGNITUDE
from kzgeo.errors import KzgeoIOError, Problem
from kzgeo.io.columns import map_columns, needs_trim, trimmed, typed_columns
from kzgeo.io.files import read_capped


def input_limit(catalog_mb: float | None = None) -> int:
    """Bytes an input file may have: this run's ``settings.max_input_mb`` if set,
    else the catalog's ``max_input_mb``, else ``settings.default_max_input_mb``.

    The cap keeps memory bounded (a file far larger than any cadastre is a
    mistake or an attack) and says how to raise it when it refuses a file.
    """
    mb = settings.max_input_mb if settings.max_input_mb is not None else catalog_mb if catalog_mb is not None else settings.default_max_input_mb
    return int(mb * 2**20)


#: How to raise the cap, said when it refuses a file.
LIMIT_HINT = " (raise the cap with --max-input-mb, or max_input_mb under [catalog] in catalog.toml)"
#: The default cap, in bytes (see :func:`input_limit`).
MAX_FILE_BYTES = input_limit()
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


@dataclass(frozen=True)
class Geometries:
    """The features of a layer file as columns: ids, shapely geometries, positions in the file."""

    ids: np.ndarray
    geometry: np.ndarray
    index: np.ndarray

    @classmethod
    def from_features(cls, features: list[Feature]) -> "Geometries":
        ids = np.empty(len(features), dtype=object)
        ids[:] = [f.id for f in features]
        geometry = np.empty(len(features), dtype=object)
        geometry[:] = [f.geometry for f in features]
        return cls(ids, geometry, np.array([f.index for f in features], dtype=np.int64))

    def features(self) -> list[Feature]:
        return [Feature(i, g, int(k)) for i, g, k in zip(self.ids, self.geometry, self.index)]

    def __len__(self) -> int:
        return len(self.ids)


def _read(path: Path, problems: list[Problem], digests: dict[Path, str] | None, limit: int | None = None) -> bytes | None:
    """The file's bytes, or None after noting why it cannot be read.

    With ``digests``, the SHA-256 of exactly the bytes read is recorded under
    ``path``, so a build states what it parsed without reading the file again.
    """
    try:
        data = read_capped(path, limit or input_limit(), LIMIT_HINT)
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


def _paths(gtype: str, coords: list) -> list[list]:
    """The vertex sequences of a line or polygon geometry (lines, or rings)."""
    if gtype == "LineString":
        return [coords]
    if gtype in ("MultiLineString", "Polygon"):
        return list(coords)
    if gtype == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def _antimeridian_problem(gtype: str, coords: list) -> str | None:
    """A segment whose longitudes differ by more than 180 degrees crosses the antimeridian.

    Leaflet draws such a segment the long way round the world while a geodesic
    measure takes the short way, so the map and every length would disagree.
    RFC 7946 (section 3.1.9) asks for the line to be cut in two at 180 degrees
    instead; kzgeo refuses the crossing and says so.
    """
    for path in _paths(gtype, coords):
        xy = np.asarray(path, dtype=float)
        if len(xy) < 2:
            continue
        jumps = np.flatnonzero(np.abs(np.diff(xy[:, 0])) > 180)
        if len(jumps):
            (x0, y0), (x1, y1) = xy[jumps[0]], xy[jumps[0] + 1]
            return (
                f"the segment from ({x0:g}, {y0:g}) to ({x1:g}, {y1:g}) crosses the antimeridian (180 degrees); "
                f"split the {gtype} there into parts that end and start at longitude 180 and -180 (RFC 7946, section 3.1.9)"
            )
    return None


def coordinate_problem(pairs, bounds) -> str | None:
    """What is wrong with the first bad (x, y) pair: not finite, off the globe, outside the region."""
    lon_min, lat_min, lon_max, lat_max = bounds
    for x, y in pairs:
        if not (math.isfinite(x) and math.isfinite(y)):
            return f"coordinate ({x}, {y}) is not a finite number"
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            return f"coordinate ({x}, {y}) is outside longitude -180..180 / latitude -90..90"
        if not (lon_min <= x <= lon_max and lat_min <= y <= lat_max):
            hint = "; are longitude and latitude swapped?" if lon_min <= y <= lon_max and lat_min <= x <= lat_max else ""
            return (
                f"coordinate ({x}, {y}) lies outside the region "
                f"(longitude {lon_min:g}..{lon_max:g}, latitude {lat_min:g}..{lat_max:g}){hint}"
            )
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
    # Checked all at once; only a geometry with a bad coordinate is walked, to name the first.
    if not _all_inside(np.array(pairs), bounds) and (reason := coordinate_problem(pairs, bounds)):
        return bad(reason)
    reason = _shape_problem(gtype, coords) or _antimeridian_problem(gtype, coords)
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


_NUMBER_TYPES = (int, float)


def _plain_id(raw: dict) -> str | None:
    """A fast-path feature's id when it is plainly valid (a trimmed, non-empty string, the same
    in ``id`` and ``properties.id``), else None: the feature-by-feature check then names the problem."""
    fid = raw["id"] if "id" in raw else None
    props = raw.get("properties")
    if type(props) is dict and "id" in props:
        if fid is None:
            fid = props["id"]
        elif props["id"] != fid:
            return None
    if type(fid) is not str or not fid or fid.strip() != fid:
        return None
    return fid


def _points_if_valid(raws: list, bounds, no_booleans: bool = False) -> tuple[pa.Array, np.ndarray] | None:
    """Every feature's id and (x, y), or None if any feature needs a closer look.

    The fast path for a valid point layer (its document parsed by orjson, so
    no string holds a lone surrogate): with ``no_booleans`` (the file has no
    ``true``/``false`` token, so no coordinate can be one) structure and ids
    are checked a column at a time (:func:`_bulk_points`), else feature by
    feature with the rule of :func:`_feature_id` written inline; the
    coordinates all at once with numpy. On None, :func:`read_geometries`
    checks each feature in turn to name every problem.
    """
    if no_booleans:
        bulk = _bulk_points(raws)
        if bulk is None:
            return None
        ids, xy = bulk
    else:
        n = len(raws)
        ids = [None] * n
        xy = [None] * n
        try:
            for index, raw in enumerate(raws):
                if raw["type"] != "Feature":
                    return None
                geom = raw["geometry"]
                if geom["type"] != "Point":
                    return None
                coords = geom["coordinates"]
                if type(coords) is not list or len(coords) != 2 or type(coords[0]) not in _NUMBER_TYPES or type(coords[1]) not in _NUMBER_TYPES:
                    return None
                fid = _plain_id(raw)
                if fid is None:
                    return None
                ids[index] = fid
                xy[index] = coords
        except (KeyError, TypeError, AttributeError):
            return None
        if not ids or len(set(ids)) != n:
            return None
    try:
        arr = np.array(xy, dtype=float)
    except (OverflowError, ValueError):
        return None
    if not _all_inside(arr, bounds):
        return None
    # The ids leave as one Arrow buffer: a Python string kept from the parsed document
    # would pin its memory pages, and the document is ten times their size.
    return ids if isinstance(ids, pa.Array) else pa.array(ids, pa.string()), arr


def _bulk_points(raws: list) -> tuple[pa.Array, list] | None:
    """Ids and coordinate pairs of a point layer checked a column at a time, or None if anything is unusual.

    The same rule as :func:`_plain_id` and the loop of :func:`_points_if_valid`,
    with each step one pass in C over a million features (list
    comprehensions, ``set(map(type, ...))``, Arrow for the ids) instead of
    one Python loop iteration per feature. Booleans must be ruled out by the
    caller: ``True`` would pass as a number.
    """
    n = len(raws)
    if not n:
        return None
    try:
        if set(map(type, raws)) != {dict} or {raw["type"] for raw in raws} != {"Feature"}:
            return None
        geoms = [raw["geometry"] for raw in raws]
        if set(map(type, geoms)) != {dict} or {g["type"] for g in geoms} != {"Point"}:
            return None
        coords = [g["coordinates"] for g in geoms]
    except (KeyError, TypeError):
        return None
    del geoms
    if set(map(type, coords)) != {list} or set(map(len, coords)) != {2} or not _NUMBER_TYPES_SET.issuperset(map(type, itertools.chain.from_iterable(coords))):
        return None
    fids = [raw.get("id") for raw in raws]
    props = [raw.get("properties") for raw in raws]
    # properties.id, where given, must be the feature's id (a feature with only properties.id takes the slow path)
    if [p.get("id", fid) if type(p) is dict else fid for p, fid in zip(props, fids)] != fids:
        return None
    del props
    if set(map(type, fids)) != {str} or len(set(fids)) != n:
        return None
    ids = pa.array(fids, pa.string())
    if pc.min(pc.binary_length(ids)).as_py() == 0 or needs_trim(ids):
        return None
    return ids, coords


_NUMBER_TYPES_SET = frozenset(_NUMBER_TYPES)


def _shapes_if_valid(raws: list, expected: str, bounds) -> Geometries | None:
    """Every feature as a line or polygon, built in one shapely call, or None if any needs a closer look.

    The fast path for a valid LineString or Polygon layer parsed by orjson from
    a file with no ``true``/``false`` token (so no coordinate can be a boolean,
    which numpy would take for a number): ids as :func:`_points_if_valid` checks
    them, the positions of every line and ring checked for type and length a
    column at a time and made into one numpy array, closure, length, jumps
    across the antimeridian and bounds checked on it, validity on the
    geometries. On None,
    :func:`read_geometries` checks each feature in turn to name every problem.
    """
    from shapely import GeometryType

    n = len(raws)
    ids: list = [None] * n
    rings: list = []
    ring_counts: list[int] = []
    try:
        for index, raw in enumerate(raws):
            if raw["type"] != "Feature":
                return None
            geom = raw["geometry"]
            if geom["type"] != expected:
                return None
            coords = geom["coordinates"]
            if type(coords) is not list or not coords:
                return None
            if expected == "LineString":
                rings.append(coords)
                ring_counts.append(1)
            else:
                rings.extend(coords)
                ring_counts.append(len(coords))
            fid = _plain_id(raw)
            if fid is None:
                return None
            ids[index] = fid
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    if not ids or len(set(ids)) != n:
        return None
    # Every line or ring at once: lists of [x, y] pairs of numbers (booleans ruled out by the caller).
    if set(map(type, rings)) != {list}:
        return None
    positions = list(itertools.chain.from_iterable(rings))
    if not positions or set(map(type, positions)) != {list} or set(map(len, positions)) != {2}:
        return None
    if not _NUMBER_TYPES_SET.issuperset(map(type, itertools.chain.from_iterable(positions))):
        return None
    try:
        coords = np.array(positions, dtype=float)
    except (OverflowError, ValueError):
        return None
    del positions
    lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    part_offsets = np.concatenate([[0], np.cumsum(lengths)])
    starts, ends = part_offsets[:-1], part_offsets[1:] - 1
    if expected == "Polygon" and ((lengths < 4).any() or not (coords[starts] == coords[ends]).all()):
        return None
    if expected == "LineString" and (lengths < 2).any():
        return None
    jumps = np.abs(np.diff(coords[:, 0])) > 180
    jumps[ends[:-1]] = False  # from one ring's last position to the next ring's first is no edge
    if jumps.any():
        return None  # crosses the antimeridian: the feature-by-feature check names it
    if not _all_inside(coords, bounds):
        return None
    if expected == "LineString":
        geoms = shapely.from_ragged_array(GeometryType.LINESTRING, coords, (part_offsets,))
    else:
        ring_offsets = np.concatenate([[0], np.cumsum(ring_counts)])
        geoms = shapely.from_ragged_array(GeometryType.POLYGON, coords, (part_offsets, ring_offsets))
    if not shapely.is_valid(geoms).all():
        return None
    out = np.empty(n, dtype=object)
    out[:] = ids
    return Geometries(out, geoms, np.arange(n, dtype=np.int64))


#: The typed records msgspec decodes a plainly valid point layer into (see _typed_points).
class _MsPoint(msgspec.Struct):
    type: Literal["Point"]
    coordinates: tuple[float, float]


class _MsPointFeature(msgspec.Struct):
    type: Literal["Feature"]
    geometry: _MsPoint
    id: str
    properties: dict[str, msgspec.Raw] | None = None


class _MsPointCollection(msgspec.Struct):
    type: Literal["FeatureCollection"]
    features: list[_MsPointFeature]
    crs: Any = msgspec.UNSET


_POINTS_DECODER = msgspec.json.Decoder(_MsPointCollection)


def _typed_points(data: bytes, bounds) -> tuple[np.ndarray, np.ndarray] | None:
    """Ids and (x, y) of a plainly valid point layer decoded straight into typed records, or None.

    The fastest path for a national point layer: msgspec decodes the document
    into small typed records instead of a dict per feature, checking the
    structure as it goes (strict JSON, a ``"FeatureCollection"`` of
    ``"Feature"`` s, each with a ``"Point"`` of two numbers -- never booleans --
    and a string ``id``). It accepts only what :func:`_bulk_points` accepts
    after orjson: ``properties.id``, where given, equal to the id; ids
    distinct, non-empty, trimmed and free of lone surrogates; no ``crs``
    member; every coordinate finite and inside the region. Anything else
    returns None and the document is parsed again by the general path, which
    names every problem.
    """
    try:
        doc = _POINTS_DECODER.decode(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None
    if doc.crs is not msgspec.UNSET:
        return None
    features = doc.features
    del doc
    n = len(features)
    if not n:
        return None
    fids = [f.id for f in features]
    props = [f.properties for f in features]
    if any(props):  # properties.id, where given, must be the feature's id, as the bulk check asks
        for fid, p in zip(fids, props):
            if p and "id" in p:
                try:
                    if orjson.loads(bytes(p["id"])) != fid:
                        return None
                except orjson.JSONDecodeError:
                    return None
    del props
    xy = np.array([f.geometry.coordinates for f in features], dtype=float)
    del features
    if len(set(fids)) != n or not _all_inside(xy, bounds):
        return None
    try:
        ids = pa.array(fids, pa.string())
    except (UnicodeEncodeError, pa.ArrowException):
        return None
    if pc.min(pc.binary_length(ids)).as_py() == 0 or needs_trim(ids):
        return None
    return ids.to_numpy(zero_copy_only=False), xy


def _parse_geojson(data: bytes, name: str, problems: list[Problem]) -> Any:
    """The parsed document and whether orjson read it (None after noting why it cannot be parsed).

    orjson is several times faster than :mod:`json` for a national layer;
    anything it refuses (``NaN``, a lone surrogate, deep nesting...) is parsed
    again by :mod:`json`, whose messages and leniencies the checks rely on.
    """
    try:
        return orjson.loads(data[3:] if data.startswith(b"\xef\xbb\xbf") else data), True
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data.decode("utf-8-sig")), False
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "", f"not UTF-8 text (byte {exc.start})"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"))
    except RecursionError:
        problems.append(Problem(name, "", "not valid GeoJSON: arrays or objects are nested too deeply"))
    except ValueError as exc:
        problems.append(Problem(name, "", f"not valid JSON: {exc}"))
    return None, False


@without_gc
def read_geometries(path: Path, expected_type: str, bounds, problems: list[Problem], *, digests: dict[Path, str] | None = None, limit: int | None = None) -> Geometries:
    """Read a GeoJSON FeatureCollection as columns, checking RFC 7946 and the region bounds.

    ``NaN`` and ``Infinity`` (not JSON, but written by some tools) are read as
    numbers so that a coordinate holding one is reported with its feature.
    """
    name = path.name
    empty = Geometries.from_features([])
    data = _read(path, problems, digests, limit)
    if data is None:
        return empty
    if expected_type == "Point" and (typed := _typed_points(data, bounds)) is not None:
        del data
        ids, xy = typed
        return Geometries(ids, shapely.points(xy), np.arange(len(ids), dtype=np.int64))
    doc, fast = _parse_geojson(data, name, problems)
    no_booleans = b"true" not in data and b"false" not in data
    del data
    if doc is None:
        return empty
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        problems.append(Problem(name, "", "not a GeoJSON FeatureCollection (needs \"type\": \"FeatureCollection\" and a \"features\" array)"))
        return empty
    if "crs" in doc:
        problems.append(Problem(name, "", "has a \"crs\" member, which RFC 7946 removed; coordinates must be WGS 84 lon/lat"))
    elif fast and expected_type == "Point" and (bulk := _points_if_valid(doc["features"], bounds, no_booleans)) is not None:
        del doc  # a million parsed features: let them go before the points and ids are made
        ids, xy = bulk
        del bulk
        return Geometries(ids.to_numpy(zero_copy_only=False), shapely.points(xy), np.arange(len(ids), dtype=np.int64))
    elif fast and no_booleans and expected_type in ("LineString", "Polygon") and (shapes := _shapes_if_valid(doc["features"], expected_type, bounds)) is not None:
        return shapes

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
    return Geometries.from_features(features)


def read_features(path: Path, expected_type: str, bounds, problems: list[Problem], *, digests: dict[Path, str] | None = None, limit: int | None = None) -> list[Feature]:
    """:func:`read_geometries` as a list of :class:`Feature` (handy for a few features)."""
    return read_geometries(path, expected_type, bounds, problems, digests=digests, limit=limit).features()


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


def _in_range(spec: FieldSpec, value: int | float, text: str) -> int | float:
    """``value`` if it lies within the field's declared (or role-implied) range and
    :data:`~kzgeo.schema.MAX_MAGNITUDE`, where sums and formatted figures still mean something."""
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{text!r} is too large (at most {MAX_MAGNITUDE:g})")
    if spec.min is not None and value < spec.min:
        raise ValueError(f"{text!r} is below the minimum {spec.min:g}")
    if spec.max is not None and value > spec.max:
        raise ValueError(f"{text!r} is above the maximum {spec.max:g}")
    return value


def parse_value(spec: FieldSpec, text: str) -> Any:
    """Convert one CSV cell by its field type; raise ValueError with a reason."""
    if reason := text_problem(text):
        raise ValueError(reason)
    if spec.type in ("str", "ref"):
        return text
    if spec.type == "int":
        if not _INT.fullmatch(text) or abs(int(text)) >= _INT64:
            raise ValueError(f"{text!r} is not a whole number")
        return _in_range(spec, int(text), text)
    if spec.type == "float":
        if not _FLOAT.fullmatch(text):
            raise ValueError(f"{text!r} is not a number")
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return _in_range(spec, value, text)
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




def suspect_bytes(data: bytes) -> bool:
    """True if some cell of a CSV file may hold what :func:`kzgeo.catalog.text_problem` refuses.

    One pass over the bytes (``bytes.translate`` keeps only the control
    characters, ``{`` and the lead byte of U+FFFE/U+FFFF; a national table
    holds few of them): a control character other than tab and line breaks,
    U+FFFE/U+FFFF or a template marker anywhere sends the file to the
    cell-by-cell reading, which names the cell.
    """
    kept = data.translate(None, _NOT_SUSPECT)
    if kept.translate(None, b"\t\n\r{\xef"):
        return True  # a control character other than tab and line breaks
    if b"{" in kept and (b"{{" in data or b"{%" in data or b"{#" in data):
        return True
    return b"\xef" in kept and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)


#: Every byte :func:`suspect_bytes` need not look at again.
_NOT_SUSPECT = bytes(b for b in range(256) if b >= 0x20 and b not in b"{\xef")


#: A field in quotes, its quotes doubled inside (RFC 4180).
_QUOTED = re.compile(rb'"[^"]*(?:""[^"]*)*"')
_FIELD_EDGE = frozenset(b",\r\n")
#: Whether a byte ends a CSV field (by byte value).
_EDGE_BYTE = np.isin(np.arange(256), list(_FIELD_EDGE))


def byte_positions(arr: np.ndarray, byte: int, step: int = 1 << 18) -> np.ndarray:
    """Where ``byte`` occurs in ``arr`` (uint8), found a slice at a time: no temporary as large
    as the file (a national CSV is hundreds of megabytes), so it stays in the CPU's cache."""
    found = []
    mask = np.empty(min(step, len(arr)), dtype=bool)
    for at in range(0, len(arr), step):
        part = arr[at : at + step]
        hits = np.flatnonzero(np.equal(part, byte, out=mask[: len(part)]))
        if len(hits):
            found.append(hits + at)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _plain_quoting(data: bytes) -> tuple[bool, bool]:
    """Whether every quote in ``data`` belongs to a well-formed quoted field, and whether one holds a line break.

    Such a file means the same to pyarrow's reader as to :mod:`csv` in strict
    mode: each quoted field starts and ends at a field boundary and doubles the
    quotes inside. Anything else (a quote inside a bare field, text after a
    closing quote) is left to :mod:`csv`.
    """
    total = data.count(b'"')
    if not total:
        return True, False
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = byte_positions(arr, 0x22)
    if total % 2 == 0 and not (np.diff(quotes) == 1).any():
        # No doubled quotes: the quotes pair up in order, each pair one quoted field.
        opens, closes = quotes[0::2], quotes[1::2]
        before_ok = (opens == 0) | _EDGE_BYTE[arr[np.maximum(opens - 1, 0)]]
        after_ok = (closes == len(arr) - 1) | _EDGE_BYTE[arr[np.minimum(closes + 1, len(arr) - 1)]]
        if not (before_ok.all() and after_ok.all()):
            return False, False
        # A quoted field holds a line break if one lies between its quotes: count the breaks before each.
        multiline = False
        for brk in (0x0A, 0x0D):
            if brk == 0x0D and b"\r" not in data:
                continue
            at = byte_positions(arr, brk)
            multiline = multiline or bool((np.searchsorted(at, opens) != np.searchsorted(at, closes)).any())
        return True, multiline
    seen, multiline = 0, False
    for match in _QUOTED.finditer(data):
        start, end = match.span()
        if (start and data[start - 1] not in _FIELD_EDGE) or (end < len(data) and data[end] not in _FIELD_EDGE):
            return False, False
        field = match.group()
        seen += field.count(b'"')
        multiline = multiline or b"\n" in field or b"\r" in field
    return seen == total, multiline


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text, by the rule of ``bytes.decode("utf-8")`` (Arrow's validator:
    no overlong forms, surrogates or code points past U+10FFFF), without making a string of it."""
    buffer = pa.py_buffer(data)
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), buffer])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _split_csv(data: bytes, header: list[str]) -> dict[str, pa.ChunkedArray] | None:
    """The body's cells as string columns, or None if a row is ragged.

    pyarrow's multi-threaded reader splits a file whose quoting it reads as
    :mod:`csv` does (:func:`_plain_quoting`); any other file is split by
    :mod:`csv` itself, whose strict rules are the reference.
    """
    plain, multiline = _plain_quoting(data)
    if plain and b'"' not in data[: data.find(b"\n") + 1]:
        # The whole file is checked as UTF-8 once (cutting valid UTF-8 at commas, quotes and line
        # breaks leaves valid UTF-8), so the reader need not check every cell: a third of its time.
        if not is_utf8(data):
            return None
        try:
            table = pa_csv.read_csv(
                pa.py_buffer(data),
                read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=True, block_size=1 << 22),
                parse_options=pa_csv.ParseOptions(quote_char='"', double_quote=True, newlines_in_values=multiline, ignore_empty_lines=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types={h: pa.string() for h in header}, strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=False,
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowKeyError):
            return None
        # csv refuses a field over its size limit; a cell that long may be one.
        limit = csv.field_size_limit()
        if any(len(table[h]) and (pc.max(pc.binary_length(table[h])).as_py() or 0) > limit for h in header):
            return None
        return {h: table[h] for h in header}
    rows = [cells for cells in csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True)][1:]
    rows = [cells for cells in rows if cells]
    if any(len(cells) != len(header) for cells in rows):
        return None
    if not rows:
        return {h: pa.chunked_array([pa.array([], pa.string())]) for h in header}
    return {h: pa.chunked_array([pa.array(column, pa.string())]) for h, column in zip(header, zip(*rows))}


def _table_if_valid(box: list[bytes], header: list[str], spec: TableSpec) -> pd.DataFrame | None:
    """The typed table, or None if any row is ragged, any cell bad or any key repeated.

    The fast path for a valid table (see :mod:`kzgeo.io.columns`). It accepts
    nothing the cell-by-cell reading would refuse; on None, :func:`read_table`
    reads the table that way to report each problem. ``box`` holds the file's
    bytes and is emptied once they are split, so a national table is never
    held as bytes, Arrow columns and Python values at once.
    """
    if suspect_bytes(box[0]):
        return None
    try:
        columns = _split_csv(box[0], header)
    except (csv.Error, UnicodeDecodeError):
        return None
    if columns is None:
        return None
    box.clear()
    rows = len(columns[header[0]]) if columns else 0
    columns = dict(zip(columns, map_columns(lambda c: trimmed(c) if needs_trim(c) else c, [(c,) for c in columns.values()], rows)))
    # A blank row has an empty key: only if some key is empty need the other columns be looked at.
    if columns and len(columns[header[0]]) and pc.any(pc.equal(columns[spec.key], "")).as_py():
        blank = None
        for column in columns.values():
            empty = pc.equal(column, "")
            blank = empty if blank is None else pc.and_(blank, empty)
        if pc.any(blank).as_py():
            keep = pc.invert(blank)
            columns = {h: c.filter(keep) for h, c in columns.items()}
    return typed_columns(columns, list(spec.fields), spec.key, parse_value, text_checked=True, consume=True)


def frame_of_rows(spec: TableSpec, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts by field name) as the typed DataFrame :func:`read_table` returns."""
    frame = pd.DataFrame(rows, columns=spec.field_names)
    for f in spec.fields:
        dtype = {"int": "Int64", "float": "float64"}.get(f.type, "object")
        frame[f.name] = frame[f.name].astype(dtype)
        if dtype == "object":  # a column the file left out (a translation) is missing as None, like an empty cell
            frame[f.name] = frame[f.name].where(frame[f.name].notna(), None)
    return frame


def cell_by_cell(name: str, spec: TableSpec, header: list[str], records, problems: list[Problem], *, row_label, skip_blank: bool = True) -> list[dict[str, Any]]:
    """Type every cell of ``records`` (``(number, cells in header order)`` pairs), naming every problem.

    The slow path shared by CSV and columnar files: ``row_label(number)`` says
    where a row is (``row 12`` for a CSV line).
    """
    by_name = {f.name: f for f in spec.fields}
    fields = [by_name[h] for h in header]
    key_at = header.index(spec.key)
    rows = []
    seen: dict[str, Any] = {}
    for number, cells in records:
        if skip_blank and not any(c.strip() for c in cells):
            continue
        key_value = cells[key_at].strip() if len(cells) > key_at else ""
        where = f'{row_label(number)} ({spec.key} "{key_value}")' if key_value else row_label(number)
        if len(cells) != len(header):
            problems.append(Problem(name, where, f"has {len(cells)} cells, the header has {len(header)}"))
            continue
        row: dict[str, Any] = {}
        ok = True
        for field, cell in zip(fields, cells):
            cell = cell.strip()
            if cell == "":
                if field.required:
                    problems.append(Problem(name, where, f"field {field.name}: a value is required"))
                    ok = False
                row[field.name] = None
                continue
            try:
                row[field.name] = parse_value(field, cell)
            except ValueError as exc:
                problems.append(Problem(name, where, f"field {field.name}: {exc}"))
                ok = False
        if key_value:
            if key_value in seen:
                problems.append(Problem(name, where, f"duplicate {spec.key} (first on {row_label(seen[key_value])})"))
                ok = False
            else:
                seen[key_value] = number
        if ok:
            rows.append(row)
    return rows


def _checked_header(name: str, header: list[str], spec: TableSpec, problems: list[Problem]) -> list[str] | None:
    """The stripped column names, or None after noting what is missing, unknown or repeated."""
    header = [h.strip() for h in header]
    expected = spec.field_names
    # A translation column may be left out: its texts then count as untranslated (validate warns).
    optional = {f.name for f in spec.fields if f.translates}
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
        return None
    if len(set(header)) != len(header):
        problems.append(Problem(name, "header", "a column name appears twice"))
        return None
    return header


#: Characters whose lower case (:meth:`str.lower`) or case folding (RE2's ``(?i)``) holds an ASCII
#: letter: the dotted capital I, the long s and the Kelvin sign, as UTF-8.
_FOLDS_TO_ASCII = ("\u0130".encode(), "\u017f".encode(), "\u212a".encode())


def may_hold_words(data: bytes, words: tuple[str, ...]) -> bool:
    """False only if no cell of the CSV file ``data`` can hold any of ``words`` (ASCII), in any case.

    A cell's text is a piece of the file's bytes (trimmed, with a doubled quote
    made single, and no word holds a quote), so a word no cell holds is not in
    the bytes either: one search of the whole file (RE2, case-insensitive, in
    Arrow, without Python's lock) instead of one per column. A file that is not
    UTF-8, or holds a character that lower-cases or folds to an ASCII letter,
    may hold them.
    """
    if not words:
        return False
    if not is_utf8(data):
        return True
    whole = pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)])
    # The words in any case, or any of those characters (as themselves: one pass over the bytes).
    pattern = "(?i:" + "|".join(re.escape(word) for word in words) + ")|" + "|".join(f"\\x{{{ord(ch.decode()):x}}}" for ch in _FOLDS_TO_ASCII)
    return bool(pc.match_substring_regex(whole, pattern)[0].as_py())


@without_gc
def read_table(
    path: Path,
    spec: TableSpec,
    problems: list[Problem],
    *,
    digests: dict[Path, str] | None = None,
    limit: int | None = None,
    words: tuple[str, ...] = (),
    lacking: set[Path] | None = None,
) -> pd.DataFrame:
    """Read a CSV table and type its cells per the catalog, noting each bad cell.

    Returns a DataFrame with the catalog's fields as columns (text as Python
    strings, ``int`` as Int64, ``float`` as float64, None/NaN where missing).
    With ``words`` and ``lacking``, ``path`` is added to ``lacking`` when no
    cell can hold any of ``words`` in any case (:func:`may_hold_words`), so a
    check for them need not look at the table.
    """
    name = path.name
    data = _read(path, problems, digests, limit)
    if data is None:
        return frame_of_rows(spec, [])
    if lacking is not None and not may_hold_words(data, words):
        lacking.add(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data[: data.find(b"\n") + 1] if b"\n" in data else data
    try:
        head_text = head.decode("utf-8")
    except UnicodeDecodeError:
        head_text = None
    try:
        reader = csv.reader(io.StringIO(head_text or "", newline=""), strict=True)
        header = next(reader, None) if head_text is not None and '"' not in head_text else None
        if header is not None:
            fast = _checked_header(name, header, spec, problems)
            if fast is None:
                return frame_of_rows(spec, [])
            box = [data]
            del data
            # The fast path needs every column; a file without its translation columns is read cell by cell.
            table = _table_if_valid(box, fast, spec) if len(fast) == len(spec.field_names) else None
            if table is not None:
                return table[spec.field_names]
            data = box[0] if box else _read(path, [], None, limit)  # the bytes were let go: read them again
            if data is None:
                problems.append(Problem(name, "", "changed while being read"))
                return frame_of_rows(spec, [])
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problems.append(Problem(name, f"line {line}", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"))
            return frame_of_rows(spec, [])
        del data
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if header is None:
            problems.append(Problem(name, "", "file is empty; it needs a header row"))
            return frame_of_rows(spec, [])
        header = _checked_header(name, header, spec, problems)
        if header is None:
            return frame_of_rows(spec, [])
        # Something is wrong, or the file is unusual: read it cell by cell, naming every problem.
        records = ((reader.line_num, cells) for cells in reader)
        rows = cell_by_cell(name, spec, header, records, problems, row_label=lambda line: f"row {line}")
        return frame_of_rows(spec, rows)
    except csv.Error as exc:
        problems.append(Problem(name, f"line {reader.line_num}", f"CSV cannot be parsed: {exc}"))
        return frame_of_rows(spec, [])


def read_rows(path: Path, spec: TableSpec, problems: list[Problem], *, digests: dict[Path, str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """:func:`read_table` as a list of dicts, missing cells as None (handy for small tables)."""
    frame = read_table(path, spec, problems, digests=digests, limit=limit)
    return [{k: (None if pd.api.types.is_scalar(v) and pd.isna(v) else v.item() if isinstance(v, np.generic) else v) for k, v in row.items()} for row in frame.to_dict("records")]
