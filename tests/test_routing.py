"""Routing over the corridor network, on the shipped data: what an analyst asks of ``kzgeo route``.

Every figure is checked against the layers themselves: a leg used whole has
the length the leg table gives it, the parts add up to the total, and a route
that retraces a published line comes out at that line's length.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import kzgeo
from kzgeo.cli import app
from kzgeo.html.routemap import ROUTE_LINE

from conftest import SHIPPED_LAYERS
from test_browser import tile_url_pattern

runner = CliRunner()


@pytest.fixture(scope="module")
def data():
    return kzgeo.read_layers(SHIPPED_LAYERS)


@pytest.fixture(scope="module")
def leg_table(data):
    return kzgeo.leg_lengths(data).set_index("id")["computed_km"]


def run(*args: str):
    return runner.invoke(app, ["route", *args, "--layers", str(SHIPPED_LAYERS)])


def route_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def modes_in_order(doc: dict) -> list[str]:
    modes: list[str] = []
    for leg in doc["legs"]:
        if not modes or modes[-1] != leg["mode"]:
            modes.append(leg["mode"])
    return modes


def check_consistent(doc: dict, leg_table) -> None:
    """What must hold of any route: legs join up, parts add up, whole legs match the leg table."""
    stops = [seg for seg in doc["access"] if seg["from"] == doc["from"]["id"]]
    position = stops[0]["to"] if stops else doc["from"]["id"]
    for leg in doc["legs"]:
        assert leg["from"] == position, f"{leg['id']} does not start where the route stands ({position})"
        position = leg["to"]
        if not leg["partial"]:
            assert leg["km"] == pytest.approx(leg_table[leg["id"]], abs=0.05), leg["id"]
        else:
            assert 0 < leg["km"] < leg_table[leg["id"]], leg["id"]
    assert sum(doc["by_mode"].values()) == pytest.approx(doc["total_km"], abs=0.05)
    parts = sum(leg["km"] for leg in doc["legs"]) + sum(seg["km"] for seg in doc["access"])
    assert parts == pytest.approx(doc["total_km"], abs=0.05)


def test_upper_kairakty_to_poti_by_rail_sea_rail(leg_table):
    doc = route_json("upper-kairakty", "poti")
    check_consistent(doc, leg_table)
    assert modes_in_order(doc) == ["rail", "sea", "rail"]
    assert {leg["status"] for leg in doc["legs"]} == {"operating"} and doc["not_operating_km"] == 0
    assert 1.1 <= doc["total_km"] / doc["straight_km"] <= 1.7
    # Loading at the railhead is not a transshipment: rail to sea, and sea to rail.
    assert [(t["kind"], t["from"], t["to"]) for t in doc["transshipments"]] == [("mode", "rail", "sea"), ("mode", "sea", "rail")]
    sea = next(leg for leg in doc["legs"] if leg["mode"] == "sea")
    assert [t["at"] for t in doc["transshipments"]] == [sea["from"], sea["to"]]
    assert [(b["from"], b["to"]) for b in doc["borders"]] == [("KZ", "AZ"), ("AZ", "GE")]
    # The deposit reaches its railhead by the declared access road, flagged as not a corridor leg.
    (access,) = doc["access"]
    assert access["declared"] and access["from"] == "upper-kairakty" and access["to"] == doc["legs"][0]["from"]
    assert access["basis"] == "published" and access["sources"]
    assert doc["by_mode"]["access"] == access["km"]
    cited = {s["id"] for s in doc["sources"]}
    assert set(access["sources"]) <= cited


def test_julfa_via_meghri_passes_meghri_and_marks_planned_legs(leg_table):
    doc = route_json("upper-kairakty", "julfa", "--via", "meghri", "--include-planned")
    check_consistent(doc, leg_table)
    assert any("meghri" in leg["stops"] for leg in doc["legs"])
    not_operating = [leg for leg in doc["legs"] if not leg["operating"]]
    assert not_operating and {leg["status"] for leg in not_operating} <= {"planned", "under construction"}
    assert doc["not_operating_km"] == pytest.approx(sum(leg["km"] for leg in not_operating), abs=0.05)
    assert ("AZ", "AM") in [(b["from"], b["to"]) for b in doc["borders"]]
    text = run("upper-kairakty", "julfa", "--via", "meghri", "--include-planned").stdout
    assert "Meghri" in text and "**planned**" in text and "not yet operating" in text


def test_planned_legs_need_include_planned():
    result = run("upper-kairakty", "julfa", "--via", "meghri")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "--include-planned" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, words",
    [
        (["atlantis", "poti"], ['unknown place "atlantis"']),
        (["upper-kairakty", "pot"], ["did you mean 'poti'"]),
        (["upper-kairakty", "poti", "--avoid", "AZ"], ["no route", "avoiding AZ"]),
        (["upper-kairakty", "poti", "--avoid", "XX"], ["--avoid XX"]),
        (["upper-kairakty", "poti", "--avoid", "GE"], ["Poti is in GE"]),
    ],
)
def test_unknown_place_or_no_route_is_one_error_line(args, words, tmp_path):
    out = tmp_path / "route.json"
    result = run(*args, "--format", "json", "--out", str(out))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_names_in_any_language_and_case(data):
    by_id = kzgeo.find_route(data, "upper-kairakty", "poti").to_dict()
    assert kzgeo.find_route(data, "ВЕРХНЕЕ КАЙРАКТЫ", "поти").to_dict() == by_id
    assert kzgeo.find_route(data, "Жоғарғы Қайрақты", "Poti").to_dict() == by_id


def test_python_api_matches_the_command():
    text = kzgeo.route("upper-kairakty", "poti", SHIPPED_LAYERS, format="json")
    assert json.loads(text) == route_json("upper-kairakty", "poti")


def test_gauge_changes_on_the_btk_line(data, leg_table):
    doc = kzgeo.find_route(data, "upper-kairakty", "kars").to_dict()
    check_consistent(doc, leg_table)
    gauge = [t for t in doc["transshipments"] if t["kind"] == "gauge"]
    assert [(t["at"], t["from"], t["to"]) for t in gauge] == [("akhalkalaki", 1520, 1435)]
    assert doc["borders"][-1]["to"] == "TR"


def test_a_deposit_with_no_declared_railhead_is_flagged(data):
    undeclared = [d for d in data.frame_for("deposits")["id"] if d != "upper-kairakty"]
    doc = kzgeo.find_route(data, undeclared[0], "poti").to_dict()
    (access,) = doc["access"]
    assert access["declared"] is False and access["basis"] == "straight line" and access["km"] == access["straight_km"]
    text = kzgeo.route(undeclared[0], "poti", SHIPPED_LAYERS)
    assert "**assumed**" in text


def _ends(legs: list[str], data) -> tuple[str, str]:
    frame = data.frame_for("legs").set_index("id")
    spec = data.catalog.layers[data.catalog.require("legs", "test")]
    ends = [frame.loc[leg, spec.field(role)] for leg in legs for role in ("from", "to")]
    once = [n for n in ends if ends.count(n) == 1]
    if len(legs) == 1:
        return ends[0], ends[1]
    first = next(n for n in once if n in (frame.loc[legs[0], spec.field("from")], frame.loc[legs[0], spec.field("to")]))
    return first, next(n for n in once if n != first)


#: How far a route retracing a named line may sit from the published length. Lines are drawn
#: through sourced stations, not along the track, so they come out somewhat short.
PUBLISHED_TOLERANCE = 0.15


def test_route_totals_match_the_routes_table_and_published_lengths(data):
    """A route retracing a named line of the routes table comes out at that line's length."""
    table = kzgeo.route_lengths(data).set_index("id")
    spec = data.catalog.spec_for("routes")
    rows = data.frame_for("routes").set_index("id")
    checked = 0
    for rid, row in table.iterrows():
        measured_in = spec.field("measured_in")
        if measured_in and isinstance(rows.loc[rid, measured_in], str):
            continue  # the published length covers one country's part only
        legs = row["legs"].split(";") if isinstance(row["legs"], str) else list(row["legs"])
        start, end = _ends(legs, data)
        route = kzgeo.find_route(data, start, end, include_planned=True)
        if sorted(leg["id"] for leg in route.legs) != sorted(legs):
            continue  # the shortest path takes other legs than the named line
        assert route.total_km == pytest.approx(sum(kzgeo.leg_lengths(data).set_index("id").loc[legs, "computed_km"]), abs=0.05 * len(legs)), rid
        low = high = rows.loc[rid, spec.field("published_km")]
        if spec.field("published_km_min") and rows.loc[rid, spec.field("published_km_min")] == rows.loc[rid, spec.field("published_km_min")]:
            low, high = rows.loc[rid, spec.field("published_km_min")], rows.loc[rid, spec.field("published_km_max")]
        if low == low:  # a length is published
            assert low * (1 - PUBLISHED_TOLERANCE) <= route.total_km <= high * (1 + PUBLISHED_TOLERANCE), (rid, route.total_km, low, high)
            checked += 1
    assert checked >= 3


def test_report_has_a_to_market_table():
    doc = json.loads(kzgeo.report(SHIPPED_LAYERS, format="json"))
    rows = doc["to_market"]
    deposits = {r["deposit"] for r in rows}
    markets = list(dict.fromkeys(r["market"] for r in rows))
    assert len(rows) == len(deposits) * len(markets) and len(markets) == len(kzgeo.settings.market_routes)
    for r in rows:
        assert r["total_km"] and r["total_km"] >= r["straight_km"] or r["note"], r
    tripp = [r for r in rows if "TRIPP" in r["market"]]
    assert all(r["not_operating_km"] > 0 for r in tripp)
    assert all(r["not_operating_km"] == 0 for r in rows if r not in tripp)
    md = kzgeo.report(SHIPPED_LAYERS)
    assert "## To market" in md and all(m in md for m in markets)


def test_html_route_map_highlights_the_route_offline(tmp_path, offline_page):
    out = tmp_path / "route.html"
    result = run("upper-kairakty", "julfa", "--via", "meghri", "--include-planned", "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    doc = route_json("upper-kairakty", "julfa", "--via", "meghri", "--include-planned")
    page = offline_page
    page.goto(out.as_uri())
    page.wait_for_selector("#kz-route-summary")
    # Nothing but the optional basemap tiles is asked of the network; the page draws without them.
    assert page.errors == [] and all(tile_url_pattern().match(url) for url in page.blocked), page.blocked
    # One highlighted line a leg, in the route colour, drawn over the corridors and inside the view.
    lines = page.locator("path.kz-route")
    assert lines.count() == len(doc["legs"])
    assert {lines.nth(i).get_attribute("stroke") for i in range(lines.count())} == {ROUTE_LINE}
    assert page.locator("path.kz-route-access").count() == len(doc["access"])
    dashed = [lines.nth(i).get_attribute("stroke-dasharray") for i in range(lines.count())]
    assert [bool(d) for d in dashed] == [not leg["operating"] for leg in doc["legs"]]
    box = page.locator("#kz-route-summary")
    assert box.is_visible()
    summary = box.inner_text()
    assert "Upper Kairakty → Julfa" in summary and f"{doc['total_km']:,.0f} km in total" in summary
    assert "Transshipments (2)" in summary and "planned" in summary
    # Every highlighted line lies on screen and clear of the summary box.
    view = page.viewport_size
    summary_box = box.bounding_box()
    for i in range(lines.count()):
        b = lines.nth(i).bounding_box()
        assert b and b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= view["width"] and b["y"] + b["height"] <= view["height"]
        assert b["x"] + b["width"] / 2 > summary_box["x"] + summary_box["width"], f"leg {i} sits under the summary box"
    page.screenshot(path=str(tmp_path / "route.png"))


def test_route_out_file_is_written_atomically(tmp_path):
    out = tmp_path / "route.md"
    result = run("upper-kairakty", "batumi", "--out", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("# Route: Upper Kairakty → Batumi")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["route.md"]


def test_published_transit_times_are_listed_where_the_route_covers_them(data):
    table = data.frame_for("transit_times")
    spec = data.catalog.spec_for("transit_times")
    row = table.iloc[-1]
    start, end = row[spec.field("from")], row[spec.field("to")]
    doc = kzgeo.find_route(data, start, end).to_dict()
    times = [t for t in doc["transit_times"] if (t["from"], t["to"]) == (start, end)]
    assert len(times) == 1 and times[0]["covers"] == "whole" and times[0]["days_min"] == row[spec.field("days_min")]
    assert set(times[0]["sources"]) <= {s["id"] for s in doc["sources"]}
    # A published time between places the route does not pass is not shown.
    assert all(t["from"] in {s for leg in doc["legs"] for s in leg["stops"]} for t in doc["transit_times"])
