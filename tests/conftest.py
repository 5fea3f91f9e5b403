"""Shared fixtures: a tiny layers directory and a real headless Chromium.

Chromium is required, never skipped: a missing browser fails the run, so CI
cannot go green without the browser tests having run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_LAYERS = Path(__file__).resolve().parent / "data" / "layers"
SHIPPED_LAYERS = ROOT / "layers"
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
