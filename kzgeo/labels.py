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
        "name": "Name",
        "figures": "Resource figures",
        "agreements": "Agreements",
        "agreement_details": "What the agreements say",
        "lengths": "Lengths (drawn and published)",
        "sources": "Sources",
        "as_of": "Data as of",
        "features": "features",
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
        "source_list": "Sources",
        "backdrop": "Country outlines",
        "fast_points_note": "{title}: all {n} points are drawn on canvas, as small dots below zoom {zoom}; zoom in for full markers, click a point for its details.",
        "fast_shapes_simplified_note": "{title}: {n} shapes, simplified to within {degrees}° (about {metres} m) so their outlines fit in {size}; click a shape for its details.",
        "fast_shapes_note": "{title}: {n} shapes at full precision ({size}); click a shape for its details.",
    },
    "ru": {
        "name": "Название",
        "figures": "Ресурсы и запасы",
        "agreements": "Соглашения",
        "agreement_details": "Что говорится в соглашениях",
        "lengths": "Длина (на карте и опубликованная)",
        "sources": "Источники",
        "as_of": "Данные на",
        "features": "объектов",
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
        "source_list": "Источники",
        "backdrop": "Границы стран",
        "fast_points_note": "{title}: все {n} точек нарисованы на холсте, мелкими точками при масштабе меньше {zoom}; приблизьте карту, чтобы увидеть полные маркеры, щёлкните точку, чтобы увидеть сведения о ней.",
        "fast_shapes_simplified_note": "{title}: {n} контуров упрощены с точностью до {degrees}° (около {metres} м), чтобы уместиться в {size}; щёлкните контур, чтобы увидеть сведения о нём.",
        "fast_shapes_note": "{title}: {n} контуров в полной точности ({size}); щёлкните контур, чтобы увидеть сведения о нём.",
    },
    "kk": {
        "name": "Атауы",
        "figures": "Ресурстар мен қорлар",
        "agreements": "Келісімдер",
        "agreement_details": "Келісімдерде не делінген",
        "lengths": "Ұзындығы (картадағы және жарияланған)",
        "sources": "Дереккөздер",
        "as_of": "Деректер күні",
        "features": "нысан",
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
        "source_list": "Дереккөздер",
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
        "preliminary offtake (non-binding)": "предварительный сбыт (без обязательств)",
        "exact": "точное",
        "approximate": "приблизительное",
        "Middle Corridor": "Средний коридор",
        "TRIPP": "TRIPP",
        "feeder": "подъездная линия",
        "rail": "железная дорога",
        "sea": "море",
        "operating": "действует",
        "under construction": "строится",
        "planned": "планируется",
        "port": "порт",
        "border crossing": "пограничный переход",
        "junction": "железнодорожный узел",
        "station": "станция",
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
        "preliminary offtake (non-binding)": "алдын ала өнім өткізу (міндетті емес)",
        "exact": "дәл",
        "approximate": "шамамен",
        "Middle Corridor": "Орта дәліз",
        "TRIPP": "TRIPP",
        "feeder": "тармақ желі",
        "rail": "темір жол",
        "sea": "теңіз",
        "operating": "жұмыс істейді",
        "under construction": "салынуда",
        "planned": "жоспарланған",
        "port": "порт",
        "border crossing": "шекара өткелі",
        "junction": "темір жол торабы",
        "station": "бекет",
        "JORC": "JORC",
        "Soviet-era": "кеңестік баға",
        "forecast": "болжам",
        "company claim": "компания мәлімдемесі",
        "exact location": "дәл орны",
        "approximate location (circle: uncertainty radius)": "шамамен орны (шеңбер: белгісіздік радиусы)",
    },
}


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
