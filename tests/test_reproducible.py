"""Two builds of the same inputs are byte-identical, and the page says what it was built from."""

from __future__ import annotations

import hashlib

import json
import re

import pytest

import kzgeo
from kzgeo.backdrop import backdrop_text, derive_backdrop

from conftest import ROOT


@pytest.mark.parametrize(("fmt", "lang"), [("html", "en"), ("html", "kk"), ("png", "en"), ("pdf", "ru")])
def test_two_builds_are_byte_identical(layers_dir, tmp_path, fmt, lang):
    (first,) = kzgeo.build(layers_dir, tmp_path / "one", maps_dir=tmp_path / "one", fmt=fmt, lang=lang)
    (second,) = kzgeo.build(layers_dir, tmp_path / "two", maps_dir=tmp_path / "two", fmt=fmt, lang=lang)
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()


def test_cdn_build_is_byte_identical(layers_dir, tmp_path):
    (first,) = kzgeo.build(layers_dir, tmp_path / "one", maps_dir=tmp_path / "one", self_contained=False)
    (second,) = kzgeo.build(layers_dir, tmp_path / "two", maps_dir=tmp_path / "two", self_contained=False)
    assert first.read_bytes() == second.read_bytes()


def test_page_has_no_random_ids(layers_dir, tmp_path):
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path)
    text = path.read_text(encoding="utf-8")
    assert re.search(r"_[0-9a-f]{32}\b", text) is None
    assert "map_0001" in text


def test_manifest_names_version_inputs_and_data_date(layers_dir, tmp_path):
    data = kzgeo.read_layers(layers_dir)
    (path,) = kzgeo.build(layers_dir, tmp_path, maps_dir=tmp_path)
    text = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="kz-build">(.*?)</script>', text, re.S)
    manifest = json.loads(block.group(1))
    assert manifest["kzgeo_version"] == kzgeo.__version__
    assert manifest["as_of"] == data.as_of == "2026-02-23"
    assert manifest["inputs"] == data.file_hashes
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in layers_dir.iterdir()}
    assert manifest["inputs"] == on_disk
    assert len(manifest["inputs"]) == 14 and all(len(h) == 64 for h in manifest["inputs"].values())
    assert f'<meta name="generator" content="kzgeo {kzgeo.__version__}">' in text


def test_changed_input_changes_the_manifest(layers_dir, tmp_path):
    (before,) = kzgeo.build(layers_dir, tmp_path / "one", maps_dir=tmp_path / "one")
    sources = layers_dir / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace("Example Agency", "Example Agency (renamed)"), encoding="utf-8")
    (after,) = kzgeo.build(layers_dir, tmp_path / "two", maps_dir=tmp_path / "two")
    assert before.read_bytes() != after.read_bytes()


def test_committed_backdrop_is_what_the_script_derives():
    """kzgeo/data/backdrop.geojson is exactly tools/make_backdrop.py's output from Natural Earth."""
    assert backdrop_text() == derive_backdrop()
    collection = json.loads(backdrop_text())
    names = {f["properties"]["name"] for f in collection["features"]}
    assert {"Kazakhstan", "Azerbaijan", "Georgia", "Armenia", "Turkey", "China"} <= names
    assert "public domain" in collection["source"]
    assert (ROOT / "tools" / "make_backdrop.py").exists()
