"""Regenerate kzgeo/data/backdrop.json, the offline backdrop, from Natural Earth (public domain).

The sources are committed, gzipped and byte for byte as published, in tools/sources/
(so the test suite can rebuild the file with no network):

* countries-50m.json.gz -- Natural Earth 1:50m Admin 0 countries as TopoJSON, from the npm
  package world-atlas 2.0.2 (ISC licence, tools/sources/world-atlas-LICENSE; the data is
  public domain): ``npm pack world-atlas@2.0.2``, file ``package/countries-50m.json``;
* ne_50m_lakes.json.gz, ne_50m_rivers_lake_centerlines.json.gz -- Natural Earth 1:50m lakes
  and river centre lines (https://github.com/nvkelso/natural-earth-vector) as GeoJSON in
  https://github.com/martynafford/natural-earth-geojson (commit 0b9a6ce, folder 50m/physical/).

The 1:10m close-view shapes come from kzgeo/data/countries.geojson (tools/make_countries.py).
Each source's SHA-256 (of the uncompressed file) is checked before use:

    .venv/bin/python tools/make_backdrop.py
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tools" / "sources"
TARGET = ROOT / "kzgeo" / "data" / "backdrop.json"

#: File in tools/sources -> SHA-256 of its uncompressed bytes, as published.
SHA256 = {
    "countries-50m.json.gz": "04342cdc1e3016bcd7db1630de95684d67b79fe3c8c460321e87aef469502394",
    "ne_50m_lakes.json.gz": "eefade02355ffc5d48a6a001804fb28e01a56c12fe844af937307a00d0d1f62d",
    "ne_50m_rivers_lake_centerlines.json.gz": "8878c9b0dcf10c92b631408f92b599b320517561a3cc83f40e2024050255af5f",
}


def read_source(name: str) -> dict:
    """One source, parsed, after checking it is the published file."""
    raw = gzip.decompress((SOURCES / name).read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[name]:
        raise SystemExit(f"{SOURCES / name}: SHA-256 {digest}, expected {SHA256[name]} (not the published file)")
    return json.loads(raw)


def derive() -> str:
    """The backdrop file's text from the committed sources."""
    from kzgeo.backdrop import derive_backdrop

    countries_10m = json.loads((ROOT / "kzgeo" / "data" / "countries.geojson").read_text(encoding="utf-8"))
    return derive_backdrop(
        read_source("countries-50m.json.gz"), read_source("ne_50m_lakes.json.gz"), read_source("ne_50m_rivers_lake_centerlines.json.gz"), countries_10m
    )


if __name__ == "__main__":
    TARGET.write_text(derive(), encoding="utf-8")
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes)")
