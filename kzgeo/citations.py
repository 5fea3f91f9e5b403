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

from collections.abc import Mapping, Sequence
from typing import Any

from kzgeo.errors import Problem

#: Words from the project's working notes that must not reach any output.
INTERNAL_WORDS = ("seed article", "[csc]", "fact sheet")


def check_citations(catalog: Any, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Problem]:
    """Sources that cannot be found again, and internal words in any text cell."""
    problems: list[Problem] = []
    sources_table = catalog.sources_table
    for name, spec in catalog.all_tables.items():
        text_fields = [f.name for f in spec.fields if f.type in ("str", "url")]
        url, reason = spec.field("url"), spec.field("no_url_reason")
        for r in rows.get(name, []):
            where = f'row ({spec.key} "{r.get(spec.key)}")'
            if name == sources_table and url and reason and not r.get(url) and not r.get(reason):
                problems.append(Problem(spec.attributes, where, f"has no {url} and no {reason}: give the address or say why there is none"))
            for field in text_fields:
                value = r.get(field)
                if isinstance(value, str):
                    lowered = value.lower()
                    for word in INTERNAL_WORDS:
                        if word in lowered:
                            problems.append(Problem(spec.attributes, where, f'field {field}: internal word "{word}" would reach the maps'))
    return problems
