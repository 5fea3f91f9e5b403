"""Popup and tooltip HTML for features -- the one place data becomes markup.

Every attribute value passes through :func:`esc` before it is placed in HTML,
so an apostrophe, ``<``, ``&`` or a ``<script>`` in the data shows as text.
Nothing else in kzgeo builds HTML from data; the map elements receive data as
JSON and insert it with ``textContent``.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from kzgeo.labels import label

#: Columns shown elsewhere in the popup (heading, sources) or not meant for readers.
_SKIP = {"id", "name_en", "sources", "geometry"}


def esc(value: Any) -> str:
    """Escape any value for HTML text and attribute context."""
    return html.escape(str(value), quote=True)


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value: Any) -> str:
    """A cell as readers see it: whole floats with thousands separators, others to two places."""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def tooltip_html(name: Any) -> str:
    return esc(name)


def is_web_url(url: Any) -> bool:
    """True for an http(s) address: the only kind a map links to."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def source_items(cited: list[dict[str, Any]]) -> str:
    """``<li>`` items for cited sources: a link where the address is http(s), the date always."""
    items = []
    for src in cited:
        text = f"{esc(src['publisher'])}: {esc(src['title'])} ({esc(src['date'])})"
        url = src.get("url")
        if is_web_url(url):
            text = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{text}</a>'
        items.append(f"<li>{text}</li>")
    return "".join(items)


def popup_html(
    row: dict[str, Any],
    *,
    name_field: str,
    cited: list[dict[str, Any]],
    extra_sections: list[tuple[str, list[str]]] = (),
    lang: str = "en",
) -> str:
    """The popup of one feature: name, attribute table, extra sections, sources.

    ``extra_sections`` are ``(heading key, [plain-text lines])``; the lines are
    escaped here like every other value.
    """
    cells = [
        f"<tr><th>{esc(label(key, lang))}</th><td>{esc(format_value(value))}</td></tr>"
        for key, value in row.items()
        if key not in _SKIP and key != name_field and not _is_missing(value) and not key.startswith("_")
    ]
    parts = [f'<div class="kz-popup"><h4>{esc(row.get(name_field, row.get("id", "")))}</h4>']
    parts.append(f"<table>{''.join(cells)}</table>")
    for heading, lines in extra_sections:
        if lines:
            parts.append(f"<h5>{esc(label(heading, lang))}</h5><ul>{''.join(f'<li>{esc(line)}</li>' for line in lines)}</ul>")
    parts.append(f"<h5>{esc(label('sources', lang))}</h5><ul class=\"kz-sources\">{source_items(cited)}</ul></div>")
    return "".join(parts)

