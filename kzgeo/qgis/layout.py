"""One A4 print layout per map spec: title, map, legend, scale bar, north arrow, date and sources.

The layout's map follows the spec's map theme (its layers, each in the style
that carries the spec's filters and colours) and shows the spec's view, so
*Project -> Layouts -> <spec>* prints what ``kzgeo build`` draws. The scale
bar measures on the project's WGS 84 ellipsoid; the date label gives the
data's date and the printing date; the sources label names every source the
features shown cite.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

from kzgeo.backdrop import WATER
from kzgeo.labels import label
from kzgeo.qgis.crs import fit_aspect, project_box
from kzgeo.qgis.words import word
from kzgeo.qgis.xml import number, option_map, sub

PAGE = (297.0, 210.0)
MAP_FRAME = (10.0, 20.0, 195.0, 158.0)
LEGEND_FRAME = (210.0, 20.0, 80.0, 146.0)
#: The same two frames when the legend needs two columns: the map gives up 35 mm of width.
MAP_FRAME_WIDE_LEGEND = (10.0, 20.0, 160.0, 158.0)
LEGEND_FRAME_WIDE = (175.0, 20.0, 115.0, 146.0)
#: Legend headings are wrapped at this many characters (QGIS 3.22 legends do not wrap by themselves).
LEGEND_WRAP = 36
#: Lines one legend column holds in LEGEND_FRAME at the fonts below; a longer legend (the
#: corridors map's variants with their statuses) runs in two columns, its headings wrapped
#: shorter, instead of being cut off at the frame's foot.
LEGEND_ROWS_PER_COLUMN = 40
LEGEND_WRAP_TWO_COLUMNS = 22
WRAP_CHAR = "|"
NORTH_ARROW = ":/images/north_arrows/layout_default_north_arrow.svg"
#: QGIS's layout item type codes (QgsLayoutItemRegistry).
PAGE_ITEM, MAP_ITEM, PICTURE_ITEM, LABEL_ITEM, LEGEND_ITEM, SCALEBAR_ITEM = 65638, 65639, 65640, 65641, 65642, 65646
FONT = "DejaVu Sans"


def _rgb(hex_color: str) -> dict[str, str]:
    value = hex_color.lstrip("#")
    return {"red": str(int(value[0:2], 16)), "green": str(int(value[2:4], 16)), "blue": str(int(value[4:6], 16)), "alpha": "255"}


def _item(parent: ET.Element, kind: int, uuid: str, frame: tuple[float, float, float, float], *, z: int, background: str | None = None, outline: bool = False, **attrs: str) -> ET.Element:
    x, y, w, h = frame
    item = sub(parent, "LayoutItem", type=str(kind), uuid=uuid, templateUuid=uuid, id=uuid.strip("{}"), position=f"{x:g},{y:g},mm", positionOnPage=f"{x:g},{y:g},mm",
               size=f"{w:g},{h:g},mm", zValue=str(z), visibility="1", opacity="1", blendMode="0", itemRotation="0", referencePoint="0", positionLock="false",
               excludeFromExports="0", groupUuid="", frame="true" if outline else "false", outlineWidthM="0.3,mm", frameJoinStyle="miter",
               background="true" if background else "false", **attrs)
    sub(item, "FrameColor", **_rgb("#555555"))
    sub(item, "BackgroundColor", **_rgb(background or "#ffffff"))
    sub(item, "LayoutObject")
    return item


def _label(parent: ET.Element, uuid: str, frame, text: str, size: float, *, bold: bool = False, z: int = 5, halign: int = 1) -> None:
    item = _item(parent, LABEL_ITEM, uuid, frame, z=z, labelText=text, htmlState="0", marginX="0", marginY="0", halign=str(halign), valign="32")
    sub(item, "LabelFont", description=f"{FONT},{size:g},-1,5,{75 if bold else 50},0,0,0,0,0", style="")
    sub(item, "FontColor", **_rgb("#222222"))


def layout_element(
    *, name: str, title: str, theme: str, view: tuple[float, float, float, float], legend_layers: list[tuple[str, str, str]],
    as_of: str, sources: list[str], lang: str, legend_rows: int = 0,
) -> ET.Element:
    """The ``<Layout>`` of one spec. ``view`` is lon/lat; ``legend_layers`` (id, name, source) in legend order."""
    layout = ET.Element("Layout", name=name, units="mm", printResolution="300", worldFileMap="")
    sub(layout, "Snapper", snapToGrid="0", snapToGuides="1", snapToItems="1", tolerance="5")
    sub(layout, "Grid", resolution="10", resUnits="mm", offsetX="0", offsetY="0", offsetUnits="mm")
    pages = sub(layout, "PageCollection")
    _item(pages, PAGE_ITEM, f"{{{name}-page}}", (0.0, 0.0, *PAGE), z=0, background="#ffffff")
    sub(pages, "GuideCollection", visible="1")
    map_uuid = f"{{{name}-map}}"
    columns = 2 if legend_rows > LEGEND_ROWS_PER_COLUMN else 1
    map_frame, legend_frame = (MAP_FRAME, LEGEND_FRAME) if columns == 1 else (MAP_FRAME_WIDE_LEGEND, LEGEND_FRAME_WIDE)
    x, y, w, h = map_frame
    xmin, ymin, xmax, ymax = fit_aspect(project_box(view), w, h)
    item = _item(layout, MAP_ITEM, map_uuid, map_frame, z=1, background=WATER, outline=True, followPreset="true", followPresetName=theme,
                 keepLayerSet="false", drawCanvasItems="true", mapRotation="0", mapFlags="0", labelMargin="0,mm", isTemporal="0")
    sub(item, "Extent", xmin=number(xmin), ymin=number(ymin), xmax=number(xmax), ymax=number(ymax))
    sub(item, "LayerSet")
    sub(item, "AtlasMap", atlasDriven="0", scalingMode="2", margin="0.1")
    _label(layout, f"{{{name}-title}}", (10.0, 6.0, 277.0, 12.0), title, 15, bold=True)
    wrap_at = LEGEND_WRAP_TWO_COLUMNS if columns > 1 else LEGEND_WRAP
    legend = _item(layout, LEGEND_ITEM, f"{{{name}-legend}}", legend_frame, z=3, background="#ffffff", title=word("legend", lang), legendFilterByMap="1",
                   map_uuid=map_uuid, resizeToContents="0", symbolWidth="5", symbolHeight="3", wrapChar=WRAP_CHAR, columnCount=str(columns), splitLayer="1" if columns > 1 else "0", equalColumnWidth="0",
                   boxSpace="2", columnSpace="2", symbolAlignment="1", titleAlignment="1", legendFilterByAtlas="0", fontColor="#222222", lineSpacing="1",
                   rasterBorder="0", minSymbolSize="0", maxSymbolSize="0", wmsLegendWidth="50", wmsLegendHeight="25")
    styles = sub(legend, "styles")
    for style_name, size, weight in (("title", 10, 75), ("group", 8, 75), ("subgroup", 7, 75), ("symbol", 6.5, 50), ("symbolLabel", 6.5, 50)):
        # A symbol's label starts 2 mm right of its patch: QGIS's default (0 here) runs large markers and
        # dashed area patches into the text.
        margin_left = {"symbolLabel": "2"}.get(style_name, "0")
        style = sub(styles, "style", name=style_name, marginTop="1" if style_name != "title" else "0", marginLeft=margin_left, alignment="1", indent="0")
        sub(style, "styleFont", description=f"{FONT},{size},-1,5,{weight},0,0,0,0,0", style="")
    tree = sub(legend, "layer-tree-group")
    for layer_id, layer_name, source in legend_layers:
        wrapped = WRAP_CHAR.join(textwrap.wrap(layer_name.replace(WRAP_CHAR, "/"), wrap_at)) or layer_name
        node = sub(tree, "layer-tree-layer", id=layer_id, name=layer_name, source=source, providerKey="ogr", checked="Qt::Checked", expanded="1")
        option_map(sub(node, "customproperties"), {"legend/title-label": wrapped})
    arrow = _item(layout, PICTURE_ITEM, f"{{{name}-north}}", (x + w - 13.0, y + 3.0, 10.0, 14.0), z=4, file=NORTH_ARROW, mapUuid=map_uuid, northMode="0",
                  northOffset="0", pictureRotation="0", anchorPoint="0", resizeMode="0", mode="2", svgFillColor="255,255,255,255", svgBorderColor="0,0,0,255", svgBorderWidth="0.2",
                  pictureWidth="10", pictureHeight="14")
    del arrow
    scalebar = _item(layout, SCALEBAR_ITEM, f"{{{name}-scale}}", (x + 3.0, y + h - 13.0, 70.0, 11.0), z=4, background="#ffffff", mapUuid=map_uuid, style="Single Box",
                     unitType="kilometers", unitLabel=label("km", lang), numMapUnitsPerScaleBarUnit="1000", numSegments="2", numSegmentsLeft="0", numSubdivisions="1",
                     subdivisionsHeight="1.5", segmentSizeMode="1", minBarWidth="30", maxBarWidth="60", numUnitsPerSegment="100", segmentMillimeters="25",
                     height="2", labelBarSpace="1.5", boxContentSpace="1.5", alignment="0", labelVerticalPlacement="0", labelHorizontalPlacement="0",
                     outlineWidth="0.3", lineJoinStyle="miter", lineCapStyle="square")
    text_style = sub(scalebar, "text-style", fontFamily=FONT, fontSize="7", fontSizeUnit="Point", textColor="34,34,34,255", textOpacity="1", fontWeight="50")
    sub(text_style, "families")
    sub(text_style, "text-buffer", bufferDraw="0")
    # Left to itself QGIS writes the scale's numbers in the reader's locale ("1,400 км" on an
    # English system); Russian and Kazakh group thousands with a space, and a four-digit
    # distance is correct in both without one.
    option_map(sub(scalebar, "numericFormat", id="basic"),
               {"decimals": 0, "rounding_type": 0, "show_plus": False, "show_thousand_separator": lang == "en", "show_trailing_zeros": False})
    _label(layout, f"{{{name}-date}}", (legend_frame[0], 167.0, legend_frame[2], 13.0),
           f"{label('as_of', lang)}: {as_of}\n{word('printed', lang)}: [% format_date(now(), 'yyyy-MM-dd') %]\n{word('projection', lang)}",
           6)
    cited = "; ".join(sources) if sources else "none"
    _label(layout, f"{{{name}-sources}}", (10.0, 181.0, 277.0, 26.0), f"{label('source_list', lang)}: {cited}. {word('sources_note', lang)} {label('backdrop_only_credit', lang)}.", 6)
    atlas = sub(layout, "Atlas", enabled="0", hideCoverage="0", filterFeatures="0", sortFeatures="0", coverageLayer="", pageNameExpression="", filenamePattern="'output_'||@atlas_featurenumber")
    del atlas
    return layout
