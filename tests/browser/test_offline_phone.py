"""A phone whose network drops keeps working: what it writes is kept, shown as kept, and
sent by itself (once) when the network returns, even across a reload while offline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect
from sqlalchemy import func, select

from server.db.models import Ballot, BallotReceipt
from server.i18n import translate
from server.ops import arguments, voting
from server.ops.events import SYSTEM
from server.routes import participant
from tests.support.accessibility import axe_violations, horizontal_overflow
from tests.support.browser import NARROW_PHONE, chromium, connected, screen
from tests.support.day import Day, PanelInfo
from tests.support.deliberation import open_step, stored_arguments, with_proposals
from tests.support.voting import open_vote

pytestmark = pytest.mark.browser

WAITING = "Saved on this phone — sending when the network is back."
ARGUMENT = "Buses every ten minutes would make the car unnecessary"
DRAFT = "Half a thought about parking that I have not sent"


async def join(page: Page, panel: PanelInfo) -> None:
    await page.goto(f"/j/{panel.code}")
    await page.get_by_role("button", name="Join the panel").click()
    await connected(page)


async def works_offline(page: Page, showing: str = "") -> None:
    """Wait until the service worker keeps this page (with `showing` in it, when given)
    for a reload without a network."""
    for _ in range(100):
        kept = await page.evaluate(
            """async (showing) => {
                if (!navigator.serviceWorker.controller) return false;
                const pages = await caches.open('borgerpanel-pages');
                const copy = await pages.match(location.pathname);
                return !!copy && (await copy.text()).includes(showing);
            }""",
            showing,
        )
        if kept:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the phone page was never kept for offline use with {showing!r}")


class Network:
    """A phone's network that can drop. Playwright's offline mode does not reach the
    service worker's own requests, so while offline these are refused here as well."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.refused_from_worker: list[str] = []

    async def _refuse_worker(self, route: Route) -> None:
        if route.request.service_worker is not None:
            self.refused_from_worker.append(route.request.url)
            await route.abort("internetdisconnected")
        else:
            await route.fallback()

    async def drop(self) -> None:
        await self.context.route("**/*", self._refuse_worker)
        await self.context.set_offline(True)

    async def restore(self) -> None:
        await self.context.unroute("**/*", self._refuse_worker)
        await self.context.set_offline(False)


async def reload_offline(page: Page, network: Network) -> None:
    """Reload with no network: only the service worker's copy can answer."""
    before = len(network.refused_from_worker)
    answer = await page.reload(wait_until="load")
    assert answer is not None and answer.from_service_worker
    assert any(
        url.endswith(page.url.split("/", 3)[3]) for url in network.refused_from_worker[before:]
    )
    await page.wait_for_selector("#connection:not([hidden])")


async def accessible_at_320(page: Page, what: str) -> None:
    assert await axe_violations(page) == [], what
    assert await horizontal_overflow(page) == 0, f"{what} is wider than 320 px"


async def ballots_of(day: Day, panel: PanelInfo, step_id: int) -> tuple[int, int]:
    """(ballots, receipts) stored for this vote."""
    async with day.services.db.reading() as session:
        ballots = await session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.step_id == step_id)
        )
        receipts = await session.scalar(
            select(func.count()).select_from(BallotReceipt).where(BallotReceipt.step_id == step_id)
        )
    return int(ballots or 0), int(receipts or 0)


async def test_writes_made_offline_survive_a_reload_and_are_sent_once_when_back_online(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=2, title="Bypanel")
    bus, _ = await with_proposals(live_day, panel, "Car-free centre", "Free buses")
    await open_step(live_day, panel, "discussion", proposals=f"{bus}")
    async with chromium() as browser:
        context, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        network = Network(context)
        await join(phone, panel)
        await works_offline(phone)
        banner = phone.locator("#connection")

        # The network goes; the phone says so, and what is written now is kept on it.
        await network.drop()
        await banner.wait_for(state="visible")
        form = phone.locator("#argument-form")
        await form.get_by_label("For", exact=True).check()
        await form.get_by_label("The argument").fill(ARGUMENT)
        await form.get_by_role("button", name="Send", exact=True).click()
        kept = form.locator("[data-send-status] .outbox-entry", has_text=ARGUMENT)
        await expect(kept).to_contain_text(WAITING)
        await expect(kept).to_be_in_viewport()
        # Something typed and not sent yet is a draft.
        await form.get_by_label("The argument").fill(DRAFT)
        await accessible_at_320(phone, "phone with a write kept offline")
        await phone.screenshot(path=artifacts / "offline-argument-kept.png", full_page=True)

        # A reload without a network: the page comes from the phone, with all of it.
        await reload_offline(phone, network)
        await expect(form.locator("[data-send-status]")).to_contain_text(ARGUMENT)
        await expect(form.locator("[data-send-status]")).to_contain_text(WAITING)
        await expect(form.get_by_label("The argument")).to_have_value(DRAFT)
        assert await stored_arguments(live_day, panel) == []

        # The network returns: sent by itself, shown as sent where it was written.
        await network.restore()
        sent = form.locator("[data-send-status] .outbox-entry.is-sent")
        await expect(sent).to_contain_text("Sent", timeout=15_000)
        await expect(sent).to_be_in_viewport()
        await banner.wait_for(state="hidden", timeout=15_000)
        await expect(form.get_by_label("The argument")).to_have_value(DRAFT)
        await phone.screenshot(path=artifacts / "offline-argument-sent.png", full_page=True)
        stored = await stored_arguments(live_day, panel)
        assert [a.text for a in stored] == [ARGUMENT]

        # The vote opens; the network goes again while this phone votes.
        step_id, _ = await open_vote(live_day, panel, "single", "More bike lanes", "Free ferry")
        await phone.wait_for_selector("#ballot-form")
        # The phone keeps a copy of its page a moment after live updates settle; the
        # network drops once the vote is in it.
        await works_offline(phone, 'id="ballot-form"')
        await network.drop()
        await banner.wait_for(state="visible")
        ballot = phone.locator("#ballot-form")
        await ballot.get_by_label("Free ferry").check()
        await ballot.get_by_role("button", name="Cast my ballot").click()
        await expect(ballot.locator("[data-send-status]")).to_contain_text(WAITING)
        await expect(ballot.locator("[data-send-status]")).to_contain_text("Free ferry")
        await expect(ballot.locator("[data-send-status]")).to_be_in_viewport()
        await accessible_at_320(phone, "phone with a ballot kept offline")
        await phone.screenshot(path=artifacts / "offline-ballot-kept.png", full_page=True)
        await reload_offline(phone, network)
        await expect(ballot.get_by_label("Free ferry")).to_be_checked()
        await expect(ballot.locator("[data-send-status]")).to_contain_text(WAITING)
        assert await ballots_of(live_day, panel, step_id) == (0, 0)

        await network.restore()
        counted = ballot.locator("[data-send-status] .outbox-entry.is-sent")
        await expect(counted).to_contain_text("Your ballot is counted", timeout=15_000)
        await expect(counted).to_be_in_viewport()
        await expect(phone.locator("#phone-my-ballot")).to_contain_text("Free ferry")
        await banner.wait_for(state="hidden", timeout=15_000)
        await accessible_at_320(phone, "phone with its ballot sent")
        await phone.screenshot(path=artifacts / "offline-ballot-sent.png", full_page=True)
        assert await ballots_of(live_day, panel, step_id) == (1, 1)
        # Nothing is left to send: a later reload sends nothing again.
        assert await phone.evaluate("localStorage.getItem('borgerpanel:outbox')") == "[]"
        await phone.reload()
        await connected(phone)
        await asyncio.sleep(1.5)
        assert await ballots_of(live_day, panel, step_id) == (1, 1)
        assert [a.text for a in await stored_arguments(live_day, panel)] == [ARGUMENT]


async def test_a_ballot_kept_offline_for_a_vote_that_closed_shows_the_refusal_beside_it(
    live_day: Day, artifacts: Path
) -> None:
    panel = await live_day.panel(tables=2)
    step_id, _ = await open_vote(live_day, panel, "single", "Car-free centre", "Free buses")
    async with chromium() as browser:
        context, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        network = Network(context)
        await join(phone, panel)
        await network.drop()
        ballot = phone.locator("#ballot-form")
        await ballot.get_by_label("Free buses").check()
        await ballot.get_by_role("button", name="Cast my ballot").click()
        await expect(ballot.locator("[data-send-status]")).to_contain_text(WAITING)

        await voting.close(live_day.services.units, panel.id, SYSTEM)  # meanwhile, at the front
        await network.restore()
        refused = phone.locator(".outbox-entry.is-refused")
        await expect(refused).to_contain_text("This vote has closed", timeout=15_000)
        await expect(refused).to_contain_text("Free buses")  # the choice it kept
        await expect(refused).to_be_in_viewport()
        await accessible_at_320(phone, "phone with a refused ballot")
        await phone.screenshot(path=artifacts / "offline-ballot-refused.png", full_page=True)
        assert await ballots_of(live_day, panel, step_id) == (0, 0)

        # It stays until the participant has read it, also across a reload.
        await phone.reload()
        await expect(refused).to_contain_text("Free buses")
        await refused.get_by_role("button", name="Dismiss").click()
        await expect(phone.locator(".outbox-entry")).to_have_count(0)
        assert await phone.evaluate("localStorage.getItem('borgerpanel:outbox')") == "[]"


async def test_a_server_error_is_shown_translated_beside_the_button_and_retried(
    live_day: Day, artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = await live_day.panel(tables=2, language="nb")
    await open_step(live_day, panel, "discussion")
    failing = "Something went wrong on our side. Please try again in a moment."
    message = translate("nb", failing)
    assert message != failing, "the error message has no bokmål translation"
    real_submit = arguments.submit
    failures = 0

    async def broken_submit(*args: object, **kwargs: object) -> object:
        nonlocal failures
        failures += 1
        raise RuntimeError("the database went away for this request")

    monkeypatch.setattr(arguments, "submit", broken_submit)
    async with chromium() as browser:
        _, phone = await screen(browser, live_day.base_url, NARROW_PHONE, language="nb")
        await phone.goto(f"/j/{panel.code}")
        await phone.locator("form[action='/join'] button[type=submit]").click()
        await connected(phone)
        form = phone.locator("#argument-form")
        await form.locator("input[name=stance][value=against]").check()
        await form.locator("textarea[name=text]").fill(ARGUMENT)
        await form.locator("button[type=submit]").click()
        failed = form.locator("[data-send-status] .outbox-entry.is-failed")
        await expect(failed).to_contain_text(message, timeout=10_000)
        await expect(failed).to_contain_text(ARGUMENT)
        await expect(failed).to_be_in_viewport()
        assert "Internal Server Error" not in await phone.locator("main").inner_text()
        await accessible_at_320(phone, "phone after a server error")
        await phone.screenshot(path=artifacts / "server-error-phone.png", full_page=True)
        assert failures >= 1

        # The server recovers; the phone tries again by itself and the argument is stored once.
        monkeypatch.setattr(arguments, "submit", real_submit)
        sent = form.locator("[data-send-status] .outbox-entry.is-sent")
        await expect(sent).to_contain_text(translate("nb", "Sent."), timeout=20_000)
        assert [a.text for a in await stored_arguments(live_day, panel)] == [ARGUMENT]


async def test_a_server_error_on_a_page_is_our_own_translated_page(
    live_day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = await live_day.panel(tables=2)
    await open_step(live_day, panel, "discussion")
    phone = await live_day.phone(panel)

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away for this request")

    monkeypatch.setattr(participant, "render_screen", broken)
    monkeypatch.setattr(arguments, "submit", broken)
    failing = "Something went wrong on our side. Please try again in a moment."
    assert translate("nn", failing) != failing, "the error message has no nynorsk translation"
    answer = await phone.get(f"/p/{panel.id}", headers={"Accept-Language": "nn"})
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "<html" in answer.text and translate("nn", failing) in answer.text
    fragment = await phone.post(f"/p/{panel.id}/arguments", {"text": "x", "stance": "for"})
    assert fragment.status_code == 500
    assert failing in fragment.text and "<html" not in fragment.text


async def test_an_answer_lost_on_its_way_back_is_sent_again_and_stored_once(
    live_day: Day,
) -> None:
    """The argument reaches the server, but the phone never hears back (the Wi-Fi drops
    just then). The phone keeps it, sends it again with the same key by itself, and the
    server answers the retry with the first answer: one argument, shown as sent."""
    panel = await live_day.panel(tables=2)
    await open_step(live_day, panel, "discussion")
    lost: list[int] = []

    async def lose_the_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            answer = await route.fetch()  # the server stores it ...
            lost.append(answer.status)
            await route.abort("internetdisconnected")  # ... and the answer never arrives
        else:
            await route.fallback()

    async with chromium() as browser:
        context, phone = await screen(browser, live_day.base_url, NARROW_PHONE)
        await join(phone, panel)
        await context.route(f"**/p/{panel.id}/arguments", lose_the_answer)
        form = phone.locator("#argument-form")
        await form.get_by_label("Against", exact=True).check()
        await form.get_by_label("The argument").fill(ARGUMENT)
        await form.get_by_role("button", name="Send", exact=True).click()
        sent = form.locator("[data-send-status] .outbox-entry.is-sent")
        await expect(sent).to_contain_text("Sent", timeout=15_000)
        assert lost == [200]
        assert [a.text for a in await stored_arguments(live_day, panel)] == [ARGUMENT]
