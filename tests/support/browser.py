"""Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.support.externals import CI

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
NARROW_PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Debian's Chromium is not installed (`make test` installs it)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def screen(
    browser: Browser, base_url: str, kind: dict[str, object], language: str = "en"
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(
        base_url=base_url, locale=language, extra_http_headers={"Accept-Language": language}, **kind
    )  # type: ignore[arg-type]
    page = await context.new_page()
    page.on(
        "dialog",
        lambda dialog: (_ for _ in ()).throw(AssertionError(f"a dialog opened: {dialog.message}")),
    )
    return context, page


async def connected(page: Page) -> None:
    """Wait until the page's live socket is open."""
    await page.wait_for_selector("#live[data-connected='true']", state="attached", timeout=10_000)
