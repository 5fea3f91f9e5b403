"""Popup, tooltip and text-panel HTML -- the one place data becomes markup.

Every attribute value passes through :func:`esc` before it is placed in HTML,
so an apostrophe, ``<``, ``&`` or a ``<script>`` in the data shows as text.
Nothing else in kzgeo builds HTML from data; the map elements receive data as
JSON and insert it with ``textContent``.
"""

from __future__ import annotations

import html
from typing import Any

from kzgeo.dataset import cell_value
from kzgeo.labels import label
from kzgeo.text import citation_text, source_address


def esc(value: Any) -> str:
    """Escape any value for HTML text and attribute context."""
    return html.escape(str(value), quote=True)

def format_value(value: Any) -> str:
    """A value as the maps show it: whole numbers with thousands separators, others to 2 decimals."""
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

def source_items(cited: list[dict[str, Any]], lang: str = "en") -> str:
    """``<li>`` items for cited sources: a link where the address is http(s), the date always."""
    items = []
    for src in cited:
        text = esc(citation_text(src, lang))
        url = src.get("url")
        if is_web_url(url):
            text = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{text}</a>'
        items.append(f"<li>{text}</li>")
    return "".join(items)

def popup_html(
    row: dict[str, Any],
    *,
    name_field: str,
    captions: dict[str, str],
    hidden: set[str | None],
    cited: list[dict[str, Any]],
    extra_sections: list[tuple[str, list[str]]] = (),
    lang: str = "en",
) -> str:
    """The popup of one feature: name, attribute table, extra sections, sources.

    ``captions`` maps a field to the caption shown for it; ``hidden`` fields
    (the id, the sources cell, shown as the list below) are left out.
    ``extra_sections`` are ``(heading key, [plain-text lines])``; the lines are
    escaped here like every other value.
    """
    cells = [
        f"<tr><th>{esc(captions.get(key, key))}</th><td>{esc(format_value(value))}</td></tr>"
        for key, value in row.items()
        if key not in hidden and key != "geometry" and key != name_field and cell_value(value) is not None and not key.startswith("_")
    ]
    parts = [f'<div class="kz-popup"><h4>{esc(row.get(name_field, ""))}</h4>']
    parts.append(f"<table>{''.join(cells)}</table>")
    for heading, lines in extra_sections:
        if lines:
            parts.append(f"<h5>{esc(label(heading, lang))}</h5><ul>{''.join(f'<li>{esc(line)}</li>' for line in lines)}</ul>")
    parts.append(f"<h5>{esc(label('sources', lang))}</h5><ul class=\"kz-sources\">{source_items(cited, lang)}</ul></div>")
    return "".join(parts)

def card_html(card: dict[str, Any], *, cited: list[dict[str, Any]], lang: str = "en") -> str:
    """A briefing card: the name, a few headline lines, then everything else in a closed ``<details>``.

    ``card`` holds plain text (see :func:`kzgeo.html.render.card`): ``name``,
    ``facts`` (lines under the name), ``headline`` and ``headline_note``,
    ``rows`` (caption, value) and ``sections`` (heading key, lines).
    """
    parts = [f'<div class="kz-popup"><h4>{esc(card["name"])}</h4>']
    for fact in card.get("facts", []):
        parts.append(f'<p class="kz-fact">{esc(fact)}</p>')
    if card.get("headline"):
        parts.append(f'<p class="kz-fact kz-headline">{esc(card["headline"])}</p>')
    if card.get("headline_note"):
        parts.append(f'<p class="kz-fact kz-muted">{esc(card["headline_note"])}</p>')
    parts.append(f'<details><summary>{esc(label("details", lang))}</summary>')
    rows = "".join(f"<tr><th>{esc(caption)}</th><td>{esc(value)}</td></tr>" for caption, value in card.get("rows", []))
    if rows:
        parts.append(f"<table>{rows}</table>")
    for heading, lines in card.get("sections", []):
        if lines:
            parts.append(f"<h5>{esc(label(heading, lang))}</h5><ul>{''.join(f'<li>{esc(line)}</li>' for line in lines)}</ul>")
    parts.append(f"<h5>{esc(label('sources', lang))}</h5><ul class=\"kz-sources\">{source_items(cited, lang)}</ul></details></div>")
    return "".join(parts)


def source_list_html(heading: str, cited: list[dict[str, Any]], lang: str = "en") -> str:
    """The page's numbered source list: publisher, title, date and the web address, printed and
    linked (or why there is none)."""
    items = []
    for number, src in enumerate(cited, 1):
        text = esc(citation_text(src, lang))
        url = src.get("url")
        if is_web_url(url):
            text += f' <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(url)}</a>'
        else:
            text += f" ({esc(source_address(src, lang))})"
        items.append(f'<li id="kz-src-{number}">{text}</li>')
    return f'<section class="kz-sourcelist"><h3>{esc(heading)}</h3><ol>{"".join(items)}</ol></section>'


def table_html(caption: str, headers: list[str], rows: list[list[Any]]) -> str:
    """An accessible table: a caption, column headers with ``scope="col"``, and each
    row's first cell as its header with ``scope="row"``."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        f'<tr><th scope="row">{esc(format_value(row[0]))}</th>'
        + "".join(f"<td>{'' if cell_value(v) is None else esc(format_value(v))}</td>" for v in row[1:])
        + "</tr>"
        for row in rows
    )
    return f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

def text_panel_html(
    panel_id: str,
    *,
    heading: str,
    close: str,
    summary_heading: str,
    summary: str,
    tables: list[tuple[str, list[str], list[list[Any]]]],
    footer: str,
    sources: str = "",
) -> str:
    """The page's "map as text" panel: a summary paragraph and one table per layer.

    Hidden until its button opens it; the heading takes focus so a screen
    reader starts reading there, and Escape or the close button returns.
    """
    parts = [
        f'<section id="{esc(panel_id)}" class="kz-panel" hidden aria-labelledby="{esc(panel_id)}-h">',
        f'<button type="button" class="kz-panel-close">{esc(close)}</button>',
        f'<h2 id="{esc(panel_id)}-h" tabindex="-1">{esc(heading)}</h2>',
        f'<h3>{esc(summary_heading)}</h3><p class="kz-summary">{esc(summary)}</p>',
    ]
    parts += [table_html(*table) for table in tables]
    parts.append(sources)
    parts.append(f'<p class="kz-manifest">{esc(footer)}</p></section>')
    return "".join(parts)


def attribute_popup_html(title: Any, row: dict[str, Any]) -> str:
    """The popup of a feature from an analyst's own GeoDataFrame: its name and every attribute.

    Column names and values are escaped like every other value; missing
    values are left out. There is no sources section: the frame cites none.
    """
    cells = [
        f"<tr><th>{esc(key)}</th><td>{esc(format_value(value))}</td></tr>"
        for key, value in row.items()
        if cell_value(value) is not None
    ]
    return f'<div class="kz-popup"><h4>{esc(title)}</h4><table>{"".join(cells)}</table></div>'
