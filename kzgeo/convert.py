"""``kzgeo convert``: a checked layer written in columnar form (GeoParquet, GeoPackage, FlatGeobuf).

A national cadastre kept as GeoJSON + CSV is parsed as text on every build;
as GeoParquet it is read in columns, several times smaller and faster (see
:mod:`kzgeo.io.columnar`). The layer is read and checked with the whole
dataset first (a broken layer is never converted), then written with its
catalog fields and geometry in EPSG:4326. The catalog is not edited: the
user points the layer at the new file (``file = "deposits.parquet"``).
"""

from __future__ import annotations

from pathlib import Path

from kzgeo.catalog import read_catalog, shipped_layers
from kzgeo.dataset import read_layers
from kzgeo.errors import CatalogError, OutputExistsError
from kzgeo.io.columnar import FORMATS, write_columnar


def convert(layer: str, *, to: str = "parquet", layers_dir: str | Path | None = None, out: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write catalog layer ``layer`` as ``to`` (``parquet``, ``gpkg`` or ``fgb``); return the path written.

    ``out`` defaults to ``LAYER.<suffix>`` in the layers directory (in the
    working directory for the layers shipped inside the package). An existing
    file is replaced only with ``overwrite``, and never the layer's own input.
    """
    if to not in FORMATS:
        raise ValueError(f"to must be one of {', '.join(FORMATS)}")
    catalog = read_catalog(layers_dir)
    root = catalog.root
    if layer not in catalog.layers:
        raise CatalogError(f"{root / 'catalog.toml'}: no layer {layer!r}; the layers are {', '.join(catalog.layers)}")
    # Beside the layers, unless they are the copy shipped inside the package: then here.
    home = Path.cwd() if root.resolve() == shipped_layers().resolve() else root
    target = Path(out) if out is not None else home / f"{layer}{FORMATS[to]}"
    spec = catalog.layers[layer]
    inputs = {catalog.path(spec.geometry).resolve(), catalog.path(spec.attributes).resolve()}
    if target.resolve() in inputs:
        raise OutputExistsError(f"{target}: is the layer's own input; write the converted file elsewhere")
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: exists; pass --overwrite to replace it")
    if not target.parent.is_dir():
        raise OutputExistsError(f"{target.parent}: no such folder")
    data = read_layers(root)
    return write_columnar(data.layers[layer], target, to, layer)
