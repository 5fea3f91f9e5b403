"""Extract OpenStreetMap's railway track in the South Caucasus into tools/sources/osm_railways_caucasus.json.gz.

Between two stations a leg was a straight line, and on winding stretches a chord is
kilometres shorter than the track: Baku–Tbilisi–Kars came out 6 % short. The public
repository njfinney/Asia_Railway_Calculator, which also gives tools/osm_stations.py its
stations, keeps per country the OpenStreetMap ways tagged ``railway=rail`` (and
``construction``, ``narrow_gauge``, ``monorail``) that an Overpass query returned on
26 Feb 2026 (commit ea7a2e2), each as its id, its railway tag and its points to 5
decimals. Its Azerbaijan file covers the box 38.4-41.9 N, 43.2-50.3 E, so it also holds
Nakhchivan and Georgia east of Tbilisi; the files for Kazakhstan, Georgia and Türkiye are
too large to be stored, so the track elsewhere is not traced.

The file gives each point as [latitude, longitude]; this tool writes [longitude,
latitude], keeps the ways inside :data:`AREA`, sorted by OpenStreetMap id, and records
the SHA-256 of the file it read, gzipped (1.2 MB as text), so the extract can be rebuilt and checked. Data (c)
OpenStreetMap contributors, ODbL 1.0. Nothing at run time reads it:
tools/build_corridors.py follows it between stations where a leg's stretch asks for
``"track": "osm"``.

    .venv/bin/python tools/osm_railways.py /path/to/Asia_Railway_Calculator.git
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from pathlib import Path

from osm_stations import COMMIT, REPOSITORY, read_blob

OUT = Path(__file__).resolve().parent / "sources" / "osm_railways_caucasus.json.gz"
FILE = "data/railways/azerbaijan.json"
#: west, south, east, north: Azerbaijan, Nakhchivan and Georgia east of Tbilisi, as far as the file reaches.
AREA = (44.7, 38.3, 50.5, 42.0)


def extract(git_dir: Path) -> dict:
    raw = read_blob(git_dir, FILE)
    west, south, east, north = AREA
    ways = []
    for way in json.loads(raw):
        points = [[lon, lat] for lat, lon in way["geometry"]]
        if not any(west <= x <= east and south <= y <= north for x, y in points):
            continue
        ways.append({"id": way["id"], "railway": way["type"], "points": points})
    ways.sort(key=lambda w: w["id"])
    return {
        "about": (
            "OpenStreetMap railway ways (data (c) OpenStreetMap contributors, ODbL 1.0) "
            f"in the area {list(AREA)} (west, south, east, north), points as [longitude, latitude], "
            f"as the public repository {REPOSITORY} extracted them on 2026-02-26 (commit {COMMIT[:7]}, "
            f"file {FILE}). Written by tools/osm_railways.py."
        ),
        "repository": REPOSITORY,
        "commit": COMMIT,
        "file_sha256": {FILE: hashlib.sha256(raw).hexdigest()},
        "ways": ways,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path, help="the repository snapshot's git directory")
    data = extract(parser.parse_args().git_dir)
    head = {k: v for k, v in data.items() if k != "ways"}
    body = ",\n".join(json.dumps(w, separators=(",", ":")) for w in data["ways"])
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "ways": [\n' + body + "\n]}\n"
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))  # mtime=0: the same bytes on every run
    print(f"wrote {OUT}: {len(data['ways'])} ways, {sum(len(w['points']) for w in data['ways'])} points")


if __name__ == "__main__":
    main()
