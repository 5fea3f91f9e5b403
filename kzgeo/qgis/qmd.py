"""QGIS metadata (QMD) for every exported table, and for the project: what, from where, on what terms.

QGIS 3.22 shows layer metadata under Layer Properties -> Metadata and checks
it with its own validator (``QgsNativeMetadataValidator``), which wants an
identifier, language, type, title, abstract, licence, CRS, a spatial extent,
a contact and links. Each record here has all of them: the links are the
addresses of every source the table cites, the contact is
``settings.data_contact``, and the date is given twice -- as the temporal
extent (oldest to newest cited source) and in the history (QGIS 3.22 has no
date field). Every number goes through :func:`~kzgeo.qgis.xml.number`, so an
extent is ``66.57``, never ``np.float64(66.57)``.

The same XML goes into a ``.qmd`` beside each GeoJSON, into the GeoPackage's
``gpkg_metadata`` table and into the project.
"""

from __future__ import annotations

import calendar
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from kzgeo import settings
from kzgeo.backdrop import ATTRIBUTION
from kzgeo.dataset import Dataset, cell_value
from kzgeo.io.readers import split_refs
from kzgeo.provenance import package_version
from kzgeo.qgis.tables import BACKDROP, UNCERTAINTY, junctions
from kzgeo.qgis.xml import QGIS_VERSION, document, number, spatialrefsys, sub

KEYWORD_VOCABULARY = "kzgeo"
NATURAL_EARTH = ("Natural Earth: Admin 0 - Countries, 1:50m (public domain)", "https://www.naturalearthdata.com/about/terms-of-use/")


@dataclass(frozen=True)
class About:
    """What one exported table is: title, abstract, the source ids it cites, its extent."""

    title: str
    abstract: str
    cited: tuple[str, ...]
    extra_links: tuple[tuple[str, str], ...] = ()


def _text(value: object) -> str:
    value = cell_value(value)
    return "" if value is None else str(value)


def _cited(data: Dataset, name: str) -> list[str]:
    """Source ids a catalog table cites, in first-cited order (the sources table: all of them)."""
    if name == data.catalog.sources_table:
        return list(data.sources["id"])
    spec = data.catalog.all_tables[name]
    frame = data.layers.get(name, data.tables.get(name))
    fields = [f.name for f in spec.fields if f.type == "refs" and f.to == (data.catalog.sources_table,)]
    return list(dict.fromkeys(ref for field in fields for cell in frame[field] for ref in split_refs(cell)))


def describe(data: Dataset, name: str) -> About:
    """Title, abstract and cited sources of any table the export writes."""
    catalog = data.catalog
    if name in catalog.all_tables:
        spec = catalog.all_tables[name]
        return About(spec.title, spec.abstract, tuple(_cited(data, name)))
    if name == BACKDROP:
        return About(
            "Countries (backdrop)",
            "Country outlines of the region from Natural Earth's 1:50m Admin 0 countries, clipped, simplified and quantised; "
            "a backdrop for orientation, not a statement on borders.",
            (),
            (NATURAL_EARTH,),
        )
    if name == UNCERTAINTY:
        cited = [ref for layer in catalog.layers for ref in _cited(data, layer)]
        return About(
            "Location uncertainty areas",
            "Where each point feature may lie: a geodesic circle on WGS 84 of the feature's uncertainty radius around "
            "its point (a ring where the sources also rule out the centre). Query or clip with them; they draw true in any CRS.",
            tuple(dict.fromkeys(cited)),
        )
    for junction in junctions(catalog):
        if junction.name == name:
            owner = catalog.all_tables[junction.owner]
            targets = ", ".join(catalog.all_tables[t].title for t in junction.targets)
            return About(
                f"{owner.title}: {junction.field} (links)",
                f"One row per reference from {owner.title} ({junction.owner}.{junction.field}) to {targets}, "
                "in the order listed (position). Relates the two tables in QGIS; replaces the ';'-separated list of the CSV.",
                tuple(_cited(data, junction.owner)),
            )
    raise KeyError(name)


def _links(parent: ET.Element, data: Dataset, about: About) -> list[str]:
    """Write a link per cited source with an address; return the sources without one (for the history)."""
    links = sub(parent, "links")
    unlinked = []
    for name, url in about.extra_links:
        sub(links, "link", name=name, type="WWW:LINK", url=url, description="", format="", mimeType="", size="")
    sources = data.sources  # columns named by role, whatever the catalog calls the fields
    for sid in about.cited:
        row = sources.loc[sid]
        url = _text(row.get("url"))
        name = f"{_text(row['publisher'])}: {_text(row['title'])} ({_text(row['date'])})"
        if not url:  # QGIS refuses a link with no address: such a source is named in the history.
            unlinked.append(f"Source {sid} (no web address): {name}")
            continue
        sub(links, "link", name=name, type="WWW:LINK", url=url, description=f"source {sid}", format="", mimeType="", size="")
    return unlinked


def _contact(parent: ET.Element) -> None:
    contact = sub(parent, "contact")
    for key in ("name", "organization", "position", "voice", "fax", "email", "role"):
        sub(contact, key, settings.data_contact.get(key, ""))


def _dates(data: Dataset, about: About) -> tuple[str, str]:
    """Oldest and newest date among the cited sources (all sources when none is cited)."""
    sources = data.sources
    ids = [sid for sid in about.cited if sid in sources.index] or list(sources.index)
    dates = sorted(_text(d) for d in sources.loc[ids, "date"] if _text(d))
    first, last = (dates[0], dates[-1]) if dates else (data.as_of, data.as_of)
    return first, last


def _iso(text: str, end: bool = False) -> str:
    """A source date (``YYYY-MM`` or ``YYYY-MM-DD``) as the ISO date-time QGIS stores."""
    if len(text) == 7:
        text += f"-{calendar.monthrange(int(text[:4]), int(text[5:7]))[1]:02d}" if end else "-01"
    return f"{text}T00:00:00"


def _head(root: ET.Element, data: Dataset, name: str, about: About) -> None:
    sub(root, "identifier", f"kzgeo:{name}")
    sub(root, "parentidentifier", "kzgeo")
    sub(root, "language", "en")
    sub(root, "type", "dataset")
    sub(root, "title", about.title)
    sub(root, "abstract", about.abstract)
    keywords = sub(root, "keywords", vocabulary=KEYWORD_VOCABULARY)
    for word in ("Kazakhstan", "critical minerals", "Middle Corridor", name):
        sub(keywords, "keyword", word)


def layer_bounds(data: Dataset, name: str) -> tuple[float, float, float, float]:
    """Where a table's data lies: a layer's own bounds; for a plain table, the catalog's region."""
    frames = {**data.layers}
    if name in frames and len(frames[name]):
        return tuple(float(v) for v in frames[name].total_bounds)  # type: ignore[return-value]
    return data.catalog.bounds


def metadata_element(data: Dataset, name: str, tag: str = "qgis", bounds: tuple[float, float, float, float] | None = None) -> ET.Element:
    """The metadata of exported table ``name`` as a QGIS metadata element.

    ``tag`` is ``"qgis"`` for a ``.qmd`` file or the GeoPackage, and
    ``"resourceMetadata"`` inside a project.
    """
    about = describe(data, name)
    root = ET.Element(tag, version=QGIS_VERSION) if tag == "qgis" else ET.Element(tag)
    _head(root, data, name, about)
    _contact(root)
    unlinked = _links(root, data, about)
    first, last = _dates(data, about)
    sub(root, "history", f"Data as of {data.as_of} (the newest source date); sources dated {first} to {last}; exported by kzgeo {package_version()}.")
    for line in unlinked:
        sub(root, "history", line)
    if name == BACKDROP:
        sub(root, "history", ATTRIBUTION)
    sub(root, "fees", "none")
    sub(root, "rights", settings.data_rights)
    sub(root, "license", settings.data_licence)
    sub(root, "encoding", "UTF-8")
    spatialrefsys(sub(root, "crs"))
    extent = sub(root, "extent")
    minx, miny, maxx, maxy = bounds or layer_bounds(data, name)
    sub(extent, "spatial", dimensions="2", crs="EPSG:4326", minx=number(minx), miny=number(miny), maxx=number(maxx), maxy=number(maxy), minz="0", maxz="0")
    period = sub(sub(extent, "temporal"), "period")
    sub(period, "start", _iso(first))
    sub(period, "end", _iso(last, end=True))
    return root


def metadata_document(data: Dataset, name: str, bounds: tuple[float, float, float, float] | None = None) -> str:
    """The ``.qmd`` text of exported table ``name``."""
    return document(metadata_element(data, name, bounds=bounds))


def project_metadata(data: Dataset, title: str) -> ET.Element:
    """The project's own metadata: QGIS's project validator wants author, creation date and links too."""
    about = About(
        title,
        f"{data.catalog.title}: every layer and table of the kzgeo compilation, with map themes and print layouts "
        "for each map spec. Positions and figures are as published by the cited sources; approximate locations "
        "carry an uncertainty area.",
        tuple(data.sources["id"]),
    )
    root = ET.Element("projectMetadata")
    _head(root, data, "project", about)
    _contact(root)
    for line in _links(root, data, about):
        sub(root, "history", line)
    sub(root, "history", f"Data as of {data.as_of}; exported by kzgeo {package_version()}.")
    sub(root, "author", settings.data_contact.get("name", "kzgeo"))
    # The data's date, not the clock: the same data give the same project.
    sub(root, "creation", _iso(data.as_of))
    return root
