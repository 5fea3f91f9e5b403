"""Hostile text in the QGIS hand-off: every XML file parses, and the payloads come back as text.

The same payloads as the HTML test fill every text field and every catalog
title; the export's styles, metadata and project must stay well-formed XML
in which the payloads are character data (no ``script`` or ``img`` element
appears), and the GeoPackage must hold them unchanged. Real QGIS reading
hostile titles and publishers is covered in ``test_export_qgis.py``.
"""

from __future__ import annotations

import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import pyogrio
import pytest

import kzgeo

from hostile import HOSTILE_ID, payload, poison_data, poison_titles


@pytest.fixture
def poisoned_export(layers_dir, tmp_path) -> Path:
    poison_data(layers_dir)
    poison_titles(layers_dir)
    assert kzgeo.validate(layers_dir) == []
    kzgeo.export(layers_dir, tmp_path / "qgis")
    return tmp_path / "qgis"


def _parse(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    tags = {element.tag.lower() for element in root.iter()}
    assert not tags & {"script", "img", "svg"}, tags
    return root


def _texts(root: ET.Element) -> str:
    return "\n".join([*(e.text or "" for e in root.iter()), *(v for e in root.iter() for v in e.attrib.values())])


def test_every_xml_file_parses_and_holds_payloads_as_text(poisoned_export):
    files = sorted(p for p in poisoned_export.iterdir() if p.suffix in (".qml", ".qmd", ".qgs"))
    assert {p.suffix for p in files} == {".qml", ".qmd", ".qgs"}
    for path in files:
        _parse(path.read_text(encoding="utf-8"))
    metadata = _texts(_parse((poisoned_export / "deposits.qmd").read_text(encoding="utf-8")))
    assert "Critical-mineral deposits " + payload("title") in metadata
    assert payload("sources.publisher") in metadata


def test_geopackage_keeps_payloads_and_its_metadata_parses(poisoned_export):
    gpkg = poisoned_export / "kzgeo.gpkg"
    deposits = pyogrio.read_dataframe(gpkg, layer="deposits").set_index("id")
    assert deposits.loc[HOSTILE_ID, "name_en"] == payload("deposits.name_en")
    assert deposits.loc["upper-kairakty", "location_note"] == payload("deposits.location_note")
    sources = pyogrio.read_dataframe(gpkg, layer="sources").set_index("id")
    assert sources.loc["src-b", "title"] == payload("sources.title")
    with closing(sqlite3.connect(gpkg)) as db:
        documents = [row[0] for row in db.execute("SELECT metadata FROM gpkg_metadata")]
        styles = [row[0] for row in db.execute("SELECT styleQML FROM layer_styles")]
    assert documents and styles
    parsed = [_parse(document) for document in documents + styles]
    assert any(payload("sources.publisher") in _texts(root) for root in parsed)


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_static_maps_draw_every_payload_literally(layers_dir, tmp_path, fmt):
    """Payloads everywhere (labels, title, legend, source list) build a page; in the PDF they are text."""
    poison_data(layers_dir)
    poison_titles(layers_dir)
    (path,) = kzgeo.build(layers_dir, tmp_path / "maps", maps_dir=tmp_path / "maps", fmt=fmt)
    data = path.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 50_000
        return
    for action in (b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/URI"):
        assert action not in data, action
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.replace("\n", " ")
    assert "<script>window.__pwned='title'</script>" in text
    assert "${7*7} {7*7}" in text
