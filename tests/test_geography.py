"""Geography: every place where its attributes say, every line along its stations and off the sea.

The shipped layers must pass; each fault the checks exist for is then put
back into a copy of them (the errors issue 11 found) and must be reported
with its file, feature and place.
"""

from __future__ import annotations

import csv
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import Point

import kzgeo
from kzgeo import geography
from kzgeo.analysis.measures import route_lengths
from kzgeo.dataset import check_layers
from kzgeo.io.readers import split_refs

from conftest import SHIPPED_LAYERS

GEOD = Geod(ellps="WGS84")

#: Towns a railway atlas shows on these lines, with coordinates taken
#: independently of the node layer (GeoNames cities1000 or the Wikipedia
#: article), and the leg each must lie on. A node moved or a leg redrawn as a
#: chord again fails here.
TOWNS_ON_LEGS = {
    # Sayak is not here: GeoNames puts it at 47°00'N 77°16'E, a point rounded to the
    # minute 12 km from OpenStreetMap's station node, which the node layer now uses.
    # No GeoNames town lies on Balkhash-Sayak, so Ashchyozek stands at OpenStreetMap's
    # station node (tools/sources/osm_stations.json): a chord from Balkhash to Sayak
    # would pass it 20 km off.
    ("Ashchyozek", 46.70794, 76.5058): "kz-aktogay-moyynty",
    ("Balkhash", 46.84806, 74.995): "kz-aktogay-moyynty",
    ("Aktogay", 46.9494, 79.6736): "kz-dostyk-aktogay",
    ("Atasu", 48.68659, 71.64469): "kz-zharyk-zhezkazgan",
    ("Saksaulsky", 47.09, 61.15194): "kz-zhezkazgan-saksaulskaya",
    ("Shalkar", 47.83333, 59.6): "kz-shalkar-beyneu",
    ("Otar", 43.54, 75.21306): "kz-almaty-kyzylorda",
    ("Shu", 43.59833, 73.76139): "kz-almaty-kyzylorda",
    ("Taraz", 42.9, 71.36667): "kz-almaty-kyzylorda",
    ("Arys", 42.42965, 68.80463): "kz-almaty-kyzylorda",
    ("Turkestan", 43.33333, 68.25): "kz-almaty-kyzylorda",
    # Kazaly is not here: the railway passes Ayteke Bi, where Kazalinsk station stands, and the
    # town of Kazaly lies 10 km to the south-west of it, off the line.
    ("Ayteke Bi", 45.84607, 62.15264): "kz-kyzylorda-saksaulskaya",
    ("Terenozek", 45.05053, 64.98395): "kz-kyzylorda-saksaulskaya",
    ("Dzhalagash", 45.08333, 64.66667): "kz-kyzylorda-saksaulskaya",
    ("Aral", 46.8, 61.66667): "kz-kyzylorda-saksaulskaya",
    ("Shetpe", 44.16667, 52.11667): "kz-beyneu-shetpe",
    ("Zhetybai", 43.59417, 52.07889): "kz-shetpe-kuryk",
    ("Lokbatan", 40.3256, 49.73376): "az-baku-alat",
    ("Ujar", 40.51902, 47.65423): "az-alat-ganja",
    ("Yevlakh", 40.61832, 47.15014): "az-alat-ganja",
    ("Tovuz", 40.99249, 45.62838): "az-ganja-gardabani",
    ("Gardabani", 41.46054, 45.09283): "ge-gardabani-tbilisi",
    ("Imishli", 39.87095, 48.05995): "az-alat-horadiz",
    ("Culfa", 38.9558, 45.6308): "tripp-julfa-nakhchivan",
    ("Nakhchivan", 39.20889, 45.41222): "tripp-julfa-nakhchivan",
    ("Aghstafa", 41.11889, 45.45389): "az-ganja-gardabani",
    ("Tsalka", 41.5946, 44.08909): "ge-tbilisi-akhalkalaki",
    ("Tetritskaro", 41.54448, 44.46153): "ge-tbilisi-akhalkalaki",
    # Kartsakhi is not here: its Wikipedia coordinate is the village's, 4 km north-west of
    # the railway yard OpenStreetMap names Kartsakhi, which the node layer now uses.
    ("Karsakpay", 47.83278, 66.73167): "kz-zhezkazgan-saksaulskaya",
    ("Gori", 41.98422, 44.11578): "ge-tbilisi-samtredia",
    ("Samtredia", 42.1537, 42.33517): "ge-tbilisi-samtredia",
    ("Kobuleti", 41.82, 41.77528): "ge-samtredia-batumi",
    ("Minjivan", 39.03058, 46.7214): "tripp-horadiz-aghband",
    ("Meghri", 38.90292, 46.24458): "tripp-armenia",
    ("Agarak", 38.865, 46.19639): "tripp-armenia",
    ("Arkalyk", 50.24915, 66.92027): "kz-esil-arkalyk",
}

#: Published routes the drawing cannot yet bring within 5 %, each with the
#: reason (also in routes.csv) and the band its drawn length must stay in.
#: Only adding sourced station coordinates may move a route out of this list.
KNOWN_GAPS_PCT: dict[str, tuple[float, float]] = {}
# Baku-Tbilisi-Kars left this list when the Azerbaijani main line and Georgia east of Tbilisi
# were drawn along OpenStreetMap's track (-6.4 % between stations, -1.1 % along the track).
# TRIPP through Armenia and Horadiz-Aghband left it when their Aras stretches were drawn
# along OpenStreetMap's river (Natural Earth 1:10m's smoothed one made them -15.9 % and -8.3 %).


@pytest.fixture(scope="module")
def shipped():
    return kzgeo.read_layers(SHIPPED_LAYERS)


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED_LAYERS, tmp_path / "layers"))


def _set_line(layers: Path, leg: str, lonlats: list[tuple[float, float]]) -> None:
    path = layers / "corridors.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["id"] == leg:
            f["geometry"]["coordinates"] = [list(p) for p in lonlats]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _set_point(layers: Path, layer: str, fid: str, lon: float, lat: float) -> None:
    path = layers / f"{layer}.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["id"] == fid:
            f["geometry"]["coordinates"] = [lon, lat]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _edit_csv(path: Path, key: str, field: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["id"] == key:
            r[field] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _messages(layers: Path) -> list[str]:
    return [str(p) for p in check_layers(layers)]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


# ------------------------------------------------------------ shipped data


def test_shipped_layers_pass_every_geography_check():
    assert check_layers(SHIPPED_LAYERS) == []


def test_country_outlines_ship_with_the_package():
    text = resources.files("kzgeo").joinpath("data/countries.geojson").read_text(encoding="utf-8")
    codes = {f["properties"]["iso_a2"] for f in json.loads(text)["features"]}
    assert {"KZ", "CN", "KG", "UZ", "AZ", "AM", "GE", "TR", "IR", "RU"} <= codes
    assert len(text) < 1_000_000  # a 1:10m clip, not the world


@pytest.mark.parametrize(("town", "leg"), [(t, leg) for t, leg in TOWNS_ON_LEGS.items()], ids=[t[0] for t in TOWNS_ON_LEGS])
def test_corridor_town_lies_on_its_line(shipped, town, leg):
    name, lat, lon = town
    line = shipped.layers["corridors"].set_index("id").geometry[leg]
    gap_km = min(_km((lat, lon), (y, x)) for x, y in geography.densified(line, 500))
    assert gap_km <= 3.0, f"{name} is {gap_km:.1f} km from {leg}"


def test_no_rail_leg_crosses_a_lake_the_map_draws(shipped):
    """A line over a lake is a wrong map even where the checks against country outlines pass
    (lakes lie inside their countries): no rail leg enters a lake of the map's backdrop, Natural
    Earth's 1:50m lakes. The chord Akzhaidak-Ashchyozek, 45 km with no station between, cut a bay
    of Lake Balkhash for 9.5 km until a shape point kept it on land."""
    from shapely import LineString

    from kzgeo.backdrop import backdrop_frame

    lakes = backdrop_frame("lakes")
    balkhash = lakes[lakes["name"] == "Lake Balkhash"].geometry.iloc[0]
    assert LineString([(75.93802, 46.83263), (76.5058, 46.70794)]).intersects(balkhash)
    crossings = [
        (row["id"], name)
        for row, line in zip(shipped.layers["corridors"].to_dict("records"), shipped.layers["corridors"].geometry)
        if row["mode"] == "rail"
        for name, lake in zip(lakes["name"], lakes.geometry)
        if line.intersects(lake)
    ]
    assert crossings == []


def test_every_leg_passes_its_stations_and_ends_on_its_nodes(shipped):
    """A leg ends on its nodes and passes each station it names: through the station's point, or,
    where the point only stands in for the station (a town's coordinate, with an uncertainty
    radius), within that radius -- as along the Aras, where the line keeps to the bank below the
    towns instead of running up to each town point and back."""
    records = shipped.layers["nodes"].to_dict("records")
    nodes = {r["id"]: (g.y, g.x) for r, g in zip(records, shipped.layers["nodes"].geometry)}
    radius = {r["id"]: r["uncertainty_km"] if r["uncertainty_km"] == r["uncertainty_km"] and r["uncertainty_km"] else 0.01 for r in records}
    passed_below = []
    for row, line in zip(shipped.layers["corridors"].to_dict("records"), shipped.layers["corridors"].geometry):
        coords = list(line.coords)
        assert _km(nodes[row["from_node"]], coords[0][::-1]) < 0.01, row["id"]
        assert _km(nodes[row["to_node"]], coords[-1][::-1]) < 0.01, row["id"]
        for stop in split_refs(row["via"]):
            nearest = line.interpolate(line.project(Point(nodes[stop][::-1])))
            off = _km(nodes[stop], (nearest.y, nearest.x))
            assert off < radius[stop], f"{row['id']} passes {stop} {off:.2f} km off, beyond its {radius[stop]} km"
            if off >= 0.1:  # a stop inside a bank stretch is passed within rounding (Bartaz: 33 m)
                passed_below.append(stop)
    # Only the Aras towns are passed at a distance; every other station is on its line.
    assert set(passed_below) <= {"nrnadzor", "meghri", "agarak", "shukurbayli", "soltanli"}, passed_below


def test_every_rail_leg_names_its_stations_and_says_how_it_was_drawn(shipped):
    for row in shipped.layers["corridors"].to_dict("records"):
        assert len(row["geometry_note"]) > 40, row["id"]
        if row["mode"] == "rail" and row["id"] not in ("cn-alashankou-dostyk", "cn-khorgos-altynkol"):
            assert any(w in row["geometry_note"] for w in ("Drawn", "drawn", "Straight", "straight", "Schematic", "chord")), row["id"]


def test_nodes_are_what_they_say(shipped):
    nodes = shipped.layers["nodes"].set_index("id")
    assert "qazax" not in nodes.index  # a town, not a crossing, and not on the line
    assert {"station", "junction"} <= set(nodes["kind"])
    assert {"nakhchivan", "minjivan", "saksaulskaya", "shetpe", "samtredia", "sayak", "balkhash", "kazaly", "shu"} <= set(nodes.index)
    agarak = nodes.geometry["agarak"]  # English Wikipedia: 38.865 N 46.196 E, on the left (Armenian) bank
    assert _km((agarak.y, agarak.x), (38.865, 46.19639)) < 1 and nodes.loc["agarak", "country"] == "AM"


def test_every_published_route_within_5_percent_or_a_stated_gap(shipped):
    routes = route_lengths(shipped).set_index("id")
    published = routes[routes["published_km_min"].notna()]
    outside = {rid for rid, pct in published["diff_pct"].items() if abs(pct) > 5.0}
    assert outside == set(KNOWN_GAPS_PCT), "a route left or joined the known gaps: update KNOWN_GAPS_PCT with the reason"
    for rid, pct in published["diff_pct"].items():
        low, high = KNOWN_GAPS_PCT.get(rid, (-5.0, 5.0))
        assert low <= pct <= high, f"{rid}: {pct} % (allowed {low}..{high})"
        assert isinstance(routes.loc[rid, "difference_note"], str) or pct == 0, f"{rid} needs a one-line difference_note"


def test_like_with_like_comparisons(shipped):
    routes = route_lengths(shipped).set_index("id")
    tripp = routes.loc["route-tripp-armenia"]
    assert tripp["measured_in"] == "AM" and (tripp["published_km_min"], tripp["published_km_max"]) == (42, 45)
    whole = sum(shipped.layers["corridors"].set_index("id").geometry[leg].length for leg in split_refs(tripp["legs"]))
    assert whole > 0 and tripp["computed_km"] < 60  # the Armenian part only, not Aghband to Ordubad
    zb = routes.loc["route-zhezkazgan-beyneu"]
    assert split_refs(zb["legs"]) == ["kz-zhezkazgan-saksaulskaya", "kz-shalkar-beyneu"] and zb["published_km"] == 988
    hb = routes.loc["route-tripp-horadiz-aghband"]
    assert (hb["published_km_min"], hb["published_km_max"]) == (110.4, 110.4)  # 140.6 km includes access roads


# ------------------------------------------------------- faults put back


def test_almaty_kyzylorda_chord_through_kyrgyzstan_is_an_error(shipped_copy):
    _set_line(shipped_copy, "kz-almaty-kyzylorda", [(76.92848, 43.25654), (69.6, 42.3), (65.50917, 44.85278)])
    errors = [m for m in _messages(shipped_copy) if "kz-almaty-kyzylorda" in m]
    assert any("corridors.geojson" in m and "Kyrgyzstan (KG)" in m and "not among its countries (KZ)" in m for m in errors), errors


def test_poti_anaklia_over_the_sea_is_an_error(shipped_copy):
    _set_line(shipped_copy, "ge-poti-anaklia", [(41.658583, 42.159222), (41.5647, 42.395)])
    errors = [m for m in _messages(shipped_copy) if "ge-poti-anaklia" in m]
    assert any("over the sea" in m and " N " in m and " E" in m for m in errors), errors


def test_baku_alat_across_the_bay_is_an_error(shipped_copy):
    _set_line(shipped_copy, "az-baku-alat", [(49.89201, 40.37767), (49.4067, 39.9483)])
    assert any("az-baku-alat" in m and "over the sea" in m for m in _messages(shipped_copy))


def test_aras_stations_are_on_the_north_bank_of_the_river_itself(shipped):
    """Every node on the Aras line stands north of the river as OpenStreetMap draws it
    (tools/sources/aras_osm.json), a check independent of Natural Earth's smoothed border."""
    import numpy as np

    river = np.asarray(json.loads((Path(__file__).resolve().parent.parent / "tools" / "sources" / "aras_osm.json").read_text(encoding="utf-8"))["line"])
    nodes = shipped.layers["nodes"].set_index("id")
    for node in ("horadiz", "marjanli", "shukurbayli", "soltanli", "hakari", "minjivan", "bartaz", "aghband", "nrnadzor", "meghri", "agarak", "ordubad", "julfa"):
        p = nodes.geometry[node]
        a, b = river[:-1], river[1:]
        spans = (np.minimum(a[:, 0], b[:, 0]) <= p.x) & (p.x <= np.maximum(a[:, 0], b[:, 0])) & (a[:, 0] != b[:, 0])
        crossings = a[spans, 1] + (p.x - a[spans, 0]) * (b[spans, 1] - a[spans, 1]) / (b[spans, 0] - a[spans, 0])
        assert len(crossings) and p.y > crossings.max(), f"{node} ({p.y:.4f} N {p.x:.4f} E) is not north of the Aras ({crossings} N there)"


def test_shipped_iran_armenia_border_is_openstreetmaps_aras():
    """countries.geojson's border of Iran with Armenia (and with Azerbaijan) between the
    meridians of tools/sources/aras_osm.json is OpenStreetMap's river, within 200 m at every
    vertex, and the redrawn outlines are valid, meet with no gap and do not overlap there."""
    import shapely
    from shapely import LineString, Point, box
    from shapely.geometry import Point, shape

    from kzgeo.geography import _project

    root = Path(__file__).resolve().parent.parent
    aras = json.loads((root / "tools" / "sources" / "aras_osm.json").read_text(encoding="utf-8"))
    river = _project(LineString(aras["line"]))
    doc = json.loads((root / "kzgeo" / "data" / "countries.geojson").read_text(encoding="utf-8"))
    assert "OpenStreetMap" in doc["source"] and "ODbL" in doc["source"]
    lonlat = {f["properties"]["iso_a2"]: shape(f["geometry"]) for f in doc["features"] if f["properties"]["iso_a2"] in ("IR", "AM", "AZ")}
    assert all(g.is_valid for g in lonlat.values())
    outline = {code: _project(g) for code, g in lonlat.items()}
    west, east = aras["meridians"]
    inner = box(west + 0.01, 38.5, east - 0.01, 39.8)
    # On the file's own 4-decimal grid the redrawn outlines neither overlap nor leave a gap.
    for code in ("AM", "AZ"):
        assert shapely.intersection(lonlat["IR"], lonlat[code], grid_size=1e-4).intersection(inner).area == 0, code
    near = LineString(aras["line"]).buffer(0.01).intersection(inner)
    assert shapely.difference(near, shapely.union_all(list(lonlat.values()), grid_size=1e-4), grid_size=1e-4).area == 0
    window = _project(box(west + 0.01, 38.5, east - 0.01, 39.8))
    for code in ("AM", "AZ"):
        seam = outline["IR"].boundary.intersection(outline[code].buffer(30.0)).intersection(window)
        vertices = [Point(c) for part in getattr(seam, "geoms", [seam]) for c in part.coords]
        assert len(vertices) > 50, code
        worst = max(river.distance(v) for v in vertices)
        assert worst < 200, f"IR-{code} border vertex {worst:.0f} m from OpenStreetMap's Aras"
    # Armenia's border with Iran is about as long as OpenStreetMap's river along it (44.3 km;
    # the tripoints with Azerbaijan stay where Natural Earth's borders meet the river), not 35.6 km.
    seam = outline["IR"].boundary.intersection(outline["AM"].buffer(30.0))
    assert 41.5e3 < seam.length < 46e3


def test_agarak_on_the_iranian_bank_is_an_error(shipped_copy):
    _set_point(shipped_copy, "nodes", "agarak", 46.12, 38.82)
    errors = [m for m in _messages(shipped_copy) if '"agarak"' in m]
    assert any("nodes.geojson" in m and "lies in Iran (IR)" in m and "from AM" in m for m in errors), errors


def test_leg_end_away_from_its_node_is_an_error(shipped_copy):
    _set_point(shipped_copy, "nodes", "shalkar", 59.75, 47.9)  # about 13 km off
    errors = [m for m in _messages(shipped_copy) if "shalkar" in m]
    assert any("to_node shalkar" in m for m in errors) and any("from_node shalkar" in m for m in errors), errors


def test_station_off_its_line_is_an_error(shipped_copy):
    _edit_csv(shipped_copy / "corridors.csv", "kz-zharyk-zhezkazgan", "via", "atasu;sayak")
    assert any("via sayak" in m and "kz-zharyk-zhezkazgan" in m for m in _messages(shipped_copy))


def test_sea_leg_across_land_is_an_error(shipped_copy):
    _set_line(shipped_copy, "casp-aktau-alat", [(51.17222, 43.64806), (48.5, 41.0), (49.4067, 39.9483)])
    assert any("casp-aktau-alat" in m and "sea leg crosses land" in m for m in _messages(shipped_copy))


def test_unknown_country_code_is_an_error(shipped_copy):
    _edit_csv(shipped_copy / "nodes.csv", "kars", "country", "XX")
    assert any('"kars"' in m and "XX" in m for m in _messages(shipped_copy))


def test_source_without_address_or_reason_is_an_error(shipped_copy):
    _edit_csv(shipped_copy / "sources.csv", "wp-meghri", "url", "")
    _edit_csv(shipped_copy / "sources.csv", "wp-meghri", "no_url_reason", "")
    assert any("sources.csv" in m and "wp-meghri" in m and "no_url_reason" in m for m in _messages(shipped_copy))


def test_internal_words_are_an_error(shipped_copy):
    _edit_csv(shipped_copy / "nodes.csv", "kars", "location_note", "Centre from [CSC].")
    assert any("nodes.csv" in m and '"kars"' in m and "[csc]" in m for m in _messages(shipped_copy))


def test_fixture_layers_pass(layers_dir):
    assert check_layers(layers_dir) == []


# --------------------------------------------------------- places, figures


def test_north_katpar_is_the_ring_around_upper_kairakty(shipped):
    """Sources: 20 or 30 km from Upper Kairakty, no bearing. The data says exactly that and no more."""
    deposits = shipped.layers["deposits"].set_index("id")
    spec = shipped.catalog.layers["deposits"]
    nk, uk = deposits.geometry["north-katpar"], deposits.geometry["upper-kairakty"]
    assert _km((nk.y, nk.x), (uk.y, uk.x)) < 0.01  # the centre of the ring, not a guessed bearing
    assert deposits.loc["north-katpar", spec.field("uncertainty_min")] == 20
    assert deposits.loc["north-katpar", spec.field("uncertainty")] == 30
    assert deposits.loc["north-katpar", "location_accuracy"] == "approximate"
    note = deposits.loc["north-katpar", "location_note"]
    assert "ring" in note and "not published" in note
    # Only North Katpar is a ring: every other deposit keeps a plain circle.
    others = deposits.drop(index="north-katpar")[spec.field("uncertainty_min")]
    assert others.isna().all()


def test_uncertainty_radii_cover_every_reading_in_their_notes(shipped):
    deposits = shipped.layers["deposits"].set_index("id")

    def covers(fid, lonlat):
        p = deposits.geometry[fid]
        return _km((p.y, p.x), (lonlat[1], lonlat[0])) <= deposits.loc[fid, "uncertainty_km"]

    astana, karkaraly, arkalyk = (71.44598, 51.1801), (75.47417, 49.40583), (66.92027, 50.24915)
    se_of_astana = GEOD.fwd(*astana, 135, 300_000)[:2]
    ne_of_karkaraly = GEOD.fwd(*karkaraly, 45, 100_000)[:2]
    assert covers("kuyrektykol", se_of_astana) and covers("kuyrektykol", ne_of_karkaraly)
    for bearing in (202.5, 225, 247.5):
        for dist in (25_000, 35_000, 45_000):
            assert covers("akbulak", GEOD.fwd(*arkalyk, bearing, dist)[:2])


def test_statuses_say_what_sources_say(shipped):
    deposits = shipped.layers["deposits"].set_index("id")
    assert deposits.loc["kokbulak", "status"] == "preliminary offtake (non-binding)"


def test_shared_figures_belong_to_groups_and_are_counted_once(shipped):
    resources_ = shipped.tables["resources"].set_index("id")
    groups = shipped.tables["deposit_groups"].set_index("id")
    assert set(split_refs(groups.loc["katpar-kairakty", "members"])) == {"north-katpar", "upper-kairakty"}
    for rid in ("kk-combined-hist-w", "kk-combined-410kt-w", "kk-combined-1400kt-wo3"):
        assert resources_.loc[rid, "deposit"] == "katpar-kairakty"
    assert resources_.loc["kuy-zhana-kazakhstan", "deposit"] == "kuyrektykol-wider-area"
    # Upper Kairakty's own tungsten figures no longer add up to 2.5 Mt.
    own = resources_[(resources_["deposit"] == "upper-kairakty") & resources_["value_unit"].isin(["t W", "t WO3"])]
    assert own["value"].sum() < 2.5e6
    assert (resources_["value"] > 0).all() and resources_["published_text"].str.len().gt(3).all()
    # USD 1.1 bn: once, on one agreement, on no deposit.
    agreements = shipped.tables["agreements"]
    assert (agreements["value_usd_m"] == 1100).sum() == 1
    assert shipped.layers["deposits"]["investment_usd_m"].isna().all()


def test_sources_have_dates_tiers_and_no_flagged_outlet_unlabelled(shipped):
    sources = shipped.tables["sources"].set_index("id")
    assert sources["accessed"].notna().all() and sources["tier"].notna().all()
    assert (sources["url"].notna() | sources["no_url_reason"].notna()).all()
    flagged = sources[sources["url"].fillna("").str.contains("news-pravda")]
    assert all("disinformation" in p for p in flagged["publisher"])
    assert sources.loc["uic-enews-414-zhezkazgan-beyneu", "date"] == "2014-09"
    assert not any(i.startswith("seed-") for i in sources.index)


def test_readme_carries_the_reports_route_table():
    """The route table and the one-line reasons in the README are what `kzgeo report` prints."""
    report = kzgeo.report(SHIPPED_LAYERS)
    block = report.split("## Route lengths: computed and published", 1)[1].split("Notes:", 1)[0].strip()
    readme = (SHIPPED_LAYERS.parent / "README.md").read_text(encoding="utf-8")
    assert block in readme, "paste the route table of `kzgeo report` into README.md"
