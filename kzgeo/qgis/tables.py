"""The shape of the exported GeoPackage, derived from the catalog alone.

The CSV tables hold lists as ``a;b;c`` cells and dates as ``YYYY-MM`` or
``YYYY-MM-DD`` text. Neither can be related, joined or filtered in QGIS, so the
export reshapes them, for every field of those types the catalog declares
(no field name is known here):

* a ``refs`` field becomes a *junction table* ``<table>_<field>`` with one row
  per reference (``owner_id``, ``ref_id``, ``ref_table``, ``position``) and
  leaves its table; QGIS relates both ends (see :mod:`kzgeo.qgis.project`);
* a ``date`` field becomes a GeoPackage ``DATE`` (a month-only date is stored
  as its first day) with a ``<field>_precision`` column saying ``month`` or
  ``day``, so ``to_date`` and the Temporal Controller work and the month is
  not mistaken for a day.

:func:`export_frames` applies this; :func:`catalog_rows` undoes it, which is
how ``kzgeo import`` turns an edited GeoPackage back into CSV rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from kzgeo.catalog import RESERVED_TABLE_NAMES, Catalog, FieldSpec, TableSpec
from kzgeo.dataset import Dataset, cell_value
from kzgeo.errors import ExportError
from kzgeo.io.readers import LIST_SEPARATOR, split_refs
from kzgeo.qgis.roles import field_for, name_field

PRECISION_SUFFIX = "_precision"
PRECISION_VALUES = ("day", "month")
#: Columns of every junction table.
OWNER, REF, REF_TABLE, POSITION = "owner_id", "ref_id", "ref_table", "position"
BACKDROP = "backdrop"
UNCERTAINTY = "uncertainty"
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")


@dataclass(frozen=True)
class Junction:
    """The rows of one ``refs`` field, one per reference."""

    name: str
    owner: str
    field: str
    targets: tuple[str, ...]


def junctions(catalog: Catalog) -> list[Junction]:
    """One junction table per ``refs`` field, in catalog order."""
    return [
        Junction(f"{name}_{f.name}", name, f.name, f.to)
        for name, spec in catalog.all_tables.items()
        for f in spec.fields
        if f.type == "refs"
    ]


def relation_id(table: str, field: str, target: str | None = None) -> str:
    """The project's id of the relation from ``table.field`` (to ``target``, when the field may point at several)."""
    return f"kzgeo_rel_{table}_{field}" + (f"_{target}" if target else "")


def export_names(catalog: Catalog) -> list[str]:
    """Every table of the GeoPackage kzgeo writes (besides GeoPackage and QGIS bookkeeping)."""
    return [*catalog.all_tables, *(j.name for j in junctions(catalog)), UNCERTAINTY, BACKDROP]


def check_names(catalog: Catalog) -> None:
    """Refuse a catalog whose names would collide in the GeoPackage, before anything is written."""
    seen: dict[str, str] = {}
    for name in export_names(catalog):
        if RESERVED_TABLE_NAMES.match(name):
            raise ExportError(f"catalog.toml: {name!r} is a table name the GeoPackage or QGIS reserves; rename the layer or table")
        if name.lower() in seen:
            raise ExportError(f"catalog.toml: the export would hold two tables called {name!r}; rename the layer or table")
        seen[name.lower()] = name
    for name, spec in catalog.all_tables.items():
        columns = {c.lower() for c in export_columns(spec)}
        for f in spec.fields:
            if f.type == "date" and (f.name + PRECISION_SUFFIX).lower() in {g.name.lower() for g in spec.fields}:
                raise ExportError(f"catalog.toml: {name}.{f.name + PRECISION_SUFFIX} clashes with the precision column kzgeo adds for {f.name}")
        if "fid" in columns or "geom" in columns:
            raise ExportError(f"catalog.toml: {name} has a field called fid or geom, which the GeoPackage uses itself")


def export_columns(spec: TableSpec) -> list[str]:
    """Columns of a catalog table in the GeoPackage: its fields minus lists, plus date precisions."""
    columns = []
    for f in spec.fields:
        if f.type == "refs":
            continue
        columns.append(f.name)
        if f.type == "date":
            columns.append(f.name + PRECISION_SUFFIX)
    return columns


def _date_parts(value: Any) -> tuple[str | None, str | None]:
    if not isinstance(value, str) or not value:
        return None, None
    return (value + "-01", "month") if _MONTH.match(value) else (value, "day")


def export_frame(data: Dataset, name: str) -> pd.DataFrame:
    """A layer or table as written to the GeoPackage (a GeoDataFrame for a layer)."""
    spec = data.catalog.all_tables[name]
    frame = data.layers.get(name, data.tables.get(name)).copy()
    for f in spec.fields:
        if f.type == "date":
            parts = [_date_parts(v) for v in frame[f.name]]
            frame[f.name] = pd.Series([p[0] for p in parts], index=frame.index, dtype="object")
            frame.insert(frame.columns.get_loc(f.name) + 1, f.name + PRECISION_SUFFIX, pd.Series([p[1] for p in parts], index=frame.index, dtype="object"))
    return frame.drop(columns=[f.name for f in spec.fields if f.type == "refs"])


def junction_frame(data: Dataset, junction: Junction) -> pd.DataFrame:
    """One row per reference, in the order the list gives them."""
    frame = data.layers.get(junction.owner, data.tables.get(junction.owner))
    where = {target: set(data.layers.get(target, data.tables.get(target))["id"]) for target in junction.targets}
    rows = []
    for owner, cell in zip(frame["id"], frame[junction.field], strict=True):
        for position, ref in enumerate(split_refs(cell), start=1):
            table = next((t for t in junction.targets if ref in where[t]), junction.targets[0])
            rows.append({OWNER: owner, REF: ref, REF_TABLE: table, POSITION: position})
    return pd.DataFrame(rows, columns=[OWNER, REF, REF_TABLE, POSITION]).astype({POSITION: "int64"})


def _plain(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value:
        return None
    return value


def _date_text(value: Any, precision: Any) -> str | None:
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value)[:10]
    return text[:7] if _plain(precision) == "month" else text


def _typed(f: FieldSpec, value: Any) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if f.type == "int":
        return int(value)
    if f.type == "float":
        return float(value)
    return str(value)


def catalog_rows(spec: TableSpec, frame: pd.DataFrame, lists: dict[str, dict[str, list[str]]]) -> list[dict[str, Any]]:
    """Rows of a GeoPackage table back in the catalog's shape (the inverse of :func:`export_frame`).

    ``lists`` gives, per ``refs`` field, each owner id's references in order
    (from its junction table).
    """
    rows = []
    for record in frame.to_dict("records"):
        row = {}
        for f in spec.fields:
            if f.type == "refs":
                refs = lists.get(f.name, {}).get(str(_plain(record.get("id"))), [])
                row[f.name] = LIST_SEPARATOR.join(refs) or None
            elif f.type == "date":
                row[f.name] = _date_text(record.get(f.name), record.get(f.name + PRECISION_SUFFIX))
            else:
                row[f.name] = _typed(f, record.get(f.name))
        rows.append(row)
    return rows


def junction_lists(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Per owner id, its references ordered by ``position`` (rows without one go last)."""
    lists: dict[str, list[tuple[float, int, str]]] = {}
    for index, record in enumerate(frame.to_dict("records")):
        owner, ref = _plain(record.get(OWNER)), _plain(record.get(REF))
        if owner is None or ref is None:
            continue
        position = _plain(record.get(POSITION))
        lists.setdefault(str(owner), []).append((math.inf if position is None else float(position), index, str(ref)))
    return {owner: [ref for *_, ref in sorted(items)] for owner, items in lists.items()}




def uncertainty_frame(data: Dataset, lang: str = "en"):
    """One area per located feature with an uncertainty radius, from every point layer that has one;
    ``name`` in ``lang`` (English where a name has no translation), for the rings' labels."""
    import geopandas as gpd

    from kzgeo.analysis.geodesy import uncertainty_area

    rows, shapes = [], []
    for name, frame in data.layers.items():
        spec = data.catalog.layers[name]
        accuracy, radius, inner = field_for(spec, "accuracy"), field_for(spec, "uncertainty"), field_for(spec, "uncertainty_min")
        if radius is None or spec.geometry_type != "Point":
            continue
        label, english = name_field(spec, lang), name_field(spec, "en")
        for record, point in zip(frame.to_dict("records"), frame.geometry, strict=True):
            km = _plain(record[radius])
            if km is None or km <= 0:
                continue
            inner_km = _plain(record[inner]) if inner else None
            rows.append({
                "id": f"{name}/{record['id']}",
                "layer": name,
                "feature": record["id"],
                "name": next((_plain(record.get(f)) for f in (label, english) if f and _plain(record.get(f))), record["id"]),
                "accuracy": record.get(accuracy) if accuracy else None,
                "radius_km": float(km),
                "inner_km": float(inner_km) if inner_km else None,
                "category": str(record[spec.style.by]) if spec.style else None,
            })
            shapes.append(uncertainty_area(point.x, point.y, float(km), inner_km))
    columns = ["id", "layer", "feature", "name", "accuracy", "radius_km", "inner_km", "category"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns).astype({"radius_km": "float64", "inner_km": "float64"}), geometry=shapes, crs="EPSG:4326")
