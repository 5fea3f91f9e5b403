"""Inline the map's scripts and styles from installed Python packages.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from four CDN hosts,
so its maps are blank on a locked-down network. kzgeo's maps instead carry
Leaflet inline, read from the XStatic-Leaflet package (the same 1.9.3 build
folium links), with its images as data URIs. Nothing is downloaded at run time
and no third-party file is copied into this repository.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
from branca.element import Element

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


class SelfContainedMap(folium.Map):
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
