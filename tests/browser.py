"""One headless Chromium per test process (each of `make test`'s xdist workers), lent to the browser
tests by tests/conftest.py's `chromium` fixture: a test opens its own context in it
(`chromium.new_context(...)`: a fresh profile, its own cookies, storage, viewport and whether
scripts run) and the context is closed after the test. Starting Playwright's driver and Chromium
cost about 1.5-2 s of CPU per test when each test launched its own.

Playwright's sync API leaves its event loop marked as the thread's running loop between its calls;
a test that then calls `asyncio.run` (or anything that asks whether a loop runs) would fail. So the
mark is set only while a browser test holds the browser and cleared when it gives it back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class SharedChromium:
    """Playwright's driver and one Chromium, started by the first browser test of the process."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @contextmanager
    def lend(self) -> Iterator[object]:
        if not CHROMIUM.exists():
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Chromium")
        if self._playwright is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                pytest.fail("the playwright package is missing: it is a dev dependency")
            self._playwright = sync_playwright().start()
            self._loop = asyncio.get_running_loop()  # Playwright's, marked running by it
        else:
            asyncio._set_running_loop(self._loop)
        try:
            if self._browser is None or not self._browser.is_connected():
                self._browser = self._playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=ARGS
                )
            yield self._browser
        finally:
            try:
                for context in self._browser.contexts if self._browser else ():
                    context.close()  # what the test left open
            finally:
                asyncio._set_running_loop(None)

    def close(self) -> None:
        if self._playwright is None:
            return
        asyncio._set_running_loop(self._loop)
        try:
            if self._browser is not None and self._browser.is_connected():
                self._browser.close()
        finally:
            self._playwright.stop()  # clears the mark as it ends its loop
            self._playwright = self._browser = None


def listen(page) -> tuple[list[str], list[str]]:
    """What a report page does in the browser, recorded as it happens: (problems, requests). A
    problem is a console error, an uncaught script error or a request that failed; requests are
    the URLs the page asked for (a report reads only files beside it, never the network)."""
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    return problems, requests


def draw_charts(page, path: Path, problems: list[str]) -> tuple[int, int]:
    """Load a report page and wait for plotly to draw every chart: (charts, charts drawn). Fails
    the test, with what the browser reported, when they are not drawn within 10 s."""
    from playwright.sync_api import TimeoutError as BrowserTimeout

    page.goto(path.as_uri(), wait_until="load")
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')]"
            ".every(div => div.querySelector('.main-svg'))",
            timeout=10_000,
        )
    except BrowserTimeout:
        pytest.fail(f"{path.name}: charts not drawn within 10 s; the browser reported {problems}")
    return (
        page.locator(".plotly-graph-div").count(),
        page.locator(".plotly-graph-div:has(.main-svg)").count(),
    )
