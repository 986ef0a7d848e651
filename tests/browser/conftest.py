"""Shared fixtures of the browser tests: Debian's headless Chromium and a local Mollie server.

The browser is Debian's /usr/bin/chromium, because ``playwright install``
cannot download browsers here. A test fails, and does not skip, when that
binary is missing.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from payments.mollie_local import LocalMollieServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Milliseconds; the return page reloads every 3 s until the webhook has been applied.
PAYMENT_TIMEOUT_MS = 20_000


@pytest.fixture
def browser(monkeypatch) -> Browser:
    # Playwright's sync API keeps an asyncio loop in this thread, so Django
    # would refuse the test's own (synchronous) database queries without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; install Debian's chromium package (apt-get install chromium) "
            "to run the browser tests."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def mollie_server(settings, live_server):
    """A local Mollie server whose webhooks and redirects reach the live Django server."""
    server = LocalMollieServer().start()
    settings.MOLLIE_API_ENDPOINT = server.url
    settings.BASE_URL = live_server.url
    yield server
    server.stop()
