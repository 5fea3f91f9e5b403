"""Broken CSV tables and references: refused by file, row and field, or accepted when harmless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kzgeo
from kzgeo.catalog import FieldSpec
from kzgeo.io.readers import parse_value

from hostile import assert_refused, error_lines, read_table, set_cell, validate, write_table

AKTAU = 'Error: nodes.csv: row 2 (id "aktau"): '
SRC_A = 'Error: sources.csv: row 2 (id "src-a"): '


def _cell(name: str, key: str, column: str, value: str):
    return lambda d: set_cell(d / name, key, column, value)


def _rows(name: str, change):
    def breaker(d: Path):
        rows = read_table(d / name)
        change(rows)
        write_table(d / name, rows)

    return breaker


def _drop_column(column: str):
    def change(rows):
        index = rows[0].index(column)
        for row in rows:
            del row[index]

    return change


def _bytes(name: str, transform):
    return lambda d: (d / name).write_bytes(transform((d / name).read_bytes()))


def _semicolons(d: Path):
    write_table(d / "deposits.csv", read_table(d / "deposits.csv"), delimiter=";")


def _cp1251(d: Path):
    """Saves the table as Excel on a Russian-language Windows would (Kazakh letters lost)."""
    path = d / "nodes.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1251", errors="replace"))


CASES = {
    "';' delimiter": (_semicolons, "Error: deposits.csv: header: missing column(s)", ["looks ';'-delimited"]),
    "Windows-1251 bytes": (_cp1251, "Error: nodes.csv: line 2: not UTF-8 text", ["save the file as UTF-8"]),
    "empty file": (lambda d: (d / "nodes.csv").write_text("", encoding="utf-8"), "Error: nodes.csv: file is empty", []),
    "ragged row, short": (_rows("nodes.csv", lambda rows: rows[2].pop()), 'Error: nodes.csv: row 3 (id "beyneu"): has 9 cells, the header has 10', []),
    "ragged row, long": (_rows("nodes.csv", lambda rows: rows[1].append("extra")), AKTAU + "has 11 cells, the header has 10", []),
    "extra column": (
        _rows("nodes.csv", lambda rows: [r.append("x") for r in rows] and rows[0].__setitem__(-1, "colour")),
        'Error: nodes.csv: header: unknown column(s) "colour"',
        [],
    ),
    "unnamed column": (_rows("nodes.csv", lambda rows: [r.append("") for r in rows]), 'Error: nodes.csv: header: unknown column(s) ""', []),
    "missing column": (_rows("nodes.csv", _drop_column("country")), "Error: nodes.csv: header: missing column(s) country", []),
    "column twice": (_rows("nodes.csv", lambda rows: [r.append(r[5]) for r in rows]), "Error: nodes.csv: header: a column name appears twice", []),
    "text in a float field": (_cell("nodes.csv", "aktau", "uncertainty_km", "far"), AKTAU + "field uncertainty_km: 'far' is not a number", []),
    "NaN in a float field": (_cell("nodes.csv", "aktau", "uncertainty_km", "nan"), AKTAU + "field uncertainty_km: 'nan' is not a number", []),
    "underscores in a float": (_cell("nodes.csv", "aktau", "uncertainty_km", "1_000"), AKTAU + "field uncertainty_km: '1_000' is not a number", []),
    "1e999 in a float field": (_cell("nodes.csv", "aktau", "uncertainty_km", "1e999"), AKTAU + "field uncertainty_km: '1e999' is not a finite number", []),
    "Arabic-Indic digits": (_cell("nodes.csv", "aktau", "uncertainty_km", "٣"), AKTAU + "field uncertainty_km: '٣' is not a number", []),
    "month 13": (_cell("sources.csv", "src-a", "date", "2025-13-01"), SRC_A + "field date: '2025-13-01' is not a date", []),
    "30 February": (_cell("sources.csv", "src-a", "date", "2025-02-30"), SRC_A + "field date: '2025-02-30' is not a date", []),
    "day first": (_cell("sources.csv", "src-a", "date", "07.11.2025"), SRC_A + "field date: '07.11.2025' is not a date", []),
    "unknown enum value": (_cell("nodes.csv", "aktau", "kind", "harbour"), AKTAU + "field kind: 'harbour' is not one of port, border crossing, junction, station", []),
    "enum in another case": (_cell("nodes.csv", "aktau", "kind", "Port"), AKTAU + "field kind: 'Port' is not one of", []),
    "required value missing": (_cell("nodes.csv", "aktau", "name_en", "  "), AKTAU + "field name_en: a value is required", []),
    "empty id in a list": (_cell("nodes.csv", "aktau", "sources", "src-a;;src-b"), AKTAU + "field sources: 'src-a;;src-b' has an empty id", []),
    "NUL byte in text": (_cell("nodes.csv", "aktau", "location_note", "Town\x00centre"), AKTAU + "field location_note: contains the control character U+0000", []),
    "form feed in text": (_cell("nodes.csv", "aktau", "location_note", "Town\x0ccentre"), AKTAU + "field location_note: contains the control character U+000C", []),
    "NUL byte in a number": (_cell("nodes.csv", "aktau", "uncertainty_km", "3\x00"), AKTAU + "field uncertainty_km: contains the control character U+0000", []),
    "unterminated quote": (
        _bytes("nodes.csv", lambda b: b + b'ghost,"Ghost,x\n'),
        "Error: nodes.csv: line 5: CSV cannot be parsed",
        ["unexpected end of data"],
    ),
    "padded duplicate key": (
        _rows("nodes.csv", lambda rows: rows.append([" aktau "] + rows[1][1:])),
        'Error: nodes.csv: row 5 (id "aktau"): duplicate id (first on row 2)',
        [],
    ),
    "unknown source": (
        _cell("deposits.csv", "upper-kairakty", "sources", "src-a;src-nope"),
        'Error: deposits.csv: row (id "upper-kairakty"): field sources: "src-nope" is not an id in sources.csv',
        [],
    ),
    "unknown node": (
        _cell("corridors.csv", "casp-aktau-alat", "to_node", "baku"),
        'Error: corridors.csv: row (id "casp-aktau-alat"): field to_node: "baku" is not an id in nodes.csv',
        [],
    ),
    "unknown deposit": (
        _cell("resources.csv", "nk-wo3", "deposit", "south-katpar"),
        'Error: resources.csv: row (id "nk-wo3"): field deposit: "south-katpar" is not an id in deposits.csv',
        [],
    ),
    "unknown feature in an agreement": (
        _cell("agreements.csv", "mou-2025-11-06", "features", "upper-kairakty;atlantis"),
        'Error: agreements.csv: row (id "mou-2025-11-06"): field features: "atlantis" is not an id in deposits.csv or corridors.csv or nodes.csv',
        [],
    ),
    "oversized cell": (_cell("nodes.csv", "aktau", "location_note", "x" * 200_000), "Error: nodes.csv: line 2: CSV cannot be parsed", ["field larger than field limit"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_broken_csv_is_refused_by_name(layers_dir, case):
    breaker, prefix, fragments = CASES[case]
    breaker(layers_dir)
    assert_refused(validate(layers_dir), prefix, *fragments)


def test_unreadable_table_is_one_error_not_a_cascade(layers_dir):
    """A table that cannot be read is reported once, not again as every key left unjoined."""
    _semicolons(layers_dir)
    assert [line.split(":")[1] for line in error_lines(validate(layers_dir))] == [" deposits.csv"]


def test_byte_order_mark_is_accepted(layers_dir):
    for name in ("nodes.csv", "sources.csv"):
        write_table(layers_dir / name, read_table(layers_dir / name), encoding="utf-8-sig")
    assert (layers_dir / "nodes.csv").read_bytes().startswith(b"\xef\xbb\xbfid,")
    data = kzgeo.read_layers(layers_dir)
    assert list(data.layers["nodes"].columns)[0] == "id"
    assert sorted(data.tables["sources"]["id"]) == ["src-a", "src-b"]


def test_padding_around_enums_and_refs_is_trimmed(layers_dir):
    set_cell(layers_dir / "nodes.csv", "aktau", "kind", "  port ")
    set_cell(layers_dir / "nodes.csv", "aktau", "sources", " src-a ; src-b ")
    set_cell(layers_dir / "corridors.csv", "casp-aktau-alat", "to_node", " alat\t")
    data = kzgeo.read_layers(layers_dir)
    aktau = data.layers["nodes"].set_index("id").loc["aktau"]
    assert (aktau["kind"], aktau["sources"]) == ("port", "src-a;src-b")
    assert data.layers["corridors"].set_index("id").loc["casp-aktau-alat", "to_node"] == "alat"


def test_line_separators_inside_a_cell_stay_in_the_cell(layers_dir):
    """U+2028, U+0085 and tabs are text in CSV, not line breaks."""
    note = "Town\u2028centre\x85and\tport"
    set_cell(layers_dir / "nodes.csv", "aktau", "location_note", note)
    data = kzgeo.read_layers(layers_dir)
    assert data.layers["nodes"].set_index("id").loc["aktau", "location_note"] == note


def test_windows_line_endings_and_quoted_newlines_load(layers_dir):
    set_cell(layers_dir / "nodes.csv", "aktau", "location_note", "Town centre,\nnear the port")
    path = layers_dir / "nodes.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    data = kzgeo.read_layers(layers_dir)
    assert data.layers["nodes"].set_index("id").loc["aktau", "location_note"] == "Town centre,\r\nnear the port"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("12.5", "is not a whole number"), ("1_000", "is not a whole number"), ("9" * 20, "is not a whole number"), ("٣", "is not a whole number")],
)
def test_int_fields_refuse_what_python_would_accept(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_value(FieldSpec("count", "int"), text)
    assert parse_value(FieldSpec("count", "int"), "-42") == -42


def test_real_process_names_row_and_field(layers_dir):
    set_cell(layers_dir / "nodes.csv", "aktau", "uncertainty_km", "far")
    set_cell(layers_dir / "nodes.csv", "beyneu", "kind", "harbour")
    proc = subprocess.run([sys.executable, "-m", "kzgeo", "validate", "--layers", str(layers_dir)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert AKTAU + "field uncertainty_km: 'far' is not a number" in lines
    assert "Error: nodes.csv: row 3 (id \"beyneu\"): field kind: 'harbour' is not one of port, border crossing, junction, station" in lines
    assert "Traceback" not in proc.stdout + proc.stderr


def test_control_characters_in_an_id_cannot_forge_error_lines(layers_dir):
    """An id holding a newline and a terminal escape is shown escaped, on one line."""
    forged = "ak\x1b[2J\nError: all good\u202etau"
    rows = read_table(layers_dir / "nodes.csv")
    rows.append([forged] + rows[1][1:4] + ["harbour"] + rows[1][5:])
    write_table(layers_dir / "nodes.csv", rows)
    result = validate(layers_dir)
    line = assert_refused(result, 'Error: nodes.csv: row 6 (id "ak\\x1b[2J\\x0aError: all good\\u202etau"): field kind:')
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert [x for x in error_lines(result) if x.startswith("Error: all good")] == []
    assert line.count("Error:") == 2  # the escaped text inside the id, and the real prefix
