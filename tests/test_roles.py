"""The catalog is the single declaration of the data: rename everything and kzgeo works the same.

A copy of the shipped layers (and map specs) has every layer, table, field and
file renamed. If any code named the shipped dataset's layers, tables or fields,
one of the five commands would fail or differ. The outputs are compared with
the original's after mapping the new names back: the report byte for byte,
the pages, styles and exports apart from the manifest's file names and hashes.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from kzgeo.cli import app

from conftest import ROOT, SHIPPED_LAYERS

runner = CliRunner()
#: Appended to every name: a suffix keeps names in the same sorted order, so JSON
#: written with sorted keys compares equal once the names are mapped back.
SUFFIX = "_zz"


def _new(name: str) -> str:
    """``deposits`` -> ``deposits_zz``; ``deposits.csv`` -> ``deposits_zz.csv``."""
    stem, dot, ext = name.partition(".")
    return f"{stem}{SUFFIX}{dot}{ext}"


def _rename_catalog(catalog: dict) -> tuple[dict, dict[str, str], dict[str, dict[str, str]]]:
    """The catalog with every layer, table, field and file renamed; the table and field maps used."""
    tables = {name: _new(name) for kind in ("layers", "tables") for name in catalog.get(kind, {})}
    fields = {}
    out = {"catalog": catalog["catalog"]}
    for kind, file_keys in (("layers", ("geometry", "attributes")), ("tables", ("file",))):
        out[kind] = {}
        for name, entry in catalog.get(kind, {}).items():
            fields[name] = {f: (f if f == "id" else _new(f)) for f in entry["fields"]}
            entry = dict(entry)
            for key in file_keys:
                entry[key] = _new(entry[key])
            entry["fields"] = {
                fields[name][f]: {
                    **rule,
                    **({"to": [tables[t] for t in rule["to"]]} if "to" in rule else {}),
                    **({"translates": fields[name][rule["translates"]]} if "translates" in rule else {}),
                }
                for f, rule in entry["fields"].items()
            }
            if "style" in entry:
                style = dict(entry["style"])
                for key in ("by", "dash_by"):
                    if key in style:
                        style[key] = fields[name][style[key]]
                entry["style"] = style
            out[kind][tables[name]] = entry
    return out, tables, fields


def _rename_spec(spec: dict, tables: dict[str, str], fields: dict[str, dict[str, str]]) -> dict:
    spec = dict(spec)
    if "layers" in spec:
        spec["layers"] = [tables[n] for n in spec["layers"]]
    if "filters" in spec:
        spec["filters"] = {tables[n]: {fields[n][f]: v for f, v in rule.items()} for n, rule in spec["filters"].items()}
    if "styles" in spec:
        spec["styles"] = {
            tables[n]: {k: (fields[n][v] if k in ("by", "dash_by") else v) for k, v in style.items()} for n, style in spec["styles"].items()
        }
    return spec


def renamed_copy(target: Path) -> tuple[Path, Path, dict[str, str]]:
    """Write renamed copies of layers/ and maps/ under ``target``; return their paths and new -> old names."""
    catalog = tomllib.loads((SHIPPED_LAYERS / "catalog.toml").read_text(encoding="utf-8"))
    renamed, tables, fields = _rename_catalog(catalog)
    layers = target / "layers"
    layers.mkdir(parents=True)
    (layers / "catalog.toml").write_text(tomli_w.dumps(renamed), encoding="utf-8")
    for kind in ("layers", "tables"):
        for name, entry in catalog.get(kind, {}).items():
            table = entry.get("attributes") or entry["file"]
            with open(SHIPPED_LAYERS / table, encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            rows[0] = [fields[name][c] for c in rows[0]]
            with open(layers / _new(table), "w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows(rows)
            if "geometry" in entry:
                shutil.copy(SHIPPED_LAYERS / entry["geometry"], layers / _new(entry["geometry"]))
    maps = target / "maps"
    maps.mkdir()
    for spec in (ROOT / "maps").glob("*.toml"):
        raw = tomllib.loads(spec.read_text(encoding="utf-8"))
        (maps / spec.name).write_text(tomli_w.dumps(_rename_spec(raw, tables, fields)), encoding="utf-8")
    back = {new: old for old, new in tables.items()} | {new: old for per in fields.values() for old, new in per.items()}
    return layers, maps, back


def _unrename(text: str, back: dict[str, str]) -> str:
    # Names may be joined by "_" (the export's junction tables: agreements_zz_features_zz).
    return re.sub(rf"(?<![A-Za-z0-9])[A-Za-z0-9]\w*?{SUFFIX}(?![A-Za-z0-9])", lambda m: back.get(m.group(0), m.group(0)), text)


def _without_manifest(html: str) -> str:
    """A page without its build manifest (file names and hashes of the inputs differ by design)."""
    return re.sub(r'<script type="application/json" id="kz-build">.*?</script>', "", html, flags=re.S)


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The original and the renamed copy, each built, reported and exported."""
    base = tmp_path_factory.mktemp("roles")
    layers, maps, back = renamed_copy(base / "renamed")
    runs = {}
    for label, (lay, mp) in {"original": (SHIPPED_LAYERS, ROOT / "maps"), "renamed": (layers, maps)}.items():
        out = base / f"out-{label}"
        out.mkdir()
        runs[label] = {
            "validate": _run("validate", "--layers", str(lay)),
            "layers": _run("layers", "--layers", str(lay)),
            "build": _run("build", "--layers", str(lay), "--maps", str(mp), "--out", str(out / "maps")),
            "export": _run("export", "--layers", str(lay), "--out", str(out / "qgis")),
            "out": out,
        }
        for fmt in ("md", "json"):
            runs[label][f"report.{fmt}"] = _without_inputs(_run("report", "--layers", str(lay), "--format", fmt))
        _run("report", "--layers", str(lay), "--format", "csv", "--out", str(out / "report"))
        tables = sorted(p for p in (out / "report").glob("*.csv") if p.name != "inputs.csv")
        runs[label]["report.csv"] = "".join(f"## {p.name}\n{p.read_text(encoding='utf-8')}" for p in tables)
    return runs, back


def _without_inputs(text: str) -> str:
    """A report without its input files and hashes (the renamed copy's files differ by design)."""
    if text.startswith("{"):
        doc = json.loads(text)
        doc.pop("inputs")
        return json.dumps(doc, ensure_ascii=False, indent=2)
    return text[: text.index("## Provenance")]


def test_renamed_copy_validates_and_lists(both):
    runs, back = both
    # Untranslated-text warnings name the renamed files and fields; otherwise the output is the same.
    assert _unrename(runs["renamed"]["validate"], back) == runs["original"]["validate"]
    assert runs["original"]["validate"].endswith("OK: the layers are valid.\n")
    assert _unrename(runs["renamed"]["layers"], back) == runs["original"]["layers"]


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_renamed_copy_reports_byte_for_byte(both, fmt):
    runs, _ = both
    assert runs["renamed"][f"report.{fmt}"] == runs["original"][f"report.{fmt}"]


def test_renamed_copy_builds_the_same_pages(both):
    runs, back = both
    pages = sorted(p.name for p in (runs["original"]["out"] / "maps").glob("*.html"))
    assert pages == ["corridors.html", "overview.html", "rare-earths.html", "tungsten.html"]
    for name in pages:
        original = (runs["original"]["out"] / "maps" / name).read_text(encoding="utf-8")
        renamed = (runs["renamed"]["out"] / "maps" / name).read_text(encoding="utf-8")
        assert _without_manifest(_unrename(renamed, back)) == _without_manifest(original), name


def test_renamed_copy_exports_the_same_styles_and_rows(both):
    runs, back = both
    original, renamed = runs["original"]["out"] / "qgis", runs["renamed"]["out"] / "qgis"
    assert sorted(_unrename(p.name, back) for p in renamed.iterdir()) == sorted(p.name for p in original.iterdir())
    for path in original.glob("*.qml"):
        assert _unrename((renamed / _new(path.name)).read_text(encoding="utf-8"), back) == path.read_text(encoding="utf-8")
    for path in original.glob("*.geojson"):
        assert json.loads(_unrename((renamed / _new(path.name)).read_text(encoding="utf-8"), back)) == json.loads(path.read_text(encoding="utf-8"))

    def rows(gpkg: Path) -> dict[str, str]:
        """Every table's rows, names mapped back, GDAL's time stamps left out."""
        with sqlite3.connect(gpkg) as db:
            names = [n for (n,) in db.execute("select table_name from gpkg_contents where data_type in ('features', 'attributes')")]
            return {
                _unrename(n, back): re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "", _unrename(repr(db.execute(f'select * from "{n}" order by 1').fetchall()), back))
                for n in names
            }

    assert rows(renamed / "kzgeo.gpkg") == rows(original / "kzgeo.gpkg")


def _drop_role(layers: Path, role: str) -> None:
    catalog = tomllib.loads((layers / "catalog.toml").read_text(encoding="utf-8"))
    for kind in ("layers", "tables"):
        for entry in catalog.get(kind, {}).values():
            if entry.get("role") == role:
                del entry["role"]
    (layers / "catalog.toml").write_text(tomli_w.dumps(catalog), encoding="utf-8")


def test_a_missing_role_is_a_clean_error(tmp_path):
    """A report needs routes; a catalog that declares none gets one Error line, not a traceback."""
    layers = tmp_path / "layers"
    shutil.copytree(SHIPPED_LAYERS, layers)
    _drop_role(layers, "routes")
    assert runner.invoke(app, ["validate", "--layers", str(layers)]).exit_code == 0
    result = runner.invoke(app, ["report", "--layers", str(layers)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f'Error: {layers / "catalog.toml"}: no layer or table has role = "routes", which route lengths needs']
    assert "Traceback" not in result.output


def test_maps_need_no_optional_role(tmp_path):
    """Without agreements or figures declared, maps still build (those popup sections are left out)."""
    layers = tmp_path / "layers"
    shutil.copytree(SHIPPED_LAYERS, layers)
    _drop_role(layers, "agreements")
    _drop_role(layers, "figures")
    result = runner.invoke(app, ["build", "--layers", str(layers), "--maps", str(ROOT / "maps"), "--out", str(tmp_path / "maps")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "maps" / "overview.html").read_text(encoding="utf-8")
    assert "Resource figures" not in page and "Tau-Ken Samruk" in page
