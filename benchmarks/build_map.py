"""Build one benchmark map in this process and print its build time and peak memory as JSON.

``python benchmarks/build_map.py kzgeo|explore LAYERS_DIR OUT.html``

run.py starts one of these per tool and size, so each build has a fresh
process and its peak resident memory (``ru_maxrss``) belongs to it alone.
Imports happen before the clock starts; reading the files, making the map
and writing the HTML are timed. Both tools start from the same files.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import folium  # noqa: F401  (imported before timing, like everything below)
import geopandas as gpd
import pandas as pd

import kzgeo


def build_kzgeo(layers: Path, out: Path) -> None:
    """What an analyst runs: read and check the layers, render, save."""
    data = kzgeo.read_layers(layers)
    kzgeo.render_map(data).save(str(out))


def _joined(layers: Path, name: str) -> gpd.GeoDataFrame:
    shapes = gpd.read_file(layers / f"{name}.geojson")[["id", "geometry"]]
    return shapes.merge(pd.read_csv(layers / f"{name}.csv"), on="id")


def build_explore(layers: Path, out: Path) -> None:
    """The same layers the geopandas way: read, join, explore() each layer onto one map, save."""
    fmap = _joined(layers, "deposits").explore(popup=True, name="Deposits")
    _joined(layers, "licences").explore(m=fmap, popup=True, name="Licences")
    fmap.save(str(out))


def main(tool: str, layers: str, out: str) -> None:
    build = {"kzgeo": build_kzgeo, "explore": build_explore}[tool]
    start = time.perf_counter()
    build(Path(layers), Path(out))
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"build_s": round(elapsed, 3), "peak_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
