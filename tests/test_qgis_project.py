"""The exported project as a GIS professional checks it, in real QGIS 3.22 (never skipped).

One export of the shipped layers and specs is copied elsewhere and opened by
``tests/qgis_project_driver.py``, which reports what QGIS sees: CRS and
ellipsoid, ``$length`` as the Field Calculator computes it, QGIS's own
metadata validators, labels, legends, SLD, relations, forms, map tips, map
themes, bookmarks and print layouts (rendered to PNG in the review folder, ``conftest.ARTIFACTS``).
The way back is tested by editing the GeoPackage with PyQGIS's editing API
(``tests/qgis_edit_driver.py``) and running ``kzgeo import``.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import kzgeo
from kzgeo.backdrop import LAND
from kzgeo.cli import app
from kzgeo.io.readers import split_refs

from conftest import ROOT, SHIPPED_LAYERS
from test_export_qgis import ARTIFACTS, QGIS_PYTHON, qgis_python  # noqa: F401  (fixture)

HERE = Path(__file__).resolve().parent
PROJECT_DRIVER = HERE / "qgis_project_driver.py"
EDIT_DRIVER = HERE / "qgis_edit_driver.py"
SHIPPED_MAPS = ROOT / "maps"
runner = CliRunner()


def run_driver(driver: Path, env: dict, *args: str) -> dict:
    done = subprocess.run([QGIS_PYTHON, str(driver), *args], env=env, capture_output=True, text=True, timeout=900)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(f"{driver.name} failed ({done.returncode}): {lines[-1] if lines else ''}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _export(tmp: Path, env: dict, lang: str) -> SimpleNamespace:
    layers = tmp / "layers"
    shutil.copytree(SHIPPED_LAYERS, layers)
    out = tmp / "export"
    kzgeo.export(layers, out, lang=lang, maps_dir=SHIPPED_MAPS)
    moved = tmp / "moved" / "elsewhere"
    shutil.copytree(out, moved)
    pngs = ARTIFACTS / f"qgis-layouts-{lang}"
    shutil.rmtree(pngs, ignore_errors=True)
    pngs.mkdir(parents=True)
    report = run_driver(PROJECT_DRIVER, env, str(moved), str(pngs))
    return SimpleNamespace(report=report, data=kzgeo.read_layers(layers), out=out, moved=moved, lang=lang, specs=sorted(p.stem for p in SHIPPED_MAPS.glob("*.toml")))


@pytest.fixture(scope="module")
def project(tmp_path_factory, qgis_python):  # noqa: F811
    return _export(tmp_path_factory.mktemp("project-en"), qgis_python, "en")


@pytest.fixture(scope="module")
def project_ru(tmp_path_factory, qgis_python):  # noqa: F811
    return _export(tmp_path_factory.mktemp("project-ru"), qgis_python, "ru")


def layer(project, name: str) -> dict:
    return project.report["layers"][f"kzgeo_layer_{name}"]


def test_project_is_projected_and_lengths_agree_with_the_ellipsoid(project):
    report = project.report
    assert report["read"] is True
    assert report["crs"]["valid"] and not report["crs"]["geographic"]
    assert "+proj=lcc" in report["crs"]["proj"]
    assert report["ellipsoid"] == "EPSG:7030"
    assert report["distance_units"] == "kilometers"
    legs_name = project.data.catalog.require("legs", "the length test")
    ours = kzgeo.leg_lengths(project.data).set_index("id")["computed_km"]
    qgis = layer(project, legs_name)["lengths_km"]
    assert set(qgis) == set(ours.index)
    for leg, km in qgis.items():
        assert km == pytest.approx(ours[leg], rel=0.01), leg


def test_every_layer_opens_from_the_moved_folder_with_valid_metadata(project):
    report = project.report
    sources = project.data.sources
    url_field = project.data.catalog.all_tables[project.data.catalog.sources_table].field("url")
    assert report["project_metadata"]["ok"], report["project_metadata"]["problems"]
    for layer_id, entry in report["layers"].items():
        assert entry["valid"], layer_id
        assert entry["metadata_ok"], (layer_id, entry["metadata_problems"])
        assert entry["contacts"] and entry["links"], layer_id
        assert entry["metadata_temporal"] and all(start <= end for start, end in entry["metadata_temporal"]), layer_id
        (xmin, ymin, xmax, ymax), = entry["metadata_extent"]
        assert xmin < xmax and ymin < ymax, (layer_id, entry["metadata_extent"])  # real numbers, not 0,0,0,0
    for name, frame in project.data.layers.items():
        entry = layer(project, name)
        (xmin, ymin, xmax, ymax), = entry["metadata_extent"]
        bounds = frame.total_bounds
        assert (xmin, ymin, xmax, ymax) == pytest.approx(tuple(bounds))
        cites = project.data.catalog.layers[name].field("sources")
        urls = {sources.loc[s, url_field] for cell in frame[cites] for s in split_refs(cell) if isinstance(sources.loc[s, url_field], str)}
        assert urls <= set(entry["links"]), name


def test_layers_are_labelled_in_the_export_language(project, project_ru):
    for case in (project, project_ru):
        labelled = {name: layer(case, name)["label_field"] for name in case.data.layers if layer(case, name)["labels_enabled"]}
        assert len(labelled) >= 2
        for name, field in labelled.items():
            assert field == case.data.catalog.layers[name].names[case.lang], (case.lang, name)
    deposits = project_ru.data.catalog.require("deposits", "the label test")
    spec = project_ru.data.catalog.layers[deposits]
    status = spec.field("status")
    assert layer(project_ru, deposits)["aliases"][status] == spec.spec_of(status).label["ru"]
    # Dropdown entries are shown in Russian and store the catalog's value.
    shown = {k: v for entry in layer(project_ru, deposits)["value_maps"][status] for k, v in entry.items()}
    assert set(shown.values()) == set(spec.spec_of(status).values)
    assert any(k != v for k, v in shown.items())


def test_legend_and_sld_keep_both_dimensions(project):
    catalog = project.data.catalog
    deposits, legs = catalog.require("deposits", "test"), catalog.require("legs", "test")
    dep, leg = layer(project, deposits), layer(project, legs)
    assert dep["renderer"] == leg["renderer"] == "RuleRenderer"
    assert {"approximate location", "exact location"} <= set(dep["legend"])
    assert set(catalog.layers[legs].style.dashes) <= set(leg["legend"])
    accuracy = catalog.layers[deposits].field("accuracy")
    sld = ET.fromstring(dep["sld"])
    rules = [r for r in sld.iter("{http://www.opengis.net/se}Rule")]
    approx = [r for r in rules if f">{accuracy}<" in ET.tostring(r, encoding="unicode") and "approximate" in ET.tostring(r, encoding="unicode")]
    assert approx and all("stroke-dasharray" in ET.tostring(r, encoding="unicode") for r in approx)
    leg_sld = leg["sld"]
    dashed = [v for v, d in catalog.layers[legs].style.dashes.items() if d]
    for value in dashed:
        assert value in leg_sld
    assert leg_sld.count("stroke-dasharray") >= len(dashed) * len(catalog.layers[legs].style.colors)


def test_backdrop_and_uncertainty_areas_are_layers(project):
    backdrop = layer(project, "backdrop")
    assert backdrop["valid"] and backdrop["features"] > 20
    areas = project.report["uncertainty"]
    def inner(spec, row):
        value = row.get(spec.field("uncertainty_min")) if spec.field("uncertainty_min") else None
        return float(value) if value is not None and value == value else 0.0

    expected = {
        f"{name}/{row['id']}": (row[spec.field("uncertainty")], inner(spec, row))
        for name, spec in project.data.catalog.layers.items() if spec.field("uncertainty")
        for row in project.data.layers[name].to_dict("records") if row[spec.field("uncertainty")] > 0
    }
    assert set(areas) == set(expected)
    assert any(hole for _, hole in expected.values())  # North Katpar's 20-30 km ring
    for fid, area in areas.items():
        assert area["valid"], fid
        # Reprojected to the project CRS and measured on the ellipsoid: a circle of the feature's
        # radius, or a ring where the sources also rule out an inner radius.
        outer, hole = expected[fid]
        assert area["km2"] == pytest.approx(math.pi * (outer ** 2 - hole ** 2), rel=0.01), fid


def test_relations_forms_and_map_tips(project):
    catalog = project.data.catalog
    relations = project.report["relations"]
    assert relations and all(r["valid"] for r in relations.values())
    refs = [(name, f.name) for name, spec in catalog.all_tables.items() for f in spec.fields if f.type == "refs"]
    for name, field in refs:
        junction = f"kzgeo_layer_{name}_{field}"
        assert any(r["referencing"] == junction and r["referenced"] == f"kzgeo_layer_{name}" for r in relations.values()), (name, field)
        assert field not in layer(project, name)["fields"]  # the list lives in the junction table
    figures = catalog.require("figures", "test")
    feature = catalog.all_tables[figures].field("feature")
    assert any(r["referencing"] == f"kzgeo_layer_{figures}" and r["pairs"] == [[feature, "id"]] for r in relations.values())
    for name, spec in catalog.all_tables.items():
        entry = layer(project, name)
        assert entry["constraints"]["id"] & 3 == 3, name  # NOT NULL and UNIQUE
        for f in spec.fields:
            if f.type == "enum":
                assert entry["widgets"][f.name] == "ValueMap", (name, f.name)
            if f.type == "date":
                assert entry["types"][f.name] == "Date" and f"{f.name}_precision" in entry["fields"], (name, f.name)
            if f.type == "ref" and len(f.to) == 1:  # picked from the referenced layer by name
                assert entry["widgets"][f.name] == "RelationReference", (name, f.name)
    for name, spec in catalog.layers.items():
        tips = layer(project, name)["map_tips"]
        assert set(tips) == set(project.data.layers[name]["id"])
        assert any('<a href="http' in tip for tip in tips.values()), name
        for row in project.data.layers[name].to_dict("records"):
            listed = tips[row["id"]].split("</b><br>")[-1].split("<br>")  # the lines after the Sources heading
            assert len(listed) == len(split_refs(row[spec.field("sources")])), (name, row["id"])
            assert "()" not in tips[row["id"]] and "nan" not in tips[row["id"]]


def test_every_layout_legend_fits_its_frame(project, project_ru):
    """A fixed legend frame cuts off whatever does not fit, so each legend, in English and in
    Russian (the longer words), must need no more room than its frame has."""
    for case in (project, project_ru):
        for spec_name, layout in case.report["layouts"].items():
            (frame_w, frame_h), (needed_w, needed_h) = layout["legend_frame_mm"], layout["legend_needed_mm"]
            assert needed_w <= frame_w + 0.5 and needed_h <= frame_h + 0.5, (case.lang, spec_name, layout["legend_frame_mm"], layout["legend_needed_mm"])


def _translated_style_values(data, lang: str) -> dict[str, dict[str, str]]:
    """Per layer, the values a shipped map spec gives a colour or a dash that the data itself translates
    (route variants: ``variant`` -> ``variant_ru``), each with its translation, where the two differ."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(SHIPPED_MAPS.glob("*.toml")):
        for name, style in kzgeo.read_map_spec(path).styles.items():
            spec = data.catalog.layers[name]
            for field, listed in ((style.get("by"), style.get("colors", {})), (style.get("dash_by"), style.get("dashes", {}))):
                column = spec.translation_of(field, lang) if field else None
                if column:
                    frame = data.layers[name]
                    found.setdefault(name, {}).update({v: t for v, t in zip(frame[field], frame[column]) if v in listed and isinstance(t, str) and t != v})
    return found


def test_russian_legends_name_route_variants_in_russian(project_ru):
    """The corridors map colours legs by route variant, a data text with its own translation columns.
    In the Russian project every rule label (in every layer style, one per map theme) and every line of
    every layout legend, as QGIS shows them, is the data's translation: no English variant name
    ("Dostyk entry", "common"), as on the HTML cards and text panel; the uncoloured rest is "прочее"."""
    data = project_ru.data
    translated = _translated_style_values(data, "ru")
    assert translated, "no shipped map spec colours by a translated text field: the test has nothing to check"
    english = {v for values in translated.values() for v in values} | {"other"}
    for lid, entry in project_ru.report["layers"].items():
        for style, labels in entry.get("legend_by_style", {}).items():
            assert not english & set(labels), (lid, style, sorted(english & set(labels)))
    for spec_name, layout in project_ru.report["layouts"].items():
        assert not english & set(layout["legend_texts"]), (spec_name, sorted(english & set(layout["legend_texts"])))
    # ...and the translations are what the corridors theme's style and layout legend show.
    for name, values in translated.items():
        themed = [label for style, labels in layer(project_ru, name)["legend_by_style"].items() if style != "default" for label in labels]
        assert set(values.values()) <= set(themed), (name, sorted(set(values.values()) - set(themed)))
    in_layouts = {text for layout in project_ru.report["layouts"].values() for text in layout["legend_texts"]}
    assert in_layouts & {t for values in translated.values() for t in values.values()}, in_layouts


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_rule_labels_in_every_export_language_are_the_datas_translations(tmp_path, lang):
    """The same in the written project for both languages the data translates (no QGIS needed):
    each rule of each style is labelled with the data's translation, never the English value."""
    kzgeo.export(SHIPPED_LAYERS, tmp_path / "out", lang=lang, maps_dir=SHIPPED_MAPS)
    labels = {rule.get("label") for rule in ET.parse(tmp_path / "out" / "kzgeo.qgs").getroot().iter("rule")}
    translated = _translated_style_values(kzgeo.read_layers(SHIPPED_LAYERS), lang)
    assert translated
    assert not ({v for values in translated.values() for v in values} | {"other"}) & labels
    assert {t for values in translated.values() for t in values.values()} <= labels


def test_map_themes_bookmarks_and_layouts_for_every_spec(project):
    report = project.report
    data = project.data
    for spec_name in project.specs:
        spec = kzgeo.read_map_spec(SHIPPED_MAPS / f"{spec_name}.toml")
        theme = report["themes"][spec_name]
        shown = spec.layers or tuple(data.catalog.layers)
        assert {f"kzgeo_layer_{n}" for n in shown} | {"kzgeo_layer_backdrop"} <= set(theme)
        title = spec.title or data.catalog.title
        assert title in report["bookmarks"]
        layout = report["layouts"][spec_name]
        assert layout["export_result"] == 0
        assert [m["theme"] for m in layout["maps"]] == [spec_name]
        assert title in layout["labels"]
        assert any("Data as of" in text and "2026" in text for text in layout["labels"])
        assert any(text.startswith("Sources:") for text in layout["labels"])
        assert layout["scalebars"] == 1 and layout["pictures"] and layout["pictures"][0]["linked"]
        assert len(layout["legend_layers"]) >= len(shown)
        image = Image.open(layout["png"]).convert("RGB")
        width, height = image.size
        # The map frame (left two thirds) is drawn, not blank: the backdrop's land and the data's colours.
        frame = image.crop((int(width * 0.05), int(height * 0.12), int(width * 0.68), int(height * 0.8)))
        colours = {c for _, c in frame.getcolors(maxcolors=1 << 20)}
        assert _rgb(LAND) in colours, spec_name
        for name in shown:
            palette = spec.styles.get(name, {}).get("colors") or data.catalog.layers[name].style.colors
            assert any(_near(shade, colours) for colour in palette.values() for shade in _shades(colour)), (spec_name, name)
    # A spec with a view: the bookmark is that view.
    tungsten = kzgeo.read_map_spec(SHIPPED_MAPS / "tungsten.toml")
    assert report["bookmarks"][tungsten.title]["box"] == pytest.approx(list(tungsten.view))


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


def _shades(hex_color: str) -> list[tuple[int, int, int]]:
    """A data colour as it may appear: pure, or at the lines' 90 % / the points' 95 % opacity over the land."""
    rgb, land = _rgb(hex_color), _rgb(LAND)
    return [rgb, *(tuple(round(a * c + (1 - a) * u) for c, u in zip(rgb, land)) for a in (0.9, 0.95))]


def _near(rgb, colours, tolerance: int = 4) -> bool:
    return any(max(abs(a - b) for a, b in zip(rgb, c)) <= tolerance for c in colours)


# ------------------------------------------------------------------ the way back


@pytest.fixture
def edited(tmp_path, qgis_python):  # noqa: F811
    layers = tmp_path / "layers"
    shutil.copytree(SHIPPED_LAYERS, layers)
    out = tmp_path / "export"
    kzgeo.export(layers, out, maps_dir=SHIPPED_MAPS)
    return SimpleNamespace(layers=layers, out=out, env=qgis_python, before=kzgeo.read_layers(layers),
                           files={p.name: p.read_bytes() for p in layers.iterdir()})


def test_an_edit_made_in_qgis_comes_back_and_only_that_feature_changes(edited):
    """Move a deposit with the editing API and change its status; only that feature changes in layers/."""
    catalog = edited.before.catalog
    deposits = catalog.require("deposits", "test")
    spec = catalog.layers[deposits]
    deposit_id = edited.before.layers[deposits]["id"].iloc[2]
    status = spec.field("status")
    old_status = edited.before.layers[deposits].set_index("id").loc[deposit_id, status]
    new_status = next(v for v in spec.spec_of(status).values if v != old_status)
    move = (0.02, -0.01)
    edits = [{"layer": deposits, "id": deposit_id, "move": list(move), "set": {status: new_status}}]
    done = run_driver(EDIT_DRIVER, edited.env, str(edited.out / "kzgeo.gpkg"), json.dumps(edits))
    assert done["committed"] == {deposits: True}, done

    # Before importing, --overwrite will not discard the edit.
    result = runner.invoke(app, ["export", "--layers", str(edited.layers), "--out", str(edited.out), "--overwrite"])
    assert result.exit_code == 1 and "edited since it was exported" in result.output and "Traceback" not in result.output

    result = runner.invoke(app, ["import", str(edited.out), "--layers", str(edited.layers)])
    assert result.exit_code == 0, result.output
    assert f"~ {deposit_id}" in result.output and f"{old_status} -> {new_status}" in result.output and "moved" in result.output
    assert kzgeo.validate(edited.layers) == []

    after = kzgeo.read_layers(edited.layers)
    for name, frame in edited.before.layers.items():
        new = after.layers[name]
        assert list(new["id"]) == list(frame["id"])
        for fid in frame["id"]:
            old_row = frame.set_index("id").loc[fid].drop("geometry")
            new_row = new.set_index("id").loc[fid].drop("geometry")
            changed = [c for c in old_row.index if not (pd.isna(old_row[c]) and pd.isna(new_row[c]) or (not pd.isna(old_row[c]) and old_row[c] == new_row[c]))]
            old_geom = frame.set_index("id").loc[fid, "geometry"]
            new_geom = new.set_index("id").loc[fid, "geometry"]
            if (name, fid) == (deposits, deposit_id):
                assert changed == [status]
                assert (new_geom.x - old_geom.x, new_geom.y - old_geom.y) == pytest.approx(move)
            else:
                assert changed == [], (name, fid, changed)
                assert new_geom.equals_exact(old_geom, 1e-9), (name, fid)
    for name, table in edited.before.tables.items():
        def plain(frame):
            return [{k: (None if v != v else v) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]

        assert plain(after.tables[name]) == plain(table), name
    # Only the two files that hold the feature were rewritten; the rest are byte for byte the same.
    rewritten = {p.name for p in edited.layers.iterdir() if p.read_bytes() != edited.files[p.name]}
    assert rewritten == {spec.attributes, spec.geometry}

    # The export and the layers agree again: importing twice changes nothing, re-exporting is allowed.
    again = runner.invoke(app, ["import", str(edited.out), "--layers", str(edited.layers)])
    assert again.exit_code == 0 and "Nothing to import" in again.output
    result = runner.invoke(app, ["export", "--layers", str(edited.layers), "--out", str(edited.out), "--overwrite"])
    assert result.exit_code == 0, result.output


def test_an_invalid_edit_is_refused_and_nothing_is_written(edited):
    catalog = edited.before.catalog
    deposits, nodes = catalog.require("deposits", "test"), catalog.require("nodes", "test")
    deposit_id = edited.before.layers[deposits]["id"].iloc[0]
    status = catalog.layers[deposits].field("status")
    name = catalog.layers[nodes].names["en"]
    # QGIS itself refuses a feature without an id (NOT NULL) ...
    done = run_driver(EDIT_DRIVER, edited.env, str(edited.out / "kzgeo.gpkg"), json.dumps([{"layer": nodes, "add": {name: "No id"}, "point": [70.0, 48.0]}]))
    assert done["committed"] == {nodes: False}
    # ... and kzgeo import refuses a value the catalog does not allow, naming file, feature and field.
    done = run_driver(EDIT_DRIVER, edited.env, str(edited.out / "kzgeo.gpkg"), json.dumps([{"layer": deposits, "id": deposit_id, "set": {status: "abandoned by QGIS"}}]))
    assert done["committed"] == {deposits: True}
    result = runner.invoke(app, ["import", str(edited.out), "--layers", str(edited.layers)])
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "Traceback" not in result.output
    first = result.output.splitlines()[0]
    assert catalog.layers[deposits].attributes in first and deposit_id in first and status in first and "abandoned by QGIS" in first
    assert {p.name: p.read_bytes() for p in edited.layers.iterdir()} == edited.files


def test_russian_layouts_have_no_english_outside_the_legend(project, project_ru):
    """Beyond the legend a Russian layout's credits and scale bar are Russian too: the backdrop's
    credit line is translated, and the bar writes 1400 (no English thousands comma), as QGIS
    formats it from the number format in the file, whatever the reader's locale."""
    for spec_name, layout in project_ru.report["layouts"].items():
        sources = next(text for text in layout["labels"] if text.startswith("Источники"))
        assert "Backdrop" not in sources and "Подложка: Natural Earth" in sources, (spec_name, sources)
        assert layout["scalebar_1400"] == "1400", (spec_name, layout["scalebar_1400"])
    for spec_name, layout in project.report["layouts"].items():
        assert layout["scalebar_1400"] == "1,400", (spec_name, layout["scalebar_1400"])
