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
    """True if some cell begins or ends with whitespace (:data:`WHITESPACE`, :meth:`str.strip`'s set).

    Read from the Arrow buffers without making any string: the first and last
    byte of every cell are looked up in a table of the bytes a whitespace
    character can begin or end with, and only the cells that pass are checked
    exactly, on their first and last two or three bytes (UTF-8 of U+0085,
    U+00A0, U+1680, U+2000...).
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return any(_chunk_needs_trim(chunk) for chunk in chunks if len(chunk))


#: Whitespace characters of one UTF-8 byte, by byte value.
_WS_BYTE = np.zeros(256, dtype=bool)
#: By pairs of bytes (first * 256 + second): can a whitespace character's UTF-8 of two or three
#: bytes begin with the pair (``_WS_HEAD``) or end with it (``_WS_TAIL``)?
_WS_HEAD = np.zeros(1 << 16, dtype=bool)
_WS_TAIL = np.zeros(1 << 16, dtype=bool)
for _c in WHITESPACE:
    _b = _c.encode("utf-8")
    if len(_b) == 1:
        _WS_BYTE[_b[0]] = True
    else:
        _WS_HEAD[_b[0] << 8 | _b[1]] = True
        _WS_TAIL[_b[-2] << 8 | _b[-1]] = True
#: Whitespace characters of two or three bytes, as big-endian integers of their UTF-8.
_WS_LONG = frozenset(int.from_bytes(c.encode("utf-8"), "big") for c in WHITESPACE if len(c.encode("utf-8")) > 1)


def _chunk_needs_trim(chunk: pa.Array) -> bool:
    if chunk.type != pa.string():
        chunk = chunk.cast(pa.string())
    _, offsets_buffer, data_buffer = chunk.buffers()
    if data_buffer is None or not len(data_buffer):
        return False
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts  # missing cells have no bytes
    starts, ends = starts[filled], ends[filled]
    if _WS_BYTE[data[starts]].any() or _WS_BYTE[data[ends - 1]].any():
        return True
    longer = ends - starts >= 2
    starts, ends = starts[longer], ends[longer]
    head = _WS_HEAD[(data[starts].astype(np.int64) << 8) | data[starts + 1]]
    tail = _WS_TAIL[(data[ends - 2].astype(np.int64) << 8) | data[ends - 1]]
    # The few cells whose first or last two bytes could belong to one: their whole character, exactly.
    for at in np.flatnonzero(head)[:10_000].tolist():
        first = bytes(data[starts[at] : min(starts[at] + 3, ends[at])])
        if any(int.from_bytes(first[:n], "big") in _WS_LONG for n in (2, 3) if len(first) >= n):
            return True
    for at in np.flatnonzero(tail)[:10_000].tolist():
        last = bytes(data[max(ends[at] - 3, starts[at]) : ends[at]])
        if any(int.from_bytes(last[-n:], "big") in _WS_LONG for n in (2, 3) if len(last) >= n):
            return True
    if head.sum() > 10_000 or tail.sum() > 10_000:
        return True  # more doubtful cells than are worth looking at one by one: trim, which changes nothing if none
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

    def typed(f: FieldSpec):
        column = columns.pop(f.name) if consume else columns[f.name]  # popped as it is worked on: its memory goes with it
        if not text_checked and f.type not in ("int", "float") and has_bad_text(column):
            return None
        if f.name != key and f.type in ("str", "ref") and _mostly_distinct(column):
            return _vectorised(f, column)  # names and notes: counting a million distinct values tells nothing
        encoded = pc.dictionary_encode(column).combine_chunks()
        if f.name == key and (len(encoded.dictionary) != n or encoded.null_count):
            return None
        if len(encoded.dictionary) <= max(64, DISTINCT_SHARE * n) or f.type in ("date", "enum", "refs"):
            return _by_distinct(f, encoded, parse)
        del encoded
        return _vectorised(f, column, is_key=f.name == key)

    out: dict[str, Any] = {}
    for f, values in zip(fields, map_columns(typed, [(f,) for f in fields], n)):
        if values is None:
            return None
        out[f.name] = values
    # copy=False: each column stays its own array (pandas would otherwise copy them all into one block).
    return pd.DataFrame({name: _series(values, f) for (name, values), f in zip(out.items(), fields)}, copy=False)


#: Rows from which a table's columns are worked on in two threads (see :func:`map_columns`).
PARALLEL_ROWS = 50_000


def map_columns(func, items: list[tuple], rows: int) -> list:
    """``[func(*item) for item in items]``, in two threads for a table of at least :data:`PARALLEL_ROWS` rows.

    Arrow's compute functions and most of numpy let go of Python's lock, so
    the columns of a national table are trimmed and typed on both cores; the
    results are the same and in the same order.
    """
    if rows < PARALLEL_ROWS or len(items) < 2:
        return [func(*item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kzgeo-columns") as pool:
        return list(pool.map(lambda item: func(*item), items))


#: How many leading values :func:`_mostly_distinct` looks at.
SAMPLE = 10_000


def _mostly_distinct(column) -> bool:
    """Whether a long column's first :data:`SAMPLE` values are almost all distinct (names, notes).

    Text is typed the same either way (the text rule is all it needs); this
    only spares hashing a million names to learn that they do not repeat.
    """
    if len(column) < 4 * SAMPLE:
        return False
    head = column.slice(0, SAMPLE)
    return len(pc.unique(head)) > 0.9 * SAMPLE


def _series(values, field: FieldSpec) -> pd.Series:
    """The column as a Series, without copying: its values were made for it alone."""
    if isinstance(values, pd.api.extensions.ExtensionArray) and values.dtype == ARROW_TEXT:
        return pd.Series(values, copy=False)
    if field.type == "int":
        return pd.Series(values, dtype="Int64", copy=False)
    if field.type == "float":
        return pd.Series(values, dtype="float64", copy=False)
    return pd.Series(values, dtype=object, copy=False)
