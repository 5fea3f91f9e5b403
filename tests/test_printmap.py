"""Print-ready PNG and PDF maps: sized, not blank, readable by a real PDF reader."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from matplotlib.image import imread

import kzgeo
from kzgeo.errors import KzgeoError
from kzgeo.printmap import PAGE_SIZE, PNG_DPI

from conftest import ARTIFACTS, ROOT



def _ink(image: np.ndarray) -> float:
    """Share of pixels that are not white."""
    rgb = image[..., :3]
    if rgb.dtype != np.uint8:
        rgb = (rgb * 255).round().astype(np.uint8)
    return float((rgb.min(axis=-1) < 245).mean())


def _has_colour(image: np.ndarray, hex_colour: str, tolerance: int = 12) -> bool:
    rgb = image[..., :3]
    if rgb.dtype != np.uint8:
        rgb = (rgb * 255).round().astype(np.uint8)
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(rgb.astype(int) - target).max(axis=-1) <= tolerance).sum() > 20)


def test_png_is_a_full_page_map(layers_dir, tmp_path):
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path, fmt="png")
    assert path.name == "overview.png"
    assert 50_000 < path.stat().st_size < 5_000_000
    image = imread(path)
    assert image.shape[:2] == (int(PAGE_SIZE[1] * PNG_DPI), int(PAGE_SIZE[0] * PNG_DPI))
    assert _ink(image) > 0.3
    # Tungsten deposits, rail lines and the sea colour are all drawn.
    for colour in ("#1f5fa8", "#c0392b", "#c9dde8"):
        assert _has_colour(image, colour), colour
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "static-en.png").write_bytes(path.read_bytes())


def test_pdf_opens_in_a_real_reader(layers_dir, tmp_path):
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path, fmt="pdf", lang="ru")
    assert path.name == "overview.ru.pdf"
    assert 20_000 < path.stat().st_size < 5_000_000
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M)
    assert "(A4)" in info
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    assert _ink(imread(pages[0])) > 0.3 and _ink(imread(pages[1])) > 0.005
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "static-ru-page1.png").write_bytes(pages[0].read_bytes())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Верхнее Кайракты", "Данные на 23 февраля 2026", "Источники", "км", "Example Agency: Tungsten deal announced (7 ноября 2025 г.)"):  # source dates as Russian writes them
        assert expected in text, expected


def test_data_text_is_drawn_literally(layers_dir, tmp_path):
    """A "$" in a name is a dollar sign, not the start of mathtext."""
    deposits = layers_dir / "deposits.csv"
    deposits.write_text(deposits.read_text(encoding="utf-8").replace("Upper Kairakty,", "Upper $x^2$ Kairakty,", 1), encoding="utf-8")
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path, fmt="pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "$x^2$ Kairakty" in text
    hostile = "O'Brien <script>window.__pwned=1</script>"
    assert hostile in text.replace("\n", " ")


def test_unknown_format_or_language_is_a_clean_error(layers_dir, tmp_path):
    out = tmp_path / "maps"
    with pytest.raises(KzgeoError, match="unknown output format"):
        kzgeo.build(layers_dir, out, maps_dir=out, fmt="svg")
    with pytest.raises(KzgeoError, match='unknown language "de"'):
        kzgeo.build(layers_dir, out, maps_dir=out, lang="de")
    assert not out.exists()


def test_cli_builds_each_format_and_language(layers_dir, tmp_path):
    from typer.testing import CliRunner

    from kzgeo.cli import app

    runner = CliRunner()
    out = tmp_path / "maps"
    for args, name in ((["--format", "pdf", "--lang", "kk"], "overview.kk.pdf"), (["--format", "png"], "overview.png"), (["--cdn"], "overview.cdn.html")):
        result = runner.invoke(app, ["build", "--layers", str(layers_dir), "--out", str(out), "--maps", str(out), *args])
        assert result.exit_code == 0, result.output
        assert f"wrote {out / name}" in result.output
        assert (out / name).stat().st_size > 10_000
    result = runner.invoke(app, ["build", "--layers", str(layers_dir), "--out", str(out), "--maps", str(out), "--lang", "de"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_polygons_are_filled_and_outlined_like_the_html_map(layers_dir, tmp_path):
    from hostile import add_polygon_layer

    add_polygon_layer(layers_dir, [[58.0, 44.0], [66.0, 44.0], [66.0, 49.0], [58.0, 49.0], [58.0, 44.0]])
    with open(layers_dir / "catalog.toml", "a", encoding="utf-8") as f:
        f.write('[layers.areas.style]\nby = "id"\ncolors = { licence = "#00aa00" }\n')
    data = kzgeo.read_layers(layers_dir)
    from kzgeo.printmap import render_static

    out = tmp_path / "areas.png"
    out.write_bytes(render_static(data, fmt="png"))
    image = imread(out)
    # The outline in the layer's colour, the inside in that colour at a quarter over the land.
    assert _has_colour(image, "#00aa00", tolerance=30)
    land = np.array([0xF4, 0xF1, 0xEA])
    fill = (0.75 * land + 0.25 * np.array([0x00, 0xAA, 0x00])).round().astype(int)
    assert _has_colour(image, "#" + "".join(f"{v:02x}" for v in fill), tolerance=8)
    (ARTIFACTS / "static-areas.png").parent.mkdir(exist_ok=True)
    (ARTIFACTS / "static-areas.png").write_bytes(out.read_bytes())


def test_cli_builds_a_png_of_the_benchmark_layers_with_licence_polygons(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic import write_layers

    layers = write_layers(tmp_path / "layers", 300, n_licences=40)
    maps = tmp_path / "maps"
    maps.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "kzgeo", "build", "--layers", str(layers), "--maps", str(maps), "--out", str(maps), "--format", "png"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    image = imread(maps / "overview.png")
    assert _ink(image) > 0.3


def test_corridors_print_map_names_tripp_shows_variants_lengths_and_addresses(tmp_path):
    """The shipped corridors map keeps its title's promise on paper: route variants in the legend,
    drawn and published lengths, TRIPP named on the map itself, and the sources' web addresses."""
    from conftest import SHIPPED_LAYERS

    (path,) = kzgeo.build(SHIPPED_LAYERS, tmp_path, maps_dir=ROOT / "maps", spec=ROOT / "maps" / "corridors.toml", fmt="pdf")
    bbox = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width, height = (float(v) for v in re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox).groups())
    words = [(float(x0) / width, float(y0) / height, w) for x0, y0, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', bbox)]
    # The map frame: 3-75 % across, 10-70 % down the page (printmap._map_page's axes).
    on_map = [w for x, y, w in words if 0.03 < x < 0.75 and 0.1 < y < 0.7]
    assert "TRIPP" in on_map, on_map
    page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for variant in ("Dostyk entry", "Khorgos/Altynkol entry", "Kuryk port", "under construction", "planned"):
        assert variant in page1, variant
    assert len(re.findall(r"drawn about [\d,]+ km", page1)) >= 5
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert len(re.findall(r"https?://", page2)) >= 30 and "None" not in page2
