"""Words only the QGIS project shows (legend headings, layout captions), in English, Russian and Kazakh.

Anything else -- enum values, layer titles, field captions -- comes from
:mod:`kzgeo.labels`, shared with the HTML map; :func:`word` falls back to it.
"""

from __future__ import annotations

from kzgeo.labels import term

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "legend": "Legend",
        "approximate location": "approximate location",
        "exact location": "exact location",
        "other": "other",
        "precision": "precision",
        "Tables": "Tables",
        "Countries (backdrop)": "Countries (backdrop)",
        "Location uncertainty areas": "Location uncertainty areas",
        "printed": "Printed",
        "projection": "Lambert conformal conic (39.5° and 52.5° N), WGS 84; lengths and the scale bar on the WGS 84 ellipsoid.",
        "table": "table",
        "position": "position",
        "sources_note": "Titles, dates and addresses: the layers' metadata and the sources table.",
    },
    "ru": {
        "legend": "Условные обозначения",
        "approximate location": "приблизительное местоположение",
        "exact location": "точное местоположение",
        "other": "прочее",
        "precision": "точность",
        "Tables": "Таблицы",
        "Countries (backdrop)": "Страны (фон)",
        "Location uncertainty areas": "Области неопределённости местоположения",
        "printed": "Напечатано",
        "projection": "Коническая равноугольная проекция Ламберта (39,5° и 52,5° с. ш.), WGS 84; длины и масштабная линейка — на эллипсоиде WGS 84.",
        "table": "таблица",
        "position": "порядок",
        "sources_note": "Названия, даты и адреса: метаданные слоёв и таблица источников.",
    },
    "kk": {
        "legend": "Шартты белгілер",
        "approximate location": "шамамен орны",
        "exact location": "дәл орны",
        "other": "басқа",
        "precision": "дәлдік",
        "Tables": "Кестелер",
        "Countries (backdrop)": "Елдер (аялық)",
        "Location uncertainty areas": "Орынның белгісіздік аймақтары",
        "printed": "Басып шығарылды",
        "projection": "Ламберттің конустық тең бұрышты проекциясы (39,5° және 52,5° с. е.), WGS 84; ұзындықтар мен масштаб сызғышы WGS 84 эллипсоидында.",
        "table": "кесте",
        "position": "реті",
        "sources_note": "Атаулары, күндері мен мекенжайлары: қабаттардың метадеректерінде және дереккөздер кестесінде.",
    },
}


def word(key: str, lang: str = "en") -> str:
    """``key`` in ``lang``: the QGIS words here, then the map's shared terms, then ``key`` itself."""
    return WORDS.get(lang, {}).get(key) or (term(key, lang) if term(key, lang) != key else WORDS["en"].get(key, key))
