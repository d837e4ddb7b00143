"""What a room of phones costs the server: a message budget per phone, one render per group."""

from __future__ import annotations

import json
import re
import time

from server.live import channel as live_channel
from server.ops import voting
from server.ops.events import SYSTEM
from tests.live.test_fanout import connect_phone
from tests.support.day import Day
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
