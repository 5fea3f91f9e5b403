"""What a catalog or a map spec may say: names, text, colours, dashes, numbers, depth and size.

The catalog (``layers/catalog.toml``) and every map spec (``maps/*.toml``) are
checked against these rules when they are loaded, before anything is read,
drawn or written. Each rule exists because some output could not carry the
value safely or would read it differently from another output:

- **Names** of layers, tables and fields are identifiers (:data:`IDENTIFIER`,
  at most :data:`MAX_NAME` characters): they become GeoPackage tables, QGIS
  data sources (``kzgeo.gpkg|layername=NAME``, which has no quoting),
  expression field references, CSS classes and JSON keys. A leading
  underscore is kept for kzgeo's own per-feature values (``_popup``).
- **Text** (titles, abstracts, labels, values) holds no control character, no
  bidirectional override (a "Trojan source" reorders what a reader sees) and
  no template marker (``{{``, ``{%``, ``{#``: folium runs its output through
  Jinja). Titles and labels are one line. Everything else -- markup, quotes,
  ``</script>`` -- is allowed and escaped by each output.
- **Colours** are ``#rrggbb`` or one of the :data:`NAMED_COLORS`, converted
  to ``#rrggbb`` once, here, so the HTML map, the printed map and QGIS receive
  the same value and none of them has to guess.
- **Dashes** are lists of numbers: ``[8, 5]``, or the text ``"8 5"`` /
  ``"8,5"``; they become ``"8 5"`` once, here. ``""`` or ``[]`` is solid.
- **Numbers** are finite; a field may declare ``min`` and ``max``, and a field
  playing a role with a natural range (:data:`ROLE_RANGES`) gets that range
  unless it declares its own.
- **Depth and size** are bounded (:data:`MAX_DEPTH`, :data:`MAX_ITEMS`,
  :data:`MAX_TEXT`), so a hostile file is refused with a clean error rather
  than exhausting the stack or memory.

Every function raises :class:`ValueError` with the reason; the catalog and
spec loaders add the file and entry and raise their own error.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: A layer, table or field name: a letter, then letters, digits or underscores.
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: Longest name accepted (PostgreSQL's limit; QGIS and GeoPackage accept it).
MAX_NAME = 63
#: Deepest nesting of tables and arrays in a catalog or spec.
MAX_DEPTH = 8
#: Most entries in one TOML table or array.
MAX_ITEMS = 10_000
#: Longest text value (characters); a title or label is at most :data:`MAX_TITLE`.
MAX_TEXT = 20_000
MAX_TITLE = 300
#: Largest magnitude of a number in the data: beyond it a sum, a difference or a
#: formatted value loses meaning (and JavaScript loses integer precision at 2**53).
MAX_MAGNITUDE = 1e15
#: Longest dash pattern, and the longest dash or gap in it (pixels).
MAX_DASHES = 8
MAX_DASH = 100

#: Colour names accepted wherever a colour is, with the ``#rrggbb`` each becomes:
#: the CSS 2.1 keywords (plus ``grey``), documented in the README.
NAMED_COLORS = {
    "black": "#000000",
    "silver": "#c0c0c0",
    "gray": "#808080",
    "grey": "#808080",
    "white": "#ffffff",
    "maroon": "#800000",
    "red": "#ff0000",
    "purple": "#800080",
    "fuchsia": "#ff00ff",
    "green": "#008000",
    "lime": "#00ff00",
    "olive": "#808000",
    "yellow": "#ffff00",
    "navy": "#000080",
    "blue": "#0000ff",
    "teal": "#008080",
    "aqua": "#00ffff",
    "orange": "#ffa500",
}

#: Ranges implied by a field's role when the catalog declares none (inclusive).
ROLE_RANGES: dict[str, tuple[float, float]] = {
    "uncertainty": (0.0, 2000.0),  # km: a radius beyond the region's size says nothing
    "published_km": (0.001, 40_075.0),  # km: a length is positive and shorter than the equator
}

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
#: Characters no data value may hold: C0 controls other than tab, newline and
#: carriage return, and non-characters -- XML 1.0 cannot carry them, so QGIS
#: styles and metadata could not. (Terminals get every other control escaped.)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: What a catalog or spec -- text people write by hand -- may not hold either:
#: DEL and C1 controls (a terminal acts on them) and bidirectional embeddings,
#: overrides and isolates (a "Trojan source" reorders what a reader sees).
_NOT_DECLARED = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Tab, newline and carriage return: refused in one-line text (titles, labels, keys).
_LINE_BREAK = re.compile("[\t\n\r]")
#: Jinja's opening markers: folium/branca run the page through Jinja, so data
#: holding one would be evaluated as a template when a map is built.
TEMPLATE_MARKER = re.compile(r"\{[{%#]")


def text_problem(text: str) -> str | None:
    """Why ``text`` may not appear anywhere in the data, or None when it may.

    Markup is allowed (every output escapes it); refused are only characters
    no output can carry safely and template markers.
    """
    if found := _NOT_XML.search(text):
        return f"contains the control character U+{ord(found.group()):04X}, which text fields may not hold"
    if found := TEMPLATE_MARKER.search(text):
        return f"{found.group()!r} is a template marker, which kzgeo does not accept in text"
    return None


def text(value: Any, *, one_line: bool = False, limit: int = MAX_TEXT) -> str:
    """``value`` checked as text: a string, no forbidden character, within ``limit``."""
    if not isinstance(value, str):
        raise ValueError(f"must be text, found {type(value).__name__}")
    if reason := text_problem(value):
        raise ValueError(reason)
    if found := _NOT_DECLARED.search(value):
        raise ValueError(f"contains the control character U+{ord(found.group()):04X}, which a catalog or map spec may not hold")
    if one_line and (found := _LINE_BREAK.search(value)):
        raise ValueError(f"must be one line of text (found U+{ord(found.group()):04X})")
    if len(value) > limit:
        raise ValueError(f"is {len(value):,} characters long; at most {limit:,} are accepted")
    return value


def title(value: Any) -> str:
    """A title or label: one line of text, at most :data:`MAX_TITLE` characters, not blank."""
    value = text(value, one_line=True, limit=MAX_TITLE)
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def name(value: Any, what: str = "name") -> str:
    """A layer, table or field name: an identifier of at most :data:`MAX_NAME` characters.

    ``what`` says which kind of name, for the message (``"layer name"``).
    """
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else type(value).__name__
        raise ValueError(f"{what} {shown[:80]} is not an identifier: start with a letter, then letters, digits or underscores")
    if len(value) > MAX_NAME:
        raise ValueError(f"{what} {value[:20]!r}... is {len(value)} characters long; at most {MAX_NAME}")
    return value


def color(value: Any) -> str:
    """A colour as ``#rrggbb`` (lower case): from ``#rrggbb`` or a name in :data:`NAMED_COLORS`."""
    if isinstance(value, str):
        if _HEX.fullmatch(value):
            return value.lower()
        if value.strip().lower() in NAMED_COLORS:
            return NAMED_COLORS[value.strip().lower()]
    shown = repr(value)[:60] if isinstance(value, str) else type(value).__name__
    raise ValueError(f"colour {shown} is not #rrggbb or a colour name ({', '.join(sorted(NAMED_COLORS))})")


def dash(value: Any) -> str:
    """A dash pattern as ``"8 5"`` (pixels, dash then gap), ``""`` for a solid line.

    Accepts a list of numbers or text of numbers separated by spaces or commas.
    """
    if isinstance(value, str):
        parts = [p for p in re.split(r"[\s,]+", value.strip()) if p]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"dash {value[:60]!r} is not a list of numbers such as \"8 5\"") from None
    elif isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        numbers = [float(v) for v in value]
    else:
        raise ValueError(f"dash must be a list of numbers such as [8, 5], found {type(value).__name__}")
    if len(numbers) > MAX_DASHES:
        raise ValueError(f"dash has {len(numbers)} numbers; at most {MAX_DASHES}")
    if not all(math.isfinite(n) and 0 <= n <= MAX_DASH for n in numbers) or (numbers and not any(numbers)):
        raise ValueError(f"dash lengths must be numbers of pixels from 0 to {MAX_DASH}, not all 0")
    return " ".join(f"{n:g}" for n in numbers)


def number(value: Any, *, low: float | None = None, high: float | None = None) -> float:
    """A finite number (not a boolean), within ``[low, high]`` when given."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, found {type(value).__name__}")
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{value!r} is not a finite number of at most {MAX_MAGNITUDE:g}")
    if low is not None and value < low:
        raise ValueError(f"{value:g} is below the minimum {low:g}")
    if high is not None and value > high:
        raise ValueError(f"{value:g} is above the maximum {high:g}")
    return float(value)


def tree_problem(doc: Any) -> tuple[str, str] | None:
    """The first place a parsed TOML document breaks a general rule, and why; None if none.

    Walks without recursion, so any depth is safe to check: depth at most
    :data:`MAX_DEPTH`, at most :data:`MAX_ITEMS` entries per table or array,
    every key and string valid :func:`text`, every float finite.
    """
    stack: list[tuple[str, Any, int]] = [("", doc, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where, f"is nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                return where, f"has {len(value):,} entries; at most {MAX_ITEMS:,}"
            for key, item in reversed(list(value.items())):
                inner = f"{where}.{key}" if where else str(key)
                try:
                    text(key, one_line=True, limit=MAX_TITLE)
                except ValueError as exc:
                    return inner, f"key {exc}"
                stack.append((inner, item, depth + 1))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                return where, f"has {len(value):,} items; at most {MAX_ITEMS:,}"
            stack += [(where, item, depth + 1) for item in reversed(value)]
        elif isinstance(value, str):
            try:
                text(value)
            except ValueError as exc:
                return where, str(exc)
        elif isinstance(value, float) and not math.isfinite(value):
            return where, f"{value!r} is not a finite number"
    return None
