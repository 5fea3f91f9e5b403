"""The ``kzgeo`` command: each subcommand parses options and calls one library function.

Library errors (:class:`~kzgeo.errors.KzgeoError`) become ``Error: ...`` lines
on stderr and exit code 1, never a traceback (after sqlite-utils' CLI).
"""

from __future__ import annotations

import functools
import logging
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

import kzgeo
from kzgeo import settings
from kzgeo.analysis.measures import DEFAULT_WITHIN_KM
from kzgeo.errors import KzgeoError, KzgeoWarning, LayersInvalid, printable, problem_lines
from kzgeo.io.columnar import FORMATS as COLUMNAR_FORMATS
from kzgeo.labels import LANGUAGES
from kzgeo.publish import OUTPUT_FORMATS

app = typer.Typer(help="Map Kazakhstan's critical-mineral deposits and the corridors west.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

# Choices offered by ``build``, taken from the library so the two never drift.
Format = Enum("Format", {name: name for name in OUTPUT_FORMATS}, type=str)
Language = Enum("Language", {name: name for name in LANGUAGES}, type=str)
Columnar = Enum("Columnar", {name: name for name in COLUMNAR_FORMATS}, type=str)

LayersOpt = Annotated[Optional[Path], typer.Option("--layers", help="Layers directory (default: ./layers if it holds a catalog.toml, else the layers installed with kzgeo).", file_okay=False)]


def _fail(message: str) -> None:
    """One ``Error:`` line: control characters and bidi overrides in ``message`` are shown escaped."""
    typer.echo(f"Error: {printable(message)}", err=True)


def _say(message: object, err: bool = False) -> None:
    """A line of output naming a file or a layer, escaped like an error line."""
    typer.echo(printable(message), err=err)


def clean_errors(func):
    """Turn kzgeo's errors, and any operating-system error, into ``Error:`` lines and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LayersInvalid as exc:
            for line in problem_lines(exc.problems):
                _fail(line)
            raise typer.Exit(1) from None
        except KzgeoError as exc:
            _fail(str(exc))
            raise typer.Exit(1) from None
        except OSError as exc:  # the file system refused something no library check foresaw
            _fail(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
            raise typer.Exit(1) from None

    return wrapper


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what is being done.")] = False,
    max_input_mb: Annotated[Optional[float], typer.Option("--max-input-mb", help="Cap on each input file for this run, in MB (above the catalog's max_input_mb; default 512).", min=0.0001, show_default=False)] = None,
) -> None:
    """Only the CLI configures logging; the library just logs."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if max_input_mb is not None:
        settings.max_input_mb = max_input_mb
        ctx.call_on_close(lambda: setattr(settings, "max_input_mb", None))


@app.command()
@clean_errors
def validate(
    layers: LayersOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="List every problem; by default a problem repeated on many rows is shown once, with its count and first rows.")] = False,
) -> None:
    """Check every layer and table: GeoJSON, RFC 7946, geometry, ids, the join, types and sources."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KzgeoWarning)
        problems = kzgeo.validate(layers)
    # Untranslated text matters once the layers are valid; beside errors it would be noise.
    for warning in caught if not problems else ():
        if issubclass(warning.category, KzgeoWarning):
            typer.echo(f"Warning: {printable(str(warning.message))}", err=True)
    for line in problem_lines(problems, every=all_):
        _fail(line)
    if problems:
        raise typer.Exit(1)
    typer.echo("OK: the layers are valid.")


@app.command()
@clean_errors
def build(
    spec: Annotated[Optional[Path], typer.Argument(help="One map spec (maps/NAME.toml) to build; default: every spec in the maps directory, plus the overview.", dir_okay=False, show_default=False)] = None,
    layers: LayersOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Where pages are written (default: ./maps, beside the specs; with SPEC, the spec's directory); created if missing, inside a folder that exists.", file_okay=False)] = None,
    maps: Annotated[Optional[Path], typer.Option("--maps", help="Where the map specs are read (default: ./maps; if it holds none, the specs installed with kzgeo).", file_okay=False)] = None,
    fmt: Annotated[Format, typer.Option("--format", help="html (interactive), png or pdf (print-ready, A4).")] = Format.html,
    lang: Annotated[Optional[Language], typer.Option("--lang", help="Language of names, legend, popups and controls (default: each spec's); adds .LANG to the file name.", show_default=False)] = None,
    cdn: Annotated[bool, typer.Option("--cdn", help="HTML only: link Leaflet and folium's plugins from CDNs (smaller file, needs a network); written as NAME.cdn.html.")] = False,
) -> None:
    """Build maps from their specs: maps/NAME.toml -> maps/NAME.html (all of them, plus the overview, without SPEC).

    The HTML is self-contained by default: it opens with no network, offline basemap included.
    """
    for path in kzgeo.build(layers, out, spec=spec, maps_dir=maps, fmt=fmt.value, lang=lang.value if lang else None, self_contained=not cdn):
        _say(f"wrote {path}")


@app.command("layers")
@clean_errors
def layers_(layers: LayersOpt = None) -> None:
    """List the layers and tables with their feature or row counts."""
    for name, count in kzgeo.list_layers(layers).items():
        typer.echo(f"{printable(name)}\t{count}")


@app.command()
@clean_errors
def export(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the export into (created if missing, inside a folder that exists).", file_okay=False)],
    layers: LayersOpt = None,
    maps: Annotated[Optional[Path], typer.Option("--maps", help="Map specs that become map themes, bookmarks and print layouts (default: those `build` uses).", file_okay=False)] = None,
    lang: Annotated[Language, typer.Option("--lang", help="Language of labels, field captions, dropdowns and layouts.")] = Language.en,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an earlier kzgeo export in --out (never any other folder).")] = False,
    force: Annotated[bool, typer.Option("--force", help="With --overwrite: replace the export even if its GeoPackage was edited since (the edits are lost).")] = False,
) -> None:
    """Write the QGIS hand-off: a styled, related GeoPackage, GeoJSON with .qml/.qmd sidecars and a QGIS project."""
    for path in kzgeo.export(layers, out, overwrite=overwrite, force=force, lang=lang.value, maps_dir=maps):
        _say(f"wrote {path}")


@app.command("import")
@clean_errors
def import_(
    export_dir: Annotated[Path, typer.Argument(help="An export folder written by `kzgeo export`, after editing kzgeo.gpkg in QGIS.", file_okay=False, show_default=False)],
    layers: LayersOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show the changes; write nothing.")] = False,
) -> None:
    """Bring edits made in QGIS back into the layers: validated first, written all at once, with a diff."""
    result = kzgeo.import_export(export_dir, layers, dry_run=dry_run)
    for line in result.lines():
        typer.echo(line)
    if not result.changed:
        typer.echo("Nothing to import: the GeoPackage holds what the layers hold.")
    elif dry_run:
        typer.echo("Dry run: nothing was written.")
    else:
        for path in result.written:
            typer.echo(f"wrote {path}")


class ReportFormat(str, Enum):
    md = "md"
    csv = "csv"
    json = "json"


@app.command()
@clean_errors
def report(
    layers: LayersOpt = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="md (readable), json (documented in the README) or csv (one file per table in the folder --out).")] = ReportFormat.md,
    out: Annotated[Optional[Path], typer.Option("--out", help="md/json: write to this file (atomically; its folder must exist) instead of stdout. csv: the folder for the tables (created if missing, inside a folder that exists).")] = None,
    within: Annotated[float, typer.Option("--within", help="Radius in km for the deposits-near-a-corridor table.", min=0)] = DEFAULT_WITHIN_KM,
) -> None:
    """Route lengths against published figures and ranges; each deposit's location, sources and nearest leg, node and railhead (WGS84 geodesics); kzgeo version and input hashes."""
    result = kzgeo.report(layers, format=format.value, out=out, within_km=within)
    if isinstance(result, list):
        for path in result:
            typer.echo(f"wrote {path}", err=True)
    elif out is None:
        typer.echo(result, nl=False)
    else:
        typer.echo(f"wrote {out}", err=True)


@app.command()
@clean_errors
def convert(
    layer: Annotated[str, typer.Argument(help="The catalog layer to convert (see `kzgeo layers`).", show_default=False)],
    to: Annotated[Columnar, typer.Option("--to", help="parquet (GeoParquet), gpkg (GeoPackage) or fgb (FlatGeobuf).")] = Columnar.parquet,
    layers: LayersOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="File to write (default: LAYER.parquet, .gpkg or .fgb in the layers directory).", dir_okay=False)] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file at the output path.")] = False,
) -> None:
    """Write a checked layer in columnar form (GeoParquet, GeoPackage or FlatGeobuf), geometry and attributes in one file."""
    path = kzgeo.convert(layer, to=to.value, layers_dir=layers, out=out, overwrite=overwrite)
    typer.echo(f"wrote {path}")
    typer.echo(f'To read it, replace `geometry` and `attributes` under [layers.{layer}] in catalog.toml with: file = "{path.name}"', err=True)


class RouteFormat(str, Enum):
    md = "md"
    json = "json"
    html = "html"


@app.command()
@clean_errors
def route(
    origin: Annotated[str, typer.Argument(metavar="FROM", help="Deposit or node id, or a name in any language (case does not matter).", show_default=False)],
    destination: Annotated[str, typer.Argument(metavar="TO", help="Deposit or node id, or a name in any language.", show_default=False)],
    via: Annotated[Optional[list[str]], typer.Option("--via", help="Pass this node or deposit on the way (repeat for several, in order).", show_default=False)] = None,
    include_planned: Annotated[bool, typer.Option("--include-planned", help="Also use legs under construction and planned (marked in the output).")] = False,
    avoid: Annotated[Optional[list[str]], typer.Option("--avoid", help="Country code (ISO 3166-1 alpha-2) no leg or node may be in; repeat for several.", show_default=False)] = None,
    format: Annotated[RouteFormat, typer.Option("--format", help="md (readable), json (documented in the README) or html (the overview map with the route highlighted).")] = RouteFormat.md,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write to this file (atomically) instead of stdout.", dir_okay=False)] = None,
    layers: LayersOpt = None,
) -> None:
    """Shortest route over the corridor network from FROM to TO: legs, km by mode, transshipments, borders."""
    text = kzgeo.route(origin, destination, layers, via=via or (), include_planned=include_planned, avoid=avoid or (), format=format.value, out=out)
    if out is None:
        typer.echo(text, nl=False)
    else:
        _say(f"wrote {out}", err=True)
