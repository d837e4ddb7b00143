"""The ceiling: a bare Starlette app doing our fan-out with pre-rendered bytes.

No database, no rendering, no outboxes: what Python, uvicorn and the sockets allow
on this machine. `bench/vote_latency.py` and `bench/room.py` drive it with the same
load as the real server, and print our figures as a share of it.

- `POST /shape` (JSON) sets the sizes to mirror, as `bench/room.py` measured them on
  our server: the step frame each phone gets and the frames that come with it, the
  display's step and tally frames, what phones get per ballot (if anything) and the
  answer to a ballot. Without it, a ballot sends a small tally to the display only.
- `POST /step` (form `key`): every phone gets the step frame (carrying `key` where ours
  carries its `data-step-key`) and its companions, the display its step frame.
- `POST /vote`: counts the ballot and sends every display the tally at once; every
  `phone_every`-th ballot, every phone gets a frame of `phone_bytes`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


@dataclass
class Shape:
    step_bytes: int = 0
    step_extra_frames: int = 0
    step_extra_bytes: int = 0
    display_step_bytes: int = 0
    tally_bytes: int = 0
    phone_every: int = 0
    phone_bytes: int = 0
    answer_bytes: int = 2


shape = Shape()
phones: set[WebSocket] = set()
displays: set[WebSocket] = set()
count = 0
seq = 0
background: set[asyncio.Task[None]] = set()


def frame(content: str, size: int) -> str:
    """A frame shaped like ours (JSON with the HTML in `content`), padded to `size` bytes."""
    global seq
    seq += 1
    text = json.dumps({"seq": seq, "content": content}, separators=(",", ":"))
    missing = size - len(text.encode())
    if missing > 0:
        text = json.dumps({"seq": seq, "content": content + " " * missing}, separators=(",", ":"))
    return text


async def send_all(sockets: set[WebSocket], messages: list[str]) -> None:
    for socket in list(sockets):
        try:
            for message in messages:
                await socket.send_text(message)
        except Exception:
            sockets.discard(socket)


def fan_out(sockets: set[WebSocket], messages: list[str]) -> None:
    """Send after answering, as our server does after its commit."""
    task = asyncio.get_running_loop().create_task(send_all(sockets, messages))
    background.add(task)
    task.add_done_callback(background.discard)


async def configure(request: Request) -> PlainTextResponse:
    global shape
    shape = Shape(**json.loads(await request.body()))
    return PlainTextResponse("ok")


async def step(request: Request) -> PlainTextResponse:
    key = str((await request.form()).get("key", ""))
    marker = f'<section data-step-key="{key}"></section>'
    fan_out(
        phones,
        [
            frame(marker, shape.step_bytes),
            *(frame("<div></div>", shape.step_extra_bytes) for _ in range(shape.step_extra_frames)),
        ],
    )
    fan_out(displays, [frame(marker, shape.display_step_bytes)])
    return PlainTextResponse("ok")


async def vote(request: Request) -> Response:
    global count
    await request.body()
    count += 1
    fan_out(displays, [frame(f'<div data-ballots="{count}"></div>', shape.tally_bytes)])
    if shape.phone_every and count % shape.phone_every == 0:
        fan_out(phones, [frame("<div></div>", shape.phone_bytes)])
    return PlainTextResponse("o" * max(2, shape.answer_bytes))


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def hold(websocket: WebSocket, sockets: set[WebSocket]) -> None:
    await websocket.accept()
    await websocket.send_text("<div>hello</div>")  # like our snapshot: the screen is synced
    sockets.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        sockets.discard(websocket)


async def phone(websocket: WebSocket) -> None:
    await hold(websocket, phones)


async def display(websocket: WebSocket) -> None:
    await hold(websocket, displays)


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/shape", configure, methods=["POST"]),
        Route("/step", step, methods=["POST"]),
        Route("/vote", vote, methods=["POST"]),
        WebSocketRoute("/ws/phone", phone),
        WebSocketRoute("/ws/display", display),
    ]
)
