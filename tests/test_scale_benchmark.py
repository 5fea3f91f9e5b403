"""The benchmark's smoke run: kzgeo, lonboard and explore build from the same files at a small size (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_benchmark_smoke_run(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--smoke", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [(r["n"], r["tool"]) for r in results] == [(1000, "kzgeo"), (1000, "lonboard"), (1000, "explore")]
    for row in results:
        assert set(row) == {"n", "tool", "build_s", "peak_mb", "html_bytes", "draw_s", "popup"}
        assert row["build_s"] > 0 and row["peak_mb"] > 0 and row["html_bytes"] > 0
    # kzgeo's page is self-contained: it must draw offline, and a click on a point must open that point's popup.
    kzgeo = results[0]
    assert kzgeo["draw_s"] is not None and kzgeo["popup"] is True
    # lonboard's page loads its widget manager and deck.gl from CDNs, which the benchmark refuses.
    assert results[1]["draw_s"] is None
    table = (tmp_path / "results.txt").read_text(encoding="utf-8")
    assert "kzgeo / lonboard" in table and "kzgeo / explore" in table and "cores" in table and "B/pt" in table
    assert "kzgeo / lonboard" in done.stdout
