"""``kzgeo report``: the corridor measures as Markdown, CSV or JSON, for an auditor.

The tables come from :mod:`kzgeo.analysis.measures`; this module gathers
them with what they were computed from -- the data's date, every cited source,
the kzgeo version and the SHA-256 of every input file
(:func:`kzgeo.provenance.manifest`) -- and writes them in the format asked for:

- ``md``: one readable document, tables and the method in words;
- ``json``: one document (schema in the README);
- ``csv``: a folder with one tidy file per table (``routes.csv``, ``legs.csv``,
  ``deposits.csv``, ``near.csv``, ``sources.csv``), plus ``about.csv`` (version,
  data date, ellipsoid, radius) and ``inputs.csv`` (file, SHA-256); numbers are
  numbers, ``certain`` is ``True``/``False``, so ``pandas.read_csv`` gives proper dtypes.

Every deposit row says where the point is, how well it is known and who says
so, and each distance comes with the range the true distance can take.
Published lengths that conflict stay a range (``published_km_min`` /
``published_km_max``), never one number.

The module is itself callable -- ``kzgeo.report(layers, format="json")`` --
so that ``import kzgeo.report`` gives this module, with its writers, while the
public function keeps its name.
"""

from __future__ import annotations

import html
import io
import json
import logging
import math
import re
import sys
import types
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kzgeo.analysis import geodesy
from kzgeo.analysis.measures import DEFAULT_WITHIN_KM, RAILHEAD_KINDS, deposit_proximity, deposits_near, leg_lengths, route_lengths
from kzgeo.analysis.routing import to_market
from kzgeo.route_report import market_markdown
from kzgeo.dataset import Dataset, cell_value, read_layers
from kzgeo.errors import ArgumentError, KzgeoIOError
from kzgeo.io.atomic import ensure_folder, write_atomic
from kzgeo.io.readers import split_refs
from kzgeo.provenance import manifest

log = logging.getLogger(__name__)

#: The farthest two points on the ellipsoid can be apart (half a meridian), in km:
#: a larger "within" radius means nothing, and an infinite one cannot be written as JSON.
MAX_WITHIN_KM = 20_004.0
#: Output formats of :func:`report`.
FORMATS = ("md", "csv", "json")
#: Columns of the sources table in every format (those the dataset has).
SOURCE_COLUMNS = ["id", "publisher", "title", "date", "accessed", "url", "no_url_reason", "tier"]


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
    #: Routes from each deposit to each market (:func:`kzgeo.analysis.routing.to_market`).
    to_market: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: kzgeo's version, the data date and the SHA-256 of every input (:func:`kzgeo.provenance.manifest`).
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by name (one CSV file each)."""
        return {"routes": self.routes, "legs": self.legs, "deposits": self.deposits, "near": self.near, "to_market": self.to_market, "sources": self.sources}


def analyse(data: Dataset, *, within_km: float = DEFAULT_WITHIN_KM) -> Report:
    """All the report's tables for one dataset."""
    routes = route_lengths(data)
    deposits = deposit_proximity(data)
    cells = [*routes["source"], *deposits["sources"]]
    cited = list(dict.fromkeys(ref for cell in cells for ref in split_refs(cell)))
    known = data.sources.columns
    columns = [c for c in SOURCE_COLUMNS if c in known]
    sources = pd.DataFrame(data.cited(";".join(cited)), columns=columns)
    return Report(
        as_of=data.as_of,
        within_km=float(within_km),
        routes=routes,
        legs=leg_lengths(data),
        deposits=deposits,
        near=deposits_near(data, within_km),
        sources=sources,
        node_names=_names(data, "nodes"),
        to_market=to_market(data),
        provenance=manifest(data),
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


def _about(rep: Report) -> dict[str, Any]:
    return {"kzgeo_version": rep.provenance.get("kzgeo_version"), "as_of": rep.as_of, "ellipsoid": "WGS84", "within_km": rep.within_km}


def to_json(rep: Report) -> str:
    """The report as one JSON document (schema in the README)."""
    doc = {
        **_about(rep),
        "inputs": rep.provenance.get("inputs", {}),
        "routes": _records(rep.routes.assign(legs=[split_refs(x) for x in rep.routes["legs"]], source=[split_refs(x) for x in rep.routes["source"]])),
        "legs": _records(rep.legs),
        "deposits": _records(rep.deposits.assign(sources=[split_refs(x) for x in rep.deposits["sources"]])),
        "near": _records(rep.near),
        "to_market": _records(rep.to_market),
        "sources": _records(rep.sources),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


#: A text cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet will show, not evaluate (OWASP: prefix with ')."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.map(_inert).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def to_csv_tables(rep: Report) -> dict[str, str]:
    """The report as tidy CSV texts by file name: one per table, plus ``about.csv`` and ``inputs.csv``.

    Each table keeps its own columns (no sparse stack); numbers stay numbers,
    ``certain`` is written ``True``/``False``. Text cells that a spreadsheet
    would take for a formula are prefixed with ``'``.
    """
    files = {f"{name}.csv": _csv_text(frame) for name, frame in rep.tables.items()}
    files["about.csv"] = _csv_text(pd.DataFrame({"key": list(_about(rep)), "value": [str(v) for v in _about(rep).values()]}))
    inputs = rep.provenance.get("inputs", {})
    files["inputs.csv"] = _csv_text(pd.DataFrame({"file": list(inputs), "sha256": list(inputs.values())}))
    return files


def write_csv_folder(rep: Report, folder: str | Path) -> list[Path]:
    """Write :func:`to_csv_tables` into ``folder`` (created if missing, inside a folder that exists)."""
    folder = ensure_folder(folder)
    written = [write_atomic(folder / name, text) for name, text in to_csv_tables(rep).items()]
    for path in written:
        log.info("wrote %s", path)
    return written


#: Markdown punctuation that starts emphasis, code, links, images, strikethrough or a
#: table cell; each is written backslash-escaped, so it shows as itself.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
#: The starts of GitHub's bare autolinks (``https://``, ``www.``): a backslash before
#: the ``:`` or ``.`` splits them, so an address in the data stays text.
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp|mailto)):|(\bwww)\.")


def _cell(value: Any) -> str:
    """Any value as inert Markdown text: the one escaping choke point of the Markdown report.

    ``<``, ``>`` and ``&`` become entities (no HTML), Markdown punctuation is
    backslash-escaped (no emphasis, code, link or image -- ``![x](http://...)``
    shows as typed and loads nothing), bare addresses are kept from being
    autolinked, and line breaks become spaces (no extra rows or headings).
    Quotes stay as they are (unlike :func:`~kzgeo.html.popup.esc`): Markdown has no
    attribute context, and the plain-text report should read well.
    """
    if cell_value(value) is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    text = html.escape(" ".join(str(value).splitlines()), quote=False)
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda m: f"{m.group(1)}\\:" if m.group(1) else f"{m.group(2)}\\.", text)


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


def _difference(row: dict[str, Any]) -> str:
    """Computed against published: inside a published range, or the gap to its nearer end."""
    low, high = row["published_km_min"], row["published_km_max"]
    if cell_value(low) is not None and low != high and low <= row["computed_km"] <= high:
        return "within the range"
    return _signed(row["diff_pct"])


def _range(value: float, low: float, high: float) -> str:
    if cell_value(value) is None:
        return "–"
    return f"{value:,.1f}" if low == high else f"{value:,.1f} ({low:,.1f}–{high:,.1f})"


def to_markdown(rep: Report) -> str:
    """The report as Markdown, readable as plain text and rendered."""
    out = [
        "# kzgeo report: lengths and distances",
        "",
        f"Data as of {rep.as_of}. Lengths and distances are geodesics on the WGS84 ellipsoid, in km. "
        "Lines are drawn through the stations the sources name, straight between them, so most computed lengths "
        "fall short of the track. A route measured in one country counts only its legs' part inside that country; "
        "a published range counts as matched anywhere inside it. "
        f"Made with kzgeo {rep.provenance.get('kzgeo_version', '?')}; the input files and their hashes are listed at the end.",
        "",
        "## Route lengths: computed and published",
        "",
    ]
    routes = rep.routes
    out += _table(
        ["Route", "Computed km", "Published km", "Difference", "Sources"],
        [[r["name"], r["computed_km"], _published(r), _difference(r), r["source"].replace(";", ", ")] for r in routes.to_dict("records")],
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
    deposits = rep.deposits.to_dict("records")
    out += ["", "## Deposits: where they are and who says so", ""]
    out += _table(
        ["Deposit", "Lon, lat", "Location", "Sources"],
        [
            [
                r["name"],
                f"{r['lon']:.4f}, {r['lat']:.4f}",
                "exact" if r["location_accuracy"] == "exact" else f"approximate (± {r['uncertainty_km']:g} km)",
                ", ".join(split_refs(r["sources"])),
            ]
            for r in deposits
        ],
    )
    placed = [(r["name"], r["location_note"]) for r in deposits if isinstance(r["location_note"], str)]
    if placed:
        out += ["", "How each point was placed:", ""] + [f"- **{_cell(name)}**: {_cell(note)}" for name, note in placed]
    out += ["", "## Deposits: nearest corridor leg, node and railhead", ""]
    names = dict(zip(rep.legs["id"], rep.legs["name"])) | rep.node_names
    out += _table(
        ["Deposit", "Nearest leg", "km (possible range)", "Nearest node", "km (possible range)", "Nearest railhead", "km (possible range)"],
        [
            [
                r["name"],
                names.get(r["nearest_leg"], r["nearest_leg"]),
                _range(r["nearest_corridor_km"], r["nearest_corridor_km_min"], r["nearest_corridor_km_max"]),
                names.get(r["nearest_node"], r["nearest_node"]),
                _range(r["nearest_node_km"], r["nearest_node_km_min"], r["nearest_node_km_max"]),
                names.get(r["nearest_railhead"], r["nearest_railhead"]),
                _range(r["nearest_railhead_km"], r["nearest_railhead_km_min"], r["nearest_railhead_km_max"]),
            ]
            for r in deposits
        ],
    )
    out += ["", f"## Deposits within {rep.within_km:g} km of a corridor leg", ""]
    if rep.near.empty:
        out.append(f"No deposit lies within {rep.within_km:g} km of a corridor leg.")
    else:
        out += _table(
            ["Deposit", "Leg", "km (possible range)", "Within for certain?"],
            [[r["deposit_name"], r["leg_name"], _range(r["distance_km"], r["distance_km_min"], r["distance_km_max"]), "yes" if r["certain"] else "possibly"] for r in rep.near.to_dict("records")],
        )
    out += [""] + market_markdown(rep.to_market)
    out += [
        "## Method",
        "",
        f"Lengths sum the geodesic segments of each drawn line (pyproj.Geod, WGS84). A deposit's distance to a leg "
        f"is the shortest geodesic to the leg densified every {geodesy.DEFAULT_SPACING:g} m; it is never too small and "
        f"at most {geodesy.DEFAULT_SPACING / 2:g} m too large. Distances are from the placed point; a deposit lies "
        "somewhere within its uncertainty radius (and a node within its own), so the range in brackets is what the "
        "true distance can be. Where sources publish different lengths, both ends of the range are shown; a drawn "
        f"length inside the range matches it, and one outside is compared with the nearer end. A railhead is a node of kind {', '.join(RAILHEAD_KINDS)} or a "
        "node where a rail leg ends; its distance is a straight geodesic, not a road.",
        "",
        "## Sources",
        "",
    ]
    for s in rep.sources.to_dict("records"):
        url = f" <{_autolink(s['url'])}>" if isinstance(s["url"], str) and s["url"].lower().startswith(("http://", "https://")) else ""
        dated = _cell(s["date"]) if cell_value(s["date"]) is not None else "undated"
        read = f"; read {_cell(s['accessed'])}" if cell_value(s.get("accessed")) is not None else ""
        tier = f", {_cell(s['tier'])}" if cell_value(s.get("tier")) is not None else ""
        why = f" (no address: {_cell(s['no_url_reason'])})" if not url and cell_value(s.get("no_url_reason")) is not None else ""
        out.append(f"- {_cell(s['id'])}: {_cell(s['publisher'])}, *{_cell(s['title'])}* ({dated}{read}{tier}){url}{why}")
    out += ["", "## Provenance", "", f"kzgeo {_cell(rep.provenance.get('kzgeo_version', '?'))}, data as of {_cell(rep.as_of)}. Input files (SHA-256):", ""]
    out += _table(["File", "SHA-256"], [[name, digest] for name, digest in rep.provenance.get("inputs", {}).items()])
    return "\n".join(out) + "\n"


_WRITERS = {"md": to_markdown, "json": to_json}


def _autolink(url: str) -> str:
    """A checked http(s) address as the inside of a Markdown autolink ``<...>``.

    The address is the source's own (the reader is meant to follow it); what
    an autolink cannot hold -- spaces, ``<``, ``>`` and controls -- is
    percent-encoded, so the address cannot close the link and add markup.
    """
    return urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def report(
    layers_dir: str | Path | None = None,
    *,
    format: str = "md",
    out: str | Path | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
) -> str | list[Path]:
    """What ``kzgeo report`` prints: the analysis of a layers directory.

    ``format`` is ``md`` or ``json`` (returned as text; with ``out``, also
    written to that file atomically, into a folder that must exist), or
    ``csv``: one file per table written into the folder ``out`` (created if
    missing, inside a folder that exists), returning the files written.
    """
    if format not in FORMATS:
        raise ArgumentError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if not (isinstance(within_km, (int, float)) and math.isfinite(within_km) and 0 <= within_km <= MAX_WITHIN_KM):
        raise ArgumentError(f"within_km (--within) must be a distance from 0 to {MAX_WITHIN_KM:,g} km, not {within_km!r}")
    if format == "csv" and out is None:
        raise ArgumentError("the csv report is one file per table: give a folder to write them into (--out DIR)")
    if out is not None and format != "csv" and not Path(out).parent.is_dir():
        raise KzgeoIOError(out, f"cannot write: the folder {Path(out).parent} does not exist")
    if format == "csv":
        ensure_folder(out, create=False)
    rep = analyse(read_layers(layers_dir), within_km=within_km)
    if format == "csv":
        return write_csv_folder(rep, out)
    text = _WRITERS[format](rep)
    if out is not None:
        log.info("wrote %s", write_atomic(out, text))
    return text


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`report` (the facade's ``kzgeo.report``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> str | list[Path]:
        return report(*args, **kwargs)

    @property
    def __signature__(self):
        import inspect

        return inspect.signature(report)


sys.modules[__name__].__class__ = _CallableModule
