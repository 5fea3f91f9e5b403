"""Hand the layers to QGIS: a styled, related, documented GeoPackage, GeoJSON with sidecars, a project.

``export`` writes into a staging folder beside the target and swaps it in only
when every file is written, so a failure never leaves a half-written export.
An existing folder is replaced only with ``overwrite``, only when it is
recognisably a kzgeo export (it holds a valid ``kzgeo-export.json``), and
only when its GeoPackage still holds what was exported -- edits made in QGIS
are discarded only with ``force`` (bring them back with ``kzgeo import``).

Output:

- ``kzgeo.gpkg``: every layer and table, junction tables for the lists,
  uncertainty areas and the country backdrop (EPSG:4326), with default styles
  (``layer_styles``), metadata (``gpkg_metadata``), field domains and constraints;
- ``<layer>.geojson`` (RFC 7946) with ``<layer>.qml`` and ``<layer>.qmd`` beside it;
- ``kzgeo.qgs``: the project (see :mod:`kzgeo.qgis.project`);
- ``README.md``: what is where, and why the project uses its projection;
- ``kzgeo-export.json``: the manifest (:mod:`kzgeo.qgis.manifest`).
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from pathlib import Path

import pyogrio
from importlib.resources import files as package_files

from kzgeo import settings
from kzgeo.dataset import Dataset, read_layers
from kzgeo.errors import ExportError, KzgeoError, MapSpecError, OutputExistsError
from kzgeo.io.atomic import recover_killed_replacement, replaced_directory
from kzgeo.labels import check_language
from kzgeo.qgis.crs import PROJECT_CRS_NAME, PROJECT_PROJ
from kzgeo.qgis.gpkg import write_geopackage
from kzgeo.qgis.manifest import MANIFEST_NAME, content_digest, file_sha256, manifest_document, read_manifest
from kzgeo.qgis.project import GEOPACKAGE_NAME, project_document
from kzgeo.qgis.qmd import metadata_document
from kzgeo.qgis.qml import style_document
from kzgeo.qgis.tables import check_names, junctions
from kzgeo.spec import MapSpec, check_map_spec, read_map_spec
from kzgeo.text import style_value_words

log = logging.getLogger(__name__)

PROJECT_NAME = "kzgeo.qgs"
README_NAME = "README.md"
OVERVIEW = "overview"


def write_geojson(data: Dataset, name: str, path: Path) -> Path:
    """One layer as RFC 7946 GeoJSON: no ``crs``, counter-clockwise exterior rings, rounded coordinates."""
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": str(settings.coordinate_precision), "WRITE_NAME": "NO"}
    pyogrio.write_dataframe(data.layers[name], path, driver="GeoJSON", layer_options=options)
    return path


def map_specs(maps_dir: str | Path | None, data: Dataset) -> list[MapSpec]:
    """The specs the project gets themes and layouts for, plus the overview.

    With ``maps_dir``, every ``*.toml`` there, each checked against the layers
    (a bad one raises :class:`~kzgeo.errors.MapSpecError`). Without, the specs
    ``kzgeo build`` would use (``settings.maps_dir``, else the shipped ones);
    those that do not fit these layers (specs of the shipped data, say, with
    other layers) are left out with a logged warning.
    """
    if maps_dir is not None:
        files, strict = sorted(Path(maps_dir).glob("*.toml")), True
    else:
        files, strict = sorted(Path(settings.maps_dir).glob("*.toml")) or sorted(Path(str(package_files("kzgeo").joinpath("data", "maps"))).glob("*.toml")), False
    specs = []
    for path in files:
        spec = read_map_spec(path)
        try:
            check_map_spec(spec, data)
        except MapSpecError as exc:
            if strict:
                raise
            log.warning("no map theme for %s: %s", path, exc)
            continue
        specs.append(spec)
    if not any(s.name == OVERVIEW for s in specs):
        specs.insert(0, MapSpec(path=Path(f"{OVERVIEW}.toml")))
    return specs


def readme_text(data: Dataset, specs: list[MapSpec], lang: str) -> str:
    """The export's own README: the files, the tables, the projection and the way back."""
    lists = "\n".join(f"| `{j.name}` | one row per entry of `{j.owner}.{j.field}` (`owner_id`, `ref_id`, `ref_table`, `position`) |" for j in junctions(data.catalog))
    themes = ", ".join(f"`{s.name}`" for s in specs)
    return f"""# {data.catalog.title}: QGIS export

Data as of {data.as_of}. Open `{PROJECT_NAME}` in QGIS 3.22 or newer; the folder can be moved or
copied as a whole (the project finds `{GEOPACKAGE_NAME}` by relative path). Labels, captions and
dropdowns are in `{lang}` (`kzgeo export --lang en|ru|kk`).

## Projection and measurement

The data are stored in EPSG:4326 (WGS 84 longitude/latitude). The project draws them in

    {PROJECT_PROJ}

({PROJECT_CRS_NAME}). Why: at 40-55 N, plain longitude/latitude stretches the map 1.3-1.6 times
east-west. A Lambert conformal conic keeps shapes true (conformal), and with standard parallels at
39.5 N and 52.5 N -- one sixth in from each edge of the 36-56 N band from Türkiye and the Caucasus to
western China -- its scale error stays within about 2 % over the whole region; the central meridian,
57 E, is the middle of the region, so north is up there. No EPSG code covers this area this way
(UTM zones and the national Kazakh systems each cover a fraction of it).

Lengths and areas do not depend on the projection: the project's ellipsoid is WGS 84, so `$length`,
`$area`, the Measure tool and the layouts' scale bars are computed on the ellipsoid and agree with
`kzgeo report` (WGS 84 geodesics). Distances are shown in kilometres.

## What is in `{GEOPACKAGE_NAME}`

| table | holds |
| --- | --- |
{chr(10).join(f"| `{name}` | {spec.title} |" for name, spec in data.catalog.all_tables.items())}
{lists}
| `uncertainty` | where each point may lie: a geodesic circle of its uncertainty radius (a ring where the sources rule out the centre); query or clip with it in any CRS |
| `backdrop` | country outlines from Natural Earth 1:50m (public domain), for orientation only |

Lists of the CSV files (`a;b;c`) are junction tables here, related in the project (Project
Properties -> Relations), so a deposit's form shows its resource figures, sources and agreements.
Every `id` is NOT NULL and UNIQUE; enumerations are GeoPackage field domains (dropdowns in forms).
A date known only to the month is stored as its first day with `<field>_precision = month`.
Hover a feature (map tips on) for its name and clickable sources.

## Map themes, bookmarks and print layouts

One map theme, one bookmark and one A4 print layout per map spec: {themes}. Each layout has the
title, the map (in the spec's theme), a legend, a scale bar, a north arrow, the data's date and the
sources of the features shown.

## Editing and bringing edits back

Edit the layers and tables of `{GEOPACKAGE_NAME}` in QGIS (move or add features, change attributes,
delete rows; keep the junction tables in step), then run

    kzgeo import {{this folder}} --layers {{the layers folder}}

It checks the edited data against the catalog, prints what changed and rewrites `layers/` only if
everything is valid. `uncertainty` and `backdrop` are derived (from the points and from Natural
Earth): edits there are not imported -- change a feature's uncertainty radius instead. It refuses when `layers/` changed since this export (`{MANIFEST_NAME}` holds
the hash of every input). `kzgeo export --overwrite` refuses to discard edits made here unless
given `--force`.
"""


def _check_target(out: Path, overwrite: bool, force: bool, data: Dataset) -> None:
    """Refuse to replace anything but an unedited kzgeo export (or an edited one with ``force``)."""
    if not (out.is_dir() and any(out.iterdir())):
        return
    if not overwrite:
        raise OutputExistsError(f"{out}: the folder is not empty; pass --overwrite to replace an earlier export there")
    record = read_manifest(out)
    if record is None:
        raise OutputExistsError(f"{out}: not a kzgeo export (no valid {MANIFEST_NAME}); refusing to replace the folder")
    gpkg = out / GEOPACKAGE_NAME
    if force or not gpkg.exists():
        return
    if file_sha256(gpkg) == record["outputs"].get(GEOPACKAGE_NAME):
        return
    try:
        same = content_digest(gpkg, data.catalog) == record["geopackage_content"]
    except KzgeoError:
        same = False
    if not same:
        raise OutputExistsError(
            f"{gpkg}: edited since it was exported; bring the edits back with `kzgeo import {out}` or pass --force to discard them"
        )


def export(
    layers_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
    force: bool = False,
    lang: str = "en",
    maps_dir: str | Path | None = None,
) -> list[Path]:
    """Write the QGIS hand-off for a layers directory into ``out_dir``; return the files written.

    ``out_dir`` defaults to ``settings.qgis_dir``; ``maps_dir`` (default
    ``settings.maps_dir``) holds the map specs that become themes and layouts;
    ``lang`` picks the language of labels, captions and dropdowns. Raises
    :class:`~kzgeo.errors.OutputExistsError` when ``out_dir`` holds anything
    but an unedited export to ``overwrite`` (edited: only with ``force``),
    :class:`~kzgeo.errors.LayersInvalid` if the layers do not validate,
    :class:`~kzgeo.errors.MapSpecError` for a bad spec and
    :class:`~kzgeo.errors.ExportError` if a file cannot be written; in every
    case the previous export, if any, is left as it was.
    """
    check_language(lang)
    data = read_layers(layers_dir)
    check_names(data.catalog)
    specs = [dataclasses.replace(s, lang=lang) for s in map_specs(maps_dir, data)]
    out = Path(out_dir or settings.qgis_dir)
    if out.parent.is_dir():
        recover_killed_replacement(out)  # a killed export's previous folder is put back before it is judged
    _check_target(out, overwrite, force, data)
    names = [GEOPACKAGE_NAME]
    try:
        with replaced_directory(out, overwrite=overwrite, marker=MANIFEST_NAME) as stage:
            write_geopackage(data, stage / GEOPACKAGE_NAME, lang)
            for name, spec in data.catalog.layers.items():
                write_geojson(data, name, stage / f"{name}.geojson")
                (stage / f"{name}.qml").write_text(style_document(spec, lang, words=style_value_words(data, name, lang)), encoding="utf-8")
                (stage / f"{name}.qmd").write_text(metadata_document(data, name), encoding="utf-8")
                names += [f"{name}.geojson", f"{name}.qml", f"{name}.qmd"]
            (stage / PROJECT_NAME).write_text(project_document(data, specs, lang=lang), encoding="utf-8")
            (stage / README_NAME).write_text(readme_text(data, specs, lang), encoding="utf-8")
            names += [PROJECT_NAME, README_NAME]
            outputs = {name: file_sha256(stage / name) for name in names}
            root = data.catalog.root.resolve()
            (stage / MANIFEST_NAME).write_text(
                manifest_document(as_of=data.as_of, lang=lang, layers_dir=root, inputs=data.file_hashes, outputs=outputs,
                                  content=content_digest(stage / GEOPACKAGE_NAME, data.catalog)),
                encoding="utf-8",
            )
            names.append(MANIFEST_NAME)
    except KzgeoError:
        raise
    except (OSError, RuntimeError, sqlite3.Error) as exc:
        raise ExportError(f"{out}: the export could not be written ({exc}); nothing was changed there") from exc
    log.info("exported %d files to %s", len(names), out)
    return [out / name for name in names]
