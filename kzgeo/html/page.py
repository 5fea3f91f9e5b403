"""The page a map lives in: self-contained by default, CDN-linked on request.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from four CDN hosts,
so its maps are blank on a locked-down network. kzgeo's maps instead carry
Leaflet inline, read from the XStatic-Leaflet package (the same 1.9.3 build
folium links), with its images as data URIs. Nothing is downloaded at run time
and no third-party file is copied into this repository.

Both kinds of map (:class:`SelfContainedMap`, :class:`CdnMap`) live in a
:class:`Page` that declares its language and number their elements
deterministically when rendered (:func:`number_elements`: branca's ids are
``hexlify(urandom(16))``; kzgeo numbers every element by its place in the tree),
so a rebuild is byte-identical.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
from branca.element import Element, Figure
from jinja2 import Template


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
        for part in (self.header, self.html, self.script):
            for element in part._children.values():
                if type(element) is Element and element._template_str is not None:
                    element._template = _VERBATIM
        return self._template.render(this=self, kwargs=kwargs)


class CdnMap(folium.Map):
    """A folium Map as folium makes it (assets linked from CDNs), with deterministic ids."""

    def render(self, **kwargs):
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
        header = self.get_root().header
        if "kz_leaflet" not in header._children:
            header.add_child(Element(f"<style>{leaflet_css()}</style>"), name="kz_leaflet_css", index=0)
            header.add_child(Element(f"<script>{leaflet_js()}</script>"), name="kz_leaflet", index=1)
        super().render(**kwargs)
