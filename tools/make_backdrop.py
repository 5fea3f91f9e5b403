"""Regenerate kzgeo/data/backdrop.geojson from Natural Earth (public domain).

Natural Earth's 1:110m countries come with pyogrio (a geopandas dependency),
so this needs no download:

    .venv/bin/python tools/make_backdrop.py
"""

from pathlib import Path

from kzgeo.backdrop import derive_backdrop

target = Path(__file__).resolve().parent.parent / "kzgeo" / "data" / "backdrop.geojson"
target.write_text(derive_backdrop(), encoding="utf-8")
print(f"wrote {target} ({target.stat().st_size:,} bytes)")
