"""Live screens: a facilitator's click reaches every phone and the display, fast and whole."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import pytest

from server.broker import MISSED
from server.live import channel as live_channel
from server.live.change import Change, channel
from tests.support.day import Day, PanelInfo, page_seq, text_of
from tests.support.people import LiveScreen, Person
from tests.support.reporting import table_ids
from tests.support.settle import settled


async def connect_phone(day: Day, panel: PanelInfo) -> tuple[Person, LiveScreen]:
    phone = await day.phone(panel)
    seq = page_seq((await phone.get(f"/p/{panel.id}")).text)
    screen = await phone.socket(f"/ws/p/{panel.id}", seq)
    await screen.receive()  # the greeting: nothing missed since the page was loaded
    return phone, screen


def step_update(message: dict[str, object]) -> bool:
    return 'id="phone-step"' in str(message.get("content", "")) or 'id="display-step"' in str(
        message.get("content", "")
    )


async def test_an_advance_reaches_fifty_phones_and_the_display_within_a_second(
    live_day: Day,
) -> None:
    panel = await live_day.panel(tables=5)
    phones = [await connect_phone(live_day, panel) for _ in range(50)]
    projector = live_day.person()
    display_seq = page_seq((await projector.get(f"/d/{panel.display_token}")).text)
    display = await projector.socket(f"/ws/d/{panel.display_token}", display_seq)
    await display.receive()
    await settled(live_day, panel.id)  # join counts and presence
    for _, screen in phones:
        await screen.drain(0.05)
    await display.drain(0.05)

    tablet = await live_day.staff("facilitator", panel)
    started = time.monotonic()
    response = await tablet.post(f"/panels/{panel.id}/agenda/start")
    assert response.status_code == 200
    screens = [screen for _, screen in phones] + [display]
    messages = await asyncio.gather(*(s.receive_until(step_update, 1.0) for s in screens))
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the last screen changed after {elapsed:.2f} s"
    for message in messages:
        assert "Survey before the discussion" in text_of(str(message["content"]))
    # Rendered once per audience: every phone got the very same bytes.
    phone_frames = {screen.frames[-1] for _, screen in phones}
    assert len(phone_frames) == 1
    for _, screen in phones:
        await screen.close()
    await display.close()


async def test_a_reconnect_with_a_stale_seq_gets_a_snapshot(live_day: Day) -> None:
    panel = await live_day.panel()
    phone, screen = await connect_phone(live_day, panel)
    stale = page_seq((await phone.get(f"/p/{panel.id}")).text)
    await screen.close()
    tablet = await live_day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/agenda/start")  # happens while the phone is away

    again = await phone.socket(f"/ws/p/{panel.id}", stale)
    snapshot = await again.receive()
    assert snapshot["snapshot"] is True
    assert snapshot["seq"] == await live_day.seq(panel.id)
    assert "Survey before the discussion" in text_of(str(snapshot["content"]))
    await again.close()

    current = await phone.socket(f"/ws/p/{panel.id}", await live_day.seq(panel.id))
    greeting = await current.receive()
    assert greeting["snapshot"] is False
    assert 'id="phone-step"' not in str(greeting["content"])  # nothing to resend
    await current.close()


async def test_a_client_that_sees_a_gap_asks_for_and_gets_a_snapshot(live_day: Day) -> None:
    panel = await live_day.panel()
    _, screen = await connect_phone(live_day, panel)
    await screen.connection.send('{"type": "resync"}')
    snapshot = await screen.receive_until(lambda m: m.get("snapshot") is True)
    assert 'id="phone-step"' in str(snapshot["content"])
    await screen.close()


async def test_updates_form_a_chain_each_message_naming_the_one_before(live_day: Day) -> None:
    panel = await live_day.panel()
    _, screen = await connect_phone(live_day, panel)
    tablet = await live_day.staff("facilitator", panel)
    chain = None
    for action in ("start", "advance", "advance", "back"):
        await tablet.post(f"/panels/{panel.id}/agenda/{action}")
        message = await screen.receive_until(lambda m: "prev" in m)
        if chain is not None:
            assert message["prev"] == chain
        chain = message["seq"]
    await screen.close()


async def test_a_lost_broker_message_makes_every_screen_resync(live_day: Day) -> None:
    panel = await live_day.panel()
    _, screen = await connect_phone(live_day, panel)
    seq = await live_day.seq(panel.id)
    # Event seq+1 never arrives (a crashed writer); seq+2 does.
    lost = Change(panel.id, seq + 2, ("timer",), ("phones",))
    await live_day.services.broker.publish(channel(panel.id), lost.encode())
    snapshot = await screen.receive_until(lambda m: m.get("snapshot") is True, timeout=5)
    assert 'id="phone-step"' in str(snapshot["content"])
    await screen.close()


async def test_a_broker_reconnect_resyncs_every_screen(live_day: Day) -> None:
    panel = await live_day.panel()
    screens = [(await connect_phone(live_day, panel))[1] for _ in range(3)]
    await live_day.services.broker.publish(channel(panel.id), MISSED)
    for screen in screens:
        snapshot = await screen.receive_until(lambda m: m.get("snapshot") is True)
        assert 'id="phone-step"' in str(snapshot["content"])
        await screen.close()


async def test_a_moved_participant_follows_their_new_table_live(live_day: Day) -> None:
    panel = await live_day.panel(tables=2)
    _, screen = await connect_phone(live_day, panel)
    first, second = await table_ids(live_day, panel)
    organiser = await live_day.staff("organiser")
    await organiser.post(f"/panels/{panel.id}/move", {"number": "1", "table": second})
    moved = await screen.receive_until(lambda m: "Table 2" in text_of(str(m.get("content"))))
    assert moved["snapshot"] is True
    await organiser.post(f"/panels/{panel.id}/tables/{first}", {"label": "Old table"})
    await organiser.post(f"/panels/{panel.id}/tables/{second}", {"label": "Window table"})
    renamed = await screen.receive_until(lambda m: 'id="phone-table"' in str(m.get("content")))
    assert "Window table" in text_of(str(renamed["content"]))
    assert not any("Old table" in frame for frame in screen.frames)
    await screen.close()


async def test_joins_reach_the_display_coalesced_and_the_count_ends_right(
    live_day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half a second between the display's flushes (20 a second in production), so
    # twelve joins on a slow machine still come faster than one render each.
    monkeypatch.setattr(live_channel, "COALESCE", 0.5)
    panel = await live_day.panel()
    projector = live_day.person()
    display_seq = page_seq((await projector.get(f"/d/{panel.display_token}")).text)
    display = await projector.socket(f"/ws/d/{panel.display_token}", display_seq)
    await display.receive()
    started = time.monotonic()
    await asyncio.gather(*(live_day.phone(panel) for _ in range(12)))
    await settled(live_day, panel.id)
    elapsed = time.monotonic() - started
    messages = await display.drain(1.0)
    counts = [m for m in messages if 'id="display-count"' in str(m.get("content"))]
    assert counts, "the display never heard of the joins"
    # Coalesced: at most one render per COALESCE while the joins came in, not one per join.
    assert len(counts) <= 2 + elapsed / 0.5, (len(counts), elapsed)
    assert "12 have joined" in text_of(str(counts[-1]["content"]))
    await display.close()


async def test_facilitators_see_who_is_connected_now(live_day: Day) -> None:
    panel = await live_day.panel()
    tablet = await live_day.staff("facilitator", panel)
    seq = page_seq((await tablet.get(f"/panels/{panel.id}/run")).text)
    screen = await tablet.socket(f"/ws/f/{panel.id}", seq)
    await screen.receive()
    _, phone_screen = await connect_phone(live_day, panel)

    def tables_with(word: str):
        return lambda m: 'id="fac-tables"' in str(m.get("content")) and word in str(m["content"])

    online = await screen.receive_until(tables_with("is-online"))
    assert "1 joined, 1 connected now" in text_of(str(online["content"]))
    await phone_screen.close()
    offline = await screen.receive_until(tables_with("is-offline"))
    assert "1 joined, 0 connected now" in text_of(str(offline["content"]))
    await screen.close()


async def test_each_audience_gets_only_its_own_fragments(live_day: Day) -> None:
    panel = await live_day.panel()
    _, phone_screen = await connect_phone(live_day, panel)
    tablet = await live_day.staff("facilitator", panel)
    seq = page_seq((await tablet.get(f"/panels/{panel.id}/run")).text)
    staff_screen = await tablet.socket(f"/ws/f/{panel.id}", seq)
    await staff_screen.receive()
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    await settled(live_day, panel.id)
    ids: dict[str, set[str]] = defaultdict(set)
    for name, screen in (("phone", phone_screen), ("staff", staff_screen)):
        for message in await screen.drain(0.3):
            content = str(message.get("content"))
            for fragment in ("phone-step", "fac-agenda", "display-step"):
                if f'id="{fragment}"' in content:
                    ids[name].add(fragment)
    assert ids["phone"] == {"phone-step"}
    assert ids["staff"] == {"fac-agenda"}
    await phone_screen.close()
    await staff_screen.close()
