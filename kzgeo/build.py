"""Build the repository's maps from a layers directory into HTML files."""

from __future__ import annotations

import logging
from pathlib import Path

from kzgeo import settings
from kzgeo.atomic import write_atomic
from kzgeo.dataset import read_layers
from kzgeo.render import render_map

log = logging.getLogger(__name__)


def build_maps(layers_dir: str | Path | None = None, out_dir: str | Path | None = None) -> list[Path]:
    """Build every map the repository defines and return the files written.

    The layers are read and checked once; each map is rendered in memory and
    written atomically, so a failure leaves the previous maps in place.
    """
    data = read_layers(layers_dir)
    out = Path(out_dir or settings.maps_dir)
    html = render_map(data).get_root().render()
    path = write_atomic(out / "overview.html", html)
    log.info("wrote %s", path)
    return [path]
