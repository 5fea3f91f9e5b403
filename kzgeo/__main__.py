"""``python -m kzgeo`` runs the command line."""

from kzgeo.cli import app

app(prog_name="kzgeo")
