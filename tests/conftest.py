"""Shared fixtures: a tiny layers directory and a real headless Chromium.

Chromium is required, never skipped: a missing browser fails the run, so CI
cannot go green without the browser tests having run.

Tests write only to temporary folders: screenshots go to :data:`ARTIFACTS`
(outside the source tree; ``KZGEO_ARTIFACTS`` moves it), and under ``CI`` the
session fails if the run changed anything in the checkout.

Hypothesis runs under a named profile (``HYPOTHESIS_PROFILE``): ``ci``
(``.ci/run`` selects it) is derandomised, keeps no example database and has no
deadline, so a CI run is the same run every time; ``dev`` (the default) keeps
hypothesis' random search for local runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_LAYERS = Path(__file__).resolve().parent / "data" / "layers"
SHIPPED_LAYERS = ROOT / "layers"
#: Where tests save screenshots for a person to review: a temporary folder, never the checkout.
ARTIFACTS = Path(os.environ.get("KZGEO_ARTIFACTS") or Path(tempfile.gettempdir()) / f"kzgeo-artifacts-{os.getuid()}")

hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Locally, failing examples are remembered between runs -- in a temporary folder, not the checkout.
hypothesis_settings.register_profile(
    "dev",
    deadline=None,
    database=DirectoryBasedExampleDatabase(Path(tempfile.gettempdir()) / f"kzgeo-hypothesis-{os.getuid()}"),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

#: A predicate for ``wait_for_function`` (polled every animation frame): true once the
#: map's view has not changed for three frames and no pan or zoom animation runs. What
#: tests wait for instead of a fixed sleep before looking at (or photographing) the map.
#: (Leaflet leaves ``_flyToFrame`` set after a fly ends, so it cannot say "moving".)
SETTLED_JS = """() => {
  const map = Object.keys(window).filter(k => /^map_[0-9]+$/.test(k)).map(k => window[k])[0];
  if (!map) return true;
  const c = map.getCenter();
  const key = [c.lat, c.lng, map.getZoom(), !!map._animatingZoom, !!(map._panAnim && map._panAnim._inProgress)].join();
  window.__kzSettled = window.__kzSettled && window.__kzSettled.key === key ? {key: key, frames: window.__kzSettled.frames + 1} : {key: key, frames: 0};
  return window.__kzSettled.frames >= 3 && !map._animatingZoom && !(map._panAnim && map._panAnim._inProgress);
}"""


def settle(page) -> None:
    """Wait until the map has stopped moving and the result is painted (no fixed sleep)."""
    page.evaluate("() => { window.__kzSettled = null; }")
    page.wait_for_function(SETTLED_JS, polling="raf", timeout=30_000)


def opened_card(page):
    """The open card (the popup's content), once it is in place and the map has stopped moving.

    A card pans the map as it opens (autopan) and again when its details open. A click on the
    card while the map still moves is what made the Upper Kairakty test flaky: Playwright found
    the card "not stable", and on its fourth try scrolled the map's container (``overflow:
    hidden``) to put the summary at its start edge; Leaflet scrolls its container back on the
    next ``scroll`` event, which under load fell between mouse down and mouse up, so the release
    landed on the map, and the click closed the card instead of opening its details.
    """
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    settle(page)
    return popup


def open_details(page, card) -> None:
    """Open the first ``<details>`` of ``card`` by clicking its summary, as a reader does, and wait
    until it is open and the card, grown, has been panned into view."""
    card.locator("summary").first.click()
    card.locator("details[open]").first.wait_for()
    settle(page)


def screenshot(page, name: str) -> Path:
    """Save a screenshot of ``page`` under :data:`ARTIFACTS` once the map has settled."""
    settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), animations="disabled")
    return path


def _checkout_state() -> str | None:
    """``git status`` of the checkout (ignored files included), or None outside git."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    # Python's caches and the virtual environment are the interpreter's, not the tests'.
    return "\n".join(line for line in done.stdout.splitlines() if not any(part in line for part in ("__pycache__", ".pytest_cache", ".venv/", ".egg-info/", ".hypothesis/")))


def pytest_sessionstart(session):
    session.config._kzgeo_checkout = _checkout_state() if os.environ.get("CI") else None


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_kzgeo_checkout", None)
    if before is None:
        return
    after = _checkout_state()
    if after != before:
        changed = sorted(set(after.splitlines()) ^ set(before.splitlines()))
        session.config.get_terminal_writer().line("tests changed the checkout (they may write only to temporary folders): " + "; ".join(changed), red=True)
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if ARTIFACTS.exists():
        terminalreporter.write_line(f"screenshots for review: {ARTIFACTS}")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def copy_fixture_layers(target: Path) -> Path:
    """Copy the tiny fixture layers to ``target``, with the shipped catalog beside them."""
    shutil.copytree(FIXTURE_LAYERS, target)
    shutil.copy(SHIPPED_LAYERS / "catalog.toml", target / "catalog.toml")
    return target


@pytest.fixture
def layers_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture layers, checked against the shipped catalog."""
    return copy_fixture_layers(tmp_path / "layers")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def offline_page(browser):
    """A page whose every request beyond file:// is refused, recording what failed."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.blocked = []
    page.errors = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            page.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()
