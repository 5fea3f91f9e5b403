"""How every QGIS driver script runs: start QGIS, call ``main``, print JSON, leave.

The drivers run under Debian's QGIS Python, not the project's environment, and are
imported by nobody. This is the part they share: the report (or the error, with its
traceback, so a failing test shows what QGIS said) goes to stdout as one JSON line,
and the process leaves with ``os._exit`` because QGIS 3.22 can crash in
``exitQgis()`` after the work is done.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any, Callable

from qgis.core import QgsApplication


def run(main: Callable[..., Any], nargs: int) -> None:
    """Run ``main`` on the first ``nargs`` command-line arguments inside a QGIS application."""
    app = QgsApplication([], False)
    app.initQgis()
    code = 0
    try:
        result = main(*sys.argv[1 : 1 + nargs])
    except Exception as exc:  # report, never hang: the test shows the message
        result, code = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}, 1
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
    del app
    os._exit(code)
