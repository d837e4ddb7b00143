"""Accessibility checks in the browser: axe-core's WCAG 2.1 A/AA rules, and 320 px phones."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[1] / "assets" / "axe.min.js"
SERIOUS = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    # Colours are only judged once arrival animations (fading in) have finished.
    await page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running')"
    )
    # Evaluated through the DevTools protocol, so the page's CSP does not block it.
    await page.evaluate(_axe_source())
    result: dict[str, Any] = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


async def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when it fits).

    Measured against the screen's own width, not `window.innerWidth`: on a phone,
    Chromium widens the layout viewport to take in whatever sticks out (and zooms the
    page out to fit), so `innerWidth` grows with the page and the difference stays 0.
    """
    viewport = page.viewport_size
    assert viewport is not None, "the page has no fixed screen size to fit"
    width: int = await page.evaluate("() => document.documentElement.scrollWidth")
    return max(0, width - viewport["width"])
