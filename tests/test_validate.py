"""`kzgeo validate`: clean layers pass; each kind of fault is named by file and feature."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kzgeo
from kzgeo.cli import app

from conftest import SHIPPED_LAYERS
from hostile import add_polygon_layer

runner = CliRunner()


def run_validate(layers: Path):
    result = runner.invoke(app, ["validate", "--layers", str(layers)])
    assert "Traceback" not in result.output
    return result


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error: ")]


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_shipped_layers_are_valid():
    result = run_validate(SHIPPED_LAYERS)
    assert result.exit_code == 0, result.output
    assert kzgeo.validate(SHIPPED_LAYERS) == []


def test_fixture_layers_are_valid(layers_dir):
    assert run_validate(layers_dir).exit_code == 0


def _malformed_json(d: Path):
    (d / "deposits.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")


def _swapped(d: Path):
    def swap(doc):
        doc["features"][0]["geometry"]["coordinates"] = [48.6839, 73.2586]

    edit_json(d / "deposits.geojson", swap)


def _duplicate_id(d: Path):
    edit_json(d / "nodes.geojson", lambda doc: doc["features"].append(dict(doc["features"][0])))


def _orphan_row(d: Path):
    with open(d / "nodes.csv", "a", encoding="utf-8") as f:
        f.write("ghost,Ghost,Призрак,Елес,port,KZ,exact,1,Nowhere,src-b\n")


def _missing_row(d: Path):
    lines = (d / "nodes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (d / "nodes.csv").write_text("".join(line for line in lines if not line.startswith("alat,")), encoding="utf-8")


def _unknown_source(d: Path):
    text = (d / "deposits.csv").read_text(encoding="utf-8")
    (d / "deposits.csv").write_text(text.replace("Published coordinate,src-a", "Published coordinate,src-nope"), encoding="utf-8")


def _bow_tie(d: Path):
    """Adds a polygon layer whose only feature is a self-intersecting bow-tie."""
    add_polygon_layer(d, [[70, 48], [72, 50], [72, 48], [70, 50], [70, 48]], fid="bowtie")


CASES = {
    "malformed JSON": (_malformed_json, "deposits.geojson", "not valid JSON"),
    "bow-tie polygon": (_bow_tie, 'areas.geojson: feature "bowtie"', "Self-intersection"),
    "swapped lat/lon": (_swapped, 'deposits.geojson: feature "upper-kairakty"', "swapped"),
    "duplicate id": (_duplicate_id, 'nodes.geojson: feature "aktau"', "duplicate id"),
    "CSV row without feature": (_orphan_row, 'nodes.csv: row (id "ghost")', "matches no feature in nodes.geojson"),
    "feature without row": (_missing_row, 'nodes.geojson: feature "alat"', "has no attribute row in nodes.csv"),
    "unknown source": (_unknown_source, 'deposits.csv: row (id "upper-kairakty")', '"src-nope" is not an id in sources.csv'),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_fault_is_named(layers_dir, case):
    breaker, where, what = CASES[case]
    breaker(layers_dir)
    result = run_validate(layers_dir)
    assert result.exit_code == 1
    errors = error_lines(result)
    assert any(line.startswith(f"Error: {where}") and what in line for line in errors), result.output


def test_every_problem_is_reported_at_once(layers_dir):
    _swapped(layers_dir)
    _orphan_row(layers_dir)
    _unknown_source(layers_dir)
    errors = error_lines(run_validate(layers_dir))
    assert len(errors) >= 3
    assert any("swapped" in e for e in errors) and any("ghost" in e for e in errors) and any("src-nope" in e for e in errors)


def test_missing_catalog_is_a_clean_error(tmp_path):
    result = run_validate(tmp_path)
    assert result.exit_code == 1
    assert error_lines(result) and "catalog.toml" in error_lines(result)[0]


def test_installed_command_prints_no_traceback(layers_dir):
    _malformed_json(layers_dir)
    proc = subprocess.run(
        [sys.executable, "-m", "kzgeo", "validate", "--layers", str(layers_dir)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: deposits.geojson")
    assert "Traceback" not in proc.stderr + proc.stdout
