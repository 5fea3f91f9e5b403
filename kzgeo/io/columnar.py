"""Layers kept in one columnar file: GeoParquet, GeoPackage or FlatGeobuf.

A national cadastre of a million records is 120 MB of GeoJSON plus 300 MB of
CSV, parsed text all the way; as GeoParquet it is a few tens of megabytes
that pyarrow reads into columns without building a Python object per value.
A catalog layer says ``file = "deposits.parquet"`` (or ``.gpkg``, ``.fgb``)
instead of ``geometry`` + ``attributes``, and :func:`read_columnar` checks it
by the same rules as the text files, with the same messages:

* attributes go through :func:`kzgeo.io.columns.typed_columns` (in bulk), and
  on any doubt cell by cell (:func:`kzgeo.io.readers.cell_by_cell`), each cell
  as the text a CSV would hold (``row N`` is the N-th record);
* geometries (WKB) must be of the catalog's type, non-empty, 2D, valid and
  inside the region, checked with vectorised shapely calls; only a feature
  that fails is looked at on its own, to name its first bad coordinate;
* the file's coordinate reference system must be WGS 84 longitude/latitude.

GeoParquet is read with pyarrow (its ``geo`` metadata says which column is
the geometry and in which CRS); GeoPackage and FlatGeobuf through GDAL with
pyogrio's Arrow interface. :func:`write_columnar` writes a checked layer in
any of the three forms (``kzgeo convert``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from kzgeo.catalog import LayerSpec
from kzgeo.errors import KzgeoIOError, Problem
from kzgeo.io.columns import trimmed, typed_columns
from kzgeo.io.files import check_regular
from kzgeo.io.readers import LIMIT_HINT, Geometries, cell_by_cell, coordinate_problem, frame_of_rows, input_limit, parse_value, without_gc

#: ``kzgeo convert --to`` choices and the suffix each writes.
FORMATS = {"parquet": ".parquet", "gpkg": ".gpkg", "fgb": ".fgb"}
_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiLineString": 5, "MultiPolygon": 6}
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


class _Unreadable(Exception):
    """The file as a whole cannot be used; the message says why."""


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _is_wgs84(crs) -> bool:
    """True for EPSG:4326 / OGC:CRS84 in any form GeoParquet or GDAL gives it (axis order aside)."""
    if crs is None:
        return False
    from pyproj import CRS

    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # pyproj raises its own CRSError, or TypeError on odd JSON
        return False
    return parsed.equals(CRS.from_epsg(4326), ignore_axis_order=True)


def _read_parquet(path: Path) -> tuple[pa.Table, str]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise _Unreadable(f"cannot be read as GeoParquet ({exc})") from None
    raw = (table.schema.metadata or {}).get(b"geo")
    if raw is None:
        raise _Unreadable("is Parquet without GeoParquet's \"geo\" metadata; write it with geopandas' to_parquet or `kzgeo convert`")
    try:
        geo = json.loads(raw)
        column = geo["primary_column"]
        info = geo["columns"][column]
    except (ValueError, KeyError, TypeError):
        raise _Unreadable("has unreadable GeoParquet \"geo\" metadata") from None
    if str(info.get("encoding", "")).upper() != "WKB":
        raise _Unreadable(f"stores geometry as {info.get('encoding')!r}; kzgeo reads WKB GeoParquet")
    # GeoParquet: no "crs" key means OGC:CRS84; null means unknown.
    if "crs" in info and not _is_wgs84(info["crs"]):
        raise _Unreadable("coordinates are not in WGS 84 longitude/latitude (EPSG:4326); reproject the file first")
    if column not in table.column_names:
        raise _Unreadable(f"has no geometry column {column!r}")
    return table, column


def _read_gdal(path: Path, layer_name: str) -> tuple[pa.Table, str]:
    import pyogrio
    from pyogrio.errors import DataSourceError, DataLayerError

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        layer = names[0] if len(names) == 1 else layer_name if layer_name in names else None
        if layer is None:
            raise _Unreadable(f"holds the layers {', '.join(names)}; name one of them like the catalog layer ({layer_name!r})")
        meta, table = pyogrio.read_arrow(path, layer=layer)
    except (DataSourceError, DataLayerError, RuntimeError, OSError) as exc:
        raise _Unreadable(f"cannot be read ({str(exc).strip() or type(exc).__name__})") from None
    if not _is_wgs84(meta.get("crs")):
        raise _Unreadable(f"coordinates are in {meta.get('crs') or 'an unknown CRS'}, not WGS 84 longitude/latitude (EPSG:4326); reproject the file first")
    column = meta.get("geometry_name") or "wkb_geometry"
    if column not in table.column_names:
        raise _Unreadable("has no geometry column")
    return table, column


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any column as the text a CSV cell would hold (NaN as missing), trimmed."""
    if pa.types.is_floating(column.type):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    return trimmed(column.cast(pa.string()))


def _attribute_problems(name: str, spec: LayerSpec, table: pa.Table, geometry: str, problems: list[Problem]) -> pd.DataFrame | None:
    """The typed attributes, or None after noting every problem (the same rules and words as a CSV)."""
    present = [c for c in table.column_names if c != geometry and c != "fid"]
    expected = spec.field_names
    missing = [f for f in expected if f not in present]
    extra = [c for c in present if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unknown column(s) {', '.join(json.dumps(c, ensure_ascii=False) for c in extra)}")
        problems.append(Problem(name, "columns", "; ".join(parts)))
        return None
    try:
        columns = {f: _as_text(table[f]) for f in expected}
    except (pa.ArrowException, TypeError) as exc:
        problems.append(Problem(name, "columns", f"a column cannot be read as text ({exc})"))
        return None
    fast = typed_columns(columns, list(spec.fields), spec.key, parse_value)
    if fast is not None:
        return fast[expected]
    before = len(problems)
    cells = [[("" if v is None else v) for v in columns[f].to_pylist()] for f in expected]
    records = enumerate(zip(*cells), start=1) if cells else iter(())
    rows = cell_by_cell(name, spec, expected, ((k, list(r)) for k, r in records), problems, row_label=lambda k: f"row {k}", skip_blank=False)
    return frame_of_rows(spec, rows) if len(problems) == before else None


def _labels(table: pa.Table, key: str) -> list[str]:
    try:
        ids = _as_text(table[key]).to_pylist()
    except (pa.ArrowException, KeyError, TypeError):
        ids = [None] * table.num_rows
    return [f'feature "{i}"' if i else f"feature #{k + 1}" for k, i in enumerate(ids)]


def _geometry_problems(name: str, spec: LayerSpec, bounds, table: pa.Table, column: str, problems: list[Problem]) -> np.ndarray | None:
    """The shapely geometries, or None after noting each feature whose geometry is refused."""
    wkb = table[column]
    if not (pa.types.is_binary(wkb.type) or pa.types.is_large_binary(wkb.type)):
        problems.append(Problem(name, "columns", f"geometry column {column!r} is not WKB"))
        return None
    geoms = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False), on_invalid="ignore")
    expected = spec.geometry_type
    type_ids = shapely.get_type_id(geoms)
    missing = pd.isna(geoms) if len(geoms) else np.zeros(0, bool)
    bad = missing | (type_ids != _TYPE_IDS[expected]) | shapely.is_empty(geoms) | shapely.has_z(geoms)
    box = shapely.bounds(geoms)
    lon_min, lat_min, lon_max, lat_max = bounds
    with np.errstate(invalid="ignore"):
        outside = ~((box[:, 0] >= max(lon_min, -180)) & (box[:, 2] <= min(lon_max, 180)) & (box[:, 1] >= max(lat_min, -90)) & (box[:, 3] <= min(lat_max, 90)))
    bad |= outside
    if expected != "Point":
        bad |= ~shapely.is_valid(geoms) & ~missing
    if not bad.any():
        return geoms
    labels = _labels(table, spec.key)
    null_wkb = wkb.is_null().to_numpy(zero_copy_only=False)
    for k in np.flatnonzero(bad):
        geom = geoms[k]

        def say(message: str) -> None:
            problems.append(Problem(name, labels[k], f"geometry: {message}"))

        if geom is None:
            say(f"is null; every feature needs a {expected}" if null_wkb[k] else "is not valid WKB")
        elif type_ids[k] != _TYPE_IDS[expected]:
            say(f"type is {_TYPE_NAMES.get(int(type_ids[k]), 'unknown')}, the catalog expects {expected}")
        elif shapely.is_empty(geom):
            say("is empty")
        elif shapely.has_z(geom):
            say("bad coordinates: a position must have two numbers [longitude, latitude], found 3; kzgeo layers are 2D, so drop the altitude")
        elif outside[k] and (reason := coordinate_problem(shapely.get_coordinates(geom).tolist(), bounds)):
            say(reason)
        elif not shapely.is_valid(geom):
            say(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    return None


@without_gc
def read_columnar(path: Path, spec: LayerSpec, bounds, problems: list[Problem], *, digests: dict[Path, str] | None = None, limit: int | None = None) -> tuple[pd.DataFrame, Geometries]:
    """Read one GeoParquet, GeoPackage or FlatGeobuf layer: its typed attributes and checked geometries.

    Problems are appended to ``problems`` (nothing is returned for a layer that
    has any); with ``digests``, the file's SHA-256 is recorded under ``path``.
    """
    name = path.name
    empty = (frame_of_rows(spec, []), Geometries.from_features([]))
    try:
        check_regular(path, limit or input_limit(), LIMIT_HINT)
        if digests is not None:
            digests[path] = _digest(path)
        table, column = _read_parquet(path) if path.suffix.lower() in (".parquet", ".geoparquet") else _read_gdal(path, spec.name)
    except KzgeoIOError as exc:
        problems.append(Problem(name, "", exc.reason))
        return empty
    except _Unreadable as exc:
        problems.append(Problem(name, "", str(exc)))
        return empty
    frame = _attribute_problems(name, spec, table, column, problems)
    geoms = _geometry_problems(name, spec, bounds, table, column, problems)
    if frame is None or geoms is None:
        return empty
    ids = frame[spec.key].to_numpy(dtype=object)
    return frame, Geometries(ids, geoms, np.arange(len(ids), dtype=np.int64))


def write_columnar(frame, path: Path, fmt: str, layer: str) -> Path:
    """Write a checked layer (a GeoDataFrame in EPSG:4326) as GeoParquet, GeoPackage or FlatGeobuf at ``path``.

    The file is written beside its target and renamed into place, so a failed
    write leaves no half-written file.
    """
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=FORMATS[fmt], dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL wants to create the file itself
    try:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False, compression="zstd", schema_version="1.1.0", write_covering_bbox=False)
        else:
            frame.to_file(tmp, driver={"gpkg": "GPKG", "fgb": "FlatGeobuf"}[fmt], layer=layer, engine="pyogrio")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
