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


ROOM_MIN_PX = 20
"""The smallest text a projector may show at 1920 px: what the back of a hall can read."""


async def too_small_for_the_room(page: Page) -> str:
    """Names the projector's smallest text when it is under ROOM_MIN_PX ("" when none is)."""
    size, text = await smallest_text(page, ".display")
    return f"{text!r} is {size} px" if size < ROOM_MIN_PX else ""


async def smallest_text(page: Page, selector: str) -> tuple[float, str]:
    """The smallest font size (CSS px) of visible text under `selector`, and that text.

    The projector is read from the back of the room: a figure's footnote in 14 px is
    as good as missing there, so its tests bound the smallest text, not the average.
    """
    found: list[Any] = await page.evaluate(
        """(selector) => {
            let best = [Infinity, ""];
            for (const root of document.querySelectorAll(selector)) {
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const text = node.textContent.trim();
                    const element = node.parentElement;
                    if (!text || !element || !element.checkVisibility()) continue;
                    if (element.closest(".visually-hidden")) continue;
                    // SVG text is drawn at its font size times the drawing's scale.
                    const scale = element.getScreenCTM ? element.getScreenCTM().a : 1;
                    const size = parseFloat(getComputedStyle(element).fontSize) * scale;
                    if (size < best[0]) best = [size, text];
                }
            }
            return best;
        }""",
        selector,
    )
    return float(found[0]), str(found[1])
