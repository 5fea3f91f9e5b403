"""Load a layers directory into joined GeoDataFrames, or report why it cannot be.

:func:`check_layers` reads every file named by the catalog, joins each
geometry file with its attribute table on the key, resolves every reference
(sources, corridor legs, agreement features) and returns *all* problems.
:func:`read_layers` does the same and returns a :class:`Dataset`, raising
:class:`~kzgeo.errors.LayersInvalid` if anything was wrong.
"""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kzgeo.catalog import SOURCE_ROLES, Catalog, TableSpec, read_catalog
from kzgeo.errors import LayersInvalid, Problem, TranslationWarning
from kzgeo.io.columnar import read_columnar
from kzgeo.io.readers import Geometries, input_limit, read_geometries, read_table, split_refs

from kzgeo.citations import INTERNAL_WORDS, check_citations
from kzgeo.geography import check_dataset_geography, shipped_countries

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

    @cached_property
    def sources(self) -> pd.DataFrame:
        """The sources, one row per source id (the index), as ``id``, ``publisher``, ``title``, ``date``, ``url``.

        The columns are kzgeo's names for the sources' roles, whatever the
        catalog calls the fields, so every output cites in the same words.
        Built once per dataset: every popup asks for it.
        """
        spec = self.catalog.tables[self.catalog.sources_table]
        table = self.tables[self.catalog.sources_table]
        columns = {"id": table[spec.key]} | {role: table[spec.field(role)] for role in SOURCE_ROLES}
        columns |= {role: table[spec.field(role)] for role in OPTIONAL_SOURCE_ROLES if spec.field(role)}
        return pd.DataFrame(columns).set_index(table[spec.key].rename(None), drop=False)

    @property
    def as_of(self) -> str:
        """The date the data speaks for: the newest date among the sources (undated ones aside).

        ISO dates of any precision ("2026-02", "2026-02-23") sort as text; the blanks
        are dropped first because pandas before 2.2 cannot compare them with text.
        """
        return str(self.sources["date"].dropna().max())

    @cached_property
    def _source_rows(self) -> dict[str, dict[str, Any]]:
        """Each source's row of :attr:`sources` as a dict, by id: a popup looks up a few, a page hundreds."""
        table = self.sources
        return dict(zip(table.index, table.to_dict("records")))

    def cited(self, refs: Any) -> list[dict[str, Any]]:
        """The sources a ``sources`` cell cites, in the order cited (see :attr:`sources`); an unknown id is a KeyError."""
        rows = self._source_rows
        return [dict(rows[sid]) for sid in split_refs(refs)]


def cell_value(value: Any) -> Any:
    """A table cell as a plain Python value: ``None`` where missing (None, NaN, ``pd.NA``),
    numpy scalars unwrapped, so it can go into JSON, text or XML as it is. Lists
    (a report's legs or sources) pass through."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _join_problems(spec, geoms: Geometries, frame: pd.DataFrame) -> list[Problem]:
    """The join in both directions: rows with no feature, features with no row."""
    if spec.columnar:  # one file holds both: every row is its feature
        return []
    keys = frame[spec.key].to_numpy(dtype=object)
    if len(keys) == len(geoms) and (keys == geoms.ids).all():  # the usual case: the same ids in the same order
        return []
    no_feature = keys[~pd.Index(keys, dtype=object).isin(geoms.ids)] if len(keys) else keys
    no_row = geoms.ids[~pd.Index(geoms.ids, dtype=object).isin(keys)] if len(geoms) else geoms.ids
    problems = [Problem(spec.attributes, f'row ({spec.key} "{k}")', f"matches no feature in {spec.geometry}") for k in no_feature]
    problems += [Problem(spec.geometry, f'feature "{i}"', f"has no attribute row in {spec.attributes}") for i in no_row]
    return problems


def _reference_problems(catalog: Catalog, frames: dict[str, pd.DataFrame], unreadable: set[str]) -> list[Problem]:
    """Every ref/refs cell must name ids that exist in its target tables.

    Each distinct cell is checked once (a million rows cite a few dozen
    source lists); only rows holding a bad reference are visited.
    """
    # Key sets of the tables some field refers to (not of a national layer nothing refers to).
    targets = {t for spec in catalog.all_tables.values() for f in spec.fields if f.type in ("ref", "refs") for t in f.to}
    keys = {name: set(frame[catalog.all_tables[name].key].tolist()) for name, frame in frames.items() if name in targets}
    problems = []
    for name, spec in catalog.all_tables.items():
        frame = frames.get(name)
        for f in spec.fields:
            if frame is None or not len(frame) or f.type not in ("ref", "refs") or any(t in unreadable for t in f.to):
                continue
            valid = set().union(*(keys.get(t, set()) for t in f.to))
            target = " or ".join(catalog.all_tables[t].attributes for t in f.to)
            codes, uniques = pd.factorize(frame[f.name], use_na_sentinel=True)
            wrong = [[ref for ref in split_refs(cell) if ref not in valid] for cell in uniques.tolist()]
            flagged = np.array([bool(w) for w in wrong] + [False], dtype=bool)
            rows = np.flatnonzero(flagged[codes]) if len(wrong) else []
            ids = frame[spec.key].to_numpy(dtype=object)
            for at in rows:
                for ref in wrong[codes[at]]:
                    problems.append(Problem(spec.attributes, f'row ({spec.key} "{ids[at]}")', f'field {f.name}: "{ref}" is not an id in {target}'))
    return problems


def _location_problems(spec: TableSpec, frame: pd.DataFrame) -> list[Problem]:
    """An approximate location needs its uncertainty radius: a number of km above 0.

    Without one the map could not draw the circle that says how far off the
    point may be, and the report could not give a distance's possible range.
    """
    accuracy, uncertainty = spec.field("accuracy"), spec.field("uncertainty")
    if not (accuracy and uncertainty) or accuracy not in frame or uncertainty not in frame:
        return []
    radius = pd.to_numeric(frame[uncertainty], errors="coerce")
    lacking = (frame[accuracy] == "approximate") & ~(radius > 0)
    return [
        Problem(spec.attributes, f'row ({spec.key} "{fid}")', f"field {uncertainty}: an approximate location needs its uncertainty radius (km, more than 0)")
        for fid in frame.loc[lacking, spec.key]
    ]


def _read_all(catalog: Catalog, digests: dict[Path, str] | None = None):
    """Read and check every file the catalog names: the geometries, tables, problems.

    The CSV tables are read in a second thread while this one reads the
    GeoJSON: pyarrow splits and types a table without Python's lock, while
    parsing GeoJSON needs it, so the two use both cores. The problems come out
    in the same order as reading the files one after another would give.
    """
    geometries: dict[str, Geometries] = {}
    frames: dict[str, pd.DataFrame] = {}
    found: dict[str, list[Problem]] = {name: [] for name in catalog.all_tables}
    limit = input_limit(catalog.max_input_mb)
    csv_tables = {name: spec for name, spec in catalog.all_tables.items() if not (name in catalog.layers and spec.columnar)}
    paused = gc.isenabled()
    gc.disable()  # for both threads at once (read_table and read_geometries pause it too, but each alone)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kzgeo-tables") as pool:
            lacking: set[Path] = set()  # the CSV files in which no cell can hold an internal word
            tables = {
                name: pool.submit(read_table, catalog.path(spec.attributes), spec, found[name], digests=digests, limit=limit, words=INTERNAL_WORDS, lacking=lacking)
                for name, spec in csv_tables.items()
            }
            shape_problems: dict[str, list[Problem]] = {}
            try:
                for name, spec in catalog.layers.items():
                    shape_problems[name] = []
                    if spec.columnar:
                        frames[name], geometries[name] = read_columnar(catalog.path(spec.geometry), spec, catalog.bounds, found[name], digests=digests, limit=limit)
                    else:
                        geometries[name] = read_geometries(catalog.path(spec.geometry), spec.geometry_type, catalog.bounds, shape_problems[name], digests=digests, limit=limit)
                # While the tables are still being read: the country outlines the geography checks need
                # (package data, made once per process).
                shipped_countries()
            except BaseException:
                for future in tables.values():  # the tables not yet begun are not read
                    future.cancel()
                raise
            for name, future in tables.items():
                frames[name] = future.result()
    finally:
        if paused:
            gc.enable()
    problems: list[Problem] = []
    unreadable: set[str] = set()
    for name, spec in catalog.all_tables.items():
        before = len(problems)
        problems += found[name]
        if name in catalog.layers and not spec.columnar:
            # The table's problems first, then the geometry file's, as the files are listed.
            problems += shape_problems[name]
            # A file that could not be read at all would make every key look unmatched.
            if not any(p.where in ("", "header") or p.where.startswith("line ") for p in problems[before:]):
                problems += _join_problems(spec, geometries[name], frames[name])
        problems += _location_problems(spec, frames[name])
        if len(problems) > before:
            unreadable.add(name)
    problems += _reference_problems(catalog, frames, unreadable)
    if not problems:  # geography and citations need well-formed, joined layers
        without_words = {name for name, spec in csv_tables.items() if catalog.path(spec.attributes) in lacking}
        problems += check_dataset_geography(catalog, _FeatureLists(geometries), _RowLists(frames)) + check_citations(catalog, frames, without_words=without_words)
    return geometries, frames, problems


class _FeatureLists(Mapping):
    """Layers' geometries as the lists of :class:`~kzgeo.io.readers.Feature` the geography checks read, made on demand."""

    def __init__(self, geometries: dict[str, Geometries]):
        self._geometries = geometries

    def __getitem__(self, name: str):
        return self._geometries[name].features()

    def __iter__(self):
        return iter(self._geometries)

    def __len__(self) -> int:
        return len(self._geometries)


class _RowLists(Mapping):
    """Tables as the lists of row dicts (missing values None) the geography and citation checks read, made on demand.

    A national table is seen by them only through distinct values: its rows
    hold the same few words a million times.
    """

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self._frames = frames

    def __getitem__(self, name: str):
        frame = self._frames[name]
        return frame.astype(object).where(frame.notna(), None).to_dict("records")

    def __iter__(self):
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


def check_layers(layers_dir: str | Path | None = None, *, warn: bool = True) -> list[Problem]:
    """Every problem in a layers directory, each naming its file and feature or row.

    An empty list means the layers are valid. The catalog itself must parse;
    if it does not, :class:`~kzgeo.errors.CatalogError` is raised. Missing
    translations are :class:`~kzgeo.errors.TranslationWarning` s, not problems;
    ``warn=False`` is for callers that check a scratch copy (``kzgeo import``)
    and would otherwise report the same gaps against a temporary path.
    """
    catalog = read_catalog(layers_dir)
    _, rows, problems = _read_all(catalog)
    for message in translation_gaps(catalog, rows) if warn else ():
        warnings.warn(TranslationWarning(message), stacklevel=2)
    return problems


def translation_gaps(catalog: Catalog, frames: dict[str, pd.DataFrame]) -> list[str]:
    """One line per text field and language whose declared translation is missing in some rows.

    Each names the file, the field, the translation column, how many rows
    lack it and the first of them, so a translator knows where to start.
    """
    gaps = []
    for name, spec in catalog.all_tables.items():
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        for column in spec.fields:
            if not column.translates or column.name not in frame or column.translates not in frame:
                continue
            source, translation = frame[column.translates], frame[column.name]
            lacking = (source.notna() & (source.astype(str) != "")) & (translation.isna() | (translation.astype(str) == ""))
            count = int(lacking.sum())
            if count:
                first = frame.loc[lacking, spec.key].iloc[0]
                gaps.append(
                    f"{spec.attributes}: {column.translates} has no {column.lang} translation ({column.name}) in {count} row(s), first {first!r}; "
                    f"maps show the English text there, marked as such"
                )
    return gaps


def read_layers(layers_dir: str | Path | None = None) -> Dataset:
    """Read, check and join a layers directory into a :class:`Dataset`.

    Raises :class:`~kzgeo.errors.LayersInvalid` listing every problem when any
    file is malformed, any join key is unmatched or any reference is unknown.
    """
    catalog = read_catalog(layers_dir)
    digests: dict[Path, str] = {}
    geometries, frames, problems = _read_all(catalog, digests)
    if problems:
        raise LayersInvalid(problems)
    layers = {}
    for name, spec in catalog.layers.items():
        geoms, frame = geometries[name], frames[name]
        # Rows in the order of the features (the geometry file's order).
        keys = frame[spec.key].to_numpy(dtype=object)
        if not (len(keys) == len(geoms) and (keys == geoms.ids).all()):
            frame = frame.take(pd.Index(keys, dtype=object).get_indexer(geoms.ids))
        frame = frame.reset_index(drop=True)
        # The geometry inserted as a column, then named: a third of the time of geometry=... at a million rows.
        frame.insert(len(frame.columns), "geometry", gpd.GeoSeries(geoms.geometry, crs="EPSG:4326"))
        # copy=False: the frame is this layer's alone; geopandas would otherwise copy every column
        # and merge them into blocks (nearly a second at a million rows).
        layers[name] = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326", copy=False)
        log.debug("layer %s: %d features", name, len(frame))
    tables = {name: frames[name] for name in catalog.tables}
    files = {spec.attributes for spec in catalog.all_tables.values()} | {spec.geometry for spec in catalog.layers.values()}
    hashes = {f: digests[catalog.path(f)] for f in sorted(files)} | {"catalog.toml": catalog.sha256}
    return Dataset(catalog=catalog, layers=layers, tables=tables, file_hashes=hashes)


def layer_counts(layers_dir: str | Path | None = None) -> dict[str, int]:
    """Feature (or row) count of every layer and table, layers first."""
    data = read_layers(layers_dir)
    return {**{n: len(f) for n, f in data.layers.items()}, **{n: len(t) for n, t in data.tables.items()}}

