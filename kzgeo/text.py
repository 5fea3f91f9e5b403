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

from kzgeo import formats
from kzgeo.dataset import Dataset, cell_value
from kzgeo.io.readers import split_refs
from kzgeo.labels import country_names, label, term
from kzgeo.style import is_approximate


def name_field(data: Dataset, layer: str, lang: str) -> str:
    """The column holding a layer's names in ``lang`` (``name_ru``...), else the catalog's name field."""
    localized = f"name_{lang}"
    return localized if localized in data.layers[layer].columns else data.catalog.layers[layer].name_field


def feature_names(data: Dataset, lang: str) -> dict[str, str]:
    """Every feature id across all layers mapped to its name in ``lang``."""
    names: dict[str, str] = {}
    for layer, frame in data.layers.items():
        names.update(zip(frame["id"], frame[name_field(data, layer, lang)]))
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


def table_columns(data: Dataset, layer: str) -> list[str]:
    """Columns of a layer's text table: the name, its style category, status, location accuracy."""
    spec = data.catalog.layers[layer]
    frame = data.layers[layer]
    wanted = [spec.style.by if spec.style else None, spec.style.dash_by if spec.style else None, "status", "region", "country", "location_accuracy", "uncertainty_km"]
    return [c for c in dict.fromkeys(wanted) if c and c in frame.columns]


def table_rows(data: Dataset, layer: str, lang: str) -> tuple[list[str], list[list[Any]]]:
    """Header captions and rows (first cell the name) of a layer's text table, in ``lang``."""
    columns = table_columns(data, layer)
    enums = enum_fields(data, layer)
    frame = data.layers[layer]
    headers = [label("name", lang)] + [label(c, lang) for c in columns]
    rows = []
    for record in frame.sort_values(name_field(data, layer, lang)).to_dict("records"):
        row = [record[name_field(data, layer, lang)]]
        for c in columns:
            value = record[c]
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
        if spec.style and spec.geometry_type == "Point" and spec.style.by == "commodity_primary":
            counts = Counter(frame[spec.style.by].astype(str))
            count += " (" + ", ".join(f"{term(v, lang)} {n}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) + ")"
        parts.append(label("summary_layer", lang).format(title=layer_title(data, layer, lang), count=count))
        if spec.geometry_type == "Point" and "location_accuracy" in frame:
            total += len(frame)
            approx += sum(is_approximate({"location_accuracy": v}) * n for v, n in Counter(frame["location_accuracy"]).items())
    sentences = [label("summary_shows", lang).format(parts="; ".join(parts))]
    if total:
        sentences.append(label("summary_approx", lang).format(approx=approx, total=total))
    agreements = data.tables.get("agreements")
    if agreements is not None and len(agreements):
        dates = sorted(agreements["date"].astype(str))
        sentences.append(label("summary_agreements", lang).format(count=len(agreements), first=dates[0], last=dates[-1]))
    cited = set()
    for layer in layers:
        for refs in set(data.layers[layer]["sources"]):
            cited.update(split_refs(refs))
    sentences.append(label("summary_as_of", lang).format(as_of=data.as_of, sources=len(cited)))
    return " ".join(sentences)


def agreements_by_feature(data: Dataset) -> dict[str, list[dict[str, Any]]]:
    """Per feature id, the agreement rows that concern it, oldest first (ties in table order)."""
    table = data.tables.get("agreements")
    by_feature: dict[str, list[dict[str, Any]]] = {}
    if table is None:
        return by_feature
    for row in table.sort_values("date", kind="stable").to_dict("records"):
        for fid in split_refs(row["features"]):
            by_feature.setdefault(fid, []).append(row)
    return by_feature


def agreement_items(data: Dataset, lang: str = "en") -> list[dict[str, Any]]:
    """The agreements table as dated items, oldest first, each with the feature ids it concerns and its title in ``lang``."""
    table = data.tables.get("agreements")
    if table is None:
        return []
    items = [
        {"id": r["id"], "date": str(r["date"]), "title": translated(data, "agreements", r, "title_en", lang), "features": split_refs(r["features"])}
        for r in table.to_dict("records")
    ]
    return sorted(items, key=lambda a: (a["date"], a["id"]))


def source_lines(data: Dataset, layers: list[str]) -> list[str]:
    """Every source cited by ``layers``, one line each, sorted by publisher and date."""
    ids: set[str] = set()
    for layer in layers:
        for refs in data.layers[layer]["sources"]:
            ids.update(split_refs(refs))
    rows = [data.sources.loc[i] for i in sorted(ids)]
    return sorted(f"{r['publisher']}: {r['title']} ({r['date']})" for r in rows)


def resource_lines(data: Dataset, fid: str) -> tuple[list[str], list[str]]:
    """The resource figures of feature ``fid`` as plain-text lines, and the sources they cite."""
    table = data.tables.get("resources")
    if table is None:
        return [], []
    lines, refs = [], []
    for row in table[table["deposit"] == fid].to_dict("records"):
        lines.append(resource_line(row))
        refs += split_refs(row["sources"])
    return lines, refs


def resource_line(row: dict[str, Any]) -> str:
    """One resource figure as a plain-text popup line."""
    note = f"; {row['note']}" if isinstance(row.get("note"), str) else ""
    return f"{row['quantity']:,g} {row['unit']} {row['commodity']} ({row['basis']}{note})"


def agreement_lines(data: Dataset, lang: str = "en") -> dict[str, list[str]]:
    """Per feature id, the agreements that concern it as plain-text popup lines in ``lang``, oldest first."""
    return {
        fid: [f"{formats.date(r['date'], lang)}: {translated(data, 'agreements', r, 'title_en', lang)} ({translated(data, 'agreements', r, 'parties', lang)})" for r in rows]
        for fid, rows in agreements_by_feature(data).items()
    }


def translation_field(data: Dataset, table: str, field: str, lang: str) -> str | None:
    """The column that holds ``field`` of ``table`` in ``lang`` (``title_ru`` for ``title_en``), if the data has one."""
    spec = data.catalog.all_tables[table]
    base = field[:-3] if field.endswith("_en") else field
    wanted = f"{base}_{lang}"
    return wanted if wanted in spec.field_names else None


def translated(data: Dataset, table: str, row: dict[str, Any], field: str, lang: str) -> str:
    """``row[field]`` in ``lang``: its translation column where filled, else the English text marked as such."""
    value = cell_value(row.get(field))
    if value is None:
        return ""
    if lang == "en":
        return str(value)
    column = translation_field(data, table, field, lang)
    if column and cell_value(row.get(column)) is not None:
        return str(row[column])
    return f"{value} {label('in_english', lang)}"


def translatable_fields(data: Dataset, table: str) -> list[str]:
    """Free-text fields of ``table`` that have translation columns (the columns themselves excluded)."""
    spec = data.catalog.all_tables[table]
    names = set(spec.field_names)
    out = []
    for f in spec.fields:
        if f.name.startswith("name_") or f.name.endswith(("_ru", "_kk")):
            continue
        if translation_field(data, table, f.name, "ru") or translation_field(data, table, f.name, "kk"):
            out.append(f.name)
    return [n for n in out if n in names]


#: Resource bases from the most to the least checkable: the headline figure is the first kind a deposit has.
BASIS_RANK = ("JORC", "Soviet-era", "forecast", "company claim")
#: Words under which a figure counts as the deposit's primary commodity.
_COMMODITY_WORDS = {"tungsten": ("tungsten", "wo3"), "rare earths": ("rare",), "iron ore": ("iron",)}


def figure_text(row: dict[str, Any], lang: str) -> str:
    """One resource figure as "142 kt WO3" with the locale's number format."""
    return f"{formats.number(row['quantity'], lang, digits=3)} {row['unit']} {row['commodity']}"


def headline_figure(data: Dataset, fid: str, primary: str | None, lang: str) -> tuple[dict[str, Any], int] | None:
    """The one figure a briefing card leads with, and how many figures the deposit has.

    The most checkable basis first (JORC, then Soviet-era reserves, forecasts,
    company claims), a figure for the primary commodity before one for ore or a
    by-product, then table order. The card says how many other figures there are.
    """
    table = data.tables.get("resources")
    if table is None:
        return None
    rows = table[table["deposit"] == fid].to_dict("records")
    if not rows:
        return None
    words = _COMMODITY_WORDS.get(str(primary), (str(primary).lower(),))

    def score(item):
        index, row = item
        basis = BASIS_RANK.index(row["basis"]) if row["basis"] in BASIS_RANK else len(BASIS_RANK)
        matches = any(w in str(row["commodity"]).lower() for w in words)
        return (basis, 0 if matches else 1, index)

    best = min(enumerate(rows), key=score)[1]
    return best, len(rows)
