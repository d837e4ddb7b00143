"""Server memory per held phone, and where it goes (issue 11: at most 40 KiB).

    .venv/bin/python bench/socket_memory.py [--phones 1000] [--trace] [--top 15]

Starts `borgerpanel serve` (SQLite, memory broker) on a panel made for N phones, with
the projector and a tablet on their sockets, and then, through `bench/room_load.py`
processes (one per 500 phones), moves the crowd through four states, printing the
server's resident memory (VmRSS) at each:

- **idle**: nobody has joined;
- **joined**: every phone has joined as a browser does (front page, code, phone page)
  but opened no socket yet;
- **held**: every phone holds its socket and has its screen (its first frame);
- **released**: every socket closed again (the phones stay joined).

"KiB per held phone" is `bench/room.py`'s figure (held over idle, per phone); it is
split into what a join leaves behind (joined over idle) and what an open socket costs
(held over joined). With `--trace` the server runs under tracemalloc
(`bench/traced_serve.py`) and the differences between the states' snapshots are printed
grouped by traceback, largest first: which code holds the memory. Traced, the resident
figures are tracemalloc's as much as the server's: the untraced run gives those.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.prepared import prepare
from bench.room import FIRST_STEP, PHONES_PER_LOAD, SETTLE, Crowd, Display, LoadProcess, Ours
from bench.servers import SECRET, SERVE, Server, database

ARRIVALS = 50
"""Phones joining at once across the room, as bench/room.py's lobby rush."""
TRACED_ARRIVALS = 10
"""Traced, the server is several times slower: fewer at once, or joins time out (503)."""
TRACED = [sys.executable, "-m", "bench.traced_serve", "serve"]
STATES = ("idle", "joined", "held", "released")


async def snapshot(server: Server, target: str, n: int) -> tracemalloc.Snapshot:
    """Ask the traced server for its n-th snapshot and wait until it is written."""
    server.process.send_signal(signal.SIGUSR1)
    path = f"{target}.{n}"
    for _ in range(1200):
        if await asyncio.to_thread(os.path.exists, path):
            return await asyncio.to_thread(tracemalloc.Snapshot.load, path)
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no snapshot {path}")


def print_growth(
    label: str, before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, phones: int, top: int
) -> None:
    """The tracebacks whose live memory grew most between two states, per phone."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    total = sum(stat.size_diff for stat in diff)
    print(f"\n{label}: traced growth {total / 1024 / phones:.1f} KiB per phone, largest first")
    for stat in diff[:top]:
        print(
            f"  {stat.size_diff / 1024 / phones:7.2f} KiB/phone "
            f"{stat.count_diff / phones:6.1f} blocks/phone"
        )
        for line in _ours(stat.traceback):
            print(f"      {line}")


def _ours(traceback: tracemalloc.Traceback, frames: int = 6) -> list[str]:
    """The innermost frames, and the innermost frame of our own code if deeper."""
    shown = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in traceback]
    innermost = list(reversed(shown))[:frames]
    own = [s for s in reversed(shown) if "/server/" in s or s.startswith("server/")]
    if own and own[0] not in innermost:
        innermost.append("… " + own[0])
    return innermost


async def run(phones: int, trace: bool, top: int, work: Path) -> dict[str, int]:
    env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": str(work / "data")}
    target = str(work / "snapshot")
    if trace:
        env["BENCH_TRACE_TO"] = target
    async with database("sqlite") as extra:
        env.update(extra)
        panel = await prepare(env, phones, start_at=FIRST_STEP)
        server = Server(TRACED if trace else SERVE, env, work / "server.log")
        loads = max(1, math.ceil(phones / PHONES_PER_LOAD))
        crowd = Crowd(
            list(await asyncio.gather(*(LoadProcess.start() for _ in range(loads)))), phones
        )
        display, tablet = Display(), Display()
        rss: dict[str, int] = {}
        snaps: dict[str, tracemalloc.Snapshot] = {}
        at_once = max(1, (TRACED_ARRIVALS if trace else ARRIVALS) // loads)
        socket_path = f"/ws/p/{panel.panel_id}"

        async def mark(state: str) -> None:
            await asyncio.sleep(SETTLE)
            if trace:
                snaps[state] = await snapshot(server, target, len(snaps) + 1)
            rss[state] = server.rss_kib()
            print(f"  {state}: server resident {rss[state] / 1024:.1f} MiB", flush=True)

        try:
            await server.ready()
            ours = Ours([server], panel, "sqlite")
            cookie = await ours.log_in()
            await display.open(f"{server.ws}/ws/d/{panel.display_token}")
            await tablet.open(f"{server.ws}/ws/f/{panel.panel_id}", cookie)
            await mark("idle")

            def share(n: int) -> dict[str, object]:
                mine = [[i, server.url] for i in crowd.share(n)]
                return {"phones": mine, "code": panel.code, "socket_path": None, "at_once": at_once}

            replies = await crowd.all("join", share)
            errors = [e for r in replies for e in r["errors"]]
            joined = max(1, phones - len(errors))
            await mark("joined")
            errors += [
                e
                for r in await crowd.each("connect", socket_path=socket_path, at_once=at_once)
                for e in r["errors"]
            ]
            held = sum(r["held"] for r in await crowd.each("held"))
            await mark("held")
            await crowd.each("disconnect")
            await mark("released")
            await ours.close()
        finally:
            await display.close()
            await tablet.close()
            await asyncio.gather(*(load.stop() for load in crowd.loads))
            server.stop()
        if errors or held < phones:
            print(f"  {held} of {phones} held, {len(errors)} errors: {errors[:3]}")
        if trace:
            print_growth("joined over idle", snaps["idle"], snaps["joined"], joined, top)
            print_growth("held over joined", snaps["joined"], snaps["held"], held, top)
            print_growth("released over held", snaps["held"], snaps["released"], held, top)
    per = {
        "per held phone (held - idle)": (rss["held"] - rss["idle"]) / max(1, held),
        "per join (joined - idle)": (rss["joined"] - rss["idle"]) / joined,
        "per socket (held - joined)": (rss["held"] - rss["joined"]) / max(1, held),
        "kept after close (released - idle)": (rss["released"] - rss["idle"]) / joined,
    }
    print(f"\n{held} phones held{' (traced: not the server alone)' if trace else ''}:")
    for label, kib in per.items():
        print(f"  {label}: {kib:.1f} KiB")
    return rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: where it goes")
    parser.add_argument("--top", type=int, default=15, help="tracebacks printed per state")
    args = parser.parse_args(argv)
    print(f"load average: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="borgerpanel-socket-memory-") as tmp:
        asyncio.run(run(args.phones, args.trace, args.top, Path(tmp)))
    print(f"load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
