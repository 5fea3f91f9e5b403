"""kzgeo against lonboard and GeoDataFrame.explore() on a national cadastre made from the shipped layers.

    python benchmarks/run.py --sizes 10000,100000,1000000          # what the README table shows
    python benchmarks/run.py --sizes 1000 --smoke --out /tmp/bench  # CI smoke run
    python benchmarks/run.py --sizes 1000000 --form parquet         # the same layers as GeoParquet

For each size it writes a layers directory (``synthetic.py``: the shipped
layers with the deposits grown to n points, plus 3,000 licence polygons, as
GeoJSON + CSV or, with ``--form parquet``, the two large layers as
GeoParquet), builds one map per tool from the same files, each in its own
process (``build_map.py``: build time, peak memory; the tools take turns,
``--repeat`` rounds of one build each, and each tool's fastest build is
kept), and opens every map in headless Chromium with
the network blocked. explore() runs up to ``--explore-max`` points (its pages
reach hundreds of megabytes beyond). explore()'s pages link Leaflet from a
CDN; that one address is answered from the XStatic-Leaflet package (the same
build kzgeo inlines), so both draw with the same Leaflet and nothing is
downloaded. lonboard's pages load the Jupyter widget manager and deck.gl from
CDNs, which are refused like every other address: offline, they do not draw.

"Drawn" is the same test for both tools, checked on every animation frame:
the page counts as drawn once every feature of both layers is on the map --
an SVG element of class ``leaflet-interactive`` for folium's GeoJSON layers
(explore, and kzgeo's small layers; kzgeo's uncertainty circles, class
``kz-uncertainty``, are not features and are not counted), or counted in ``window.kzgeoDrawn`` by
kzgeo's canvas layers once a frame containing all of their features has been
painted. ``draw_s`` is the page's ``performance.now()`` at that frame (time
since navigation started), or null if that did not happen within
``--draw-timeout`` seconds.

On kzgeo's pages a point is then clicked (the feature in the middle of the
deposits layer, centred on the map first) and ``popup`` records whether its
popup opened with that feature's id.

Screenshots of each drawn page (and of kzgeo's popup) go to ``--out`` as PNG.
Writes ``results.json`` (a list of {n, tool, build_s, peak_mb, html_bytes,
draw_s, popup}) and ``results.txt`` (the printed table, per-point costs and
the ratios of kzgeo to each other tool) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402
import xstatic.pkg.leaflet as xs_leaflet  # noqa: E402

TOOLS = ("kzgeo", "lonboard", "explore")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DRAWN_JS = """(expected) => {
  const svg = document.getElementsByClassName('leaflet-interactive').length
    - document.getElementsByClassName('kz-uncertainty').length;
  const canvas = Object.values(window.kzgeoDrawn || {}).reduce((a, b) => a + b, 0);
  return svg + canvas >= expected ? performance.now() : false;
}"""


CLICK_JS = """() => {
  const map = window[document.querySelector('.folium-map').id];
  const layer = map._kzFast.filter(l => l.isPoints).sort((a, b) => b.data.n - a.data.n)[0];
  const i = Math.floor(layer.data.n / 2), at = layer.inner.anchor(i);
  map.setView(at, Math.max(map.getZoom(), layer.data.fullZoom), {animate: false});
  const p = map.latLngToContainerPoint(at);
  return [p.x, p.y, i];
}"""


def build(tool: str, layers: Path, html: Path) -> dict:
    """Run one build in a fresh Python process; its JSON line has build_s and peak_mb."""
    done = subprocess.run(
        [sys.executable, str(HERE / "build_map.py"), tool, str(layers), str(html)],
        capture_output=True, text=True,
    )
    if done.returncode:
        raise SystemExit(f"{tool} failed on {layers}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _route(r) -> None:
    """Nothing leaves the machine: local files load, Leaflet's CDN address is served from
    XStatic-Leaflet (the same 1.9.3 build), every other request is refused."""
    url = r.request.url
    if url.startswith(("file:", "data:", "blob:")):
        r.continue_()
    elif "leaflet@1.9.3/dist/leaflet." in url and url.endswith((".js", ".css")):
        name = url.rsplit("/", 1)[1]
        r.fulfill(path=str(Path(xs_leaflet.BASE_DIR) / name))
    else:
        r.abort()


def draw_seconds(browser, html: Path, expected: int, timeout_s: float, *, click: bool = False, shots: Path | None = None) -> tuple[float | None, bool | None]:
    """Seconds from navigation start until all ``expected`` features are drawn (or None),
    and with ``click``, whether clicking a point opened that point's popup."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route("**/*", _route)
    page = context.new_page()
    page.on("pageerror", lambda exc: print(f"  {html.name}: page error: {exc}", flush=True))
    try:
        page.goto(html.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        handle = page.wait_for_function(DRAWN_JS, arg=expected, polling="raf", timeout=timeout_s * 1000)
        drawn = round(handle.json_value() / 1000, 3)
        if shots is not None:
            page.screenshot(path=str(shots / f"{html.stem}.png"))
    except Exception as exc:  # Playwright's TimeoutError, or a page that crashed under the load
        print(f"  {html.name}: not drawn within {timeout_s:g} s ({type(exc).__name__})", flush=True)
        context.close()
        return None, None if not click else False
    popup = None
    if click:
        try:
            x, y, i = page.evaluate(CLICK_JS)
            box = page.locator(".folium-map").bounding_box()
            page.mouse.click(box["x"] + x, box["y"] + y)
            shown = page.locator(".leaflet-popup-content .kz-popup")
            shown.wait_for(timeout=10_000)
            want = page.evaluate(f"""() => {{
              const map = window[document.querySelector('.folium-map').id];
              const layer = map._kzFast.filter(l => l.isPoints).sort((a, b) => b.data.n - a.data.n)[0];
              return kzgeoCell(layer.data, layer.data.ids, {i});
            }}""")
            popup = shown.get_attribute("data-id") == want and bool(shown.locator("h4").inner_text())
            if shots is not None:  # once the popup has faded in, so the screenshot can be read
                page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'", timeout=5_000)
                page.screenshot(path=str(shots / f"{html.stem}-popup.png"))
        except Exception as exc:
            print(f"  {html.name}: click did not open a popup ({type(exc).__name__}: {exc})", flush=True)
            popup = False
    context.close()
    return drawn, popup


def machine() -> str:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gib = int(mem.split()[1]) / 1024**2
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    import folium
    import geopandas
    from importlib.metadata import version

    return (
        f"{os.cpu_count()} cores, {gib:.1f} GiB RAM, {platform.platform()}, Python {platform.python_version()}, "
        f"geopandas {geopandas.__version__}, folium {folium.__version__}, lonboard {version('lonboard')}, "
        f"pyarrow {version('pyarrow')}, {chromium}"
    )


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(results: list[dict]) -> str:
    """The measurements, the cost per point of each, and kzgeo's ratio to each other tool."""
    lines = [
        f"{'n':>8} {'tool':<9} {'build_s':>8} {'peak_mb':>8} {'html_MB':>8} {'draw_s':>7} {'popup':>6}"
        f" {'us/pt':>7} {'KB/pt':>7} {'B/pt':>7}"
    ]
    for r in results:
        lines.append(
            f"{r['n']:>8} {r['tool']:<9} {r['build_s']:>8.2f} {r['peak_mb']:>8.0f} {r['html_bytes'] / 1e6:>8.2f}"
            f" {_fmt(r['draw_s'], '>7.2f')} {({True: 'yes', False: 'NO'}.get(r.get('popup'), '-')):>6}"
            f" {r['build_s'] / r['n'] * 1e6:>7.1f} {r['peak_mb'] * 1024 / r['n']:>7.2f} {r['html_bytes'] / r['n']:>7.1f}"
        )
    for other in TOOLS[1:]:
        rows = [(n, {r["tool"]: r for r in results if r["n"] == n}) for n in sorted({r["n"] for r in results})]
        rows = [(n, by["kzgeo"], by[other]) for n, by in rows if "kzgeo" in by and other in by]
        if not rows:
            continue
        lines += ["", f"kzgeo / {other}", f"{'n':>8} {'build':>7} {'peak':>7} {'html':>7} {'draw':>7}"]
        for n, k, e in rows:
            ratio = {key: k[key] / e[key] for key in ("build_s", "peak_mb", "html_bytes")}
            draw = (
                f"{k['draw_s'] / e['draw_s']:>7.3f}" if k["draw_s"] is not None and e["draw_s"] is not None
                else f"{'-':>7}  ({other}: not drawn offline)" if k["draw_s"] is not None else f"{'-':>7}  (kzgeo: not drawn)"
            )
            lines.append(f"{n:>8} {ratio['build_s']:>7.3f} {ratio['peak_mb']:>7.3f} {ratio['html_bytes']:>7.3f} {draw}")
    return "\n".join(lines)


def run(sizes: list[int], out: Path, *, licences: int, draw_timeout: float, repeat: int, form: str, explore_max: int, tools=TOOLS) -> list[dict]:
    from playwright.sync_api import sync_playwright

    import kzgeo

    out.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="kzgeo-bench-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in sizes:
            start = time.perf_counter()
            layers = synthetic.write_layers(Path(tmp) / f"layers-{n}", n, n_licences=licences, form=form)
            features = sum(kzgeo.list_layers(layers)[name] for name in kzgeo.read_catalog(layers).layers)
            print(f"n={n}: layers written in {time.perf_counter() - start:.1f} s ({features} features in all)", flush=True)
            os.sync()  # the layers just written go to disk now, not during the first tool's build
            run_tools = [t for t in tools if not (t == "explore" and n > explore_max)]
            # Builds take turns (kzgeo, lonboard, explore, kzgeo, ...), so every tool meets the same
            # passing load on this shared machine; each keeps its fastest.
            builds: dict[str, list[dict]] = {t: [] for t in run_tools}
            for _ in range(repeat):
                for tool in run_tools:
                    builds[tool].append(build(tool, layers, Path(tmp) / f"{tool}-{n}.html"))
            for tool in run_tools:
                html = Path(tmp) / f"{tool}-{n}.html"
                row = {"n": n, "tool": tool, **min(builds[tool], key=lambda r: r["build_s"]), "html_bytes": html.stat().st_size}
                # lonboard's page needs its CDNs, which are refused: give it a short while, not the full limit.
                limit = min(draw_timeout, 10.0) if tool == "lonboard" else draw_timeout
                row["draw_s"], row["popup"] = draw_seconds(browser, html, features, limit, click=tool == "kzgeo", shots=out)
                print(f"  {tool}: {row}", flush=True)
                results.append(row)
                html.unlink()
            shutil.rmtree(layers)
        browser.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated point counts")
    parser.add_argument("--smoke", action="store_true", help="a quick run: 200 licences, 30 s draw limit")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.json and results.txt go")
    parser.add_argument("--draw-timeout", type=float, default=None, help="seconds a page may take to draw (default 60)")
    parser.add_argument("--repeat", type=int, default=None, help="builds per tool and size; the fastest is kept (default 2, smoke 1)")
    parser.add_argument("--form", choices=("geojson", "parquet"), default="geojson", help="the large layers as GeoJSON + CSV or as GeoParquet")
    parser.add_argument("--explore-max", type=int, default=100_000, help="largest size explore() is run at")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools to run (kzgeo first)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    licences = 200 if args.smoke else 3000
    timeout = args.draw_timeout or (30.0 if args.smoke else 60.0)
    repeat = args.repeat or (1 if args.smoke else 2)
    start = time.perf_counter()
    results = run(sizes, args.out, licences=licences, draw_timeout=timeout, repeat=repeat, form=args.form, explore_max=args.explore_max, tools=tuple(args.tools.split(",")))
    report = (
        f"machine: {machine()}\n"
        f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (the CPU is shared)\n"
        f"command: python benchmarks/run.py {' '.join(argv if argv is not None else sys.argv[1:])}\n"
        f"layers: the shipped layers, deposits grown to n points, + {licences} licence polygons, as {args.form}; "
        f"build: fastest of {repeat}; draw limit {timeout:g} s\n\n"
        f"{table(results)}\n\ntotal {time.perf_counter() - start:.0f} s\n"
    )
    print("\n" + report)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (args.out / "results.txt").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
