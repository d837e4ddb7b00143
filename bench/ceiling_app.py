"""The ceiling: a bare Starlette broadcast endpoint with no database and no rendering.

`bench/vote_latency.py` drives it with the same load as the real server, so our
figures can be read as a share of what Python, uvicorn and the network allow here.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

displays: set[WebSocket] = set()
count = 0


async def vote(request: Request) -> PlainTextResponse:
    global count
    await request.body()
    count += 1
    message = f'<div data-ballots="{count}"></div>'
    for socket in list(displays):
        try:
            await socket.send_text(message)
        except Exception:
            displays.discard(socket)
    return PlainTextResponse("ok")


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def phone(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("<div>hello</div>")  # like our snapshot: the phone is synced
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass


async def display(websocket: WebSocket) -> None:
    await websocket.accept()
    displays.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        displays.discard(websocket)


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/vote", vote, methods=["POST"]),
        WebSocketRoute("/ws/phone", phone),
        WebSocketRoute("/ws/display", display),
    ]
)
