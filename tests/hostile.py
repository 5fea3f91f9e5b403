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

from kzgeo.catalog import read_catalog
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
sources = { type = "refs", to = ["sources"], required = true, role = "sources" }
"""
        )
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": fid, "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    (layers / "areas.geojson").write_text(json.dumps(doc), encoding="utf-8")
    (layers / "areas.csv").write_text(f"id,sources\n{fid},src-a\n", encoding="utf-8")


def payload(marker: str) -> str:
    """Text that runs ``window.__pwned = marker`` if it is ever treated as markup or script."""
    return (
        f"<script>window.__pwned='{marker}'</script> "
        f"<img src=x onerror=\"window.__pwned='{marker}'\"> "
        f"</script><script>window.__pwned='{marker}'</script> "
        f"<svg onload=\"window.__pwned='{marker}'\"></svg> "
        f"javascript:window.__pwned='{marker}' "
        "${7*7} {7*7} \u2028\u2029 <!-- ]]> '\" & end"
    )


HOSTILE_ID = "<img src=x onerror=window.__pwned='id'>"


def poison_data(layers: Path) -> None:
    """Fills every free-text field with payloads and gives one deposit a hostile id."""
    catalog = read_catalog(layers)
    for spec in catalog.all_tables.values():
        path = layers / spec.attributes
        rows = read_table(path)
        header = rows[0]
        for field in spec.fields:
            # Country codes are checked against the shipped outlines (kzgeo.geography), not free text;
            # a translation column a file leaves out is not there to fill.
            if field.type == "str" and field.name not in ("id", "country", "countries") and field.name in header:
                col = header.index(field.name)
                for row in rows[1:]:
                    row[col] = payload(f"{spec.name}.{field.name}")
        write_table(path, rows)
    for name in ("deposits.csv", "deposits.geojson"):
        path = layers / name
        text = path.read_text(encoding="utf-8")
        new_id = json.dumps(HOSTILE_ID)[1:-1] if name.endswith("geojson") else HOSTILE_ID
        path.write_text(text.replace('"hostile"', f'"{new_id}"').replace("\nhostile,", f'\n"{HOSTILE_ID}",'), encoding="utf-8")


def poison_titles(layers: Path) -> None:
    """Appends payloads to the map title and every layer title in the catalog."""
    text = (layers / "catalog.toml").read_text(encoding="utf-8")
    for title in ("Kazakhstan's critical minerals and the corridors west", "Critical-mineral deposits", "Transport corridors", "Ports, border crossings and junctions"):
        assert f'"{title}"' in text
        text = text.replace(f'"{title}"', json.dumps(title + " " + payload("title"), ensure_ascii=False))
    (layers / "catalog.toml").write_text(text, encoding="utf-8")
