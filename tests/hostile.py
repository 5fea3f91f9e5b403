"""Helpers for the hostile-input tests: break a copy of the layers, run the CLI, read its errors.

Every CLI run here also checks the two promises that hold for any input:
no traceback in the output, and no exception other than a clean exit.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from kzgeo.cli import app

runner = CliRunner()


def cli(*args: str):
    """Run ``kzgeo *args`` in-process; fail if it leaked an exception or a traceback."""
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error: ")]


def assert_refused(result, prefix: str, *fragments: str) -> str:
    """Exit code 1 and an ``Error:`` line starting with ``prefix`` holding every fragment."""
    assert result.exit_code == 1, result.output
    lines = error_lines(result)
    matches = [line for line in lines if line.startswith(prefix) and all(f in line for f in fragments)]
    assert matches, f"no line starts with {prefix!r} and holds {fragments}:\n{result.output}"
    return matches[0]


def validate(layers: Path):
    return cli("validate", "--layers", layers)


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def feature(doc: dict, fid: str) -> dict:
    return next(f for f in doc["features"] if f["id"] == fid)


def set_geometry(path: Path, fid: str, geometry) -> None:
    def change(doc):
        feature(doc, fid)["geometry"] = geometry

    edit_json(path, change)


def read_table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_table(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> None:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def set_cell(path: Path, key: str, column: str, value: str) -> None:
    """Set one cell of a CSV table, found by its id and column name."""
    rows = read_table(path)
    col = rows[0].index(column)
    row = next(r for r in rows[1:] if r[0] == key)
    row[col] = value
    write_table(path, rows)


def add_polygon_layer(layers: Path, ring: list[list[float]], fid: str = "licence") -> None:
    """Declare an ``areas`` Polygon layer with one feature whose outer ring is ``ring``."""
    with open(layers / "catalog.toml", "a", encoding="utf-8") as f:
        f.write(
            """
[layers.areas]
title = "Licence areas"
geometry = "areas.geojson"
attributes = "areas.csv"
key = "id"
geometry_type = "Polygon"
[layers.areas.fields]
id = { type = "str", required = true }
sources = { type = "refs", to = ["sources"], required = true }
"""
        )
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": fid, "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    (layers / "areas.geojson").write_text(json.dumps(doc), encoding="utf-8")
    (layers / "areas.csv").write_text(f"id,sources\n{fid},src-a\n", encoding="utf-8")
