"""Regenerate kzgeo/data/places.json: the place labels kzgeo draws (lake outlines are in the backdrop).

Sources (public domain, https://www.naturalearthdata.com/about/terms-of-use/):

* Natural Earth 1:50m populated places, lakes and marine polygons, as GeoJSON in
  the public repository martynafford/natural-earth-geojson (files
  ``50m/cultural/ne_50m_populated_places.json``, ``50m/physical/ne_50m_lakes.json``,
  ``50m/physical/ne_50m_geography_marine_polys.json``);
* Natural Earth 1:110m countries as shipped in pyogrio's wheel (for the countries' label points).

Natural Earth gives the cities' Russian names (NAME_RU) but no Kazakh ones, and
its lakes and seas carry no translations; those names are listed below. Kazakh
and Russian names are those of the Kazakh and Russian Wikipedia articles on each
place (kk.wikipedia.org, ru.wikipedia.org, accessed 2026-11); for Almaty the
Russian name is the official one in Kazakhstan (Алматы) rather than NAME_RU's
"Алма-Ата".

    .venv/bin/python tools/make_places.py PATH/TO/natural-earth-geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box, shape
from shapely.ops import polylabel

from kzgeo.backdrop import natural_earth_source

#: Region in which labels are kept (lon_min, lat_min, lon_max, lat_max).
REGION = (24.0, 33.0, 98.0, 58.0)
#: Decimal places of label points and lake outlines.
PRECISION = 3

#: ISO 3166-1 alpha-3 -> (English, Russian, Kazakh, zoom from which the name shows).
COUNTRIES = {
    "KAZ": ("Kazakhstan", "Казахстан", "Қазақстан", 0),
    "CHN": ("China", "Китай", "Қытай", 0),
    "RUS": ("Russia", "Россия", "Ресей", 0),
    "UZB": ("Uzbekistan", "Узбекистан", "Өзбекстан", 0),
    "TKM": ("Turkmenistan", "Туркменистан", "Түрікменстан", 0),
    "KGZ": ("Kyrgyzstan", "Киргизия", "Қырғызстан", 0),
    "TJK": ("Tajikistan", "Таджикистан", "Тәжікстан", 0),
    "AFG": ("Afghanistan", "Афганистан", "Ауғанстан", 0),
    "IRN": ("Iran", "Иран", "Иран", 0),
    "AZE": ("Azerbaijan", "Азербайджан", "Әзербайжан", 0),
    "GEO": ("Georgia", "Грузия", "Грузия", 0),
    "ARM": ("Armenia", "Армения", "Армения", 0),
    "TUR": ("Türkiye", "Турция", "Түркия", 0),
    "MNG": ("Mongolia", "Монголия", "Моңғолия", 0),
    "UKR": ("Ukraine", "Украина", "Украина", 0),
    "IRQ": ("Iraq", "Ирак", "Ирак", 0),
    "SYR": ("Syria", "Сирия", "Сирия", 0),
    "PAK": ("Pakistan", "Пакистан", "Пәкістан", 0),
}

#: Natural Earth name -> (English, Russian, Kazakh, kind, zoom from which it shows).
WATERS = {
    "Caspian Sea": ("Caspian Sea", "Каспийское море", "Каспий теңізі", "sea", 0),
    "Black Sea": ("Black Sea", "Чёрное море", "Қара теңіз", "sea", 0),
    "Mediterranean Sea": ("Mediterranean Sea", "Средиземное море", "Жерорта теңізі", "sea", 0),
    "Aral Sea": ("Aral Sea", "Аральское море", "Арал теңізі", "lake", 0),
    "Lake Balkhash": ("Lake Balkhash", "озеро Балхаш", "Балқаш көлі", "lake", 0),
    "Issyk-Kul": ("Issyk-Kul", "Иссык-Куль", "Ыстықкөл", "lake", 5),
    "L. Zaysan": ("Lake Zaysan", "озеро Зайсан", "Зайсан көлі", "lake", 5),
    "Lake Sevan": ("Lake Sevan", "Севан", "Севан көлі", "lake", 6),
    "Lake Van": ("Lake Van", "Ван", "Ван көлі", "lake", 6),
    "Lake Urmia": ("Lake Urmia", "Урмия", "Урмия көлі", "lake", 6),
}

#: Natural Earth English name -> (Kazakh name, Russian name if NAME_RU is not used). Only these cities are kept.
CITIES = {
    "Astana": ("Астана", None), "Almaty": ("Алматы", "Алматы"), "Karaganda": ("Қарағанды", None),
    "Shymkent": ("Шымкент", None), "Taraz": ("Тараз", None), "Aktobe": ("Ақтөбе", None),
    "Atyrau": ("Атырау", None), "Kyzylorda": ("Қызылорда", None), "Pavlodar": ("Павлодар", None),
    "Semey": ("Семей", None), "Oskemen": ("Өскемен", None), "Ekibastuz": ("Екібастұз", None),
    "Rudniy": ("Рудный", None), "Tashkent": ("Ташкент", None), "Bishkek": ("Бішкек", None),
    "Dushanbe": ("Душанбе", None), "Ashgabat": ("Ашхабад", None), "Baku": ("Баку", None),
    "Tbilisi": ("Тбилиси", None), "Yerevan": ("Ереван", None), "Ankara": ("Анкара", None),
    "Istanbul": ("Ыстамбұл", None), "Tehran": ("Тегеран", None), "Kabul": ("Кабул", None),
    "Moscow": ("Мәскеу", None), "Ürümqi": ("Үрімжі", None), "Kashgar": ("Қашқар", None),
    "Samarkand": ("Самарқанд", None), "Bukhara": ("Бұхара", None), "Nukus": ("Нөкіс", None),
    "Türkmenbaşy": ("Түрікменбашы", None), "Batumi": ("Батуми", None), "Astrakhan": ("Астрахан", None),
    "Orenburg": ("Орынбор", None), "Omsk": ("Омбы", None), "Novosibirsk": ("Новосібір", None),
    "Volgograd": ("Волгоград", None), "Samsun": ("Самсун", None), "Tabriz": ("Тебриз", None),
    "Mashhad": ("Мешхед", None), "Yining City": ("Құлжа", None),
}


def _point(geom) -> tuple[float, float]:
    """A label point well inside ``geom`` (pole of inaccessibility of its largest part)."""
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    p = polylabel(geom, tolerance=0.05)
    return round(p.x, PRECISION), round(p.y, PRECISION)


def derive_places(ne_dir: Path) -> str:
    """The places file's text, deterministic for the same inputs."""
    region = box(*REGION)
    labels = []
    countries = gpd.read_file(natural_earth_source())
    for iso, (en, ru, kk, minzoom) in sorted(COUNTRIES.items()):
        rows = countries[countries["iso_a3"] == iso]
        if rows.empty:
            raise SystemExit(f"country {iso} missing from {natural_earth_source()}")
        lon, lat = _point(rows.geometry.iloc[0].intersection(region))
        labels.append({"kind": "country", "name": {"en": en, "ru": ru, "kk": kk}, "lon": lon, "lat": lat, "minzoom": minzoom})
    for name, path in (("lakes", "50m/physical/ne_50m_lakes.json"), ("marine", "50m/physical/ne_50m_geography_marine_polys.json")):
        for feature in json.loads((ne_dir / path).read_text(encoding="utf-8"))["features"]:
            ne_name = feature["properties"].get("name")
            if ne_name not in WATERS:
                continue
            en, ru, kk, kind, minzoom = WATERS[ne_name]
            geom = shape(feature["geometry"])
            if not geom.intersects(region):
                continue
            clipped = geom.intersection(region)
            lon, lat = _point(clipped)
            labels.append({"kind": kind, "name": {"en": en, "ru": ru, "kk": kk}, "lon": lon, "lat": lat, "minzoom": minzoom})
    cities = json.loads((ne_dir / "50m/cultural/ne_50m_populated_places.json").read_text(encoding="utf-8"))["features"]
    for feature in cities:
        p = feature["properties"]
        if p["NAME_EN"] not in CITIES or not region.contains(shape(feature["geometry"])):
            continue
        kk, ru = CITIES[p["NAME_EN"]]
        en = {"Yining City": "Yining", "Türkmenbaşy": "Turkmenbashi"}.get(p["NAME_EN"], p["NAME_EN"])
        capital = p["FEATURECLA"] == "Admin-0 capital"
        labels.append({
            "kind": "capital" if capital else "city",
            "name": {"en": en, "ru": ru or p["NAME_RU"], "kk": kk},
            "lon": round(p["LONGITUDE"], PRECISION), "lat": round(p["LATITUDE"], PRECISION),
            "minzoom": 3 if capital else (4 if p["SCALERANK"] <= 3 else 5),
        })
    missing = sorted(set(CITIES) - {f["properties"]["NAME_EN"] for f in cities})
    if missing:
        raise SystemExit(f"cities missing from Natural Earth: {', '.join(missing)}")
    labels.sort(key=lambda x: (x["kind"], x["name"]["en"]))
    doc = {
        "source": "Natural Earth 1:50m populated places, lakes and marine polygons and 1:110m countries (public domain); "
        "Russian and Kazakh names per tools/make_places.py",
        "labels": labels,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    target = Path(__file__).resolve().parent.parent / "kzgeo" / "data" / "places.json"
    target.write_text(derive_places(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
