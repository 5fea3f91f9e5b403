"""QGIS layer metadata (QMD) for every layer and table: what it is, from where, under what terms.

QGIS 3.22 shows this under Layer Properties -> Metadata. The same XML goes to
a ``.qmd`` beside each GeoJSON, into the GeoPackage's ``gpkg_metadata`` table
and into the project. QGIS 3.22 has no date field, so the date the data
speaks for (the newest source date) is stated in the history.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kzgeo import settings
from kzgeo.dataset import Dataset, cell_value
from kzgeo.io.readers import split_refs
from kzgeo.provenance import package_version
from kzgeo.qgis.xml import QGIS_VERSION, document, spatialrefsys, sub

KEYWORD_VOCABULARY = "kzgeo"

def _cited_ids(data: Dataset, name: str) -> list[str]:
    """Source ids a layer or table cites, in first-cited order (the sources table: all)."""
    if name == data.catalog.sources_table:
        return list(data.sources["id"])
    frame = data.layers.get(name, data.tables.get(name))
    cites = data.catalog.all_tables[name].field("sources")
    return list(dict.fromkeys(ref for cell in frame[cites] for ref in split_refs(cell)))

def _text(value: object) -> str:
    return "" if cell_value(value) is None else str(value)

def metadata_element(data: Dataset, name: str, tag: str = "qgis") -> ET.Element:
    """The metadata of layer or table ``name`` as a QGIS metadata element.

    ``tag`` is ``"qgis"`` for a ``.qmd`` file or the GeoPackage, and
    ``"resourceMetadata"`` inside a project.
    """
    spec = data.catalog.all_tables[name]
    root = ET.Element(tag, version=QGIS_VERSION) if tag == "qgis" else ET.Element(tag)
    sub(root, "identifier", f"kzgeo:{name}")
    sub(root, "parentidentifier", "kzgeo")
    sub(root, "language", "en")
    sub(root, "type", "dataset")
    sub(root, "title", spec.title)
    sub(root, "abstract", spec.abstract)
    keywords = sub(root, "keywords", vocabulary=KEYWORD_VOCABULARY)
    for word in ("Kazakhstan", "critical minerals", "Middle Corridor", name):
        sub(keywords, "keyword", word)
    links = sub(root, "links")
    sources = data.sources
    for sid in _cited_ids(data, name):
        row = sources.loc[sid]
        sub(
            links, "link", name=f"{_text(row['publisher'])}: {_text(row['title'])} ({_text(row['date'])})", type="WWW:LINK",
            url=_text(row.get("url")), description=f"source {sid}", format="", mimeType="", size="",
        )
    sub(root, "history", f"Data as of {data.as_of} (the newest source date); exported by kzgeo {package_version()}.")
    sub(root, "fees", "")
    sub(root, "rights", settings.data_rights)
    sub(root, "license", settings.data_licence)
    sub(root, "encoding", "UTF-8")
    spatialrefsys(sub(root, "crs"))
    extent = sub(root, "extent")
    if name in data.layers:
        minx, miny, maxx, maxy = data.layers[name].total_bounds
        sub(extent, "spatial", dimensions="2", crs="EPSG:4326", minx=repr(minx), miny=repr(miny), maxx=repr(maxx), maxy=repr(maxy), minz="0", maxz="0")
    return root

def metadata_document(data: Dataset, name: str) -> str:
    """The ``.qmd`` text of layer or table ``name``."""
    return document(metadata_element(data, name))
