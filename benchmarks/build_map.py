"""Build one benchmark map in this process and print its build time and peak memory as JSON.

``python benchmarks/build_map.py kzgeo|explore|lonboard LAYERS_DIR OUT.html``

run.py starts one of these per tool and size, so each build has a fresh
process and its peak resident memory belongs to it alone.
Peak memory is the kernel's high-water mark of this process (VmHWM).
Imports happen before the clock starts; reading the files, making the map
and writing the HTML are timed. All tools start from the same files: each
layer's GeoJSON joined with its CSV, or its GeoParquet file, as the catalog
names them.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synthetic import layer_files  # noqa: E402


def build_kzgeo(layers: Path, out: Path) -> None:
    """What an analyst runs: read and check the layers, render, save."""
    data = kzgeo.read_layers(layers)
    kzgeo.render_map(data).save(str(out))


def joined(layers: Path, files: tuple[str, ...]) -> gpd.GeoDataFrame:
    """One layer the geopandas way: GeoParquet read whole, or GeoJSON joined with its CSV on ``id``."""
    if len(files) == 1:
        return gpd.read_parquet(layers / files[0])
    shapes = gpd.read_file(layers / files[0])[["id", "geometry"]]
    return shapes.merge(pd.read_csv(layers / files[1]), on="id")


def build_explore(layers: Path, out: Path) -> None:
    """The same layers with geopandas' explore(): each layer onto one folium map, save."""
    fmap = None
    for name, files in layer_files(layers).items():
        fmap = joined(layers, files).explore(m=fmap, popup=True, name=name)
    fmap.save(str(out))


def build_lonboard(layers: Path, out: Path) -> None:
    """The same layers with lonboard: GeoArrow + deck.gl, one layer each, written as one HTML page."""
    import lonboard

    frames = [joined(layers, files) for files in layer_files(layers).values()]
    lonboard.viz(frames).to_html(out)


TOOLS = {"kzgeo": build_kzgeo, "explore": build_explore, "lonboard": build_lonboard}


def main(tool: str, layers: str, out: str) -> None:
    if tool == "lonboard":
        import lonboard  # noqa: F401  (imported before timing)
    build = TOOLS[tool]
    start = time.perf_counter()
    build(Path(layers), Path(out))
    elapsed = time.perf_counter() - start
    print(json.dumps({"build_s": round(elapsed, 3), "peak_mb": round(peak_mb(), 1)}))


def peak_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, which starts afresh at exec.

    Not ``ru_maxrss``: it survives exec, so a child started from a large parent
    (run.py, holding the layers it generated) would report the parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(*sys.argv[1:])
