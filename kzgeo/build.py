"""Build the repository's maps from a layers directory into HTML files.

A maps directory holds map specs (``NAME.toml``, see :mod:`kzgeo.mapspec`)
and the pages built from them (``NAME.html``, beside each spec). The
overview is always built: from ``overview.toml`` when there is one, else
from every layer with the catalog's title.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kzgeo import settings
from kzgeo.atomic import write_atomic
from kzgeo.dataset import read_layers
from kzgeo.mapspec import MapSpec, read_map_spec, render_spec

log = logging.getLogger(__name__)

OVERVIEW = "overview"


def build_maps(
    layers_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    spec: str | Path | None = None,
) -> list[Path]:
    """Build maps and return the files written.

    With ``spec``, build that one map into ``out_dir`` (default: the spec's
    own directory). Without, build every ``*.toml`` spec in ``out_dir``
    (default ``maps/``) plus the overview. The layers are read once and every
    spec is checked before anything is written; each page is then written
    atomically, so a failure leaves the previous maps in place.
    """
    data = read_layers(layers_dir)
    if spec is not None:
        specs = [read_map_spec(spec)]
        out = Path(out_dir) if out_dir is not None else Path(spec).parent
    else:
        out = Path(out_dir or settings.maps_dir)
        specs = [read_map_spec(p) for p in sorted(out.glob("*.toml"))]
        if not any(s.name == OVERVIEW for s in specs):
            specs.insert(0, MapSpec(path=out / f"{OVERVIEW}.toml"))
    pages = [(out / f"{s.name}.html", render_spec(s, data).get_root().render()) for s in specs]
    written = []
    for path, html in pages:
        written.append(write_atomic(path, html))
        log.info("wrote %s", path)
    return written
