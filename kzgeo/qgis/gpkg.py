"""The exported GeoPackage: written styled, constrained and documented; read back after editing.

:func:`write_geopackage` writes every table of :func:`kzgeo.qgis.tables.export_names`
with pyogrio, then finishes the file with SQL that GDAL and QGIS read:

* ``id`` is ``NOT NULL`` with a unique index (QGIS shows both constraints);
* date columns are declared ``DATE``;
* every enum has a GeoPackage field domain (``gpkg_data_column_constraints``,
  schema extension), which GDAL reads as a coded-value domain and QGIS as a
  dropdown; captions go into ``gpkg_data_columns``;
* a default style per spatial layer in ``layer_styles`` and QGIS metadata
  for every table in ``gpkg_metadata``.

GDAL stamps ``gpkg_contents.last_change`` with the clock unless
``OGR_CURRENT_DATE`` is set; kzgeo sets it to the data's date, so the same
layers give a byte-identical GeoPackage.

:func:`read_geopackage` reads it back into the catalog's shape for
``kzgeo import``.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from kzgeo.backdrop import backdrop_frame
from kzgeo.catalog import Catalog
from kzgeo.dataset import Dataset
from kzgeo.errors import ExportError
from kzgeo.qgis.qmd import metadata_document
from kzgeo.qgis.qml import backdrop_renderer, caption, plain_style_document, ring_labeling, style_document, uncertainty_renderer
from kzgeo.qgis.tables import (
    BACKDROP, UNCERTAINTY, PRECISION_SUFFIX, PRECISION_VALUES, catalog_rows, export_columns, export_frame,
    junction_frame, junction_lists, junctions, uncertainty_frame,
)
from kzgeo.text import style_value_words

GEOMETRY_COLUMN = "geom"
STYLE_NAME = "kzgeo"
#: GeoPackage 1.3: newer versions make GDAL 3.6 (Debian's, used by QGIS 3.22) warn.
GPKG_VERSION = "1.3"
QGIS_METADATA_URI = "http://mrcc.com/qgis.dtd"
_SCHEMA_TABLES = """
CREATE TABLE gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE gpkg_metadata_reference (
  reference_scope TEXT NOT NULL,
  table_name TEXT,
  column_name TEXT,
  row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL,
  md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
CREATE TABLE gpkg_data_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN,
  max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES
  ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec/#extension_metadata', 'read-write'),
  ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec/#extension_metadata', 'read-write'),
  ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write'),
  ('gpkg_data_column_constraints', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write');
"""


def timestamp(data: Dataset) -> pd.Timestamp:
    """A fixed time for generated rows (the data's date), so exports are reproducible."""
    return pd.Timestamp(data.as_of + "-01" if len(data.as_of) == 7 else data.as_of, tz="UTC")


def _style_rows(data: Dataset, lang: str) -> pd.DataFrame:
    """One default ``layer_styles`` row per spatial table, as QGIS itself writes them."""
    words = {name: style_value_words(data, name, lang) for name in data.catalog.layers}
    styles = {
        name: style_document(spec, lang, export_columns(spec), words[name]) for name, spec in data.catalog.layers.items()
    } | {UNCERTAINTY: plain_style_document(uncertainty_renderer(data.catalog.layers, lang, words=words), ring_labeling()), BACKDROP: plain_style_document(backdrop_renderer())}
    rows = [
        {
            "f_table_catalog": "", "f_table_schema": "", "f_table_name": name, "f_geometry_column": GEOMETRY_COLUMN,
            "styleName": STYLE_NAME, "styleQML": qml, "styleSLD": "", "useAsDefault": True,
            "description": f"kzgeo style: {name}", "owner": "", "ui": "", "update_time": timestamp(data),
        }
        for name, qml in styles.items()
    ]
    return pd.DataFrame(rows)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _finish(path: Path, data: Dataset, lang: str, bounds: dict[str, tuple[float, float, float, float]]) -> None:
    """Constraints, date types, domains, captions and metadata: what pyogrio cannot write."""
    catalog = data.catalog
    stamp = timestamp(data).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(_SCHEMA_TABLES)
        # Column declarations are rewritten in place: NOT NULL on id, DATE for dates. The
        # stored values do not change, so no table has to be rebuilt.
        db.execute("PRAGMA writable_schema = 1")
        for name, spec in catalog.all_tables.items():
            dates = [f.name for f in spec.fields if f.type == "date"]
            (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
            sql = re.sub(rf'{re.escape(_quote(spec.key))} TEXT(?=[,)])', f"{_quote(spec.key)} TEXT NOT NULL", sql, count=1)
            for column in dates:
                sql = re.sub(rf'{re.escape(_quote(column))} TEXT(?=[,)])', f"{_quote(column)} DATE", sql, count=1)
            db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, name))
        db.execute("PRAGMA writable_schema = 0")
    with closing(sqlite3.connect(path)) as db, db:
        for name, spec in catalog.all_tables.items():
            db.execute(f"CREATE UNIQUE INDEX {_quote(f'{name}_{spec.key}_unique')} ON {_quote(name)} ({_quote(spec.key)})")
            by_name = {f.name: f for f in spec.fields}
            for column in export_columns(spec):
                f = by_name.get(column)
                domain, title = None, None
                if f is not None:
                    title = caption(f, lang)
                    if f.type == "enum":
                        domain = f"{name}_{f.name}"
                        db.executemany("INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, value) VALUES (?, 'enum', ?)", [(domain, v) for v in f.values])
                elif column.endswith(PRECISION_SUFFIX):
                    domain = "date_precision"
                    db.executemany("INSERT OR IGNORE INTO gpkg_data_column_constraints (constraint_name, constraint_type, value) VALUES (?, 'enum', ?)", [(domain, v) for v in PRECISION_VALUES])
                db.execute("INSERT INTO gpkg_data_columns (table_name, column_name, name, title, constraint_name) VALUES (?, ?, ?, ?, ?)", (name, column, column, title, domain))
        for name in bounds:
            cursor = db.execute(
                "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, 'text/xml', ?)",
                (QGIS_METADATA_URI, metadata_document(data, name, bounds[name])),
            )
            db.execute(
                "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id) VALUES ('table', ?, ?, ?)",
                (name, stamp, cursor.lastrowid),
            )
            spec = catalog.all_tables.get(name)
            if spec is not None:
                db.execute("UPDATE gpkg_contents SET identifier = ?, description = ? WHERE table_name = ?", (spec.title, spec.abstract, name))


def write_geopackage(data: Dataset, path: Path, lang: str = "en") -> Path:
    """Every layer and table of ``data``, the junction tables, uncertainty areas and backdrop in one GeoPackage."""
    catalog = data.catalog
    first = {"dataset_options": {"VERSION": GPKG_VERSION}}
    geometry = {"layer_options": {"GEOMETRY_NAME": GEOMETRY_COLUMN}}
    bounds: dict[str, tuple[float, float, float, float]] = {}
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp(data).strftime("%Y-%m-%dT%H:%M:%SZ")})
    try:
        spatial = {name: export_frame(data, name) for name in catalog.layers}
        spatial[UNCERTAINTY] = uncertainty_frame(data, lang)
        countries = backdrop_frame()
        # Every exported table is keyed on a unique `id`; a country's is its name (ISO codes repeat as -99).
        spatial[BACKDROP] = countries.assign(id=countries["name"])[["id", "name", "iso_n3", "geometry"]]
        for name, frame in spatial.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", promote_to_multi=name == BACKDROP, **geometry, **first)
            first = {}
            bounds[name] = tuple(float(v) for v in frame.total_bounds) if len(frame) else catalog.bounds
        for name in catalog.tables:
            pyogrio.write_dataframe(export_frame(data, name), path, layer=name, driver="GPKG")
            bounds[name] = catalog.bounds
        for junction in junctions(catalog):
            pyogrio.write_dataframe(junction_frame(data, junction), path, layer=junction.name, driver="GPKG")
            bounds[junction.name] = catalog.bounds
        pyogrio.write_dataframe(_style_rows(data, lang), path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"})
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    _finish(path, data, lang, bounds)
    return path


# ------------------------------------------------------------------ reading back


def _read(path: Path, name: str, listed: set[str]) -> pd.DataFrame:
    if name not in listed:
        raise ExportError(f"{path}: the table {name!r} is missing; was it deleted or renamed in QGIS?")
    return pyogrio.read_dataframe(path, layer=name, fid_as_index=False)


def read_geopackage(path: str | Path, catalog: Catalog, unknown: dict[str, list[str]] | None = None) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list]]:
    """The catalog's tables as they are now in an (edited) export GeoPackage.

    Returns rows per catalog table in the CSV's shape (lists rebuilt from the
    junction tables, dates with their precision) and, per layer, each row's
    geometry (shapely, EPSG:4326) in the same order.
    """
    path = Path(path)
    try:
        listed = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises its own DataSourceError
        raise ExportError(f"{path}: not a GeoPackage kzgeo can read ({exc})") from None
    lists: dict[str, dict[str, dict[str, list[str]]]] = {}
    for junction in junctions(catalog):
        lists.setdefault(junction.owner, {})[junction.field] = junction_lists(_read(path, junction.name, listed))
    rows, geometries = {}, {}
    for name, spec in catalog.all_tables.items():
        frame = _read(path, name, listed)
        if unknown is not None:
            extra = [c for c in frame.columns if c not in {*export_columns(spec), "geometry", "fid"}]
            if extra:
                unknown[name] = extra
        if name in catalog.layers:
            if frame.crs is not None and frame.crs.to_epsg() != 4326:
                frame = frame.to_crs("EPSG:4326")
            geometries[name] = list(frame.geometry)
        rows[name] = catalog_rows(spec, frame, lists.get(name, {}))
    return rows, geometries
