"""Load a layers directory into joined GeoDataFrames, or report why it cannot be.

:func:`check_layers` reads every file named by the catalog, joins each
geometry file with its attribute table on the key, resolves every reference
(sources, corridor legs, agreement features) and returns *all* problems.
:func:`read_layers` does the same and returns a :class:`Dataset`, raising
:class:`~kzgeo.errors.LayersInvalid` if anything was wrong.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kzgeo.catalog import SOURCE_ROLES, Catalog, TableSpec, read_catalog
from kzgeo.citations import check_citations
from kzgeo.errors import LayersInvalid, Problem, TranslationWarning
from kzgeo.geography import check_dataset_geography
from kzgeo.io.readers import Feature, read_features, read_rows, split_refs

log = logging.getLogger(__name__)

#: Source field roles a catalog may declare besides SOURCE_ROLES; listed in
#: :attr:`Dataset.sources` when present (access date, why no address, tier, licence).
OPTIONAL_SOURCE_ROLES = ("accessed", "no_url_reason", "tier", "licence")

_DTYPES = {"int": "Int64", "float": "float64"}


@dataclass
class Dataset:
    """The joined layers and tables of one layers directory.

    ``layers`` maps a layer name to a GeoDataFrame in EPSG:4326 whose columns
    are the catalog's fields plus ``geometry``; ``tables`` maps a table name
    to a DataFrame. ``file_hashes`` holds the SHA-256 of every input file, so a
    build can state exactly what it was made from.
    """

    catalog: Catalog
    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    file_hashes: dict[str, str] = field(default_factory=dict)

    def frame_for(self, role: str) -> pd.DataFrame | None:
        """The layer (GeoDataFrame) or table playing ``role`` in the catalog, or None."""
        name = self.catalog.name_for(role)
        if name is None:
            return None
        return self.layers[name] if name in self.layers else self.tables[name]

    def records(self, role: str, *field_roles: str, optional: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Rows of the layer or table playing ``role`` as dicts keyed by ``id``, ``field_roles`` and ``optional``.

        Empty when the dataset has no such table or the table lacks one of
        ``field_roles`` (an ``optional`` role it lacks comes out as None): a
        map shows agreements or figures only where the catalog declares them.
        """
        name = self.catalog.name_for(role)
        if name is None:
            return []
        spec = self.catalog.all_tables[name]
        fields = {r: spec.field(r) for r in (*field_roles, *optional)}
        if any(fields[r] is None for r in field_roles):
            return []
        frame = self.frame_for(role)
        columns = {"id": frame[spec.key]} | {r: frame[f] if f else None for r, f in fields.items()}
        return pd.DataFrame(columns, index=frame.index).to_dict("records")

    @property
    def sources(self) -> pd.DataFrame:
        """The sources, one row per source id (the index), as ``id``, ``publisher``, ``title``, ``date``, ``url``.

        The columns are kzgeo's names for the sources' roles, whatever the
        catalog calls the fields, so every output cites in the same words.
        """
        spec = self.catalog.tables[self.catalog.sources_table]
        table = self.tables[self.catalog.sources_table]
        columns = {"id": table[spec.key]} | {role: table[spec.field(role)] for role in SOURCE_ROLES}
        columns |= {role: table[spec.field(role)] for role in OPTIONAL_SOURCE_ROLES if spec.field(role)}
        return pd.DataFrame(columns).set_index(table[spec.key].rename(None), drop=False)

    @property
    def as_of(self) -> str:
        """The date the data speaks for: the newest date among the sources."""
        return str(self.sources["date"].max())

    def cited(self, refs: Any) -> list[dict[str, Any]]:
        """The sources a ``sources`` cell cites, in the order cited (see :attr:`sources`)."""
        table = self.sources
        return [table.loc[sid].to_dict() for sid in split_refs(refs)]


def cell_value(value: Any) -> Any:
    """A table cell as a plain Python value: ``None`` where missing (None, NaN, ``pd.NA``),
    numpy scalars unwrapped, so it can go into JSON, text or XML as it is. Lists
    (a report's legs or sources) pass through."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _join_problems(spec, features: list[Feature], rows: list[dict]) -> list[Problem]:
    """The join in both directions: rows with no feature, features with no row."""
    feature_ids = {f.id for f in features}
    row_ids = {r[spec.key] for r in rows}
    problems = [
        Problem(spec.attributes, f'row ({spec.key} "{r[spec.key]}")', f"matches no feature in {spec.geometry}")
        for r in rows
        if r[spec.key] not in feature_ids
    ]
    problems += [
        Problem(spec.geometry, f'feature "{f.id}"', f"has no attribute row in {spec.attributes}")
        for f in features
        if f.id not in row_ids
    ]
    return problems


def _reference_problems(catalog: Catalog, rows: dict[str, list[dict]], unreadable: set[str]) -> list[Problem]:
    """Every ref/refs cell must name ids that exist in its target tables."""
    keys = {name: {r[catalog.all_tables[name].key] for r in table_rows} for name, table_rows in rows.items()}
    problems = []
    for name, spec in catalog.all_tables.items():
        for f in spec.fields:
            if f.type not in ("ref", "refs") or any(t in unreadable for t in f.to):
                continue
            valid = set().union(*(keys.get(t, set()) for t in f.to))
            target = " or ".join(catalog.all_tables[t].attributes for t in f.to)
            for r in rows.get(name, []):
                for ref in split_refs(r.get(f.name)):
                    if ref not in valid:
                        problems.append(
                            Problem(spec.attributes, f'row ({spec.key} "{r[spec.key]}")', f'field {f.name}: "{ref}" is not an id in {target}')
                        )
    return problems


def _read_all(catalog: Catalog, digests: dict[Path, str] | None = None):
    problems: list[Problem] = []
    features: dict[str, list[Feature]] = {}
    rows: dict[str, list[dict]] = {}
    unreadable: set[str] = set()
    for name, spec in catalog.all_tables.items():
        before = len(problems)
        rows[name] = read_rows(catalog.path(spec.attributes), spec, problems, digests=digests)
        if name in catalog.layers:
            features[name] = read_features(catalog.path(spec.geometry), spec.geometry_type, catalog.bounds, problems, digests=digests)
            # A file that could not be read at all would make every key look unmatched.
            if not any(p.where in ("", "header") or p.where.startswith("line ") for p in problems[before:]):
                problems += _join_problems(spec, features[name], rows[name])
        if len(problems) > before:
            unreadable.add(name)
    problems += _reference_problems(catalog, rows, unreadable)
    if not problems:  # geography and citations need well-formed, joined layers
        problems += check_dataset_geography(catalog, features, rows) + check_citations(catalog, rows)
    return features, rows, problems


def check_layers(layers_dir: str | Path | None = None) -> list[Problem]:
    """Every problem in a layers directory, each naming its file and feature or row.

    An empty list means the layers are valid. The catalog itself must parse;
    if it does not, :class:`~kzgeo.errors.CatalogError` is raised.
    """
    catalog = read_catalog(layers_dir)
    _, rows, problems = _read_all(catalog)
    for message in translation_gaps(catalog, rows):
        warnings.warn(TranslationWarning(message), stacklevel=2)
    return problems


def translation_gaps(catalog: Catalog, rows: dict[str, list[dict]]) -> list[str]:
    """One line per text field and language whose declared translation is missing in some rows.

    Each names the file, the field, the translation column, how many rows
    lack it and the first of them, so a translator knows where to start.
    """
    gaps = []
    for name, spec in catalog.all_tables.items():
        for field in spec.fields:
            if not field.translates:
                continue
            missing = [r for r in rows.get(name, []) if cell_value(r.get(field.translates)) not in (None, "") and cell_value(r.get(field.name)) in (None, "")]
            if missing:
                first = missing[0].get(spec.key, "?")
                gaps.append(
                    f"{spec.attributes}: {field.translates} has no {field.lang} translation ({field.name}) in {len(missing)} row(s), first {first!r}; "
                    f"maps show the English text there, marked as such"
                )
    return gaps


def _frame(spec: TableSpec, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=spec.field_names)
    for f in spec.fields:
        frame[f.name] = frame[f.name].astype(_DTYPES.get(f.type, "object"))
    return frame


def read_layers(layers_dir: str | Path | None = None) -> Dataset:
    """Read, check and join a layers directory into a :class:`Dataset`.

    Raises :class:`~kzgeo.errors.LayersInvalid` listing every problem when any
    file is malformed, any join key is unmatched or any reference is unknown.
    """
    catalog = read_catalog(layers_dir)
    digests: dict[Path, str] = {}
    features, rows, problems = _read_all(catalog, digests)
    if problems:
        raise LayersInvalid(problems)
    layers = {}
    for name, spec in catalog.layers.items():
        geometry = {f.id: f.geometry for f in features[name]}
        order = [f.id for f in features[name]]
        frame = _frame(spec, rows[name]).set_index(spec.key, drop=False).loc[order].reset_index(drop=True)
        layers[name] = gpd.GeoDataFrame(frame, geometry=[geometry[i] for i in order], crs="EPSG:4326")
        log.debug("layer %s: %d features", name, len(frame))
    tables = {name: _frame(spec, rows[name]) for name, spec in catalog.tables.items()}
    files = {spec.attributes for spec in catalog.all_tables.values()} | {spec.geometry for spec in catalog.layers.values()}
    hashes = {f: digests[catalog.path(f)] for f in sorted(files)} | {"catalog.toml": catalog.sha256}
    return Dataset(catalog=catalog, layers=layers, tables=tables, file_hashes=hashes)


def layer_counts(layers_dir: str | Path | None = None) -> dict[str, int]:
    """Feature (or row) count of every layer and table, layers first."""
    data = read_layers(layers_dir)
    return {**{n: len(f) for n, f in data.layers.items()}, **{n: len(t) for n, t in data.tables.items()}}

