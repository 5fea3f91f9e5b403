"""Words the map shows that do not come from the data, in English, Russian and Kazakh.

Two kinds of words: :data:`LABELS` are captions of the page's own parts and
controls, keyed by a word of kzgeo's (``label("sources", "ru")``; field
captions are the catalog's, see :func:`kzgeo.text.field_label`); :data:`TERMS`
translate the catalog's own
English words -- enum values such as ``"tungsten"`` or ``"planned"``, layer
titles and the map title (``term("tungsten", "kk")``). A word without a
translation falls back to English, then to itself, so a new enum value shows
in English rather than breaking the map.
"""

from __future__ import annotations

from kzgeo.errors import KzgeoError

LANGUAGES = ("en", "ru", "kk")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "location_exact": "Exact location",
        "location_within": "Approximate location: within {km} of the point",
        "headline_basis": "{basis}; source dated {date}",
        "start_view": "Back to the start view",
        "layers": "Layers",
        "choose_heading": "{n} features here: choose one",
        "zoom_to": "Zoom to {name}",
        "skip_to_text": "Skip to the map as text",
        "details": "Details",
        "headline_of": "one of {n} published figures, which differ: see details",
        "basis": "basis",
        "source_dated": "source dated {date}",
        "figures": "All resource figures",
        "source_list": "Sources",
        "in_english": "(in English)",
        "backdrop_credit": "Backdrop and place names: Natural Earth (public domain)",
        "tiles_credit": "Tiles © Esri — Esri, DeLorme, NAVTEQ",
        "m": "m",
        "drawn_leg": "This leg as drawn: {km} (geodesic)",
        "route_drawn": "Route {name}: drawn {drawn}; no published length",
        "route_both": "Route {name}: drawn {drawn}, published {published} ({diff})",
        "approx_km": "about {n} km",
        "investment": "Announced investment",
        "name": "Name",
        "agreements": "Agreements",
        "agreement_details": "What the agreements say",
        "lengths": "Lengths (drawn and published)",
        "sources": "Sources",
        "as_of": "Data as of",
        "uncertainty": "Uncertainty radius",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "fullscreen": "Full screen",
        "exit_fullscreen": "Exit full screen",
        "measure": "Measure a distance",
        "measure_hint": "Click points on the map; click the ruler again to finish.",
        "measure_total": "Distance",
        "measure_clear": "Clear",
        "km": "km",
        "minimap": "Overview map",
        "table_open": "Table of features",
        "table_close": "Close",
        "table_heading": "The map as text",
        "summary": "Summary",
        "timeline": "Agreements by date",
        "timeline_all": "Clear highlight",
        "timeline_none": "No agreements in the data.",
        "built_with": "Built with kzgeo {version} from {files} input files; data as of {as_of}.",
        "summary_layer": "{title}: {count}",
        "summary_shows": "The map shows {parts}.",
        "summary_approx": "{approx} of {total} point locations are approximate and are drawn with a circle of uncertainty.",
        "summary_agreements": "Agreements in the timeline: {count}, from {first} to {last}.",
        "summary_as_of": "Data as of {as_of}; {sources} sources are cited.",
        "north": "N",
        "scale": "Scale",
        "backdrop": "Country outlines",
        "fast_points_note": "{title}: all {n} points are drawn on canvas, as small dots below zoom {zoom}; zoom in for full markers, click a point for its details.",
        "fast_shapes_simplified_note": "{title}: {n} shapes, simplified to within {degrees}° (about {metres} m) so their outlines fit in {size}; click a shape for its details.",
        "fast_shapes_note": "{title}: {n} shapes at full precision ({size}); click a shape for its details.",
    },
    "ru": {
        "location_exact": "Точное местоположение",
        "location_within": "Местоположение приблизительное: в пределах {km} от точки",
        "headline_basis": "{basis}; источник от {date}",
        "start_view": "Вернуться к исходному виду",
        "layers": "Слои",
        "choose_heading": "Здесь несколько объектов ({n}): выберите один",
        "zoom_to": "Приблизить: {name}",
        "skip_to_text": "Перейти к карте в виде текста",
        "details": "Подробнее",
        "headline_of": "одна из опубликованных оценок ({n}), они расходятся: см. подробнее",
        "basis": "основание",
        "source_dated": "источник от {date}",
        "figures": "Все оценки ресурсов",
        "source_list": "Источники",
        "in_english": "(на английском)",
        "backdrop_credit": "Подложка и названия мест: Natural Earth (общественное достояние)",
        "tiles_credit": "Тайлы © Esri — Esri, DeLorme, NAVTEQ",
        "m": "м",
        "drawn_leg": "Этот участок на карте: {km} (по геодезической)",
        "route_drawn": "Маршрут {name}: на карте {drawn}; опубликованной длины нет",
        "route_both": "Маршрут {name}: на карте {drawn}, опубликовано {published} ({diff})",
        "approx_km": "около {n} км",
        "investment": "Объявленные инвестиции",
        "name": "Название",
        "agreements": "Соглашения",
        "agreement_details": "Что говорится в соглашениях",
        "lengths": "Длина (на карте и опубликованная)",
        "sources": "Источники",
        "as_of": "Данные на",
        "uncertainty": "Радиус неопределённости",
        "zoom_in": "Приблизить",
        "zoom_out": "Отдалить",
        "fullscreen": "Во весь экран",
        "exit_fullscreen": "Выйти из полноэкранного режима",
        "measure": "Измерить расстояние",
        "measure_hint": "Щёлкайте по карте; чтобы закончить, нажмите линейку ещё раз.",
        "measure_total": "Расстояние",
        "measure_clear": "Очистить",
        "km": "км",
        "minimap": "Обзорная карта",
        "table_open": "Таблица объектов",
        "table_close": "Закрыть",
        "table_heading": "Карта в виде текста",
        "summary": "Кратко",
        "timeline": "Соглашения по датам",
        "timeline_all": "Снять выделение",
        "timeline_none": "В данных нет соглашений.",
        "built_with": "Собрано kzgeo {version} из входных файлов: {files}; данные на {as_of}.",
        "summary_layer": "{title} — {count}",
        "summary_shows": "На карте: {parts}.",
        "summary_approx": "Местоположение известно приблизительно: {approx} из {total} точек; они показаны с кругом неопределённости.",
        "summary_agreements": "Соглашений в списке: {count}, с {first} по {last}.",
        "summary_as_of": "Данные на {as_of}; источников: {sources}.",
        "north": "С",
        "scale": "Масштаб",
        "backdrop": "Границы стран",
        "fast_points_note": "{title}: все {n} точек нарисованы на холсте, мелкими точками при масштабе меньше {zoom}; приблизьте карту, чтобы увидеть полные маркеры, щёлкните точку, чтобы увидеть сведения о ней.",
        "fast_shapes_simplified_note": "{title}: {n} контуров упрощены с точностью до {degrees}° (около {metres} м), чтобы уместиться в {size}; щёлкните контур, чтобы увидеть сведения о нём.",
        "fast_shapes_note": "{title}: {n} контуров в полной точности ({size}); щёлкните контур, чтобы увидеть сведения о нём.",
    },
    "kk": {
        "location_exact": "Дәл орны",
        "location_within": "Орны шамамен: нүктеден {km} шегінде",
        "headline_basis": "{basis}; дереккөз күні: {date}",
        "start_view": "Бастапқы көрініске оралу",
        "layers": "Қабаттар",
        "choose_heading": "Мұнда бірнеше нысан бар ({n}): біреуін таңдаңыз",
        "zoom_to": "Жақындату: {name}",
        "skip_to_text": "Мәтін түріндегі картаға өту",
        "details": "Толығырақ",
        "headline_of": "жарияланған бағалаулардың бірі ({n}), олар әртүрлі: толығырақ қараңыз",
        "basis": "негізі",
        "source_dated": "дереккөз күні: {date}",
        "figures": "Ресурстардың барлық бағалаулары",
        "source_list": "Дереккөздер",
        "in_english": "(ағылшынша)",
        "backdrop_credit": "Негіз карта және жер атаулары: Natural Earth (қоғамдық игілік)",
        "tiles_credit": "Тайлдар © Esri — Esri, DeLorme, NAVTEQ",
        "m": "м",
        "drawn_leg": "Картадағы бұл учаске: {km} (геодезиялық)",
        "route_drawn": "{name} бағыты: картада {drawn}; жарияланған ұзындығы жоқ",
        "route_both": "{name} бағыты: картада {drawn}, жарияланғаны {published} ({diff})",
        "approx_km": "шамамен {n} км",
        "investment": "Жарияланған инвестиция",
        "name": "Атауы",
        "agreements": "Келісімдер",
        "agreement_details": "Келісімдерде не делінген",
        "lengths": "Ұзындығы (картадағы және жарияланған)",
        "sources": "Дереккөздер",
        "as_of": "Деректер күні",
        "uncertainty": "Белгісіздік радиусы",
        "zoom_in": "Жақындату",
        "zoom_out": "Алыстату",
        "fullscreen": "Толық экран",
        "exit_fullscreen": "Толық экраннан шығу",
        "measure": "Қашықтықты өлшеу",
        "measure_hint": "Картаны басып нүктелер қойыңыз; аяқтау үшін сызғышты қайта басыңыз.",
        "measure_total": "Қашықтық",
        "measure_clear": "Тазалау",
        "km": "км",
        "minimap": "Шолу картасы",
        "table_open": "Нысандар кестесі",
        "table_close": "Жабу",
        "table_heading": "Карта мәтін түрінде",
        "summary": "Қысқаша",
        "timeline": "Келісімдер күні бойынша",
        "timeline_all": "Белгілеуді алып тастау",
        "timeline_none": "Деректерде келісімдер жоқ.",
        "built_with": "kzgeo {version} арқылы {files} кіріс файлдан жасалды; деректер күні {as_of}.",
        "summary_layer": "{title} — {count}",
        "summary_shows": "Картада: {parts}.",
        "summary_approx": "Орны шамамен белгілі нүктелер: {total} нүктенің {approx}; олар белгісіздік шеңберімен көрсетілген.",
        "summary_agreements": "Тізімдегі келісімдер: {count}, {first} мен {last} аралығында.",
        "summary_as_of": "Деректер күні {as_of}; дереккөздер саны: {sources}.",
        "north": "С",
        "scale": "Масштаб",
        "backdrop": "Ел шекаралары",
        "fast_points_note": "{title}: барлық {n} нүкте кенепте салынған, {zoom} масштабынан төмен ұсақ нүктелер ретінде; толық белгілерді көру үшін жақындатыңыз, мәліметтер үшін нүктені басыңыз.",
        "fast_shapes_simplified_note": "{title}: {n} пішін {size} көлеміне сыю үшін {degrees}° (шамамен {metres} м) дәлдікпен жеңілдетілген; мәліметтер үшін пішінді басыңыз.",
        "fast_shapes_note": "{title}: {n} пішін толық дәлдікпен ({size}); мәліметтер үшін пішінді басыңыз.",
    },
}

#: The catalog's English words (enum values, layer and map titles) in the other languages.
TERMS: dict[str, dict[str, str]] = {
    "ru": {
        "Kazakhstan's critical minerals and the corridors west": "Критически важные минералы Казахстана и коридоры на запад",
        "Critical-mineral deposits": "Месторождения критически важных минералов",
        "Transport corridors": "Транспортные коридоры",
        "Ports, border crossings and junctions": "Порты, пограничные переходы и узлы",
        "tungsten": "вольфрам",
        "rare earths": "редкоземельные металлы",
        "iron ore": "железная руда",
        "discovery": "открытие",
        "exploration": "разведка",
        "pre-development": "подготовка к освоению",
        "development": "освоение",
        "offtake agreed": "согласован сбыт продукции",
        "exact": "точное",
        "approximate": "приблизительное",
        "Middle Corridor": "Средний коридор",
        "TRIPP": "TRIPP",
        "rail": "железная дорога",
        "sea": "море",
        "operating": "действует",
        "under construction": "строится",
        "planned": "планируется",
        "port": "порт",
        "border crossing": "пограничный переход",
        "junction": "железнодорожный узел",
        "JORC": "JORC",
        "Soviet-era": "советская оценка",
        "forecast": "прогноз",
        "company claim": "заявление компании",
        "exact location": "точное местоположение",
        "approximate location (circle: uncertainty radius)": "приблизительное местоположение (круг: радиус неопределённости)",
    },
    "kk": {
        "Kazakhstan's critical minerals and the corridors west": "Қазақстанның аса маңызды минералдары және батысқа апаратын дәліздер",
        "Critical-mineral deposits": "Аса маңызды минералдар кен орындары",
        "Transport corridors": "Көлік дәліздері",
        "Ports, border crossings and junctions": "Порттар, шекара өткелдері және тораптар",
        "tungsten": "вольфрам",
        "rare earths": "сирек жер металдары",
        "iron ore": "темір кені",
        "discovery": "ашылым",
        "exploration": "барлау",
        "pre-development": "игеруге дайындық",
        "development": "игеру",
        "offtake agreed": "өнім өткізу келісілген",
        "exact": "дәл",
        "approximate": "шамамен",
        "Middle Corridor": "Орта дәліз",
        "TRIPP": "TRIPP",
        "rail": "темір жол",
        "sea": "теңіз",
        "operating": "жұмыс істейді",
        "under construction": "салынуда",
        "planned": "жоспарланған",
        "port": "порт",
        "border crossing": "шекара өткелі",
        "junction": "темір жол торабы",
        "JORC": "JORC",
        "Soviet-era": "кеңестік баға",
        "forecast": "болжам",
        "company claim": "компания мәлімдемесі",
        "exact location": "дәл орны",
        "approximate location (circle: uncertainty radius)": "шамамен орны (шеңбер: белгісіздік радиусы)",
    },
}


#: ISO 3166-1 alpha-2 codes used in the data, as country names (the popups never show a bare code).
COUNTRIES: dict[str, dict[str, str]] = {
    "en": {"CN": "China", "KZ": "Kazakhstan", "RU": "Russia", "UZ": "Uzbekistan", "TM": "Turkmenistan", "KG": "Kyrgyzstan",
           "AZ": "Azerbaijan", "GE": "Georgia", "AM": "Armenia", "TR": "Türkiye", "IR": "Iran", "US": "United States"},
    "ru": {"CN": "Китай", "KZ": "Казахстан", "RU": "Россия", "UZ": "Узбекистан", "TM": "Туркменистан", "KG": "Киргизия",
           "AZ": "Азербайджан", "GE": "Грузия", "AM": "Армения", "TR": "Турция", "IR": "Иран", "US": "США"},
    "kk": {"CN": "Қытай", "KZ": "Қазақстан", "RU": "Ресей", "UZ": "Өзбекстан", "TM": "Түрікменстан", "KG": "Қырғызстан",
           "AZ": "Әзербайжан", "GE": "Грузия", "AM": "Армения", "TR": "Түркия", "IR": "Иран", "US": "АҚШ"},
}


def country_names(codes: str, lang: str = "en") -> str:
    """``"KZ;AZ"`` as ``"Kazakhstan, Azerbaijan"`` in ``lang``; an unknown code stays as it is."""
    table = COUNTRIES.get(lang, COUNTRIES["en"])
    return ", ".join(table.get(c.strip(), COUNTRIES["en"].get(c.strip(), c.strip())) for c in str(codes).split(";") if c.strip())


def check_language(lang: str) -> str:
    """``lang`` if kzgeo speaks it; otherwise :class:`~kzgeo.errors.KzgeoError` naming the choices."""
    if lang not in LANGUAGES:
        raise KzgeoError(f'unknown language "{lang}"; choose one of: {", ".join(LANGUAGES)}')
    return lang


def label(key: str, lang: str = "en") -> str:
    """The caption for ``key`` in ``lang``, falling back to English, then the key."""
    return LABELS.get(lang, {}).get(key) or LABELS["en"].get(key) or key


def term(text: str, lang: str = "en") -> str:
    """The catalog's English word or title ``text`` in ``lang``; ``text`` itself when untranslated."""
    return TERMS.get(lang, {}).get(text, text)


def labels_for(keys: list[str], lang: str) -> dict[str, str]:
    """Several captions at once, for passing to the page's script."""
    return {key: label(key, lang) for key in keys}
