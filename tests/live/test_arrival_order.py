"""After a restart the projector is drawn before the room's phones, not behind them."""

from __future__ import annotations

from typing import Any

from server.live import audiences as aud
from server.live.channel import shared_screens_first
from server.live.socket import LiveSocket


def screen(audiences: tuple[str, ...], participant_id: int | None = None) -> LiveSocket:
    websocket: Any = object()  # never touched: only the order is looked at
    return LiveSocket(websocket, 1, audiences, "nb", participant_id)


def test_the_projector_and_tablets_come_before_the_phones_each_in_arrival_order() -> None:
    phones = [screen((aud.PHONES, aud.participant(n)), n) for n in range(1, 4)]
    display = screen((aud.DISPLAY,))
    tablet = screen((aud.FACILITATORS,))
    arrivals = [(phones[0], 5), (phones[1], None), (display, 5), (phones[2], 5), (tablet, None)]

    ordered = [socket for socket, _ in shared_screens_first(arrivals)]

    assert ordered == [display, tablet, *phones]
