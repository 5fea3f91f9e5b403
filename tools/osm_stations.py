"""Extract OpenStreetMap's railway stations in the catalog's area into tools/sources/osm_stations.json.

Most station nodes in layers/ stood on settlement centres (GeoNames), and long stretches of
line were chords because no stored page gave a coordinate for the stations between. The
public repository njfinney/Asia_Railway_Calculator keeps, per country, the OpenStreetMap
nodes tagged ``railway=station`` (with halts and yards) that an Overpass query returned for
the country's bounding box on 26 Feb 2026 (commit ea7a2e2): id, position to 5 decimals,
name and local name. The boxes overlap their neighbours, so the Turkey file also holds the
stations of southern Georgia and northern Armenia, and the Azerbaijan file those of
Tbilisi and Rustavi.

This tool reads those files from a snapshot of the repository (its git directory, at the
commit named below), keeps the stations inside the catalog's area, drops the duplicates the
overlapping boxes make, and writes them sorted by OpenStreetMap id with the SHA-256 of
every file read, so the extract can be rebuilt and checked. Data (c) OpenStreetMap
contributors, ODbL 1.0. Nothing at run time reads it: tools/build_corridors.py and the
node table take station positions from it, each citing the node's OpenStreetMap id.

    .venv/bin/python tools/osm_stations.py /path/to/Asia_Railway_Calculator.git
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sources" / "osm_stations.json"
REPOSITORY = "njfinney/Asia_Railway_Calculator"
COMMIT = "ea7a2e27d11ae5bfe916e2fdb54ff4b384a8f8b3"
FILES = ("kazakhstan", "azerbaijan", "turkey", "uzbekistan", "turkmenistan", "russia", "iran")
#: west, south, east, north: the corridors' area (Black Sea to the Chinese border) and a margin.
AREA = (39.5, 36.5, 88.0, 56.0)


def read_blob(git_dir: Path, path: str) -> bytes:
    """The bytes of ``path`` at :data:`COMMIT` in the snapshot ``git_dir`` (no work tree needed)."""
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"], check=True, capture_output=True).stdout


def extract(git_dir: Path) -> dict:
    stations: dict[int, dict] = {}
    files = {}
    west, south, east, north = AREA
    for name in FILES:
        path = f"data/stations/{name}.json"
        raw = read_blob(git_dir, path)
        files[path] = hashlib.sha256(raw).hexdigest()
        for s in json.loads(raw):
            if not (west <= s["lon"] <= east and south <= s["lat"] <= north):
                continue
            row = {"id": s["id"], "lon": s["lon"], "lat": s["lat"], "name": s["name"], "type": s.get("type", "station")}
            if s.get("nameLocal"):
                row["name_local"] = s["nameLocal"]
            stations.setdefault(s["id"], row)
    return {
        "about": (
            "OpenStreetMap railway stations, halts and yards (data (c) OpenStreetMap contributors, ODbL 1.0) "
            f"in the area {list(AREA)} (west, south, east, north), as the public repository {REPOSITORY} "
            f"extracted them on 2026-02-26 (commit {COMMIT[:7]}). Written by tools/osm_stations.py."
        ),
        "repository": REPOSITORY,
        "commit": COMMIT,
        "files_sha256": files,
        "stations": [stations[k] for k in sorted(stations)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path, help="the repository snapshot's git directory")
    data = extract(parser.parse_args().git_dir)
    head = {k: v for k, v in data.items() if k != "stations"}
    body = ",\n".join(json.dumps(s, ensure_ascii=False) for s in data["stations"])
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "stations": [\n' + body + "\n]}\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {len(data['stations'])} stations")


if __name__ == "__main__":
    main()
