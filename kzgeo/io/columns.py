"""Type and check a whole table at once, column by column, with pyarrow.

A national cadastre has a million rows of twenty columns: twenty million
cells. Checking them one by one in Python (:func:`kzgeo.io.readers.parse_value`)
takes longer than everything else a build does, so a table is first checked
here in bulk:

* each column is trimmed with exactly the characters :meth:`str.strip` removes;
* a column with few distinct values sends only those through ``parse_value``
  (the very rule the cell-by-cell reading applies) and maps the results back;
* a column of mostly distinct values is checked with the same rules written
  as vectorised regular expressions and casts (``str`` and ``ref`` need only
  the text rule; numbers, dates and addresses their pattern).

:func:`typed_columns` accepts nothing that the cell-by-cell reading would
refuse and returns the same values; on any doubt it returns None, and the
caller reads the table cell by cell to name every problem. It is shared by the
CSV reader and the columnar (GeoParquet, GeoPackage, FlatGeobuf) reader.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kzgeo.catalog import FieldSpec

#: Exactly the characters :meth:`str.strip` removes.
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
#: What :func:`kzgeo.catalog.text_problem` refuses, in RE2 syntax.
_BAD_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]|\{[{%#]"
_INT = r"^[+-]?[0-9]{1,18}$"
_FLOAT = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"
_URL = r"(?i)^https?://[^\x00-\x20\x7f<>\"'`\\]+$"
#: A column with at most this share of distinct values is checked value by value.
DISTINCT_SHARE = 0.25


def _any(mask) -> bool:
    return bool(pc.any(mask, skip_nulls=True).as_py() or False)


def _by_distinct(field: FieldSpec, encoded: pa.DictionaryArray, parse):
    """Parse each distinct value once with ``parse`` (the cell rule) and map back; None if any is refused."""
    words = encoded.dictionary.to_pylist()
    parsed: list[Any] = []
    for word in words:
        if word == "":
            if field.required:
                return None
            parsed.append(None)
            continue
        try:
            parsed.append(parse(field, word))
        except ValueError:
            return None
    if field.required and encoded.indices.null_count:
        return None
    parsed.append(None)  # null (missing) cells take the last slot
    codes = encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False)
    if field.type == "float":
        return np.array([np.nan if v is None else v for v in parsed], dtype=float)[codes]
    if field.type == "int":
        return pd.array(parsed, dtype="Int64").take(codes)
    table = np.empty(len(parsed), dtype=object)
    table[:] = parsed
    return table[codes]


#: pandas' Arrow-backed text (missing as NaN): how a column of mostly distinct text is kept.
try:
    ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
except TypeError:  # pandas before 2.3: the same storage, missing as pd.NA
    ARROW_TEXT = pd.StringDtype("pyarrow")


def _strings(column: pa.ChunkedArray, *, arrow: bool = False):
    """A string column as Python strings (None where missing or empty), or with ``arrow``
    as pandas' Arrow-backed text: a million distinct names stay one buffer, not a million objects."""
    values = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    if arrow:
        return pd.array(values, dtype=ARROW_TEXT)
    return values.to_numpy(zero_copy_only=False)


def _vectorised(field: FieldSpec, column: pa.ChunkedArray, *, is_key: bool = False) -> np.ndarray | pd.api.extensions.ExtensionArray | None:
    """The typed values of a column of mostly distinct cells, or None on any doubt.

    Text other than the key is kept Arrow-backed (:data:`ARROW_TEXT`); the key
    stays Python strings, as every join and lookup uses it.
    """
    present = pc.and_(pc.is_valid(column), pc.not_equal(column, ""))
    if field.required and not _all(present):
        return None
    kind = field.type
    if kind in ("str", "ref"):
        return _strings(column, arrow=not is_key)
    if kind in ("int", "float"):
        if not _all_or_missing(pc.match_substring_regex(column, _INT if kind == "int" else _FLOAT), present):
            return None
        blank = pc.if_else(present, column, pa.scalar(None, pa.string()))
        try:
            numbers = pc.cast(blank, pa.int64() if kind == "int" else pa.float64())
        except pa.ArrowInvalid:
            return None
        if kind == "float":
            values = numbers.to_numpy(zero_copy_only=False).astype(float)
            return values if np.isfinite(values[~np.isnan(values)]).all() else None
        return pd.array(numbers.to_pylist(), dtype="Int64") if numbers.null_count else pd.array(numbers.to_numpy(), dtype="Int64")
    if kind == "url":
        return _strings(column) if _all_or_missing(pc.match_substring_regex(column, _URL), present) else None
    return None  # dates, enums and id lists: few distinct values in any real table


def _all(mask) -> bool:
    return bool(pc.all(mask, skip_nulls=False).as_py())


def _all_or_missing(matches, present) -> bool:
    return _all(pc.or_(pc.fill_null(matches, False), pc.invert(present)))


def trimmed(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """A string column with :meth:`str.strip`'s whitespace removed from both ends of every cell."""
    return pc.utf8_trim(column, characters=WHITESPACE)


def needs_trim(column) -> bool:
    """True if some cell begins or ends with whitespace (only the distinct first and last characters are looked at)."""
    if not len(column):
        return False
    for edge in (pc.utf8_slice_codeunits(column, 0, 1), pc.utf8_slice_codeunits(column, -1)):
        if any(ch and ch.isspace() for ch in pc.unique(edge).to_pylist()):
            return True
    return False


def has_bad_text(column) -> bool:
    """True if any cell holds what :func:`kzgeo.catalog.text_problem` refuses."""
    return _any(pc.match_substring_regex(column, _BAD_TEXT))


def typed_columns(columns: dict[str, pa.ChunkedArray], fields: list[FieldSpec], key: str, parse, *, text_checked: bool = False, consume: bool = False) -> pd.DataFrame | None:
    """The table as a typed DataFrame (columns in ``fields`` order), or None if any cell needs a closer look.

    ``columns`` are trimmed string columns of equal length, rows that were
    entirely blank already dropped; ``parse`` is the cell rule
    (:func:`kzgeo.io.readers.parse_value`). With ``text_checked`` the caller
    has already made sure no cell holds a control character or a template
    marker (for a CSV file, by one scan of its bytes). With ``consume`` each
    column is removed from ``columns`` once typed, so its Arrow memory goes
    as its Python values come.
    """
    n = len(columns[key]) if columns else 0
    out: dict[str, Any] = {}
    for f in fields:
        column = columns.pop(f.name) if consume else columns[f.name]
        if not text_checked and f.type not in ("int", "float") and has_bad_text(column):
            return None
        encoded = pc.dictionary_encode(column).combine_chunks()
        if f.name == key and (len(encoded.dictionary) != n or encoded.null_count):
            return None
        if len(encoded.dictionary) <= max(64, DISTINCT_SHARE * n) or f.type in ("date", "enum", "refs"):
            values = _by_distinct(f, encoded, parse)
        else:
            del encoded
            values = _vectorised(f, column, is_key=f.name == key)
        if values is None:
            return None
        out[f.name] = values
    frame = pd.DataFrame({name: _series(values, f) for (name, values), f in zip(out.items(), fields)})
    return frame


def _series(values, field: FieldSpec) -> pd.Series:
    if isinstance(values, pd.api.extensions.ExtensionArray) and values.dtype == ARROW_TEXT:
        return pd.Series(values)
    if field.type == "int":
        return pd.Series(values, dtype="Int64")
    if field.type == "float":
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype=object)
