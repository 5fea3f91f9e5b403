"""The page a map lives in: self-contained by default, CDN-linked on request.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from four CDN hosts,
so its maps are blank on a locked-down network. kzgeo's maps instead carry
Leaflet inline, read from the XStatic-Leaflet package (the same 1.9.3 build
folium links), with its images as data URIs. Nothing is downloaded at run time
and no third-party file is copied into this repository.

The analyst may keep adding folium's own elements to a returned map. The
page takes them as they come: layer controls are written after every layer
(so a group added later is defined before a control lists it), a second
layer control is merged into the first, Leaflet's default marker icon is
inlined, and any script or stylesheet an element links from the web is
written inline from a Python package (d3 for branca's colour scales, jQuery
and jQuery UI for geopandas' category legend) or refused with a
:class:`~kzgeo.errors.OfflineAssetError` naming it: a self-contained page
never asks the network for code.

Both kinds of map (:class:`SelfContainedMap`, :class:`CdnMap`) live in a
:class:`Page` that declares its language and number their elements
deterministically when rendered (:func:`number_elements`: branca's ids are
``hexlify(urandom(16))``; kzgeo numbers every element by its place in the tree),
so a rebuild is byte-identical.
"""

from __future__ import annotations

import base64
import logging
import re
from functools import cache
from importlib import import_module
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
from branca.element import CssLink, Element, Figure, JavascriptLink
from jinja2 import Template

from kzgeo.errors import OfflineAssetError

log = logging.getLogger(__name__)


def _walk(element: Element, seen: set[int]):
    """Elements in tree order: each element, its children, then elements it only refers to
    (folium's MiniMap keeps its tile layer as an attribute, not a child)."""
    if id(element) in seen:
        return
    seen.add(id(element))
    yield element
    for child in element._children.values():
        yield from _walk(child, seen)
    for name in sorted(vars(element)):
        value = getattr(element, name)
        if isinstance(value, Element) and name != "_parent":
            yield from _walk(value, seen)


def number_elements(root: Element) -> None:
    """Give every element under ``root`` (inclusive) a sequential id, in tree order."""
    for number, element in enumerate(_walk(root, set())):
        element._id = f"{number:04d}"


_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def _leaflet_dir() -> Path:
    return Path(xs_leaflet.BASE_DIR)


@cache
def leaflet_js() -> str:
    """Leaflet's minified script, without its source-map comment."""
    return _SOURCE_MAP.sub("", (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8"))


@cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as data URIs."""
    css = (_leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        data = base64.b64encode((_leaflet_dir() / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


@cache
def default_icon_js() -> str:
    """Point Leaflet's default marker icon at inline images.

    Leaflet finds its marker images by reading a CSS url and appending
    ``marker-icon.png``; with the stylesheet inline that yields a broken
    address, so the icon's own URLs are set to data URIs instead.
    """
    images = {key: _data_uri(_leaflet_dir() / "images" / name) for key, name in (("iconUrl", "marker-icon.png"), ("iconRetinaUrl", "marker-icon-2x.png"), ("shadowUrl", "marker-shadow.png"))}
    options = ",".join(f'{key}:"{uri}"' for key, uri in images.items())
    return f"L.Icon.Default.imagePath=\"\";L.Icon.Default.mergeOptions({{{options}}});"


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


#: Scripts that folium, branca or geopandas link from the web and that a Python
#: package ships: (pattern of the address, xstatic package, file, scripts it needs first).
_INLINE_SCRIPTS = (
    (re.compile(r"/d3(@|/)3\.[\d.]+/d3(\.min)?\.js$"), "d3", "d3.js", ()),
    (re.compile(r"/jquery-3\.[\d.]+(\.min)?\.js$"), "jquery", "jquery.min.js", ()),
    (re.compile(r"/ui/1\.1[23]\.[\d.]+/jquery-ui(\.min)?\.js$"), "jquery_ui", "jquery-ui.min.js", ("jquery",)),
)
_SCRIPT_TAG = re.compile(r"<script[^>]*\bsrc=[\"']((?:https?:)?//[^\"']+)[\"'][^>]*>\s*</script>", re.IGNORECASE)
_LINK_TAG = re.compile(r"<link[^>]*\bhref=[\"']((?:https?:)?//[^\"']+)[\"'][^>]*>", re.IGNORECASE)


@cache
def _package_file(package: str, name: str) -> str:
    base = Path(import_module(f"xstatic.pkg.{package}").BASE_DIR)
    return _SOURCE_MAP.sub("", (base / name).read_text(encoding="utf-8"))


class InlineAsset(Element):
    """A script or stylesheet written into the page as it is (never parsed as a template)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def _inline_script(url: str, what: str, done: set[str]) -> str:
    """The ``<script>`` tags that replace a link to ``url``, or OfflineAssetError."""
    for pattern, package, name, needs in _INLINE_SCRIPTS:
        if pattern.search(url):
            text = "".join(_inline_script_named(need, done) for need in needs)
            if package not in done:
                done.add(package)
                text += f"<script>{_package_file(package, name)}</script>"
            return text
    raise OfflineAssetError(
        f"{what} loads {url} from the web, which a self-contained map does not do; "
        "leave that element out, or build the map with self_contained=False (kzgeo build --cdn)"
    )


def _inline_script_named(package: str, done: set[str]) -> str:
    for _, known, name, _needs in _INLINE_SCRIPTS:
        if known == package and package not in done:
            done.add(package)
            return f"<script>{_package_file(package, name)}</script>"
    return ""


def inline_web_assets(figure: Figure) -> None:
    """Replace every script the page's header links from the web by its inline copy.

    Runs after every element has rendered (elements add their links while
    rendering). A stylesheet link, or a script no package ships, raises
    :class:`~kzgeo.errors.OfflineAssetError` naming the address.
    """
    done: set[str] = set()
    header = figure.header
    for key, element in list(header._children.items()):
        if isinstance(element, JavascriptLink):
            url = element.url
            if url.startswith(("http:", "https:", "//")):
                header._children[key] = InlineAsset(_inline_script(url, f"{key!r} (a folium element)", done))
        elif isinstance(element, CssLink):
            if element.url.startswith(("http:", "https:", "//")):
                _inline_script(element.url, f"{key!r} (a folium element)", done)
        elif type(element) is Element and element._template_str:
            text = element._template_str
            if _LINK_TAG.search(text):
                _inline_script(_LINK_TAG.search(text).group(1), "an element's header", done)
            if _SCRIPT_TAG.search(text):
                text = _SCRIPT_TAG.sub(lambda m: _inline_script(m.group(1), "an element's header", done), text)
                header._children[key] = InlineAsset(text)


def _check_folium_elements(root: Element) -> bool:
    """Refuse folium elements that draw with libraries only a CDN page carries;
    True when an element needs jQuery (folium's ``Popup`` builds its content with ``$``)."""
    needs_jquery = False
    for element in _walk(root, set()):
        needs_jquery = needs_jquery or isinstance(element, folium.Popup)
        if isinstance(element, folium.Icon):
            raise OfflineAssetError(
                "folium.Icon draws with Leaflet.awesome-markers and Font Awesome, which a self-contained map "
                "does not carry; use folium.Marker's default icon, folium.CircleMarker or folium.DivIcon, "
                "or build the map with self_contained=False (kzgeo build --cdn)"
            )
    return needs_jquery


def _controls_last(fmap: folium.Map) -> None:
    """Write the layer control after every layer, and only one.

    folium's ``LayerControl`` names the map's layers by their JavaScript
    variables, so it must come after the last of them: a group the analyst
    adds to a finished map would otherwise be undefined when the control
    lists it (``reading 'setZIndex'``), stopping the page's script. A second
    control would list the same layers again, so it is dropped.
    """
    controls = [key for key, child in fmap._children.items() if isinstance(child, folium.LayerControl)]
    for extra in controls[1:]:
        log.info("a map has one layer list; dropped the extra %s", extra)
        del fmap._children[extra]
    if controls:
        fmap._children.move_to_end(controls[0])


#: A template that writes an element's text as it is, with no second evaluation.
_VERBATIM = Template("{{ this._template_str }}")


class Page(Figure):
    """branca's Figure with ``<html lang>``, so screen readers use the right voice.

    ``title`` must already be escaped (:func:`kzgeo.html.popup.esc`).
    """

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang }}">\n'
        "<head>\n"
        "{% if this.title %}<title>{{ this.title }}</title>{% endif %}\n"
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "{{ this.html.render(**kwargs) }}\n"
        "</body>\n"
        "<script>\n"
        "{{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</html>\n"
    )

    def __init__(self, *, lang: str = "en", title: str | None = None):
        super().__init__(title=title)
        self.lang = lang

    def render(self, **kwargs) -> str:
        """Render the page, evaluating each element's template exactly once.

        branca's ``MacroElement.render`` wraps the text its macros produce in a
        new ``Element``, which would be compiled and evaluated as a Jinja
        template a second time when the page is written: a ``{{ ... }}`` in a
        value would then run. After the first pass, every such plain element
        emits its text verbatim, whatever it contains.
        """
        for child in self._children.values():
            child.render(**kwargs)
        if getattr(self, "offline", False):
            inline_web_assets(self)
        for part in (self.header, self.html, self.script):
            for element in part._children.values():
                if type(element) is Element and element._template_str is not None:
                    element._template = _VERBATIM
        return self._template.render(this=self, kwargs=kwargs)


#: geopandas' category legend sits bottom right, over kzgeo's legends; it goes
#: bottom left, beside the minimap, where the map leaves room (it stays draggable).
_FOREIGN_CSS = "<style>.maplegend{right:auto!important;left:180px!important;bottom:30px!important}</style>"


class CdnMap(folium.Map):
    """A folium Map as folium makes it (assets linked from CDNs), with deterministic ids."""

    def render(self, **kwargs):
        header = self.get_root().header
        if "kz_foreign_css" not in header._children:
            header.add_child(InlineAsset(_FOREIGN_CSS), name="kz_foreign_css")
        _controls_last(self)
        number_elements(self.get_root())
        super().render(**kwargs)


class SelfContainedMap(CdnMap):
    """A folium Map whose page links no external script or stylesheet.

    The CDN lists folium adds to every page are emptied; Leaflet is written
    into the page header instead.
    """

    default_js: list = []
    default_css: list = []

    def render(self, **kwargs):
        root = self.get_root()
        needs_jquery = _check_folium_elements(root)
        root.offline = True
        header = root.header
        if "kz_leaflet" not in header._children:
            header.add_child(Element(f"<style>{leaflet_css()}</style>"), name="kz_leaflet_css", index=0)
            header.add_child(Element(f"<script>{leaflet_js()}{default_icon_js()}</script>"), name="kz_leaflet", index=1)
        if needs_jquery and "jquery" not in header._children:
            header.add_child(JavascriptLink("https://code.jquery.com/jquery-3.7.1.min.js"), name="jquery", index=2)
        super().render(**kwargs)
