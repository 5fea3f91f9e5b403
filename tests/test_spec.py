"""Maps as code: the shipped specs build, render what they say in Chromium, and bad specs fail clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kzgeo
from kzgeo.cli import app

from conftest import ROOT, SHIPPED_LAYERS, screenshot
from pagejs import BOUNDS_JS, FEATURE_IDS_JS, OPEN_CARD_JS

SHIPPED_SPECS = sorted((ROOT / "maps").glob("*.toml"))
runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every shipped spec built from the shipped layers into a scratch maps directory."""
    maps = tmp_path_factory.mktemp("maps")
    for spec in SHIPPED_SPECS:
        shutil.copy(spec, maps / spec.name)
    return {p.stem: p for p in kzgeo.build(SHIPPED_LAYERS, maps, maps_dir=maps)}


def test_at_least_the_four_required_maps_ship():
    assert {"overview", "tungsten", "rare-earths", "corridors"} <= {p.stem for p in SHIPPED_SPECS}


def test_build_writes_one_page_per_spec(built):
    assert set(built) == {p.stem for p in SHIPPED_SPECS}
    for path in built.values():
        assert path.suffix == ".html" and path.stat().st_size > 10_000


def test_build_without_specs_still_writes_the_overview(layers_dir, tmp_path):
    assert [p.name for p in kzgeo.build(layers_dir, tmp_path / "empty", maps_dir=tmp_path / "empty")] == ["overview.html"]


def _open(page, path: Path):
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length > 0")
    assert page.errors == []


def test_tungsten_map(built, offline_page):
    page = offline_page
    _open(page, built["tungsten"])
    ids = set(page.evaluate(FEATURE_IDS_JS))
    legs = {
        "kz-moyynty-zharyk",
        "kz-zharyk-zhezkazgan",
        "kz-zhezkazgan-saksaulskaya",
        "kz-saksaulskaya-shalkar",
        "kz-shalkar-beyneu",
        "kz-beyneu-shetpe",
        "kz-shetpe-aktau",
        "kz-shetpe-kuryk",
    }
    assert {"north-katpar", "upper-kairakty"} <= ids
    assert not ids & {"kokbulak", "akbulak", "kuyrektykol", "kz-dostyk-aktogay", "casp-aktau-alat"}
    assert legs <= ids
    assert "Tungsten" in page.locator(".kz-title").inner_text()
    screenshot(page, "map-tungsten.png")
    popup = page.evaluate(OPEN_CARD_JS, "upper-kairakty")
    # The processing plans come from the agreements table.
    assert "What the agreements say" in popup and "processing plants" in popup


def test_corridors_map_shows_lengths_and_variant_colours(built, offline_page):
    page = offline_page
    _open(page, built["corridors"])
    screenshot(page, "map-corridors.png")
    ids = set(page.evaluate(FEATURE_IDS_JS))
    assert {"tripp-armenia", "kz-dostyk-aktogay", "kz-aktogay-moyynty", "ge-akhalkalaki-kars"} <= ids
    assert not ids & {"north-katpar", "upper-kairakty"}
    popup = page.evaluate(OPEN_CARD_JS, "kz-dostyk-aktogay")
    # Drawn straight between stations: two significant figures, not tenths of a km.
    assert "This leg as drawn: about 300 km (geodesic)" in popup
    # -4.52 %: whole percent from the lengths, not from diff_pct rounded twice (-4.5, then -4).
    assert "Route Dostyk – Moyynty: drawn about 800 km, published 836 km (-5 %)" in popup
    assert "Route Aktogay – Dostyk: drawn about 300 km, published 304 km (-3 %)" in popup
    popup = page.evaluate(OPEN_CARD_JS, "tripp-armenia")
    assert "drawn about 40 km (the part in Armenia), published 42–45 km (-4 %)" in popup
    legend = page.locator('.kz-legend[data-layer="Transport corridors"]').inner_text()
    assert "TRIPP" in legend and "Baku–Tbilisi–Kars" in legend and "Dostyk entry" in legend


def test_rare_earths_map_keeps_its_view(built, offline_page):
    page = offline_page
    _open(page, built["rare-earths"])
    ids = set(page.evaluate(FEATURE_IDS_JS))
    assert {"kokbulak", "kuyrektykol", "akbulak"} <= ids
    assert not ids & {"north-katpar", "upper-kairakty", "tripp-armenia", "alat"}
    west, south, east, north = page.evaluate(BOUNDS_JS)
    # The spec's view [60, 42, 82, 54.5] is inside what the browser shows.
    assert west <= 60 and south <= 42 and east >= 82 and north >= 54.5
    assert east - west < 50  # the view plus room for the controls, not the whole region


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ('layers = ["deposits", "roads"]\n', "unknown layer 'roads'; valid layers: deposits, corridors, nodes"),
        ('[filters]\ndeposits.commodity = ["tungsten"]\n', "layer deposits has no field 'commodity'; valid fields: id, name_en"),
        ('[filters]\ndeposits.commodity_primary = ["tungstn"]\n', "'tungstn' not found in deposits.commodity_primary; valid values: tungsten, rare earths, iron ore"),
        ('[filters]\ncorridors.id = ["no-such-leg"]\n', "'no-such-leg' not found in corridors.id; valid values: casp-aktau-alat, kz-beyneu-aktau"),
        ('[styles.corridors]\nby = "mood"\ncolors = { happy = "#ffffff" }\n', "layer corridors has no field 'mood'"),
        ('[styles.corridors]\ncolors = { bus = "#ffffff" }\n', "'bus' not found in corridors.mode; valid values: rail, sea"),
        ('colour = "red"\n', "unknown key(s) colour; valid keys: title, lang, layers"),
        ('lang = "xx"\n', "unknown language 'xx'; valid: en"),
        ('basemap = "NoSuch.Tiles"\n', "unknown basemap 'NoSuch.Tiles'"),
        ("view = [80, 40, 60, 50]\n", "is not [lon_min, lat_min, lon_max, lat_max]"),
        ('popup_extras = ["everything"]\n', "unknown popup extra(s) everything; valid: lengths, agreement_details"),
        ('layers = ["corridors"]\n[filters]\ndeposits.id = ["north-katpar"]\n', "layer 'deposits' is filtered or styled but not shown"),
        ("layers = [\n", "not a valid TOML file"),
    ],
)
def test_bad_spec_fails_with_valid_names(layers_dir, tmp_path, text, expected):
    spec = _spec(tmp_path, text)
    result = runner.invoke(app, ["build", str(spec), "--layers", str(layers_dir)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {spec}: ")
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert not spec.with_suffix(".html").exists()


def test_bad_spec_among_many_writes_nothing(layers_dir, tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "overview.html").write_text("previous", encoding="utf-8")
    (maps / "a-good.toml").write_text('layers = ["deposits"]\n', encoding="utf-8")
    (maps / "b-bad.toml").write_text('layers = ["roads"]\n', encoding="utf-8")
    with pytest.raises(kzgeo.MapSpecError, match="b-bad.toml"):
        kzgeo.build(layers_dir, maps, maps_dir=maps)
    assert (maps / "overview.html").read_text(encoding="utf-8") == "previous"
    assert not (maps / "a-good.html").exists()


def test_build_out_elsewhere_writes_every_repository_map_there(tmp_path):
    """`kzgeo build --out DIR` writes the repository's maps into DIR, reading the specs from maps/."""
    out = tmp_path / "briefing"
    result = runner.invoke(app, ["build", "--layers", str(SHIPPED_LAYERS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    specs = {p.stem for p in (ROOT / "maps").glob("*.toml")} | {"overview"}
    assert {p.stem for p in out.glob("*.html")} == specs and len(specs) >= 4


def test_build_one_spec_writes_beside_it(layers_dir, tmp_path):
    spec = _spec(tmp_path, 'title = "Only tungsten"\nlayers = ["deposits"]\n[filters]\ndeposits.commodity_primary = ["tungsten"]\n')
    result = runner.invoke(app, ["build", str(spec), "--layers", str(layers_dir)])
    assert result.exit_code == 0, result.output
    page = spec.with_suffix(".html")
    assert result.stdout.strip() == f"wrote {page}"
    html = page.read_text(encoding="utf-8")
    assert "Only tungsten" in html and "North Katpar" in html
    assert '"id": "hostile"' not in html  # filtered out: it is not a tungsten deposit


def test_spec_api_renders_a_folium_map(layers_dir, tmp_path):
    spec = kzgeo.read_map_spec(_spec(tmp_path, 'layers = ["corridors"]\nbasemap = "none"\n[styles.corridors]\nby = "corridor"\ncolors = { "Middle Corridor" = "#123456" }\n'))
    fmap = kzgeo.render_spec(spec, kzgeo.read_layers(layers_dir))
    html = fmap.get_root().render()
    assert "#123456" in html
    assert "arcgisonline" not in html.lower()
