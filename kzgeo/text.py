"""The map as plain text, in the map's language: names, a summary and feature tables.

A screen-reader user, or anyone reading a map without a mouse, gets the same
content as plain text: one paragraph generated from the data (counts,
commodities, how many locations are approximate, the "as of" date) and one
table per layer. Everything here returns plain strings; :mod:`kzgeo.html.popup`
turns them into escaped HTML and :mod:`kzgeo.printmap` draws them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kzgeo import figures, formats
from kzgeo.catalog import LayerSpec, TableSpec
from kzgeo.dataset import Dataset, cell_value
from kzgeo.io.readers import split_refs
from kzgeo.labels import label, term
from kzgeo.style import is_approximate


def name_field(data: Dataset, layer: str, lang: str) -> str:
    """The column holding a layer's names in ``lang``, else its English names, else its ids."""
    return data.catalog.layers[layer].name_in(lang)


def field_label(spec: TableSpec, name: str, lang: str) -> str:
    """The caption of field ``name`` in ``lang``: the catalog's label, else its English label, else the name."""
    field = spec.spec_of(name)
    captions = field.label if field else {}
    return captions.get(lang) or captions.get("en") or name


def cited_refs(spec: TableSpec, row: dict[str, Any]) -> list[str]:
    """The source ids a row cites (its ``sources`` field)."""
    field = spec.field("sources")
    return split_refs(row.get(field)) if field else []


def feature_names(data: Dataset, lang: str) -> dict[str, str]:
    """Every feature id across all layers mapped to its name in ``lang``."""
    names: dict[str, str] = {}
    for layer, frame in data.layers.items():
        spec = data.catalog.layers[layer]
        # Whole columns as lists first: element by element, Arrow-backed text is slow.
        names.update(zip(frame[spec.key].tolist(), frame[name_field(data, layer, lang)].tolist()))
    return names


def layer_title(data: Dataset, layer: str, lang: str) -> str:
    """The layer's catalog title in ``lang``."""
    return term(data.catalog.layers[layer].title, lang)


def enum_fields(data: Dataset, layer: str) -> set[str]:
    """Fields whose values are catalog words (translated with :func:`kzgeo.labels.term`)."""
    return {f.name for f in data.catalog.layers[layer].fields if f.type == "enum"}


def ref_fields(data: Dataset, layer: str) -> set[str]:
    """Fields holding one feature id (``ref``), shown by the feature's name rather than its id."""
    return {f.name for f in data.catalog.layers[layer].fields if f.type == "ref"}


#: Field roles a layer's text table shows after its style fields, in this order.
TABLE_ROLES_SHOWN = ("status", "region", "country", "accuracy", "uncertainty")


def table_columns(data: Dataset, layer: str) -> list[str]:
    """Columns of a layer's text table: the name, its style category, status, location accuracy."""
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    wanted = [spec.style.by if spec.style else None, spec.style.dash_by if spec.style else None]
    wanted += [spec.field(role) for role in TABLE_ROLES_SHOWN]
    return [c for c in dict.fromkeys(wanted) if c and c in frame.columns]


def table_rows(data: Dataset, layer: str, lang: str) -> tuple[list[str], list[list[Any]]]:
    """Header captions and rows (first cell the name) of a layer's text table, in ``lang``."""
    spec = data.catalog.layers[layer]
    columns = table_columns(data, layer)
    enums = enum_fields(data, layer)
    frame = data.layers[layer]
    headers = [label("name", lang)] + [field_label(spec, c, lang) for c in columns]
    rows = []
    for record in frame.sort_values(name_field(data, layer, lang)).to_dict("records"):
        row = [record[name_field(data, layer, lang)]]
        for c in columns:
            value = record[c]
            if spec.translations_of(c):  # data text with its own translation columns (route variants)
                row.append(translated(spec, record, c, lang) or value)
            else:
                row.append(term(str(value), lang) if c in enums and isinstance(value, str) else value)
        rows.append(row)
    return headers, rows


def map_summary(data: Dataset, layers: list[str], lang: str) -> str:
    """One paragraph describing the map, generated from the data."""
    parts = []
    approx = total = 0
    for layer in layers:
        spec = data.catalog.layers[layer]
        frame = data.layers[layer]
        count = str(len(frame))
        if spec.style and spec.geometry_type == "Point" and spec.style.by == spec.field("commodity"):
            counts = Counter({str(k): int(n) for k, n in frame[spec.style.by].value_counts(dropna=False).items()})
            count += " (" + ", ".join(f"{term(v, lang)} {n}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) + ")"
        parts.append(label("summary_layer", lang).format(title=layer_title(data, layer, lang), count=count))
        accuracy = spec.field("accuracy")
        if spec.geometry_type == "Point" and accuracy in frame:
            total += len(frame)
            approx += sum(is_approximate(spec, {accuracy: v}) * int(n) for v, n in frame[accuracy].value_counts(dropna=False).items())
    sentences = [label("summary_shows", lang).format(parts="; ".join(parts))]
    if total:
        sentences.append(label("summary_approx", lang).format(approx=approx, total=total))
    agreements = data.records("agreements", "date")
    if agreements:
        dates = sorted(str(a["date"]) for a in agreements)
        sentences.append(label("summary_agreements", lang).format(count=len(agreements), first=dates[0], last=dates[-1]))
    cited = set()
    for layer in layers:
        spec = data.catalog.layers[layer]
        for refs in data.layers[layer][spec.field("sources")].dropna().unique():
            cited.update(split_refs(refs))
    sentences.append(label("summary_as_of", lang).format(as_of=data.as_of, sources=len(cited)))
    return " ".join(sentences)


#: Field roles of an agreement that maps and popups show.
AGREEMENT_ROLES = ("date", "title", "features")


def agreements_in(data: Dataset, lang: str, *roles: str, optional: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The agreements keyed by ``id`` and field roles, their free text (title, parties, summary) in ``lang``."""
    rows = data.records("agreements", *roles, optional=optional)
    name = data.catalog.name_for("agreements")
    if not rows or name is None:
        return rows
    spec = data.catalog.all_tables[name]
    frame = data.frame_for("agreements")
    for row, raw in zip(rows, frame.to_dict("records")):
        for role in ("title", "parties", "summary"):
            field = spec.field(role)
            if field and role in row:
                row[role] = translated(spec, raw, field, lang) or None
    return rows


def agreements_by_feature(data: Dataset, lang: str = "en") -> dict[str, list[dict[str, Any]]]:
    """Per feature id, the agreements that concern it, oldest first (ties in table order).

    Each agreement is a dict keyed by ``id`` and :data:`AGREEMENT_ROLES`, its text in ``lang``.
    """
    by_feature: dict[str, list[dict[str, Any]]] = {}
    rows = agreements_in(data, lang, *AGREEMENT_ROLES, optional=("parties", "summary", "value"))
    for row in sorted(rows, key=lambda r: str(r["date"])):
        for fid in split_refs(row["features"]):
            by_feature.setdefault(fid, []).append(row)
    return by_feature


def agreement_items(data: Dataset, lang: str = "en") -> list[dict[str, Any]]:
    """The agreements as dated items, oldest first, each with the feature ids it concerns and its title in ``lang``."""
    items = [
        {"id": r["id"], "date": str(r["date"]), "title": r["title"], "features": split_refs(r["features"])}
        for r in agreements_in(data, lang, *AGREEMENT_ROLES)
    ]
    return sorted(items, key=lambda a: (a["date"], a["id"]))


def citation_text(source: dict[str, Any], lang: str = "en") -> str:
    """"Publisher: title (date)" for one row of the sources table, the date as ``lang`` writes it,
    or "undated" in ``lang`` when the source carries none (never "None")."""
    when = cell_value(source.get("date"))
    return f"{source['publisher']}: {source['title']} ({formats.date(when, lang) if when is not None else label('undated', lang)})"


def source_address(source: dict[str, Any], lang: str = "en") -> str:
    """A source's web address, or "no web address" in ``lang`` (the reason stays in the sources
    table: it is English data, and a briefing list needs only to say there is nothing to click)."""
    url = cell_value(source.get("url"))
    return str(url) if url is not None else label("no_web_address", lang)


def source_lines(data: Dataset, layers: list[str], *, urls: bool = False, lang: str = "en") -> list[str]:
    """Every source cited by ``layers``, one line each, sorted by publisher and date (``urls``: with its web address)."""
    ids: set[str] = set()
    for layer in layers:
        for refs in data.layers[layer][data.catalog.layers[layer].field("sources")]:
            ids.update(split_refs(refs))
    rows = [data.sources.loc[i].to_dict() for i in sorted(ids)]
    return sorted(citation_text(r, lang) + (f" {source_address(r, lang)}" if urls else "") for r in rows)


#: Field roles of a resource figure that a popup line shows.
FIGURE_ROLES = ("feature", "quantity", "unit", "commodity", "basis", "sources")


def figures_by_feature(data: Dataset, lang: str = "en") -> dict[str, list[dict[str, Any]]]:
    """Per feature id, its resource figures in table order, keyed by ``id`` and :data:`FIGURE_ROLES`,
    commodity and note in ``lang`` where the data translates them.

    A figure recorded on a group of deposits is listed on every member, with
    ``shared`` naming the group; the others have ``shared`` None.
    """
    groups = figures.groups_of(data)
    by_feature: dict[str, list[dict[str, Any]]] = {}
    rows = data.records("figures", *FIGURE_ROLES, optional=("note", "published_text"))
    if rows and lang != "en":
        spec = data.catalog.all_tables[data.catalog.name_for("figures")]
        for row, raw in zip(rows, data.frame_for("figures").to_dict("records")):
            for role in ("commodity", "note"):
                field = spec.field(role)
                if field and row.get(role) is not None:
                    row[role] = translated(spec, raw, field, lang) or None
    for row in rows:
        group = groups.get(row["feature"])
        for fid in group[1] if group else [row["feature"]]:
            by_feature.setdefault(fid, []).append({**row, "shared": group[0] if group else None})
    return by_feature


def value_translations(data: Dataset, layer: str, field: str, lang: str) -> dict[str, str]:
    """A text field's values mapped to their translations in ``lang`` (for legends of a text field, e.g. route variants)."""
    spec = data.catalog.layers[layer]
    column = spec.translation_of(field, lang)
    if not column:
        return {}
    frame = data.layers[layer]
    return {str(a): str(b) for a, b in zip(frame[field], frame[column]) if cell_value(a) is not None and cell_value(b) not in (None, "")}


def style_value_words(data: Dataset, layer: str, lang: str, spec: LayerSpec | None = None) -> dict[str, str]:
    """The values a layer's style colours and dashes by, mapped to the data's own translations in ``lang``.

    For a style by a text field with translation columns (the corridors map colours route
    variants: ``variant`` with ``variant_ru``, ``variant_kk``); enum values are catalog words and
    go through :func:`kzgeo.labels.term` instead. ``spec``: the layer as a map spec restyles it.
    Every legend uses this: the HTML map's, the QGIS rule labels and layout legends.
    """
    spec = spec or data.catalog.layers[layer]
    words: dict[str, str] = {}
    for column in (spec.style.by, spec.style.dash_by) if spec.style else ():
        if column:
            words.update(value_translations(data, layer, column, lang))
    return words


def resource_lines(data: Dataset, fid: str, figures: dict[str, list[dict[str, Any]]] | None = None, lang: str = "en") -> tuple[list[str], list[str]]:
    """The resource figures of feature ``fid`` as plain-text lines in ``lang``, and the sources they cite."""
    rows = (figures if figures is not None else figures_by_feature(data, lang)).get(fid, [])
    return [resource_line(row, lang) for row in rows], [ref for row in rows for ref in split_refs(row["sources"])]


#: Units of resource figures as each language abbreviates them.
UNITS = {"ru": {"Mt": "млн т", "kt": "тыс. т", "t": "т"}, "kk": {"Mt": "млн т", "kt": "мың т", "t": "т"}}


def unit(text: Any, lang: str) -> str:
    return UNITS.get(lang, {}).get(str(text), str(text))


def resource_line(row: dict[str, Any], lang: str = "en") -> str:
    """One resource figure (keyed by :data:`FIGURE_ROLES`) as a plain-text popup line in ``lang``.

    On the English page the published wording leads where the catalog declares
    it; other languages get the number in their own format. A figure shared by
    a group of deposits says so.
    """
    note = f"; {row['note']}" if isinstance(row.get("note"), str) else ""
    text = row.get("published_text")
    if lang == "en" and isinstance(text, str) and text:
        head = text
    else:
        head = f"{formats.number(row['quantity'], lang, digits=3)} {unit(row['unit'], lang)} {row['commodity']}"
    scope = label("shared_figure", lang).format(group=row["shared"]) + "; " if isinstance(row.get("shared"), str) else ""
    return f"{head} ({scope}{term(row['basis'], lang)}{note})"


def agreement_lines(data: Dataset, lang: str = "en") -> dict[str, list[str]]:
    """Per feature id, the agreements that concern it as plain-text popup lines in ``lang``, oldest first."""
    return {
        fid: [
            f"{formats.date(r['date'], lang)}: {r['title']}"
            + (f" ({r['parties']})" if r["parties"] else "")
            + (f"; {formats.usd(r['value'] * 1e6, lang)}" if isinstance(r.get("value"), (int, float)) and r["value"] == r["value"] else "")
            for r in rows
        ]
        for fid, rows in agreements_by_feature(data, lang).items()
    }


def translated(spec: TableSpec, row: dict[str, Any], field: str, lang: str) -> str:
    """``row[field]`` in ``lang``: the catalog's translation column where filled, else the English text marked as such.

    A translation column declares ``translates = "<field>"`` and its ``lang``
    in the catalog; ``kzgeo validate`` warns about every empty one.
    """
    value = cell_value(row.get(field))
    if value is None:
        return ""
    column = spec.translation_of(field, lang)
    if lang == "en" or column is None and not spec.translations_of(field):
        return str(value)
    if column and cell_value(row.get(column)) is not None:
        return str(row[column])
    return f"{value} {label('in_english', lang)}"


#: Resource bases from the most to the least checkable: the headline figure is the first kind a deposit has.
BASIS_RANK = ("JORC", "Soviet-era", "forecast", "company claim")
#: Words under which a figure counts as the deposit's primary commodity.
_COMMODITY_WORDS = {"tungsten": ("tungsten", "wo3"), "rare earths": ("rare",), "iron ore": ("iron",)}


def figure_text(row: dict[str, Any], lang: str) -> str:
    """One resource figure (keyed by :data:`FIGURE_ROLES`) as "142 kt WO3" in the locale's number format."""
    return f"{formats.number(row['quantity'], lang, digits=3)} {unit(row['unit'], lang)} {row['commodity']}"


def headline_figure(rows: list[dict[str, Any]], primary: str | None) -> tuple[dict[str, Any], int] | None:
    """The one figure a briefing card leads with, and how many figures the deposit has.

    The most checkable basis first (JORC, then Soviet-era reserves, forecasts,
    company claims), the deposit's own figure before one shared with a group,
    a figure for the primary commodity before one for ore or a by-product, then
    table order. The card says how many other figures there are.
    """
    if not rows:
        return None
    words = _COMMODITY_WORDS.get(str(primary), (str(primary).lower(),))

    def score(item):
        index, row = item
        basis = BASIS_RANK.index(row["basis"]) if row["basis"] in BASIS_RANK else len(BASIS_RANK)
        matches = any(w in str(row["commodity"]).lower() for w in words)
        return (basis, 1 if row.get("shared") else 0, 0 if matches else 1, index)

    return min(enumerate(rows), key=score)[1], len(rows)
