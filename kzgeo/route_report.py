"""``kzgeo route``: one route through the corridor network as Markdown, JSON or an HTML map.

The route itself comes from :mod:`kzgeo.analysis.routing`; this module writes
it in the format asked for (Markdown to read, JSON documented in the README,
or the overview map with the route highlighted) and, with ``out``, to a file
written atomically. :func:`market_markdown` is the "to market" section of
``kzgeo report``.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from kzgeo.analysis.routing import Route, RouteError, find_route
from kzgeo.dataset import cell_value, read_layers
from kzgeo.io.atomic import write_atomic
from kzgeo.publish import route_page

log = logging.getLogger(__name__)

#: Output formats of :func:`route`.
FORMATS = ("md", "json", "html")
#: Above this ratio of route to straight line, the Markdown warns that a shorter line may exist off the layers.
DETOUR_RATIO = 2.0


def to_json(route: Route) -> str:
    """The route as one JSON document (schema in the README)."""
    return json.dumps(route.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _cell(value: Any) -> str:
    """A Markdown cell: markup characters escaped, pipes neutralised."""
    if cell_value(value) is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return html.escape(str(value), quote=False).replace("|", "&#124;").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]


def _days(t: dict[str, Any]) -> str:
    return f"{t['days_min']:g}" if t["days_min"] == t["days_max"] else f"{t['days_min']:g}–{t['days_max']:g}"


def to_markdown(route: Route) -> str:
    """The route as Markdown, readable as plain text."""
    d = route.to_dict()
    name = route.names.get
    scope = "all legs, including those under construction or planned (marked)" if route.include_planned else "operating legs only"
    out = [
        f"# Route: {_cell(route.origin.name)} → {_cell(route.destination.name)}",
        "",
        f"**{d['total_km']:,.1f} km** on {scope}"
        + (f", avoiding {', '.join(route.avoid)}" if route.avoid else "")
        + (f", via {', '.join(_cell(p.name) for p in route.via)}" if route.via else "")
        + ".",
        "",
        "By mode: " + ", ".join(f"{mode} {km:,.1f} km" for mode, km in d["by_mode"].items())
        + f". Straight line: {d['straight_km']:,.1f} km"
        + (f" (the route is {d['total_km'] / d['straight_km']:.2f} times as long)." if d["straight_km"] else "."),
    ]
    if d["not_operating_km"]:
        out += ["", f"**{d['not_operating_km']:,.1f} km are on legs not yet operating.**"]
    if d["straight_km"] and d["total_km"] > DETOUR_RATIO * d["straight_km"]:
        out += [
            "",
            f"The route is more than {DETOUR_RATIO:g} times the straight line: the layers hold only the corridor legs, "
            "so a shorter railway that is not drawn (a line outside the corridors) may exist.",
        ]
    for seg in d["access"]:
        if seg["declared"]:
            text = f"{seg['kind']} of {seg['km']:,.1f} km ({seg['basis']}; straight line {seg['straight_km']:,.1f} km)"
        else:
            text = f"**assumed**: no railhead is declared, so a straight line of {seg['km']:,.1f} km to the nearest network node"
        out += ["", f"Access (not a corridor leg): {_cell(name(seg['from'], seg['from']))} – {_cell(name(seg['to'], seg['to']))}, {_cell(text)}."]
        if seg.get("note"):
            out.append(f"{_cell(seg['note'])}")
    out += ["", "## Legs", ""]
    out += _table(
        ["#", "Leg", "Mode", "Status", "Gauge mm", "From", "To", "km"],
        [
            [
                i,
                leg["name"] + (" (part)" if leg["partial"] else ""),
                leg["mode"],
                leg["status"] if leg["operating"] else f"**{leg['status']}**",
                leg["gauge_mm"],
                name(leg["from"], leg["from"]),
                name(leg["to"], leg["to"]),
                leg["km"],
            ]
            for i, leg in enumerate(d["legs"], 1)
        ],
    )
    out += ["", "## Transshipments", ""]
    if d["transshipments"]:
        out += [
            f"- {_cell(t['at_name'])}: {t['kind']}, {t['from']} → {t['to']}{' mm' if t['kind'] == 'gauge' else ''}" + (f" ({_cell(t['note'])})" if t["note"] else "")
            for t in d["transshipments"]
        ]
    else:
        out.append("None: one mode and one gauge throughout.")
    out += ["", "## Borders", ""]
    if d["borders"]:
        out += [f"- {b['from']} → {b['to']} ({_cell(b['leg'])})" for b in d["borders"]]
    else:
        out.append("None.")
    out += ["", "## Published transit times", ""]
    if d["transit_times"]:
        out += [
            f"- {_cell(name(t['from'], t['from']))} → {_cell(name(t['to'], t['to']))}: {_days(t)} days"
            f" ({'the whole route' if t['covers'] == 'whole' else 'a stretch of the route'}; {', '.join(t['sources'])})"
            for t in d["transit_times"]
        ]
    else:
        out.append("No source publishes a transit time for this route or a stretch of it.")
    out += [
        "",
        "## Method",
        "",
        "Shortest path by geodesic length (WGS84) over the corridor legs as drawn; drawn lines join sourced "
        "stations, so the track is usually somewhat longer. A leg used whole has its length in the leg table "
        "of `kzgeo report`.",
        "",
        "## Sources",
        "",
    ]
    for s in d["sources"]:
        url = f" <{_cell(s['url'])}>" if isinstance(s["url"], str) and s["url"].startswith(("http://", "https://")) else ""
        out.append(f"- `{_cell(s['id'])}`: {_cell(s['publisher'])}, *{_cell(s['title'])}* ({_cell(s['date'])}){url}")
    return "\n".join(out) + "\n"


def route(
    origin: str,
    destination: str,
    layers_dir: str | Path | None = None,
    *,
    via: Iterable[str] = (),
    include_planned: bool = False,
    avoid: Iterable[str] = (),
    format: str = "md",
    out: str | Path | None = None,
    self_contained: bool = True,
) -> str:
    """What ``kzgeo route`` prints: the shortest route from ``origin`` to ``destination``.

    ``origin``, ``destination`` and each ``via`` are deposit or node ids, or
    names in any language (case does not matter). By default only operating
    legs are used; ``include_planned`` adds legs under construction and
    planned. ``avoid`` lists country codes. ``format`` is ``md``, ``json`` or
    ``html`` (the overview map with the route highlighted and a summary box,
    self-contained). With ``out`` the text is also written to that file
    atomically. Raises :class:`~kzgeo.analysis.routing.RouteError` for an
    unknown place or when no route exists.
    """
    if format not in FORMATS:
        raise RouteError(f'unknown route format "{format}"; choose one of: {", ".join(FORMATS)}')
    data = read_layers(layers_dir)
    found = find_route(data, origin, destination, via=via, include_planned=include_planned, avoid=avoid)
    if format == "html":
        text = route_page(data, found, self_contained=self_contained)
    else:
        text = to_json(found) if format == "json" else to_markdown(found)
    if out is not None:
        log.info("wrote %s", write_atomic(out, text))
    return text


def market_markdown(frame: pd.DataFrame) -> list[str]:
    """The "to market" table of ``kzgeo report`` as Markdown lines: one row a deposit, one column a market."""
    if frame.empty:
        return []
    markets = list(dict.fromkeys(frame["market"]))
    out = [
        "## To market: routes from each deposit",
        "",
        "Shortest routes over the corridor legs (operating legs only, unless the market says planned legs are allowed). "
        "Each cell: total km; transshipments; borders; km not yet operating. † marks a deposit with no declared railhead, "
        "joined to the nearest network node by a straight line (an assumption). `kzgeo route DEPOSIT PLACE` gives the legs.",
        "",
    ]
    rows = []
    for deposit, group in frame.groupby("deposit", sort=False):
        cells = []
        first = group.iloc[0]
        for market in markets:
            r = group[group["market"] == market]
            if r.empty:
                cells.append(None)
                continue
            r = r.iloc[0]
            if cell_value(r["total_km"]) is None:
                cells.append(f"no route: {r['note']}")
                continue
            text = f"{r['total_km']:,.0f} km; {int(r['transshipments'])} transshipments; {r['borders'] or 'no borders'}"
            if r["not_operating_km"]:
                text += f"; {r['not_operating_km']:,.0f} km not operating"
            cells.append(text)
        dagger = " †" if any(cell_value(v) is False for v in group["access_declared"]) else ""
        rows.append([f"{first['deposit_name']}{dagger}", *cells])
    out += _table(["Deposit", *markets], rows)
    return out + [""]
