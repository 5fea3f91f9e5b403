"""Checks on what the layers cite and say: every source can be found, no internal words.

:func:`check_citations` returns a :class:`~kzgeo.errors.Problem` for

- a source with neither a web address (field role ``url``) nor a stated
  reason why there is none (role ``no_url_reason``), in a catalog that
  declares both;
- any text cell, in any layer or table, that carries one of
  :data:`INTERNAL_WORDS`: working labels of the research notes that mean
  nothing to a reader of the maps and reports.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from kzgeo.errors import Problem

#: Words from the project's working notes that must not reach any output.
INTERNAL_WORDS = ("seed article", "[csc]", "fact sheet")


def _word_hits(values, words) -> list[tuple[int, int]]:
    """(row position, word number) of every cell of ``values`` (a pandas Series) holding one of ``words``, any case.

    Each distinct value is looked at once (a national table repeats a few words
    a million times); Arrow-backed text is searched in Arrow.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    hits = []
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        array = pa.array(values)
        if not _may_hold(_arrow_bytes(array), words):
            return hits
        for k, word in enumerate(words):
            found = pc.fill_null(pc.match_substring(array, word, ignore_case=True), False)
            hits += [(int(i), k) for i in np.flatnonzero(found.to_numpy(zero_copy_only=False))]
        return hits
    if len(values) > 10_000 and values.iloc[:1000].nunique() > 900:
        # Mostly distinct (ids, addresses): one lower-cased text of all the values says whether any word is there at all.
        everything = "\x00".join([v for v in values.tolist() if isinstance(v, str)]).lower()
        if not any(word in everything for word in words):
            return hits
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lowered = [u.lower() if isinstance(u, str) else "" for u in uniques.tolist()]
    everything = "\x00".join(lowered)  # no word holds a NUL, so none can span two values
    for k, word in enumerate(words):
        if word not in everything:
            continue
        flagged = np.array([word in u for u in lowered] + [False], dtype=bool)
        hits += [(int(i), k) for i in np.flatnonzero(flagged[codes])]
    return hits


def _arrow_bytes(array) -> bytes:
    """The UTF-8 bytes of every value of an Arrow string array, one after another (a little more at most)."""
    chunks = array.chunks if hasattr(array, "chunks") else [array]
    parts = []
    for chunk in chunks:
        data = chunk.buffers()[2] if len(chunk) else None
        if data is not None:
            parts.append(data.to_pybytes())
    return b"".join(parts)


#: Characters other than ASCII letters that Arrow's case-insensitive search (RE2) takes for one:
#: the long s and the Kelvin sign.
_FOLDS_TO_ASCII = ("\u017f".encode(), "\u212a".encode())


def _may_hold(data: bytes, words) -> bool:
    """False only if no value in ``data`` can hold any of ``words`` in any case (ASCII words).

    Lower-casing the bytes changes ASCII letters only; a value holding a
    character that case-folds to one (:data:`_FOLDS_TO_ASCII`) is left to
    the exact search. Words may seem to span two values: that only costs
    the exact search.
    """
    if any(ch in data for ch in _FOLDS_TO_ASCII):
        return True
    lowered = data.lower()
    return any(word.lower().encode() in lowered for word in words)


def check_citations(catalog: Any, rows: Mapping[str, Any], *, without_words: Collection[str] = ()) -> list[Problem]:
    """Sources that cannot be found again, and internal words in any text cell.

    ``rows`` maps a table name to its rows: a DataFrame (as the loader holds
    them) or a list of row dicts. ``without_words`` names tables known to hold
    none of :data:`INTERNAL_WORDS` (the loader searched their files' bytes,
    :func:`kzgeo.io.readers.may_hold_words`): their cells are not searched again.
    """
    import pandas as pd

    problems: list[Problem] = []
    sources_table = catalog.sources_table
    for name, spec in catalog.all_tables.items():
        if name not in rows:
            continue
        frame = rows[name]
        frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(list(frame), columns=spec.field_names)
        text_fields = [f.name for f in spec.fields if f.type in ("str", "url") and f.name in frame]
        url, reason = spec.field("url"), spec.field("no_url_reason")
        keys = frame[spec.key].tolist() if spec.key in frame else [None] * len(frame)
        found: list[tuple[int, int, int, Problem]] = []
        if name == sources_table and url and reason:
            for i, (u, r) in enumerate(zip(frame[url].tolist(), frame[reason].tolist())):
                if not (isinstance(u, str) and u) and not (isinstance(r, str) and r):
                    found.append((i, -1, 0, Problem(spec.attributes, f'row ({spec.key} "{keys[i]}")', f"has no {url} and no {reason}: give the address or say why there is none")))
        for j, field in enumerate(text_fields if name not in without_words else ()):
            for i, k in _word_hits(frame[field], INTERNAL_WORDS):
                found.append((i, j, k, Problem(spec.attributes, f'row ({spec.key} "{keys[i]}")', f'field {field}: internal word "{INTERNAL_WORDS[k]}" would reach the maps')))
        problems += [p for *_, p in sorted(found, key=lambda t: t[:3])]
    return problems
