"""One escaping choke point per output language, checked against the language's own reader.

- Markdown: ``report._cell`` -- rendered by markdown-it (CommonMark + tables),
  hostile cells add no image, link, HTML, emphasis or row.
- QGIS expressions: ``xml.quote_literal`` / ``quote_field`` -- compared with
  QGIS's own ``QgsExpression.quotedString`` / ``quotedColumnRef`` in real QGIS,
  and every expression of an exported style with hostile categories parses.
- QGIS data sources: ``xml.ogr_source`` refuses what OGR's URI cannot quote.
- XML: ``xml.document`` drops the characters XML 1.0 forbids.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

import kzgeo
from kzgeo.qgis.xml import document, ogr_source, quote_field, quote_literal

from hostile import read_table, set_cell, write_table
from test_export_qgis import QGIS_PYTHON, qgis_env

MARKDOWN_PAYLOAD = (
    "![pixel](http://evil.example/track.png) [click](https://evil.example/login) <img src=x onerror=alert(1)> "
    "www.evil.example https://evil.example/bare *em* _u_ `code` ~~gone~~ \\ | extra | cell |\n| --- | --- |\n# Heading"
)


def _poison_report_fields(layers) -> None:
    set_cell(layers / "routes.csv", "route-beyneu-alat", "name_en", MARKDOWN_PAYLOAD)
    set_cell(layers / "routes.csv", "route-beyneu-alat", "published_note", MARKDOWN_PAYLOAD)
    for leg in ("kz-beyneu-aktau", "casp-aktau-alat"):
        set_cell(layers / "corridors.csv", leg, "name_en", MARKDOWN_PAYLOAD)
    set_cell(layers / "deposits.csv", "upper-kairakty", "name_en", MARKDOWN_PAYLOAD)
    set_cell(layers / "nodes.csv", "aktau", "name_en", MARKDOWN_PAYLOAD)
    rows = read_table(layers / "sources.csv")
    for row in rows[1:]:
        row[1] = row[2] = MARKDOWN_PAYLOAD
    write_table(layers / "sources.csv", rows)


def test_markdown_report_cells_are_inert(layers_dir, tmp_path):
    set_cell(layers_dir / "routes.csv", "route-beyneu-alat", "published_note", "A plain note")
    clean = kzgeo.report(layers_dir)
    _poison_report_fields(layers_dir)
    text = kzgeo.report(layers_dir)
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(text)
    html = md.render(text)
    # No image, no raw HTML, no emphasis, code or strikethrough from the data.
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
    clean_kinds = {t.type for t in md.parse(clean)} | {c.type for t in md.parse(clean) for c in (t.children or [])}
    assert not {"image", "html_inline", "html_block", "code_inline", "s_open"} & kinds
    assert kinds - clean_kinds == set(), kinds - clean_kinds
    # Links: only the sources' own addresses, as in the clean report.
    links = [c.attrGet("href") for t in tokens for c in (t.children or []) if c.type == "link_open"]
    clean_links = [c.attrGet("href") for t in md.parse(clean) for c in (t.children or []) if c.type == "link_open"]
    assert links == clean_links
    # Same tables, same rows and columns: no row or heading was added by the data.
    assert html.count("<tr>") == md.render(clean).count("<tr>")
    assert html.count("<td>") == md.render(clean).count("<td>")
    assert [t.tag for t in tokens if t.type == "heading_open"] == [t.tag for t in md.parse(clean) if t.type == "heading_open"]
    # And the reader sees the payload as typed (line breaks as spaces).
    assert " ".join(MARKDOWN_PAYLOAD.splitlines()).replace("<", "&lt;").replace(">", "&gt;") in html


HOSTILE_LITERALS = ["a'b", "x\\", "\\' OR 1=1 --", "l1\nl2", "t\tt", 'q"q', "r\rr", "'||(SELECT 1)||'", "${x}", "[% 1 %]", "é ü Қ", ""]

QGIS_QUOTING = r"""
import json, os, sys
from qgis.core import QgsApplication, QgsExpression, QgsFeature, QgsFields, QgsField, QgsExpressionContext
from qgis.PyQt.QtCore import QVariant
app = QgsApplication([], False)
app.initQgis()
cases = json.loads(sys.stdin.read())
out = {"literals": [], "expressions": []}
for value, ours in cases["literals"]:
    expr = QgsExpression(ours)
    out["literals"].append({"value": value, "qgis": QgsExpression.quotedString(value), "column": QgsExpression.quotedColumnRef(value),
                            "error": expr.hasParserError(), "evaluated": expr.evaluate()})
for text in cases["expressions"]:
    out["expressions"].append({"text": text, "error": QgsExpression(text).parserErrorString()})
print(json.dumps(out)); sys.stdout.flush(); os._exit(0)
"""


def _in_qgis(tmp_path, payload: dict) -> dict:
    done = subprocess.run([QGIS_PYTHON, "-c", QGIS_QUOTING], input=json.dumps(payload), env=qgis_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_qgis_quoting_matches_qgis_and_expressions_with_hostile_categories_parse(layers_dir, tmp_path):
    # Hostile category values on the dimension QGIS styles by expression (status -> dash).
    hostile = {"planned": "planned\\", "under construction": "under' OR '1'='1"}
    text = (layers_dir / "catalog.toml").read_text(encoding="utf-8")
    for old, new in hostile.items():
        text = text.replace(json.dumps(old), json.dumps(new))
    (layers_dir / "catalog.toml").write_text(text, encoding="utf-8")
    rows = read_table(layers_dir / "corridors.csv")
    status = rows[0].index("status")
    for row in rows[1:]:
        row[status] = hostile.get(row[status], row[status])
    write_table(layers_dir / "corridors.csv", rows)
    assert kzgeo.validate(layers_dir) == []
    out = tmp_path / "qgis"
    kzgeo.export(layers_dir, out)
    root = ET.fromstring((out / "corridors.qml").read_text(encoding="utf-8").split("\n", 1)[1])
    # Every QGIS expression of the style: data-defined properties and rule filters.
    expressions = [node.get("value") for node in root.iter("Option") if node.get("name") == "expression" and node.get("value")]
    expressions += [node.get("filter") for node in root.iter("rule") if node.get("filter")]
    assert expressions and any("'planned\\\\'" in e for e in expressions) and any("'under'' OR ''1''=''1'" in e for e in expressions)
    seen = _in_qgis(tmp_path, {"literals": [[v, quote_literal(v)] for v in HOSTILE_LITERALS], "expressions": expressions})
    for case in seen["literals"]:
        assert quote_literal(case["value"]) == case["qgis"], case
        assert quote_field(case["value"]) == case["column"] or "\\" in case["value"] or "\n" in case["value"] or "\r" in case["value"] or "\t" in case["value"], case
        assert case["error"] is False and case["evaluated"] == case["value"], case
    assert all(e["error"] == "" for e in seen["expressions"]), seen["expressions"]


@pytest.mark.parametrize("layer", ["nodes|layerid=0", "a b", "x;y", "", "1abc"])
def test_ogr_data_source_refuses_unquotable_names(layer):
    with pytest.raises(ValueError, match="cannot be written into a QGIS data source"):
        ogr_source("./kzgeo.gpkg", layer)
    assert ogr_source("./kzgeo.gpkg", "nodes") == "./kzgeo.gpkg|layername=nodes"


def test_xml_documents_drop_characters_xml_forbids():
    root = ET.Element("qgis", projectname="a\x01b\x1bc")
    child = ET.SubElement(root, "abstract")
    child.text = "text\x00 with \ufffe controls\x0b <b>&</b>"
    ET.SubElement(root, "keep", value="tab\tnewline\n")
    written = document(root)
    parsed = ET.fromstring(written.split("\n", 1)[1])
    assert parsed.get("projectname") == "abc"
    assert parsed.find("abstract").text == "text with  controls <b>&</b>"
    assert parsed.find("keep").get("value") == "tab\tnewline\n"
