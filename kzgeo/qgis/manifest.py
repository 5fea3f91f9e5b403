"""The export manifest (``kzgeo-export.json``): what an export was made from and what it wrote.

It makes an export folder *recognisable*: ``export --overwrite`` replaces only
a folder holding a manifest, never one that merely contains a file called
``kzgeo.gpkg``. It records

* the SHA-256 of every input file of ``layers/``, so ``kzgeo import`` can
  refuse to write edits back over layers that changed after the export;
* the SHA-256 of every file written, and a digest of the GeoPackage's
  *content* (rows and geometries of the catalog's tables), so an edited
  GeoPackage is recognised even after QGIS rewrote the file without changing
  the data, and ``--overwrite`` does not silently discard edits.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from kzgeo.catalog import Catalog
from kzgeo.errors import ExportError
from kzgeo.provenance import package_version

MANIFEST_NAME = "kzgeo-export.json"
FORMAT = 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_digest(path: Path, catalog: Catalog) -> str:
    """SHA-256 of the catalog's tables in a GeoPackage, as rows and WKB: unchanged by a mere re-save."""
    from kzgeo.qgis.gpkg import read_geopackage

    rows, geometries = read_geopackage(path, catalog)
    digest = hashlib.sha256()
    for name in sorted(rows):
        digest.update(json.dumps([name, rows[name]], sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        for geometry in geometries.get(name, []):
            digest.update(b"" if geometry is None else geometry.wkb)
    return digest.hexdigest()


def manifest_document(*, as_of: str, lang: str, layers_dir: Path, inputs: dict[str, str], outputs: dict[str, str], content: str) -> str:
    record = {
        "kzgeo_export": FORMAT,
        "kzgeo_version": package_version(),
        "as_of": as_of,
        "lang": lang,
        "layers_dir": str(layers_dir),
        "inputs": dict(sorted(inputs.items())),
        "outputs": dict(sorted(outputs.items())),
        "geopackage_content": content,
    }
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of an export folder, or None when the folder holds no valid one."""
    path = folder / MANIFEST_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not (isinstance(record, dict) and record.get("kzgeo_export") == FORMAT and isinstance(record.get("inputs"), dict)
            and isinstance(record.get("outputs"), dict) and isinstance(record.get("geopackage_content"), str)):
        return None
    return record


def require_manifest(folder: Path) -> dict[str, Any]:
    record = read_manifest(folder)
    if record is None:
        raise ExportError(f"{folder}: not a kzgeo export (no valid {MANIFEST_NAME}); export the layers with `kzgeo export` first")
    return record
