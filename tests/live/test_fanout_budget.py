"""What a room of phones costs the server: a message budget per phone, one render per group."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from typing import Any

import pytest

from server.live import channel as live_channel
from server.ops import voting
from server.ops.events import SYSTEM
from tests.live.test_fanout import connect_phone, step_update
from tests.support.day import Day, text_of
from tests.support.people import Recorder
from tests.support.settle import settled
from tests.support.voting import open_vote

BALLOTS = re.compile(r'data-ballots="(\d+)"')


def tallies(recorder: Recorder, fragment: str) -> list[tuple[float, int]]:
    """(arrival, ballots counted) of every frame carrying `fragment` with a tally."""
    out = []
    for at, text in recorder.frames:
        content = str(json.loads(text).get("content", ""))
        if f'id="{fragment}"' in content:
            counts = BALLOTS.findall(content)
            if counts:
                out.append((at, max(int(n) for n in counts)))
    return out


async def test_phones_get_a_moving_tally_at_most_once_a_second_and_always_the_last(
    live_day: Day,
) -> None:
    panel = await live_day.panel(tables=2)
    _step, options = await open_vote(live_day, panel, "single", "Buses", "Bikes")
    await voting.reveal(live_day.services.units, panel.id, SYSTEM, True)
    voters = [await live_day.phone(panel) for _ in range(12)]
    _, screen = await connect_phone(live_day, panel)
    watcher = Recorder(screen)
    projector = live_day.person()
    display = await projector.socket(f"/ws/d/{panel.display_token}")
    wall = Recorder(display)
    await settled(live_day, panel.id)

    started = time.monotonic()
    for n, voter in enumerate(voters):
        response = await voter.post(f"/p/{panel.id}/ballot", {"choice": options[n % 2]})
        assert response.status_code == 200
    await settled(live_day, panel.id)
    elapsed = time.monotonic() - started

    phone = [t for t in tallies(watcher, "phone-results") if t[0] >= started]
    # The leading edge, then at most one flush per PHONE_COALESCE while ballots came in.
    assert 1 <= len(phone) <= 2 + elapsed / live_channel.PHONE_COALESCE, phone
    assert phone[-1][1] == len(voters)  # the phone ends on the final count
    shown = tallies(wall, "display-vote")
    assert shown and shown[-1][1] == len(voters)
    await watcher.close()
    await wall.close()


async def test_a_step_change_renders_what_many_phones_share_once(
    live_day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = await live_day.panel(tables=3)
    phones = [await connect_phone(live_day, panel) for _ in range(9)]
    await settled(live_day, panel.id)
    renderer = live_day.services.hub.renderer
    renders: Counter[str] = Counter()
    plain = renderer.render

    def counting(language: str, template: str, **context: Any) -> str:
        renders[template] += 1
        return plain(language, template, **context)

    monkeypatch.setattr(renderer, "render", counting)
    tablet = await live_day.staff("facilitator", panel)
    assert (await tablet.post(f"/panels/{panel.id}/agenda/start")).status_code == 200
    for _, screen in phones:
        message = await screen.receive_until(step_update)
        assert "Survey before the discussion" in text_of(str(message["content"]))
    await settled(live_day, panel.id)
    # Three tables with nothing of their own yet: each table's fragment is the same
    # for all of them and is rendered once, not once per table.
    for template in (
        "participant/_table_arguments.html",
        "participant/_statements.html",
        "participant/_table_questions.html",
        "participant/_queue.html",
    ):
        assert renders[template] == 1, (template, renders)
    for _, screen in phones:
        await screen.close()
