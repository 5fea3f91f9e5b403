"""The ``kzgeo`` command: each subcommand parses options and calls one library function.

Library errors (:class:`~kzgeo.errors.KzgeoError`) become ``Error: ...`` lines
on stderr and exit code 1, never a traceback (after sqlite-utils' CLI).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Annotated, Optional

from enum import Enum

import typer

import kzgeo
from kzgeo.build import OUTPUT_FORMATS
from kzgeo.labels import LANGUAGES

# Choices offered by ``build``, taken from the library so the two never drift.
Format = Enum("Format", {name: name for name in OUTPUT_FORMATS}, type=str)
Language = Enum("Language", {name: name for name in LANGUAGES}, type=str)
from kzgeo.errors import KzgeoError, LayersInvalid

app = typer.Typer(help="Map Kazakhstan's critical-mineral deposits and the corridors west.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

LayersOpt = Annotated[Optional[Path], typer.Option("--layers", help="Layers directory (default: ./layers).", file_okay=False)]


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)


def clean_errors(func):
    """Turn kzgeo's errors into ``Error:`` lines and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LayersInvalid as exc:
            for problem in exc.problems:
                _fail(str(problem))
            raise typer.Exit(1) from None
        except KzgeoError as exc:
            _fail(str(exc))
            raise typer.Exit(1) from None

    return wrapper


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what is being done.")] = False) -> None:
    """Only the CLI configures logging; the library just logs."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@app.command()
@clean_errors
def validate(layers: LayersOpt = None) -> None:
    """Check every layer and table: GeoJSON, RFC 7946, geometry, ids, the join, types and sources."""
    problems = kzgeo.validate(layers)
    for problem in problems:
        _fail(str(problem))
    if problems:
        raise typer.Exit(1)
    typer.echo("OK: the layers are valid.")


@app.command()
@clean_errors
def build(
    layers: LayersOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory (default: ./maps).", file_okay=False)] = None,
    fmt: Annotated[Format, typer.Option("--format", help="html (interactive), png or pdf (print-ready, A4).")] = Format.html,
    lang: Annotated[Language, typer.Option("--lang", help="Language of names, legend, popups and controls.")] = Language.en,
    cdn: Annotated[bool, typer.Option("--cdn", help="HTML only: link Leaflet and folium's plugins from CDNs (smaller file, needs a network).")] = False,
) -> None:
    """Build the default map (maps/overview.html) and every other map the repository defines.

    The HTML is self-contained by default: it opens with no network, offline basemap included.
    """
    for path in kzgeo.build(layers, out, fmt=fmt.value, lang=lang.value, self_contained=not cdn):
        typer.echo(f"wrote {path}")


@app.command("layers")
@clean_errors
def layers_(layers: LayersOpt = None) -> None:
    """List the layers and tables with their feature or row counts."""
    for name, count in kzgeo.list_layers(layers).items():
        typer.echo(f"{name}\t{count}")
