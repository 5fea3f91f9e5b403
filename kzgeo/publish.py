"""Build the repository's maps from a layers directory into HTML, PNG or PDF files.

A maps directory holds map specs (``NAME.toml``, see :mod:`kzgeo.spec`)
and the pages built from them (``NAME.html``, beside each spec). The
overview is always built: from ``overview.toml`` when there is one, else
from every layer with the catalog's title.
"""

from __future__ import annotations

import dataclasses
import logging
from importlib.resources import files
from pathlib import Path

from kzgeo import settings
from kzgeo.io.atomic import ensure_folder
from kzgeo.dataset import Dataset, read_layers
from kzgeo.errors import KzgeoError
from kzgeo.io.atomic import write_set
from kzgeo.html.render import render_spec
from kzgeo.labels import check_language, label
from kzgeo.spec import MapSpec, kept_ids, read_map_spec, restyled, route_length_lines

#: What ``build_maps`` can write: the interactive page, or a print-ready image or document.
OUTPUT_FORMATS = ("html", "png", "pdf")

log = logging.getLogger(__name__)

OVERVIEW = "overview"


def shipped_specs() -> Path:
    """The map specs installed with kzgeo (package data; ``maps/`` in the repository is the copy people edit)."""
    return Path(str(files("kzgeo").joinpath("data", "maps")))


def spec_files(maps_dir: str | Path | None = None) -> list[Path]:
    """The specs to build: those in ``maps_dir``; unset, ``settings.maps_dir`` or, if it holds none, the shipped ones."""
    if maps_dir is not None:
        return sorted(Path(maps_dir).glob("*.toml"))
    return sorted(Path(settings.maps_dir).glob("*.toml")) or sorted(shipped_specs().glob("*.toml"))


def _render(spec: MapSpec, data: Dataset, fmt: str, self_contained: bool) -> str | bytes:
    if fmt == "html":
        return render_spec(spec, data, self_contained=self_contained).get_root().render()
    from kzgeo.printmap import render_static  # matplotlib loads only when printing

    filters = {layer: kept_ids(spec, data, layer) for layer in spec.filters}
    notes = (label("lengths", spec.lang), route_length_lines(data, spec.lang)) if "lengths" in spec.popup_extras else None
    return render_static(restyled(data, spec.styles), fmt=fmt, title=spec.title, layers=list(spec.layers) or None, lang=spec.lang, filters=filters, view=spec.view, notes=notes)


def build_maps(
    layers_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    spec: str | Path | None = None,
    maps_dir: str | Path | None = None,
    fmt: str = "html",
    lang: str | None = None,
    self_contained: bool = True,
) -> list[Path]:
    """Build maps and return the files written.

    With ``spec``, build that one map into ``out_dir`` (default: the spec's
    own directory). Without, build every map the repository defines -- each
    ``*.toml`` spec in ``maps_dir`` (default ``settings.maps_dir``, ``maps/``;
    when that holds no spec, the specs installed with kzgeo),
    plus the overview -- into ``out_dir`` (default: ``maps/`` too). ``fmt`` is ``"html"``
    (interactive; self-contained unless ``self_contained=False``), ``"png"``
    or ``"pdf"`` (print-ready). ``lang`` (``"en"``, ``"ru"``, ``"kk"``)
    overrides each spec's language and is added to the file name
    (``NAME.ru.html``); a page that links CDNs (``self_contained=False``)
    is named ``NAME.cdn.html``, so it never replaces the self-contained page.
    ``out_dir`` is created if missing, but only inside a folder that exists.
    The layers are read once and every spec is checked
    before anything is written; the pages are then written as one set
    (:func:`~kzgeo.io.atomic.write_set`): a full disk, an error or a kill
    leaves either every previous page or every new one.
    """
    if fmt not in OUTPUT_FORMATS:
        raise KzgeoError(f'unknown output format "{fmt}"; choose one of: {", ".join(OUTPUT_FORMATS)}')
    if lang is not None:
        check_language(lang)
    data = read_layers(layers_dir)
    if spec is not None:
        specs = [read_map_spec(spec)]
        out = Path(out_dir) if out_dir is not None else Path(spec).parent
    else:
        out = Path(out_dir or settings.maps_dir)
        specs = [read_map_spec(p) for p in spec_files(maps_dir)]
        if not any(s.name == OVERVIEW for s in specs):
            specs.insert(0, MapSpec(path=out / f"{OVERVIEW}.toml"))
    ensure_folder(out, create=False)
    if lang is not None:
        specs = [dataclasses.replace(s, lang=lang) for s in specs]
    suffix = f".{lang}" if lang not in (None, "en") else ""
    if fmt == "html" and not self_contained:
        suffix += ".cdn"
    pages = {f"{s.name}{suffix}.{fmt}": _render(s, data, fmt, self_contained) for s in specs}
    ensure_folder(out)
    written = write_set(out, pages)
    for path in written:
        log.info("wrote %s", path)
    return written


def route_page(data: Dataset, route, *, self_contained: bool = True) -> str:
    """The HTML page of one route (:func:`kzgeo.html.routemap.route_map`): the overview map, route highlighted."""
    from kzgeo.html.routemap import route_map

    return route_map(data, route, self_contained=self_contained).get_root().render()
