"""Small building blocks shared by the QGIS style, metadata and project files.

QGIS stores settings as nested ``<Option>`` maps and coordinate systems as
``<spatialrefsys>`` blocks; the QML, QMD and QGS writers all need them. The
XML is built with :mod:`xml.etree.ElementTree`, which escapes every text and
attribute value, so data (a hostile name, a ``<script>`` title) stays text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Mapping

from kzgeo.qgis.crs import ELLIPSOID, PROJECT_CRS_NAME, PROJECT_PROJ, project_wkt

#: The QGIS release the files are written for (and tested against).
QGIS_VERSION = "3.22.16-Białowieża"
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
WGS84 = {
    "proj4": "+proj=longlat +datum=WGS84 +no_defs",
    "srsid": "3452",
    "srid": "4326",
    "authid": "EPSG:4326",
    "description": "WGS 84",
    "projectionacronym": "longlat",
    "ellipsoidacronym": "EPSG:7030",
    "geographicflag": "true",
}


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append a child element with optional text and string attributes."""
    child = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        child.text = text
    return child


def option_map(parent: ET.Element, values: Mapping[str, object], name: str | None = None) -> ET.Element:
    """Append QGIS's ``<Option type="Map">``: strings, booleans, ints and nested maps."""
    attrs = {"type": "Map"} | ({"name": name} if name is not None else {})
    node = sub(parent, "Option", **attrs)
    for key, value in values.items():
        if isinstance(value, Mapping):
            option_map(node, value, key)
        elif isinstance(value, bool):
            sub(node, "Option", type="bool", name=key, value="true" if value else "false")
        elif isinstance(value, int):
            sub(node, "Option", type="int", name=key, value=str(value))
        else:
            sub(node, "Option", type="QString", name=key, value=str(value))
    return node


def data_defined(parent: ET.Element, expressions: Mapping[str, str]) -> ET.Element:
    """Append ``<data_defined_properties>``: each property computed by a QGIS expression."""
    node = sub(parent, "data_defined_properties")
    properties = {key: {"active": True, "expression": expr, "type": 3} for key, expr in expressions.items()}
    option_map(node, {"name": "", "properties": properties, "type": "collection"})
    return node


def spatialrefsys(parent: ET.Element, *, projected: bool = False) -> ET.Element:
    """Append a ``<spatialrefsys>``: EPSG:4326 (the data's) or, with ``projected``, the project's
    Lambert conformal conic (:mod:`kzgeo.qgis.crs`)."""
    node = sub(parent, "spatialrefsys")
    if not projected:
        sub(node, "wkt", "")
        for tag, text in WGS84.items():
            sub(node, tag, text)
        return node
    sub(node, "wkt", project_wkt())
    for tag, text in {
        "proj4": PROJECT_PROJ, "srsid": "0", "srid": "0", "authid": "", "description": PROJECT_CRS_NAME,
        "projectionacronym": "lcc", "ellipsoidacronym": ELLIPSOID, "geographicflag": "false",
    }.items():
        sub(node, tag, text)
    return node


#: Characters XML 1.0 cannot hold even escaped (C0 controls but tab, newline and
#: carriage return; lone surrogates; U+FFFE and U+FFFF). ElementTree writes them
#: as they are, and QGIS then refuses the whole file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML cannot hold (ElementTree escapes the rest)."""
    return _NOT_XML.sub("", value)


def _xml_safe(root: ET.Element) -> None:
    """Drop XML-forbidden characters from every text, tail, attribute name and value under ``root``."""
    for node in root.iter():
        if node.text:
            node.text = xml_text(node.text)
        if node.tail:
            node.tail = xml_text(node.tail)
        if any(_NOT_XML.search(k) or _NOT_XML.search(v) for k, v in node.attrib.items()):
            node.attrib = {xml_text(k): xml_text(v) for k, v in node.attrib.items()}


def number(value: object) -> str:
    """A coordinate or measure as plain decimal text (``66.57``), whatever numeric type holds it.

    ``repr`` of a numpy scalar is ``np.float64(66.57)`` under numpy 2, which
    QGIS reads as 0: every number kzgeo writes into XML goes through here.
    """
    return repr(float(value))


def document(root: ET.Element) -> str:
    """Serialise a ``<qgis>`` element as QGIS writes it: doctype, then indented XML.

    The one way kzgeo writes QML, QMD and QGS, so the one place characters XML
    forbids are dropped (:func:`xml_text`); ElementTree escapes ``<``, ``&``
    and quotes.
    """
    _xml_safe(root)
    ET.indent(root)
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def quote_literal(value: str) -> str:
    r"""A QGIS expression string literal, quoted as ``QgsExpression.quotedString`` does.

    A backslash starts an escape in QGIS string literals, so it is doubled
    first; then single quotes are doubled, and newline and tab become ``\n``
    and ``\t``. Without the backslash rule a value ending in ``\`` would escape
    the closing quote and the rest would run as expression text.
    """
    quoted = value.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\t", "\\t")
    return "'" + quoted + "'"


def quote_field(name: str) -> str:
    """A QGIS expression field reference, as ``QgsExpression.quotedColumnRef`` quotes it (``"`` doubled)."""
    return '"' + name.replace('"', '""') + '"'


#: A table name kzgeo puts in a QGIS data source: OGR's URI (``FILE|layername=NAME``)
#: has no quoting, so a ``|`` in a name would start a new option.
_SOURCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def ogr_source(path: str, layer: str) -> str:
    """A QGIS OGR data-source string for one table of a GeoPackage.

    The catalog admits only identifiers as layer names (:mod:`kzgeo.schema`);
    anything else is refused here too, rather than written unquotable.
    """
    if not _SOURCE_NAME.fullmatch(layer) or "|" in path:
        raise ValueError(f"{layer!r} cannot be written into a QGIS data source")
    return f"{path}|layername={layer}"
