"""Deterministic element ids, so two builds of the same inputs are byte-identical.

branca names every map element ``<kind>_<32 random hex digits>``; those names
end up throughout the page's script. :func:`number_elements` renames every
element of one figure by its position in the element tree (``map_0001``,
``feature_group_0007``...), so the names depend only on what the map contains.
It is called once per render, just before the page is written.
"""

from __future__ import annotations

from branca.element import Element


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
