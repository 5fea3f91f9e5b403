"""The report: route lengths against published ones, deposit proximity, and its three formats."""

from __future__ import annotations

import io
import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

import kzgeo
from kzgeo.analysis import geodesy
from kzgeo.cli import app

from conftest import SHIPPED_LAYERS
from test_geography import KNOWN_GAPS_PCT

# Every published route is drawn within 5 % of its published length (or
# inside its published range), except the gaps stated with their reasons in
# test_geography.KNOWN_GAPS_PCT, each held to a band so it cannot grow.
ROUTE_TOLERANCE_PCT = {**{rid: band for rid, band in KNOWN_GAPS_PCT.items()}}
WITHIN_5_PCT = ("route-zhezkazgan-beyneu", "route-arkalyk-shubarkol")

runner = CliRunner()


@pytest.fixture(scope="module")
def shipped():
    return kzgeo.read_layers(SHIPPED_LAYERS)


def test_route_is_sum_of_its_legs(layers_dir):
    data = kzgeo.read_layers(layers_dir)
    legs = kzgeo.leg_lengths(data).set_index("id")["computed_km"]
    routes = kzgeo.route_lengths(data).set_index("id")
    expected = geodesy.length(data.layers["corridors"].geometry).sum() / 1000
    assert routes.loc["route-beyneu-alat", "computed_km"] == pytest.approx(expected, abs=0.05)
    assert routes.loc["route-beyneu-alat", "computed_km"] == pytest.approx(legs.sum(), abs=0.1)
    # No published length: no difference is invented.
    assert math.isnan(routes.loc["route-beyneu-alat", "published_km"])
    assert math.isnan(routes.loc["route-beyneu-alat", "diff_pct"])


def test_every_published_route_has_a_stated_tolerance(shipped):
    routes = kzgeo.route_lengths(shipped)
    published = set(routes.loc[routes["published_km"].notna(), "id"])
    assert published == set(ROUTE_TOLERANCE_PCT) | set(WITHIN_5_PCT), "every published route is within 5 % or a stated gap"


@pytest.mark.parametrize("route_id", sorted(set(ROUTE_TOLERANCE_PCT) | set(WITHIN_5_PCT)))
def test_route_length_against_published(shipped, route_id):
    row = kzgeo.route_lengths(shipped).set_index("id").loc[route_id]
    low, high = ROUTE_TOLERANCE_PCT.get(route_id, (-5.0, 5.0))
    bound = min(max(row["computed_km"], row["published_km_min"]), row["published_km_max"])
    assert row["diff_pct"] == pytest.approx((row["computed_km"] - bound) / bound * 100, abs=0.06)
    assert low <= row["diff_pct"] <= high, f"{route_id}: drawn {row['computed_km']} km vs published {row['published_km']} km"


def test_published_figures_from_the_issue(shipped):
    routes = kzgeo.route_lengths(shipped).set_index("id")
    published = routes["published_km"]
    assert published["route-btk"] == 826
    assert published["route-zhezkazgan-beyneu"] == 988
    assert published["route-dostyk-moyynty"] == 836
    assert (routes.loc["route-tripp-armenia", "published_km_min"], routes.loc["route-tripp-armenia", "published_km_max"]) == (42, 45)
    assert (routes.loc["route-tripp-horadiz-aghband", "published_km_min"], routes.loc["route-tripp-horadiz-aghband", "published_km_max"]) == (110.4, 140.6)


def test_a_range_counts_as_matched_anywhere_inside_it(layers_dir):
    path = layers_dir / "routes.csv"
    text = path.read_text(encoding="utf-8").replace("kz-beyneu-aktau;casp-aktau-alat,,,,,", "kz-beyneu-aktau;casp-aktau-alat,700,500,900,,")
    path.write_text(text, encoding="utf-8")
    row = kzgeo.route_lengths(kzgeo.read_layers(layers_dir)).set_index("id").loc["route-beyneu-alat"]
    assert 500 <= row["computed_km"] <= 900 and row["diff_pct"] == 0


def test_tungsten_deposits_lie_near_the_main_line(shipped):
    prox = kzgeo.deposit_proximity(shipped).set_index("id")
    upper = prox.loc["upper-kairakty"]
    # The deposit is published as about 35 km from Zharyk station.
    assert upper["nearest_node"] == "zharyk"
    assert 30 <= upper["nearest_node_km"] <= 40
    assert upper["nearest_leg"] in {"kz-moyynty-zharyk", "kz-zharyk-zhezkazgan"}
    assert upper["nearest_corridor_km"] <= upper["nearest_node_km"]
    near = kzgeo.deposits_near(shipped, 50)
    assert {"upper-kairakty", "north-katpar"} <= set(near["deposit"])
    assert near["distance_km"].is_monotonic_increasing


def test_uncertain_locations_give_distance_ranges_never_certainty(shipped):
    """North Katpar's marker is arbitrary on its 20-30 km ring (±55 km): its distances are ranges, and it is only possibly near."""
    prox = kzgeo.deposit_proximity(shipped).set_index("id")
    katpar = prox.loc["north-katpar"]
    assert katpar["nearest_corridor_km_min"] == 0.0  # the 55 km circle crosses the line 31.5 km away
    assert katpar["nearest_corridor_km_max"] == pytest.approx(katpar["nearest_corridor_km"] + 55, abs=0.1)
    assert (prox["nearest_corridor_km_min"] <= prox["nearest_corridor_km"]).all()
    assert (prox["nearest_corridor_km"] <= prox["nearest_corridor_km_max"]).all()

    near = kzgeo.deposits_near(shipped, 50).set_index(["deposit", "leg"])
    approximate = set(shipped.layers["deposits"].query("location_accuracy == 'approximate'")["id"])
    for (deposit, _leg), row in near.iterrows():
        if deposit in approximate:
            assert not row["certain"], deposit
    assert near.loc[("upper-kairakty", "kz-moyynty-zharyk"), "certain"]
    # Kokbulak's 200 km circle reaches the main line although its placeholder point is 183 km away.
    assert ("kokbulak", "kz-zharyk-zhezkazgan") in near.index
    # Akbulak is 35 km from the Arkalyk railhead, no longer "245 km from the nearest corridor".
    assert prox.loc["akbulak", "nearest_node"] == "arkalyk" and prox.loc["akbulak", "nearest_corridor_km"] < 40


def test_proximity_ids_are_layer_ids(layers_dir):
    data = kzgeo.read_layers(layers_dir)
    prox = kzgeo.deposit_proximity(data)
    assert list(prox["id"]) == list(data.layers["deposits"]["id"])
    assert set(prox["nearest_leg"]) <= set(data.layers["corridors"]["id"])
    assert set(prox["nearest_node"]) <= set(data.layers["nodes"]["id"])


def test_json_report_schema(layers_dir):
    doc = json.loads(kzgeo.report(layers_dir, format="json"))
    assert {"as_of", "ellipsoid", "within_km", "routes", "legs", "deposits", "near", "sources"} <= set(doc)
    route = doc["routes"][0]
    assert {"id", "name", "computed_km", "published_km", "diff_pct", "source"} <= set(route)
    assert route["id"] == "route-beyneu-alat" and route["published_km"] is None and route["diff_pct"] is None
    assert isinstance(route["source"], list) and isinstance(route["legs"], list)
    deposit = doc["deposits"][0]
    assert {"id", "name", "nearest_corridor_km", "nearest_leg", "nearest_node", "nearest_node_km"} <= set(deposit)
    assert [d["id"] for d in doc["deposits"]] == ["upper-kairakty", "north-katpar", "hostile"]


def test_csv_report_stacks_tables(layers_dir):
    frame = pd.read_csv(io.StringIO(kzgeo.report(layers_dir, format="csv")))
    assert set(frame["table"]) >= {"routes", "legs", "deposits"}
    routes = frame[frame["table"] == "routes"].dropna(axis=1, how="all")
    assert list(routes["id"]) == ["route-beyneu-alat"]


def test_markdown_report_reads_and_escapes(layers_dir):
    text = kzgeo.report(layers_dir)
    assert text.startswith("# kzgeo report")
    assert "| Route | Computed km | Published km | Difference | Sources |" in text
    assert "Beyneu – Alat" in text
    # The hostile deposit name is shown as text, never as markup.
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text


def test_bad_format_is_refused(layers_dir):
    with pytest.raises(ValueError, match="format"):
        kzgeo.report(layers_dir, format="xml")


def test_cli_report_json_to_stdout(layers_dir):
    result = runner.invoke(app, ["report", "--layers", str(layers_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["routes"][0]["id"] == "route-beyneu-alat"


def test_cli_report_out_is_atomic(layers_dir, tmp_path):
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["report", "--layers", str(layers_dir), "--out", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# kzgeo report")
    before = out.read_bytes()
    (layers_dir / "routes.csv").write_text("id,legs\nbroken\n", encoding="utf-8")
    result = runner.invoke(app, ["report", "--layers", str(layers_dir), "--out", str(out)])
    assert result.exit_code == 1
    assert "Error: " in result.stderr and "routes.csv" in result.stderr
    assert "Traceback" not in result.output
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []
