"""Hand the layers to QGIS: a styled, documented GeoPackage, GeoJSON with sidecars, a project.

``export`` writes into a staging folder beside the target and swaps it in only
when every file is written, so a failure never leaves a half-written export
and an existing export is replaced only with ``overwrite``.

Output (all EPSG:4326):

- ``kzgeo.gpkg``: every layer and table, each layer with a default style in
  ``layer_styles`` (QGIS applies it on open) and every layer and table with
  QGIS metadata in ``gpkg_metadata``;
- ``<layer>.geojson`` (RFC 7946) with ``<layer>.qml`` and ``<layer>.qmd``
  beside it, which QGIS loads with the file;
- ``kzgeo.qgs``: a project referencing the GeoPackage by relative path.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pyogrio

from kzgeo import settings
from kzgeo.dataset import Dataset, read_layers
from kzgeo.errors import ExportError, KzgeoError
from kzgeo.io.atomic import replaced_directory
from kzgeo.qgis.project import GEOPACKAGE_NAME, project_document
from kzgeo.qgis.qmd import metadata_document
from kzgeo.qgis.qml import style_document

log = logging.getLogger(__name__)

PROJECT_NAME = "kzgeo.qgs"
GEOMETRY_COLUMN = "geom"
STYLE_NAME = "kzgeo"
#: GeoPackage 1.3: newer versions make GDAL 3.6 (Debian's, used by QGIS 3.22) warn.
GPKG_VERSION = "1.3"
QGIS_METADATA_URI = "http://mrcc.com/qgis.dtd"
_METADATA_TABLES = """
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
INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES
  ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec/#extension_metadata', 'read-write'),
  ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec/#extension_metadata', 'read-write');
"""


def _timestamp(data: Dataset) -> pd.Timestamp:
    """A fixed time for generated rows (the data's date), so exports are reproducible."""
    return pd.Timestamp(data.as_of + "-01" if len(data.as_of) == 7 else data.as_of, tz="UTC")


def _style_rows(data: Dataset) -> pd.DataFrame:
    """One default ``layer_styles`` row per layer, as QGIS itself writes them."""
    rows = [
        {
            "f_table_catalog": "",
            "f_table_schema": "",
            "f_table_name": name,
            "f_geometry_column": GEOMETRY_COLUMN,
            "styleName": STYLE_NAME,
            "styleQML": style_document(data.catalog.layers[name]),
            "styleSLD": "",
            "useAsDefault": True,
            "description": f"kzgeo style: {data.catalog.layers[name].title}",
            "owner": "",
            "ui": "",
            "update_time": _timestamp(data),
        }
        for name in data.layers
    ]
    return pd.DataFrame(rows)


def _write_metadata(path: Path, data: Dataset) -> None:
    """QGIS metadata for every layer and table in ``gpkg_metadata`` (GeoPackage metadata extension)."""
    stamp = _timestamp(data).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(_METADATA_TABLES)
        for name in data.catalog.all_tables:
            cursor = db.execute(
                "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, 'text/xml', ?)",
                (QGIS_METADATA_URI, metadata_document(data, name)),
            )
            db.execute(
                "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id) VALUES ('table', ?, ?, ?)",
                (name, stamp, cursor.lastrowid),
            )
            db.execute("UPDATE gpkg_contents SET identifier = ?, description = ? WHERE table_name = ?", (data.catalog.all_tables[name].title, data.catalog.all_tables[name].abstract, name))


def write_geopackage(data: Dataset, path: Path) -> Path:
    """Every layer and table of ``data`` in one GeoPackage, styled and documented for QGIS."""
    created = {"dataset_options": {"VERSION": GPKG_VERSION}}
    for name, frame in data.layers.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", layer_options={"GEOMETRY_NAME": GEOMETRY_COLUMN}, **created)
        created = {}
    for name, table in data.tables.items():
        pyogrio.write_dataframe(table, path, layer=name, driver="GPKG")
    pyogrio.write_dataframe(_style_rows(data), path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"})
    _write_metadata(path, data)
    return path


def write_geojson(data: Dataset, name: str, path: Path) -> Path:
    """One layer as RFC 7946 GeoJSON: no ``crs``, counter-clockwise exterior rings, rounded coordinates."""
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": str(settings.coordinate_precision), "WRITE_NAME": "NO"}
    pyogrio.write_dataframe(data.layers[name], path, driver="GeoJSON", layer_options=options)
    return path


def export(layers_dir: str | Path | None = None, out_dir: str | Path | None = None, *, overwrite: bool = False) -> list[Path]:
    """Write the QGIS hand-off for a layers directory into ``out_dir``; return the files written.

    ``out_dir`` defaults to ``settings.qgis_dir``. Raises
    :class:`~kzgeo.errors.OutputExistsError` if it already holds an export and
    ``overwrite`` is false, :class:`~kzgeo.errors.LayersInvalid` if the layers
    do not validate and :class:`~kzgeo.errors.ExportError` if a file cannot be
    written; in every case the previous export, if any, is left as it was.
    """
    data = read_layers(layers_dir)
    out = Path(out_dir or settings.qgis_dir)
    names = [GEOPACKAGE_NAME]
    try:
        with replaced_directory(out, overwrite=overwrite, marker=GEOPACKAGE_NAME) as stage:
            write_geopackage(data, stage / GEOPACKAGE_NAME)
            for name, spec in data.catalog.layers.items():
                write_geojson(data, name, stage / f"{name}.geojson")
                (stage / f"{name}.qml").write_text(style_document(spec), encoding="utf-8")
                (stage / f"{name}.qmd").write_text(metadata_document(data, name), encoding="utf-8")
                names += [f"{name}.geojson", f"{name}.qml", f"{name}.qmd"]
            (stage / PROJECT_NAME).write_text(project_document(data), encoding="utf-8")
            names.append(PROJECT_NAME)
    except KzgeoError:
        raise
    except (OSError, RuntimeError, sqlite3.Error) as exc:
        raise ExportError(f"{out}: the export could not be written ({exc}); nothing was changed there") from exc
    log.info("exported %d files to %s", len(names), out)
    return [out / name for name in names]
