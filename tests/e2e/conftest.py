"""Browser tests: Playwright (sync API) driving Debian's Chromium.

The tests skip, with the reason, where /usr/bin/chromium or Playwright is
missing (`make test` installs Chromium when it can).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

# Playwright's sync API runs an event loop in the test thread, and Django then
# refuses ORM calls there ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def browser_context(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator["BrowserContext"]:
    """One Chromium for the browser tests, with a fresh profile of its own."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package")
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    # While Playwright runs, its event loop counts as running in this thread, and
    # Django then keeps connections per async context: the tests would get new
    # connections, without the test transaction and the serialized data that
    # pytest-django prepared on this thread's own. Keep using those.
    own_connections = {alias: connections[alias] for alias in connections}
    with sync_api.sync_playwright() as playwright:
        for alias, connection in own_connections.items():
            connections[alias] = connection
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=tmp_path_factory.mktemp("chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
            extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
        )
        yield context
        context.close()


@pytest.fixture
def browser_page(browser_context: "BrowserContext") -> Iterator["Page"]:
    """A new tab in zh-CN, with no cookies left from the previous test."""
    browser_context.clear_cookies()
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    page.close()
