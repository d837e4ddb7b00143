"""Serving one WebSocket: check who it is, attach it to the hub, pump until it closes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.websockets import WebSocket

from server.live.socket import CLOSE_GONE, LiveSocket
from server.web.access import services_of
from server.web.numbers import id_or_none


def same_origin(websocket: WebSocket) -> bool:
    """Refuse cross-site WebSockets: cookies ride along, so another site could listen."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser (tests, the benchmark)
    return urlsplit(origin).netloc == websocket.headers.get("host")


def requested_seq(websocket: WebSocket) -> int | None:
    return id_or_none(websocket.query_params.get("seq"))


async def refuse(websocket: WebSocket) -> None:
    await websocket.close(CLOSE_GONE)


async def serve(
    websocket: WebSocket,
    panel_id: int,
    audiences: tuple[str, ...],
    language: str,
    participant_id: int | None = None,
    refresh: Callable[[], Awaitable[tuple[str, ...] | None]] | None = None,
) -> None:
    hub = services_of(websocket).hub
    await websocket.accept()
    base_url = services_of(websocket).base_url(websocket)
    socket = LiveSocket(websocket, panel_id, audiences, language, participant_id, base_url, refresh)
    channel = hub.attach(socket, requested_seq(websocket))
    tasks = [
        asyncio.create_task(socket.pump()),
        asyncio.create_task(socket.listen(lambda: channel.resync(socket))),
    ]
    try:
        await socket.closed.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        hub.detach(socket)
