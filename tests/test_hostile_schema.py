"""Hostile values in every part of the catalog and of map specs (kzgeo/schema.py).

Each hostile value is either refused with one exact ``Error:`` line naming the
file and entry, or accepted and then accepted by every output alike (HTML, PNG,
QGIS). Refusals leave nothing behind: no output folder is created.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

import kzgeo
from kzgeo import schema
from kzgeo.errors import CatalogError, MapSpecError

from conftest import copy_fixture_layers
from hostile import assert_refused, cli, set_cell, validate

SCRIPT = "</script><script>window.__pwned=1</script>"


def edit_catalog(layers: Path, old: str, new: str, count: int = 1) -> None:
    path = layers / "catalog.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def only_error(result) -> str:
    """The single ``Error:`` line of a refused run (nothing else printed)."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


COLOURS = ", ".join(sorted(schema.NAMED_COLORS))

# (old text in the shipped catalog, new text, the exact Error: line)
CATALOG_CASES = {
    "script as a colour": (
        '"tungsten" = "#1f5fa8"',
        f'"tungsten" = "{SCRIPT}"',
        f"Error: catalog.toml [layers.deposits]: style colors 'tungsten': colour '{SCRIPT}' is not #rrggbb or a colour name ({COLOURS})",
    ),
    "bad hex colour": (
        '"rail" = "#c0392b"',
        '"rail" = "#c0392"',
        f"Error: catalog.toml [layers.corridors]: style colors 'rail': colour '#c0392' is not #rrggbb or a colour name ({COLOURS})",
    ),
    "unknown colour name": (
        '"port" = "#0b6e4f"',
        '"port" = "seafoam"',
        f"Error: catalog.toml [layers.nodes]: style colors 'port': colour 'seafoam' is not #rrggbb or a colour name ({COLOURS})",
    ),
    "colour that is a number": (
        '"port" = "#0b6e4f"',
        '"port" = 255',
        f"Error: catalog.toml [layers.nodes]: style colors 'port': colour int is not #rrggbb or a colour name ({COLOURS})",
    ),
    "script as a dash": (
        '"planned" = "2 6"',
        f'"planned" = "{SCRIPT}"',
        f"Error: catalog.toml [layers.corridors]: style dashes 'planned': dash '{SCRIPT}' is not a list of numbers such as \"8 5\"",
    ),
    "negative dash": (
        '"planned" = "2 6"',
        '"planned" = "2 -6"',
        "Error: catalog.toml [layers.corridors]: style dashes 'planned': dash lengths must be numbers of pixels from 0 to 100, not all 0",
    ),
    "all-zero dash": (
        '"planned" = "2 6"',
        '"planned" = [0, 0]',
        "Error: catalog.toml [layers.corridors]: style dashes 'planned': dash lengths must be numbers of pixels from 0 to 100, not all 0",
    ),
    "script as a layer name": (
        "[layers.nodes]",
        f'[layers."{SCRIPT}"]',
        f"Error: catalog.toml [layers]: layer name '{SCRIPT}' is not an identifier: start with a letter, then letters, digits or underscores",
    ),
    "layer name with a pipe (a QGIS data-source option)": (
        "[layers.nodes]",
        '[layers."nodes|layerid=0"]',
        "Error: catalog.toml [layers]: layer name 'nodes|layerid=0' is not an identifier: start with a letter, then letters, digits or underscores",
    ),
    "layer name too long": (
        "[layers.nodes]",
        "[layers." + "n" * 64 + "]",
        f"Error: catalog.toml [layers]: layer name {'n' * 20!r}... is 64 characters long; at most 63",
    ),
    "table name with a space": (
        "[tables.routes]",
        '[tables."route variants"]',
        "Error: catalog.toml [tables]: table name 'route variants' is not an identifier: start with a letter, then letters, digits or underscores",
    ),
    "field name with markup": (
        'country = { type = "str", required = true, role = "country",',
        '"<b>country</b>" = { type = "str", required = true, role = "country",',
        "Error: catalog.toml [layers.nodes]: field name '<b>country</b>' is not an identifier: start with a letter, then letters, digits or underscores",
    ),
    "field name starting with an underscore (kzgeo's own)": (
        'country = { type = "str", required = true, role = "country",',
        '_popup = { type = "str", required = true, role = "country",',
        "Error: catalog.toml [layers.nodes]: field name '_popup' is not an identifier: start with a letter, then letters, digits or underscores",
    ),
    "title on two lines": (
        'title = "Transport corridors"',
        'title = "Transport\\nError: forged"',
        "Error: catalog.toml [layers.corridors]: title: must be one line of text (found U+000A)",
    ),
    "escape sequence in a title": (
        'title = "Transport corridors"',
        'title = "Transport \\u001b[31mcorridors"',
        "Error: catalog.toml [layers.corridors.title]: contains the control character U+001B, which text fields may not hold",
    ),
    "bidi override in a title": (
        'title = "Transport corridors"',
        'title = "Transport \\u202ecorridors"',
        "Error: catalog.toml [layers.corridors.title]: contains the control character U+202E, which a catalog or map spec may not hold",
    ),
    "C1 control in an abstract": (
        'abstract = "Legs of',
        'abstract = "\\u009b31m Legs of',
        "Error: catalog.toml [layers.corridors.abstract]: contains the control character U+009B, which a catalog or map spec may not hold",
    ),
    "blank title": (
        'title = "Transport corridors"',
        'title = "   "',
        "Error: catalog.toml [layers.corridors]: title: must not be blank",
    ),
    "title that is a table": (
        'title = "Transport corridors"',
        "title = { en = 1 }",
        "Error: catalog.toml [layers.corridors]: title: must be text, found dict",
    ),
    "huge title": (
        'title = "Transport corridors"',
        f'title = "{"x" * 301}"',
        "Error: catalog.toml [layers.corridors]: title: is 301 characters long; at most 300 are accepted",
    ),
    "duplicate layer titles": (
        'title = "Transport corridors"',
        'title = "Critical-mineral deposits"',
        "Error: {layers}/catalog.toml: layers deposits and corridors have the same title 'Critical-mineral deposits'; readers tell layers apart by their titles",
    ),
    "label with a newline": (
        'label = { en = "Name (English)"',
        'label = { en = "Name\\n(English)"',
        "Error: catalog.toml [layers.deposits]: field 'name_en' label en: must be one line of text (found U+000A)",
    ),
    "infinite radius": (
        "radius = 9",
        "radius = inf",
        "Error: catalog.toml [layers.deposits.style.radius]: inf is not a finite number",
    ),
    "NaN in bounds": (
        "bounds = [26.0, 36.0, 88.0, 56.0]",
        "bounds = [26.0, nan, 88.0, 56.0]",
        "Error: catalog.toml [catalog.bounds]: nan is not a finite number",
    ),
    "min above max": (
        'role = "uncertainty", min = 0, max = 2000,',
        'role = "uncertainty", min = 3000, max = 2000,',
        "Error: catalog.toml [layers.deposits]: field 'uncertainty_km' min 3000 is above its max 2000",
    ),
    "min that is text": (
        'role = "uncertainty", min = 0, max = 2000,',
        'role = "uncertainty", min = "0", max = 2000,',
        "Error: catalog.toml [layers.deposits]: field 'uncertainty_km' min: must be a number, found str",
    ),
    "range on a text field": (
        'country = { type = "str", required = true, role = "country",',
        'country = { type = "str", required = true, role = "country", max = 3,',
        "Error: catalog.toml [layers.nodes]: field 'country' is str; only int and float fields take min and max",
    ),
    "accuracy without an uncertainty radius field": (
        'role = "uncertainty", min = 0, max = 2000,',
        "min = 0, max = 2000,",
        'Error: catalog.toml [layers.deposits]: a layer with an accuracy field needs a field with role = "uncertainty" (an approximate location needs its radius)',
    ),
    "template marker in a colour key": (
        '"tungsten" = "#1f5fa8"',
        '"{{ 7*7 }}" = "#1f5fa8"',
        "Error: catalog.toml [layers.deposits.style.colors.{{ 7*7 }}]: key '{{' is a template marker, which kzgeo does not accept in text",
    ),
}


@pytest.mark.parametrize("case", list(CATALOG_CASES), ids=list(CATALOG_CASES))
def test_hostile_catalog_value_is_one_exact_error_line(layers_dir, tmp_path, case):
    old, new, expected = CATALOG_CASES[case]
    edit_catalog(layers_dir, old, new, count=1 if "uncertainty" not in old else 2)
    expected = expected.replace("{layers}", str(layers_dir))
    assert only_error(validate(layers_dir)) == expected
    # Every command refuses it the same way, and writes nothing.
    out = tmp_path / "out"
    assert only_error(cli("build", "--layers", layers_dir, "--out", out, "--maps", out)) == expected
    assert only_error(cli("export", "--layers", layers_dir, "--out", out)) == expected
    assert only_error(cli("report", "--layers", layers_dir, "--out", tmp_path / "r.md")) == expected
    assert not out.exists() and not (tmp_path / "r.md").exists()


def test_deeply_nested_catalog_is_a_clean_error(layers_dir):
    (layers_dir / "catalog.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert only_error(validate(layers_dir)) == f"Error: {layers_dir / 'catalog.toml'}: not a catalog: tables or arrays are nested more than {schema.MAX_DEPTH} levels deep"


def test_moderately_nested_catalog_is_refused_by_depth(layers_dir):
    edit_catalog(layers_dir, "radius = 9", "radius = 9\nextra = " + "[" * 20 + "1" + "]" * 20)
    assert only_error(validate(layers_dir)) == f"Error: catalog.toml [layers.deposits.style.extra]: is nested more than {schema.MAX_DEPTH} levels deep"


def test_catalog_with_too_many_entries_is_refused(layers_dir):
    edit_catalog(layers_dir, "radius = 9", "radius = 9\nextra = [" + ", ".join(["1"] * 10_001) + "]")
    assert only_error(validate(layers_dir)) == "Error: catalog.toml [layers.deposits.style.extra]: has 10,001 items; at most 10,000"


def test_uncertainty_out_of_its_range_is_a_row_error(layers_dir):
    set_cell(layers_dir / "nodes.csv", "aktau", "uncertainty_km", "2001")
    assert_refused(validate(layers_dir), "Error: nodes.csv: row 2 (id \"aktau\"): field uncertainty_km: '2001' is above the maximum 2000")


@pytest.mark.parametrize("value, message", [("-1", "'-1' is below the minimum 0"), ("1e300", "'1e300' is too large (at most 1e+15)")])
def test_numbers_outside_their_range_are_refused(layers_dir, value, message):
    set_cell(layers_dir / "nodes.csv", "aktau", "uncertainty_km", value)
    assert_refused(validate(layers_dir), f'Error: nodes.csv: row 2 (id "aktau"): field uncertainty_km: {message}')


def test_role_implies_a_range_when_the_catalog_declares_none(layers_dir):
    edit_catalog(layers_dir, 'role = "uncertainty", min = 0, max = 2000,', 'role = "uncertainty",', count=2)
    set_cell(layers_dir / "nodes.csv", "aktau", "uncertainty_km", "5000")
    assert_refused(validate(layers_dir), "Error: nodes.csv: row 2 (id \"aktau\"): field uncertainty_km: '5000' is above the maximum 2000")


def test_zero_published_length_is_refused_before_the_report_divides_by_it(layers_dir):
    rows = (layers_dir / "routes.csv").read_text(encoding="utf-8").splitlines()
    route = rows[1].split(",")[0]
    set_cell(layers_dir / "routes.csv", route, "published_km", "0")
    assert_refused(cli("report", "--layers", layers_dir), f'Error: routes.csv: row 2 (id "{route}"): field published_km: \'0\' is below the minimum 0.001')


@pytest.mark.parametrize("radius", ["", "0"], ids=["blank", "zero"])
def test_approximate_location_needs_its_radius(layers_dir, radius):
    # Even where the catalog makes the radius optional, an approximate point needs one.
    edit_catalog(layers_dir, 'uncertainty_km = { type = "float", required = true,', 'uncertainty_km = { type = "float",', count=2)
    set_cell(layers_dir / "deposits.csv", "north-katpar", "uncertainty_km", radius)
    result = validate(layers_dir)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        'Error: deposits.csv: row (id "north-katpar"): field uncertainty_km: an approximate location needs its uncertainty radius (km, more than 0)'
    ]


def test_named_colour_and_comma_dash_are_accepted_by_every_output(layers_dir, tmp_path):
    """Whatever one output accepts, every output accepts: the schema converts once."""
    edit_catalog(layers_dir, '"tungsten" = "#1f5fa8"', '"tungsten" = "Orange"')
    edit_catalog(layers_dir, '"planned" = "2 6"', '"planned" = "2,6"')
    edit_catalog(layers_dir, '"under construction" = "8 5"', '"under construction" = [8, 5]')
    catalog = kzgeo.read_catalog(layers_dir)
    assert catalog.layers["deposits"].style.colors["tungsten"] == "#ffa500"
    assert catalog.layers["corridors"].style.dashes == {"operating": "", "under construction": "8 5", "planned": "2 6"}
    assert validate(layers_dir).exit_code == 0
    for fmt in ("html", "png", "pdf"):
        result = cli("build", "--layers", layers_dir, "--out", tmp_path / fmt, "--maps", tmp_path / fmt, "--format", fmt)
        assert result.exit_code == 0, result.output
    html = (tmp_path / "html" / "overview.html").read_text(encoding="utf-8")
    assert '"#ffa500"' in html and '"2 6"' in html
    result = cli("export", "--layers", layers_dir, "--out", tmp_path / "qgis")
    assert result.exit_code == 0, result.output
    # QGIS gets exactly what it gets from the canonical spelling of the same style.
    canonical = copy_fixture_layers(tmp_path / "canonical")
    edit_catalog(canonical, '"tungsten" = "#1f5fa8"', '"tungsten" = "#ffa500"')
    assert cli("export", "--layers", canonical, "--out", tmp_path / "qgis-canonical").exit_code == 0
    for name in ("deposits.qml", "corridors.qml"):
        assert (tmp_path / "qgis" / name).read_bytes() == (tmp_path / "qgis-canonical" / name).read_bytes(), name


# ---------------------------------------------------------------- map specs


def write_spec(folder: Path, text: str, name: str = "hostile") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


SPEC_CASES = {
    "script as a dash": (
        f'[styles.corridors]\ndash_by = "status"\ndashes = {{ planned = "{SCRIPT}" }}\n',
        f"[styles.corridors] dashes 'planned': dash '{SCRIPT}' is not a list of numbers such as \"8 5\"",
    ),
    "script as a colour": (
        f'[styles.deposits]\ncolors = {{ tungsten = "{SCRIPT}" }}\n',
        f"[styles.deposits] colors 'tungsten': colour '{SCRIPT}' is not #rrggbb or a colour name ({COLOURS})",
    ),
    "bad hex colour": ('[styles.deposits]\ncolors = { tungsten = "#12345g" }\n', f"[styles.deposits] colors 'tungsten': colour '#12345g' is not #rrggbb or a colour name ({COLOURS})"),
    "Jinja in the title": ('title = "Tungsten {{ 7*7 }}"\n', "[title]: '{{' is a template marker, which kzgeo does not accept in text"),
    "Jinja block in a filter value": ('[filters]\ndeposits.id = ["{% raw %}"]\n', "[filters.deposits.id]: '{%' is a template marker, which kzgeo does not accept in text"),
    "unterminated Jinja comment in the title": ('title = "{# open"\n', "[title]: '{#' is a template marker, which kzgeo does not accept in text"),
    "title on two lines": ('title = "Tungsten\\nError: forged"\n', "title must be one line of text (found U+000A)"),
    "bidi override in the title": ('title = "\\u202eTungsten"\n', "[title]: contains the control character U+202E, which a catalog or map spec may not hold"),
    "infinite view": ("view = [inf, 40, 80, 50]\n", "[view]: inf is not a finite number"),
    "deep nesting": ("x = " + "[" * 30 + "]" * 30 + "\n", f"[x]: is nested more than {schema.MAX_DEPTH} levels deep"),
    "very deep nesting": ("x = " + "[" * 100_000 + "]" * 100_000 + "\n", f"not a map spec: tables or arrays are nested more than {schema.MAX_DEPTH} levels deep"),
    "styles that are not a table": ('[styles.deposits]\ncolors = "red"\n', "[styles.deposits]: colors must map values to colours"),
}


@pytest.mark.parametrize("case", list(SPEC_CASES), ids=list(SPEC_CASES))
def test_hostile_map_spec_is_one_exact_error_line(layers_dir, tmp_path, case):
    text, message = SPEC_CASES[case]
    spec = write_spec(tmp_path / "maps", text)
    out = tmp_path / "out"
    assert only_error(cli("build", str(spec), "--layers", layers_dir, "--out", out)) == f"Error: {printable_path(spec)}: {message}"
    with pytest.raises(MapSpecError):
        kzgeo.read_map_spec(spec)
    assert not out.exists()


def printable_path(path: Path) -> str:
    return str(path)


def test_spec_named_colour_and_list_dash_reach_every_output(layers_dir, tmp_path):
    spec = write_spec(tmp_path / "maps", '[styles.corridors]\ncolors = { rail = "navy", sea = "#1A7FA0" }\ndash_by = "status"\ndashes = { planned = [3, 3] }\n')
    assert kzgeo.read_map_spec(spec).styles["corridors"] == {"colors": {"rail": "#000080", "sea": "#1a7fa0"}, "dash_by": "status", "dashes": {"planned": "3 3"}}
    for fmt in ("html", "png"):
        result = cli("build", str(spec), "--layers", layers_dir, "--out", tmp_path / fmt, "--format", fmt)
        assert result.exit_code == 0, result.output
    assert '"#000080"' in (tmp_path / "html" / "hostile.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- terminals


def test_path_with_newline_and_escapes_cannot_forge_error_lines(tmp_path):
    evil = tmp_path / "a\nError: all good\x1b[32m\u202e"
    evil.mkdir()
    result = validate(evil)
    line = only_error(result)
    assert line == f"Error: {tmp_path}/a\\x0aError: all good\\x1b[32m\\u202e/catalog.toml: no layer catalog here (is {tmp_path}/a\\x0aError: all good\\x1b[32m\\u202e a kzgeo layers directory?)"


def test_data_echoed_in_an_error_is_escaped(layers_dir):
    # A value quoted in a message (an unknown enum value) carries a bidi override and a line separator.
    set_cell(layers_dir / "nodes.csv", "aktau", "kind", "port\u202e\u2028Error: forged")
    result = validate(layers_dir)
    lines = result.output.strip().splitlines()
    kinds = ", ".join(kzgeo.read_catalog(layers_dir).layers["nodes"].spec_of("kind").values)
    assert lines == [
        f"Error: nodes.csv: row 2 (id \"aktau\"): field kind: 'port\\u202e\\u2028Error: forged' is not one of {kinds}",
        'Error: nodes.geojson: feature "aktau": has no attribute row in nodes.csv',
    ]


# ---------------------------------------------------------------- bounded error output


def _many_bad_rows(layers: Path, count: int) -> None:
    """``count`` extra nodes whose uncertainty is not a number (one systematic mistake)."""
    csv_path, geo_path = layers / "nodes.csv", layers / "nodes.geojson"
    header = csv_path.read_text(encoding="utf-8").splitlines()[0].split(",")
    doc = json.loads(geo_path.read_text(encoding="utf-8"))
    lines = []
    for i in range(count):
        row = {c: "" for c in header} | {
            "id": f"n{i}", "name_en": "N", "name_ru": "N", "name_kk": "N", "kind": "port", "country": "KZ",
            "location_accuracy": "exact", "uncertainty_km": f"{i} km", "location_note": "x", "sources": "src-a",
        }
        lines.append(",".join(row[c] for c in header))
        doc["features"].append({"type": "Feature", "id": f"n{i}", "properties": {}, "geometry": {"type": "Point", "coordinates": [50.0, 45.0]}})
    with open(csv_path, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    geo_path.write_text(json.dumps(doc), encoding="utf-8")


def test_a_problem_on_many_rows_is_one_line_with_count_and_first_rows(layers_dir, tmp_path):
    _many_bad_rows(layers_dir, 5000)
    result = validate(layers_dir)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert errors[0] == (
        "Error: nodes.csv: row 5 (id \"n0\"): field uncertainty_km: '0 km' is not a number "
        '[5,000 times in nodes.csv: row 5 (id "n0"); row 6 (id "n1"); row 7 (id "n2"); and 4,997 more; kzgeo validate --all lists every one]'
    )
    # The join problems that follow (the refused rows leave features unmatched) are bounded too.
    assert len(errors) == 2 and errors[1].startswith('Error: nodes.geojson: feature "n0": has no attribute row in nodes.csv [5,000 times')
    # The same on build, which reads the layers too.
    built = cli("build", "--layers", layers_dir, "--out", tmp_path, "--maps", tmp_path)
    assert [line for line in built.output.splitlines() if line.startswith("Error: ")] == errors


def test_validate_all_lists_every_problem(layers_dir):
    _many_bad_rows(layers_dir, 300)
    result = cli("validate", "--layers", layers_dir, "--all")
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 600
    assert errors[299] == "Error: nodes.csv: row 304 (id \"n299\"): field uncertainty_km: '299 km' is not a number"


def test_a_few_repeats_are_each_listed(layers_dir):
    _many_bad_rows(layers_dir, 3)
    errors = [line for line in validate(layers_dir).output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 6 and all("times in" not in line for line in errors)


# ---------------------------------------------------------------- antimeridian


def test_line_across_the_antimeridian_is_refused(layers_dir):
    edit_catalog(layers_dir, "bounds = [26.0, 36.0, 88.0, 56.0]", "bounds = [-180, -90, 180, 90]")
    doc = json.loads((layers_dir / "corridors.geojson").read_text(encoding="utf-8"))
    leg = doc["features"][0]
    leg["geometry"]["coordinates"] = [[179.5, 65.0], [-179.5, 65.5]]
    (layers_dir / "corridors.geojson").write_text(json.dumps(doc), encoding="utf-8")
    assert_refused(
        validate(layers_dir),
        f'Error: corridors.geojson: feature "{leg["id"]}": geometry: the segment from (179.5, 65) to (-179.5, 65.5) crosses the antimeridian (180 degrees); '
        "split the LineString there into parts that end and start at longitude 180 and -180 (RFC 7946, section 3.1.9)",
    )


def test_a_line_split_at_the_antimeridian_is_measured_as_drawn():
    """RFC 7946's split: two parts meeting at 180 / -180, each measured where it is drawn."""
    from shapely import LineString, MultiLineString

    split = MultiLineString([[(179.5, 65.0), (180.0, 65.25)], [(-180.0, 65.25), (-179.5, 65.5)]])
    parts = kzgeo.geodesy.length(LineString([(179.5, 65.0), (180.0, 65.25)])) + kzgeo.geodesy.length(LineString([(-180.0, 65.25), (-179.5, 65.5)]))
    assert kzgeo.geodesy.length(split) == pytest.approx(parts)
    assert 60_000 < kzgeo.geodesy.length(split) < 80_000  # about 73 km, not around the world


# ---------------------------------------------------------------- property: whole hostile catalogs

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

CATALOG_TEXT = (Path(__file__).resolve().parent.parent / "layers" / "catalog.toml").read_text(encoding="utf-8")
HOSTILE_TEXT = st.sampled_from(
    [SCRIPT, "<img src=x onerror=window.__pwned=1>", "{{ 7*7 }}", "{% raw %}", "a\nb", "\x1b[31m", "\u202e", "\x00", "\u0085", "'; DROP TABLE x; --", "x|layername=y", "a\\", "", " ", "x" * 400, "orange", "#12345", "8,5", "nan"]
) | st.text(max_size=12)
HOSTILE_NUMBER = st.sampled_from([float("nan"), float("inf"), -1.0, 0.0, 1e300, 2001.0, True]) | st.floats() | st.integers()


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value > 0 else "-inf") if abs(value) == float("inf") else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


def _slots(text: str) -> list[tuple[int, int]]:
    """Spans of every string literal and number of the catalog text (values, keys, names)."""
    return [m.span() for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|(?<=[=\[,] )-?\d+(?:\.\d+)?', text)]


SLOTS = _slots(CATALOG_TEXT)


@hsettings(max_examples=60, deadline=None)
@given(changes=st.lists(st.tuples(st.integers(0, len(SLOTS) - 1), HOSTILE_TEXT | HOSTILE_NUMBER), min_size=1, max_size=8))
def test_whole_hostile_catalog_is_refused_cleanly_or_rendered_inert(tmp_path_factory, changes):
    """Many values of the catalog at once (names, titles, colours, dashes, numbers) are hostile."""
    from conftest import copy_fixture_layers

    layers = copy_fixture_layers(tmp_path_factory.mktemp("hostile") / "layers")
    text = CATALOG_TEXT
    for index, value in sorted(dict(changes).items(), reverse=True):
        start, end = SLOTS[index]
        text = text[:start] + _toml_value(value) + text[end:]
    (layers / "catalog.toml").write_text(text, encoding="utf-8")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pass
    result = validate(layers)  # cli() asserts: no traceback, no exception but a clean exit
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert all("\n" not in line and "\x1b" not in line and "\u202e" not in line for line in errors)
    if result.exit_code:
        assert errors
        return
    try:
        page = kzgeo.render_map(kzgeo.read_layers(layers)).get_root().render()
    except (CatalogError, MapSpecError):
        return
    assert "<script>window.__pwned" not in page and "onerror=window" not in page and "onerror=\"window" not in page
    assert "49" not in re.findall(r"A\d+B", page)


@hsettings(max_examples=60, deadline=None)
@given(
    title=HOSTILE_TEXT,
    colour=HOSTILE_TEXT,
    dash=HOSTILE_TEXT | st.lists(HOSTILE_NUMBER, max_size=4),
    value=HOSTILE_TEXT,
    layer=st.sampled_from(["deposits", "corridors", SCRIPT, "nodes|x", "__proto__"]),
    view=st.lists(HOSTILE_NUMBER, min_size=4, max_size=4),
)
def test_whole_hostile_map_spec_is_refused_cleanly_or_rendered_inert(tmp_path_factory, title, colour, dash, value, layer, view):
    from conftest import copy_fixture_layers

    root = tmp_path_factory.mktemp("spec")
    layers = copy_fixture_layers(root / "layers")
    doc = "\n".join(
        [
            f"title = {_toml_value(title)}",
            f"view = [{', '.join(_toml_value(v) for v in view)}]",
            f"[styles.{json.dumps(layer)}]",
            'dash_by = "status"',
            f"colors = {{ {json.dumps(value)} = {_toml_value(colour)} }}",
            f"dashes = {{ planned = {('[' + ', '.join(_toml_value(v) for v in dash) + ']') if isinstance(dash, list) else _toml_value(dash)} }}",
        ]
    )
    spec = write_spec(root / "maps", doc + "\n")
    result = cli("build", str(spec), "--layers", layers, "--out", root / "out")
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    if result.exit_code:
        assert len(errors) == 1 and "\x1b" not in errors[0] and "\u202e" not in errors[0]
        assert not (root / "out").exists()
        return
    page = (root / "out" / "hostile.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in page and "onerror=window" not in page


@pytest.mark.parametrize("within", ["inf", "nan", "1e9"])
def test_report_radius_that_means_nothing_is_one_error_line(layers_dir, within):
    result = cli("report", "--layers", layers_dir, "--within", within, "--format", "json")
    if within == "nan" and result.exit_code == 2:  # recent click refuses it itself (not >= 0)
        assert "Traceback" not in result.output
        return
    shown = {"inf": "inf", "nan": "nan", "1e9": "1000000000.0"}[within]
    assert only_error(result) == f"Error: within_km (--within) must be a distance from 0 to 20,004 km, not {shown}"
