"""Build the repository's maps from a layers directory into HTML files."""

from __future__ import annotations

import logging
from pathlib import Path

from kzgeo import settings
from kzgeo.atomic import write_atomic
from kzgeo.dataset import read_layers
from kzgeo.errors import KzgeoError
from kzgeo.labels import check_language
from kzgeo.render import render_map

#: What ``build_maps`` can write: the interactive page, or a print-ready image or document.
OUTPUT_FORMATS = ("html", "png", "pdf")

log = logging.getLogger(__name__)


def build_maps(
    layers_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    fmt: str = "html",
    lang: str = "en",
    self_contained: bool = True,
) -> list[Path]:
    """Build every map the repository defines and return the files written.

    ``fmt`` is ``"html"`` (interactive; self-contained unless
    ``self_contained=False``), ``"png"`` or ``"pdf"`` (print-ready). ``lang``
    is ``"en"``, ``"ru"`` or ``"kk"``; a map in another language than English
    is written as ``<name>.<lang>.<fmt>``. The layers are read and checked
    once; each map is rendered in memory and written atomically, so a failure
    leaves the previous maps in place.
    """
    if fmt not in OUTPUT_FORMATS:
        raise KzgeoError(f'unknown output format "{fmt}"; choose one of: {", ".join(OUTPUT_FORMATS)}')
    check_language(lang)
    data = read_layers(layers_dir)
    out = Path(out_dir or settings.maps_dir)
    if fmt == "html":
        payload: str | bytes = render_map(data, lang=lang, self_contained=self_contained).get_root().render()
    else:
        from kzgeo.static_map import render_static  # matplotlib loads only when printing

        payload = render_static(data, fmt=fmt, lang=lang)
    name = "overview" if lang == "en" else f"overview.{lang}"
    path = write_atomic(out / f"{name}.{fmt}", payload)
    log.info("wrote %s", path)
    return [path]
