"""The open-loop load: phones hold WebSockets, cast ballots on a fixed timetable, a display
receives tallies; latency is matched by the ballot count each tally carries."""

from __future__ import annotations

import asyncio
import json
import re
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypedDict

import websockets

from bench.browser import Phone

BALLOTS = re.compile(r'data-ballots="(\d+)"')


@dataclass
class Run:
    scheduled: list[float] = field(default_factory=list)
    accepted: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tallies: list[tuple[float, int]] = field(default_factory=list)
    held: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    server_cpu: float = 0.0  # seconds of CPU the server processes used while casting
    display_frames: int = 0


async def hold_sockets(
    phones: list[Phone], url_of: Callable[[Phone], str], limit: int = 100
) -> None:
    """Open every phone's WebSocket, a hundred at a time, and keep reading in the background.

    A phone counts as held once its first frame (its screen) has arrived: a room sits
    synced before a vote opens, and ballots sent while a thousand screens are still
    being drawn would measure the arrival, not the vote.
    """
    gate = asyncio.Semaphore(limit)

    async def one(phone: Phone) -> None:
        async with gate:
            phone.socket = await websockets.connect(
                url_of(phone),
                additional_headers={"Cookie": phone.cookie},
                compression=None,
                open_timeout=60,
                max_queue=None,
            )
            await asyncio.wait_for(phone.socket.recv(), timeout=120)
            asyncio.get_running_loop().create_task(_drain(phone.socket))

    await asyncio.gather(*(one(p) for p in phones))


async def _drain(socket: websockets.ClientConnection) -> None:
    try:
        async for _ in socket:
            pass
    except websockets.ConnectionClosed:
        pass


async def watch_display(
    url: str, run: Run, headers: dict[str, str] | None = None
) -> asyncio.Task[None]:
    socket = await websockets.connect(
        url, additional_headers=headers or {}, compression=None, max_queue=None
    )

    async def read() -> None:
        try:
            async for raw in socket:
                run.display_frames += 1
                text = raw if isinstance(raw, str) else raw.decode()
                if text.startswith("{"):
                    text = json.loads(text).get("content", "")
                found = BALLOTS.findall(text)
                if found:
                    run.tallies.append((time.monotonic(), max(int(n) for n in found)))
        except websockets.ConnectionClosed as closed:
            run.errors.append(f"the display was disconnected: {closed}")

    return asyncio.get_running_loop().create_task(read())


async def cast_on_timetable(
    count: int, rate: float, cast: Callable[[int], Awaitable[bool]], run: Run
) -> None:
    """Ballot i is sent at start + i/rate whether or not earlier ones have been answered."""
    start = time.monotonic() + 0.5
    usage = resource.getrusage(resource.RUSAGE_SELF)
    tasks = []
    for i in range(count):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        run.scheduled.append(due)

        async def one(i: int = i) -> None:
            try:
                if await cast(i):
                    run.accepted.append(time.monotonic())
                else:
                    run.errors.append(f"ballot {i} refused")
            except Exception as error:  # a benchmark counts failures, it does not stop
                run.errors.append(f"ballot {i}: {type(error).__name__}: {error}")

        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    await asyncio.sleep(2.0)  # let the last tallies arrive
    after = resource.getrusage(resource.RUSAGE_SELF)
    run.wall = time.monotonic() - start
    run.cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)


def held(phones: list[Phone]) -> int:
    """Phones whose WebSocket is still open at the end of the run."""
    return sum(1 for p in phones if p.socket is not None and p.socket.state.name == "OPEN")


def latencies(run: Run) -> list[float]:
    return vote_latencies(run.scheduled, run.tallies)


def vote_latencies(scheduled: list[float], tallies: list[tuple[float, int]]) -> list[float]:
    """For ballot i (in timetable order): first tally counting at least i+1 ballots."""
    ordered = sorted(tallies)
    out = []
    j = 0
    best = 0
    for i, due in enumerate(sorted(scheduled)):
        while best < i + 1 and j < len(ordered):
            best = max(best, ordered[j][1])
            j += 1
        if best < i + 1:
            break
        seen_at = ordered[j - 1][0]
        out.append(max(0.0, seen_at - due))
    return out


class Summary(TypedDict):
    """One configuration's figures, as the benchmark prints them."""

    name: str
    ballots: int
    accepted: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float
    mean: float
    missing: int
    errors: int
    held: int
    peak_mib: list[float]
    load_cpu: float
    server_ms_per_ballot: float
    first_errors: list[str]
    display_frames: int
    tallies: int


def summary(name: str, run: Run, peak_kib: list[int]) -> Summary:
    lat = sorted(latencies(run))
    missing = len(run.scheduled) - len(lat)

    def pct(p: float) -> float:
        return 1000 * lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")

    span = (max(run.accepted) - min(run.scheduled)) if run.accepted else float("nan")
    return {
        "name": name,
        "ballots": len(run.scheduled),
        "accepted": len(run.accepted),
        "per_second": len(run.accepted) / span if run.accepted else 0.0,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": 1000 * lat[-1] if lat else float("nan"),
        "mean": 1000 * statistics.fmean(lat) if lat else float("nan"),
        "missing": missing,
        "errors": len(run.errors),
        "held": run.held,
        "peak_mib": [round(k / 1024, 1) for k in peak_kib],
        "load_cpu": 100 * run.cpu / run.wall if run.wall else 0.0,
        "server_ms_per_ballot": 1000 * run.server_cpu / len(run.accepted) if run.accepted else 0.0,
        "first_errors": run.errors[:3],
        "display_frames": run.display_frames,
        "tallies": len(run.tallies),
    }
