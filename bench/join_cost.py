"""Server CPU per phone joining, at several room sizes (the lobby rush's cost, issue 11).

    .venv/bin/python bench/join_cost.py [--rooms 0,100,1000] [--batch 100] [--arrivals 20]
                                        [--py-spy DIR]

One server on SQLite with the memory broker, the projector and the facilitator's tablet
connected (a join is announced to them). For each room size R in `--rooms`, phones join
(unmeasured) until R are in and holding a socket, then `--batch` more join as a browser
does (front page, code, phone page, socket until its first frame; `bench/room_load.py`),
`--arrivals` at a time, and the server's CPU (from /proc, including a short settle for
coalesced screen updates) is divided by the batch. Beside it: what the held room costs
when nobody joins (measured just before, scaled to the batch's time), which a slow
batch on a busy machine adds to the figure without the joins causing it. The lobby
rush needs the joins' own CPU well under 20 ms, and flat as the room grows, for 2,000
phones to join within 60 s on two cores. With `--py-spy DIR` each measured batch is
recorded (`bench/profile_fanout.py --top DIR/join-R.txt` summarises it). Not a test:
the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.browser import log_in_staff
from bench.prepared import prepare
from bench.profile_fanout import spy, top, unspy
from bench.room_load import Load
from bench.servers import SECRET, SERVE, Server, now

SETTLE = 1.0
"""After a batch, screen updates still coalescing are waited for and counted."""
IDLE = 5.0
"""Before a batch, the held room's own CPU (pings, presence, timers) is measured this
long: on a loaded machine a batch takes long, and that share is not the joins' cost."""


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", default="0,100,1000", help="room sizes, comma separated")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--arrivals", type=int, default=20)
    parser.add_argument("--py-spy", type=Path, default=None, dest="spy")
    args = parser.parse_args(argv)
    rooms = sorted({int(r) for r in args.rooms.split(",")})
    if args.spy is not None:
        args.spy.mkdir(parents=True, exist_ok=True)
    import httpx
    import websockets

    with tempfile.TemporaryDirectory() as work:
        env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": f"{work}/data"}
        panel = await prepare(env, rooms[-1] + args.batch, start_at=1)
        server = Server(SERVE, env, Path(work) / "server.log")
        load = Load()
        tablet = httpx.AsyncClient(timeout=120)
        screens: list[websockets.ClientConnection] = []
        try:
            await server.ready()
            await log_in_staff(tablet, server.url)
            cookie = f"borgerpanel={tablet.cookies['borgerpanel']}"
            screens.append(await websockets.connect(f"{server.ws}/ws/d/{panel.display_token}"))
            screens.append(
                await websockets.connect(
                    f"{server.ws}/ws/f/{panel.panel_id}", additional_headers={"Cookie": cookie}
                )
            )
            drains = [asyncio.create_task(_drain(s)) for s in screens]

            async def arrive(first: int, count: int) -> None:
                phones = [[i, server.url] for i in range(first, first + count)]
                reply = await load.join(
                    phones, panel.code, f"/ws/p/{panel.panel_id}", args.arrivals
                )
                if reply["errors"]:
                    raise RuntimeError(
                        f"{len(reply['errors'])} joins failed: {reply['errors'][:3]}"
                    )

            print(
                "room before | joins | server CPU per join | of it, the held room's idle CPU"
                " | wall per join | load avg",
                flush=True,
            )
            print("--- | --- | --- | --- | --- | ---", flush=True)
            for room in rooms:
                if len(load.phones) < room:
                    await arrive(len(load.phones), room - len(load.phones))
                await asyncio.sleep(SETTLE)
                cpu, started = server.cpu(), now()
                await asyncio.sleep(IDLE)
                idle = (server.cpu() - cpu) / (now() - started)
                spying = spy(server.process.pid, args.spy, f"join-{room}")
                cpu, started = server.cpu(), now()
                await arrive(len(load.phones), args.batch)
                wall = now() - started
                await asyncio.sleep(SETTLE)
                used = server.cpu() - cpu
                unspy(spying)
                print(
                    f"{room} | {args.batch} | {1000 * used / args.batch:.1f} ms"
                    f" | {1000 * idle * (wall + SETTLE) / args.batch:.1f} ms"
                    f" | {1000 * wall / args.batch:.1f} ms | {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
            for task in drains:
                task.cancel()
        finally:
            for socket in screens:
                await socket.close()
            await load.close()
            await tablet.aclose()
            server.stop()
    if args.spy is not None:
        for room in rooms:
            if (args.spy / f"join-{room}.txt").exists():
                print(f"\n== room {room}")
                top(args.spy / f"join-{room}.txt")
    return 0


async def _drain(socket: object) -> None:
    """Read a screen's frames so that the server's sends to it never back up."""
    import websockets

    assert isinstance(socket, websockets.ClientConnection)
    try:
        async for _ in socket:
            pass
    except websockets.ConnectionClosed:
        return


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(asyncio.run(main()))
