"""The way back from QGIS: ``kzgeo import`` turns an edited export GeoPackage into ``layers/`` again.

A GIS user edits ``kzgeo.gpkg`` in QGIS -- moves or adds features, changes
attributes, deletes rows -- and :func:`import_export` brings the edits home:

1. it refuses when ``layers/`` changed after the export (the export manifest
   holds the SHA-256 of every input), since writing the edits would silently
   undo those changes;
2. it reads the catalog's tables from the GeoPackage, rebuilding lists from the
   junction tables and month-only dates from their precision;
3. it writes the would-be files into a scratch copy of the layers and checks
   them exactly as ``kzgeo validate`` does -- nothing is written when any
   problem is found;
4. it keeps every unchanged row and feature byte for byte (so a diff of
   ``layers/`` shows only the edit), writes only the files that changed, each
   to a temporary file first and then all renamed into place, and reports
   what changed, feature by feature and field by field;
5. it records the new input hashes in the export's manifest, so the export
   and the layers agree again.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from kzgeo import settings
from kzgeo.analysis.geodesy import point_distance
from kzgeo.catalog import Catalog, TableSpec, read_catalog
from kzgeo.dataset import check_layers
from kzgeo.errors import ExportError, KzgeoIOError, LayersInvalid, Problem
from kzgeo.io.atomic import write_atomic
from kzgeo.io.readers import parse_value
from kzgeo.qgis.gpkg import read_geopackage
from kzgeo.qgis.manifest import MANIFEST_NAME, content_digest, file_sha256, require_manifest
from kzgeo.qgis.project import GEOPACKAGE_NAME


@dataclass
class ImportResult:
    """What an import found and did."""

    changes: dict[str, list[str]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    #: Per table, columns added in QGIS that the catalog does not declare (not imported).
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.changes.values())

    def lines(self) -> list[str]:
        """The diff as readable lines: one heading per table, one line per feature."""
        out = []
        for name, items in self.changes.items():
            out.append(f"{name}: {len(items)} change(s)" if items else f"{name}: unchanged")
            out += [f"  {item}" for item in items]
        for name, columns in self.ignored_columns.items():
            out.append(f"{name}: column(s) {', '.join(columns)} are not in the catalog and were not imported; declare them in catalog.toml first")
        return out


# ------------------------------------------------------------------ reading the current files


def _csv_rows(path: Path) -> tuple[list[str], str, list[tuple[list[str], str]], str]:
    """Header, its raw text, and each record with the exact text it was read from (so it can be kept as is)."""
    text = path.read_bytes().decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    consumed: list[str] = []

    def lines():
        for line in text.splitlines(keepends=True):
            consumed.append(line)
            yield line

    records = []
    for row in csv.reader(lines()):
        raw = "".join(consumed)
        consumed.clear()
        records.append((row, raw if raw.endswith(("\n", "\r")) else raw + newline))
    (header, header_raw), body = records[0], records[1:]
    return header, header_raw, body, newline


def _parsed(spec: TableSpec, column: str, raw: str) -> Any:
    f = spec.spec_of(column)
    if f is None or raw == "":
        return None if raw == "" else raw
    try:
        value = parse_value(f, raw)
    except ValueError:
        return raw
    return ";".join(value) if isinstance(value, list) else value


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def _show(value: Any) -> str:
    text = "(empty)" if value is None else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


# ------------------------------------------------------------------ building the new files


def _new_csv(spec: TableSpec, path: Path, rows: list[dict[str, Any]], changes: list[str], names: dict[str, str]) -> str | None:
    """The CSV text with the GeoPackage's rows (unchanged rows kept as they were); None when nothing changed."""
    header, header_raw, body, newline = _csv_rows(path)
    key_at = header.index(spec.key)
    old = {line[key_at]: (line, raw) for line, raw in body if len(line) > key_at}
    new_ids = [str(r[spec.key]) for r in rows]
    out_rows, changed = [], False
    by_id = {str(r[spec.key]): r for r in rows}
    for rid in [*[i for i in old if i in by_id], *[i for i in new_ids if i not in old]]:
        row = by_id[rid]
        if rid not in old:
            out_rows.append(_line([_format(row.get(column)) for column in header], newline))
            changes.append(f"+ {names.get(rid, rid)}: added")
            changed = True
            continue
        line, raw_line = old[rid]
        cells, diffs = [], []
        for index, column in enumerate(header):
            raw = line[index] if index < len(line) else ""
            before, after = _parsed(spec, column, raw), row.get(column)
            if _same(before, after):
                cells.append(raw)
            else:
                cells.append(_format(after))
                diffs.append(f"{column}: {_show(before)} -> {_show(after)}")
        out_rows.append(_line(cells, newline) if diffs else raw_line)
        if diffs:
            changes.append(f"~ {names.get(rid, rid)}: " + "; ".join(diffs))
            changed = True
    for rid in old:
        if rid not in by_id:
            changes.append(f"- {names.get(rid, rid)}: deleted")
            changed = True
    if not changed:
        return None
    return header_raw + "".join(out_rows)


def _line(cells: list[str], newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow(cells)
    return buffer.getvalue()


def _rounded(geometry) -> dict:
    digits = settings.coordinate_precision
    return mapping(shapely.set_precision(geometry, 10**-digits) if geometry.geom_type != "Point" else shapely.Point(round(geometry.x, digits), round(geometry.y, digits)))


def _describe_move(before, after) -> str:
    if before.geom_type == "Point" and after.geom_type == "Point":
        km = float(point_distance([before], [after])[0, 0]) / 1000
        return f"moved {km:,.2f} km"
    return "geometry changed"


def _new_geojson(path: Path, ids: list[str], geometries: list, changes: list[str], names: dict[str, str]) -> str | None:
    """The GeoJSON text with the GeoPackage's geometries (unchanged features kept as they were); None when unchanged."""
    text = path.read_text(encoding="utf-8")
    collection = json.loads(text)
    old = {str(f.get("id", (f.get("properties") or {}).get("id"))): f for f in collection.get("features", [])}
    new = dict(zip(ids, geometries, strict=True))
    features, changed = [], False
    for fid in [*[i for i in old if i in new], *[i for i in ids if i not in old]]:
        geometry = new[fid]
        if fid not in old:
            features.append({"type": "Feature", "id": fid, "properties": {"id": fid}, "geometry": None if geometry is None else _rounded(geometry)})
            changed = True
            continue
        feature = old[fid]
        try:
            before = shape(feature["geometry"]) if feature.get("geometry") else None
        except (ValueError, TypeError, KeyError, AttributeError):
            before = None
        if before is not None and geometry is not None and before.equals_exact(geometry, 10 ** -(settings.coordinate_precision + 1)):
            features.append(feature)
            continue
        features.append({**feature, "geometry": None if geometry is None else _rounded(geometry)})
        move = _describe_move(before, geometry) if before is not None and geometry is not None else "geometry changed"
        changes.append(f"~ {names.get(fid, fid)}: {move}")
        changed = True
    if len(features) != len(old):
        changed = True
    if not changed:
        return None
    indent = 1 if text.startswith("{\n") else None
    return json.dumps({**collection, "features": features}, indent=indent, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ the import


def _check_inputs(layers: Path, catalog: Catalog, manifest: dict[str, Any], export_dir: Path) -> None:
    """Refuse when any input changed, vanished or appeared since the export."""
    files = {spec.attributes for spec in catalog.all_tables.values()} | {spec.geometry for spec in catalog.layers.values()} | {"catalog.toml"}
    recorded = manifest["inputs"]
    changed = []
    for name in sorted(files | set(recorded)):
        path = layers / name
        current = file_sha256(path) if path.is_file() else None
        if recorded.get(name) != current:
            changed.append(name)
    if changed:
        raise ExportError(
            f"{layers}: {', '.join(changed)} changed after {export_dir} was exported; importing would undo those changes. "
            "Export again, redo the edits there, then import"
        )


def _replace_all(contents: dict[Path, str]) -> list[Path]:
    """Write every file to a temporary file beside it, then rename them all into place."""
    staged: list[tuple[Path, str]] = []
    try:
        for path, text in contents.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, tmp))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777)
        for path, tmp in staged:
            os.replace(tmp, path)
    except OSError as exc:
        for _, tmp in staged:
            Path(tmp).unlink(missing_ok=True)
        raise KzgeoIOError(next(iter(contents)).parent, f"cannot write the imported layers ({exc.strerror or exc}); nothing was changed") from None
    return list(contents)


def import_export(export_dir: str | Path, layers_dir: str | Path | None = None, *, dry_run: bool = False) -> ImportResult:
    """Bring the edits made to an export's GeoPackage back into a layers directory.

    Raises :class:`~kzgeo.errors.ExportError` when ``export_dir`` is not a kzgeo
    export or the layers changed after it was made, and
    :class:`~kzgeo.errors.LayersInvalid` (listing every problem, naming file,
    feature and field) when the edited data would not validate; in every
    case ``layers/`` is left untouched. ``dry_run`` reports without writing.
    """
    export_dir = Path(export_dir)
    manifest = require_manifest(export_dir)
    catalog = read_catalog(layers_dir)
    layers = catalog.root
    _check_inputs(layers, catalog, manifest, export_dir)
    gpkg = export_dir / GEOPACKAGE_NAME
    if not gpkg.is_file():
        raise ExportError(f"{gpkg}: missing; nothing to import")
    unknown: dict[str, list[str]] = {}
    rows, geometries = read_geopackage(gpkg, catalog, unknown)
    problems = []
    for name, spec in catalog.all_tables.items():
        for index, row in enumerate(rows[name], start=1):
            if row.get(spec.key) is None:
                problems.append(Problem(f"{GEOPACKAGE_NAME}", f"{name} row {index}", f"has no {spec.key}; give every added feature or row an id"))
    if problems:
        raise LayersInvalid(problems)
    result = ImportResult(ignored_columns=unknown)
    contents: dict[Path, str] = {}
    for name, spec in catalog.all_tables.items():
        changes: list[str] = []
        names_field = spec.name_in("en")
        names = {str(r[spec.key]): f"{r[spec.key]} ({r[names_field]})" if names_field != spec.key and r.get(names_field) else str(r[spec.key]) for r in rows[name]}
        text = _new_csv(spec, catalog.path(spec.attributes), rows[name], changes, names)
        if text is not None:
            contents[catalog.path(spec.attributes)] = text
        if name in catalog.layers:
            ids = [str(r[spec.key]) for r in rows[name]]
            moved: list[str] = []
            text = _new_geojson(catalog.path(catalog.layers[name].geometry), ids, geometries[name], moved, names)
            if text is not None:
                contents[catalog.path(catalog.layers[name].geometry)] = text
            changes += moved
        result.changes[name] = changes
    if not contents:
        return result
    with tempfile.TemporaryDirectory(prefix="kzgeo-import-") as scratch:
        trial = Path(scratch) / "layers"
        shutil.copytree(layers, trial, symlinks=False)
        for path, text in contents.items():
            (trial / path.relative_to(layers)).write_text(text, encoding="utf-8", newline="")
        problems = check_layers(trial, warn=False)
    if problems:
        raise LayersInvalid(problems)
    if dry_run:
        return result
    result.written = _replace_all(contents)
    _refresh_manifest(export_dir, manifest, layers, catalog)
    return result


def _refresh_manifest(export_dir: Path, manifest: dict[str, Any], layers: Path, catalog: Catalog) -> None:
    """The layers now hold the GeoPackage's data: record their new hashes and the GeoPackage's content."""
    catalog = read_catalog(layers)
    inputs = {name: file_sha256(layers / name) for name in manifest["inputs"] if (layers / name).is_file()}
    gpkg = export_dir / GEOPACKAGE_NAME
    record = {**manifest, "inputs": inputs, "outputs": {**manifest["outputs"], GEOPACKAGE_NAME: file_sha256(gpkg)}, "geopackage_content": content_digest(gpkg, catalog)}
    write_atomic(export_dir / MANIFEST_NAME, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
