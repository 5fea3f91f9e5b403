"""``kzgeo report``: the corridor measures as Markdown, CSV or JSON.

The tables come from :mod:`kzgeo.analysis.measures`; this module gathers
them with what they were computed from (data date, sources) and writes them
in the format asked for. The module is itself callable --
``kzgeo.report(layers, format="json")`` -- so that ``import kzgeo.report``
gives this module, with its writers, while the public function keeps its name.
"""

from __future__ import annotations

import html
import io
import json
import logging
import math
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kzgeo.analysis import geodesy
from kzgeo.analysis.measures import (
    DEFAULT_WITHIN_KM,
    deposit_proximity,
    deposits_near,
    leg_lengths,
    route_lengths,
)
from kzgeo.dataset import Dataset, cell_value, read_layers
from kzgeo.io.atomic import write_atomic
from kzgeo.io.readers import split_refs

log = logging.getLogger(__name__)

#: Output formats of :func:`report`.
FORMATS = ("md", "csv", "json")

@dataclass(frozen=True)
class Report:
    """The tables of ``kzgeo report``, with what they were computed from."""

    as_of: str
    within_km: float
    routes: pd.DataFrame
    legs: pd.DataFrame
    deposits: pd.DataFrame
    near: pd.DataFrame
    sources: pd.DataFrame
    node_names: dict[str, str]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {"routes": self.routes, "legs": self.legs, "deposits": self.deposits, "near": self.near}


def analyse(data: Dataset, *, within_km: float = DEFAULT_WITHIN_KM) -> Report:
    """All the report's tables for one dataset."""
    routes = route_lengths(data)
    cited = list(dict.fromkeys(ref for cell in routes["source"] for ref in split_refs(cell)))
    known = data.sources.columns
    columns = [c for c in ("id", "publisher", "title", "date", "accessed", "url", "no_url_reason", "tier") if c in known]
    sources = pd.DataFrame(data.cited(";".join(cited)), columns=columns)
    return Report(
        as_of=data.as_of,
        within_km=float(within_km),
        routes=routes,
        legs=leg_lengths(data),
        deposits=deposit_proximity(data),
        near=deposits_near(data, within_km),
        sources=sources,
        node_names=_names(data, "nodes"),
    )


def _names(data: Dataset, role: str) -> dict[str, str]:
    """Feature id -> English name, for the layer playing ``role`` (empty if there is none)."""
    name = data.catalog.name_for(role)
    if name not in data.layers:
        return {}
    spec, frame = data.catalog.layers[name], data.layers[name]
    return dict(zip(frame[spec.key], frame[spec.name_field]))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: nan as None, numpy scalars as Python ones."""
    return [{k: cell_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def to_json(rep: Report) -> str:
    """The report as one JSON document (schema in the README)."""
    doc = {
        "as_of": rep.as_of,
        "ellipsoid": "WGS84",
        "within_km": rep.within_km,
        "routes": _records(rep.routes.assign(legs=[split_refs(x) for x in rep.routes["legs"]], source=[split_refs(x) for x in rep.routes["source"]])),
        "legs": _records(rep.legs),
        "deposits": _records(rep.deposits),
        "near": _records(rep.near),
        "sources": _records(rep.sources),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


#: A text cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet will show, not evaluate (OWASP: prefix with ')."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def to_csv(rep: Report) -> str:
    """The report's tables stacked in one CSV; the ``table`` column says which each row belongs to.

    Text cells that a spreadsheet would take for a formula are prefixed with
    ``'``; numbers (such as a negative difference) are left as they are.
    """
    stacked = pd.concat([frame.assign(table=name) for name, frame in rep.tables.items()], ignore_index=True)
    columns = ["table"] + [c for c in stacked.columns if c != "table"]
    buffer = io.StringIO()
    stacked[columns].map(_inert).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _cell(value: Any) -> str:
    """A Markdown cell: ``<``, ``>`` and ``&`` escaped so no data becomes markup, pipes neutralised.

    Quotes stay as they are (unlike :func:`~kzgeo.html.popup.esc`): Markdown has no
    attribute context, and the plain-text report should read well.
    """
    if cell_value(value) is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return html.escape(str(value), quote=False).replace("|", "&#124;").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _published(route: dict) -> Any:
    """A published length as a table cell: one figure, or a range "42–45"."""
    low, high = route["published_km_min"], route["published_km_max"]
    if not math.isnan(low) and not math.isnan(high) and low != high:
        return f"{low:g}–{high:g}"
    return route["published_km"]


def _signed(pct: float) -> str:
    return "–" if math.isnan(pct) else f"{pct:+.1f} %"


def to_markdown(rep: Report) -> str:
    """The report as Markdown, readable as plain text and rendered."""
    out = [
        "# kzgeo report: lengths and distances",
        "",
        f"Data as of {rep.as_of}. Lengths and distances are geodesics on the WGS84 ellipsoid, in km. "
        "Lines are drawn through the stations the sources name, straight between them, so most computed lengths "
        "fall short of the track. A route measured in one country counts only its legs' part inside that country; "
        "a published range counts as matched anywhere inside it.",
        "",
        "## Route lengths: computed and published",
        "",
    ]
    routes = rep.routes
    out += _table(
        ["Route", "Computed km", "Published km", "Difference", "Sources"],
        [[r["name"], r["computed_km"], _published(r), _signed(r["diff_pct"]), r["source"].replace(";", ", ")] for r in routes.to_dict("records")],
    )
    gaps = [r for r in routes.to_dict("records") if not math.isnan(r["diff_pct"]) and r["diff_pct"] != 0]
    if gaps:
        out += ["", "Why drawn and published lengths still differ:", ""]
        out += [f"- **{_cell(r['name'])}** ({_signed(r['diff_pct'])}): {_cell(r['difference_note'])}" for r in gaps]
    notes = [(r["name"], r["note"]) for r in routes.to_dict("records") if isinstance(r["note"], str)]
    if notes:
        out += ["", "Notes:", ""] + [f"- **{_cell(name)}**: {_cell(note)}" for name, note in notes]
    out += ["", "## Corridor legs", ""]
    out += _table(
        ["Leg", "Corridor", "Mode", "Status", "Computed km"],
        [[r["name"], r["corridor"], r["mode"], r["status"], r["computed_km"]] for r in rep.legs.to_dict("records")],
    )
    out += ["", "## Deposits: nearest corridor leg and node", ""]
    names = dict(zip(rep.legs["id"], rep.legs["name"])) | rep.node_names
    out += _table(
        ["Deposit", "Location", "Nearest leg", "km (possible range)", "Nearest node", "km"],
        [
            [
                r["name"],
                "exact" if r["location_accuracy"] == "exact" else f"approximate (± {r['uncertainty_km']:g} km)",
                names.get(r["nearest_leg"], r["nearest_leg"]),
                f"{r['nearest_corridor_km']} ({r['nearest_corridor_km_min']}–{r['nearest_corridor_km_max']})",
                names.get(r["nearest_node"], r["nearest_node"]),
                r["nearest_node_km"],
            ]
            for r in rep.deposits.to_dict("records")
        ],
    )
    out += ["", f"## Deposits within {rep.within_km:g} km of a corridor leg", ""]
    if rep.near.empty:
        out.append(f"No deposit lies within {rep.within_km:g} km of a corridor leg.")
    else:
        out += _table(
            ["Deposit", "Leg", "km from the point", "Within for certain?"],
            [[r["deposit_name"], r["leg_name"], r["distance_km"], "yes" if r["certain"] else "possibly"] for r in rep.near.to_dict("records")],
        )
    out += [
        "",
        "## Method",
        "",
        f"Lengths sum the geodesic segments of each drawn line (pyproj.Geod, WGS84). A deposit's distance to a leg "
        f"is the shortest geodesic to the leg densified every {geodesy.DEFAULT_SPACING:g} m; it is never too small and "
        f"at most {geodesy.DEFAULT_SPACING / 2:g} m too large. For an approximate location the distance is from the "
        "placed point; the deposit may be anywhere within its uncertainty radius.",
        "",
        "## Sources",
        "",
    ]
    for s in rep.sources.to_dict("records"):
        url = f" <{_cell(s['url'])}>" if isinstance(s["url"], str) and s["url"].startswith(("http://", "https://")) else ""
        dated = _cell(s["date"]) if cell_value(s["date"]) is not None else "undated"
        read = f"; read {_cell(s['accessed'])}" if cell_value(s.get("accessed")) is not None else ""
        tier = f", {_cell(s['tier'])}" if cell_value(s.get("tier")) is not None else ""
        why = f" (no address: {_cell(s['no_url_reason'])})" if not url and cell_value(s.get("no_url_reason")) is not None else ""
        out.append(f"- `{_cell(s['id'])}`: {_cell(s['publisher'])}, *{_cell(s['title'])}* ({dated}{read}{tier}){url}{why}")
    return "\n".join(out) + "\n"


_WRITERS = {"md": to_markdown, "csv": to_csv, "json": to_json}


def report(
    layers_dir: str | Path | None = None,
    *,
    format: str = "md",
    out: str | Path | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
) -> str:
    """What ``kzgeo report`` prints: the analysis of a layers directory as text.

    ``format`` is ``md``, ``csv`` or ``json``. With ``out``, the text is also
    written to that file atomically (a failure leaves any old file intact).
    """
    if format not in _WRITERS:
        raise ValueError(f"format must be one of {list(FORMATS)}, not {format!r}")
    if not within_km >= 0:
        raise ValueError(f"within_km must be a distance in km, not {within_km!r}")
    text = _WRITERS[format](analyse(read_layers(layers_dir), within_km=within_km))
    if out is not None:
        log.info("wrote %s", write_atomic(out, text))
    return text


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`report` (the facade's ``kzgeo.report``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return report(*args, **kwargs)

    @property
    def __signature__(self):
        import inspect

        return inspect.signature(report)


sys.modules[__name__].__class__ = _CallableModule
