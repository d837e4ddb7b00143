"""A crowd in the room: lobby rush, step change and vote storm at N phones (issue 11).

    .venv/bin/python bench/room.py [--phones 2000] [--scenario lobby|step|storm|all]
        [--config sqlite|postgres-redis|postgres-redis-1|both|scaling] [--rate 200] [--rounds 5]
        [--load-processes K] [--arrivals 50] [--no-ceiling] [--json out.json]

Starts `borgerpanel serve` as subprocesses (one on SQLite with the memory broker; or
two on PostgreSQL and Redis, the phones spread over both; or one on PostgreSQL and
Redis; `both` runs the first two, `scaling` the last two, so that two processes are
compared with one on the same database) and a crowd of load
processes (`bench/room_load.py`, one per ~500 phones unless `--load-processes` says),
then runs, in order:

- **lobby rush**: every phone joins as a browser does (front page, code, phone page,
  socket until its screen arrives), `--arrivals` at a time across the room; the time
  until all are joined and holding a socket, and each phone's own join time.
- **step change**: the facilitator's tablet (logged in, over HTTP, as htmx posts it)
  moves the agenda `--rounds` times; latency per phone from the post to the frame that
  shows the new step (`data-step-key`); a phone without it after the deadline is an
  error.
- **vote storm**: the vote step opens and each phone casts one ballot, `--rate` a
  second, open loop (ballot i is posted at start + i/rate, answered or not); latency
  from a ballot's scheduled time to the first projector frame counting it. A refused
  ballot, an answer not showing the phone its choice, a ballot the projector never
  counts, and after the vote is closed any phone or projector not showing the exact
  final tally (all ballots, each option's count) are errors.

Then the same load drives the ceiling (`bench/ceiling_app.py`): a bare Starlette app
sending pre-rendered bytes of the sizes measured on ours to the same sockets, and our
step change and vote storm are printed as a share of it. Each scenario prints
p50/p95/p99/max, errors, server memory per held phone (resident memory growth over the
idle server, per phone), server CPU per event (from /proc) and the busiest load
process's CPU; a load process above 70 % of a core is flagged: the figure may then be
the generator's limit, not the server's, and more `--load-processes` are needed.
Times are CLOCK_MONOTONIC in every process. Not a test: the figures depend on the
machine; `tests/test_bench_room.py` runs it small to keep it working.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import resource
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.browser import log_in_staff
from bench.load import vote_latencies
from bench.prepared import Prepared, prepare
from bench.room_load import READ_LIMIT, step_key, tally_of
from bench.room_report import Figures, percentiles_ms, report
from bench.servers import (
    CEILING,
    ROOT,
    SECRET,
    SERVE,
    Server,
    database,
    label_of,
    now,
    processes_of,
    services_cpu,
    until,
    waited_seconds,
)

PHONES_PER_LOAD = 500
LOAD_BOUND = 70.0
"""Above this share of a core, a load process may be what limits the figures."""
FIRST_STEP = 1
"""Phones join during the briefing; the step changes cycle through these steps."""
CYCLE = (2, 3, 4, 1)
SETTLE = 0.5


# -- the load processes --------------------------------------------------------------


class LoadProcess:
    """One `bench.room_load` subprocess, spoken to a JSON line at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> LoadProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.room_load",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=READ_LIMIT,
        )
        return cls(process)

    async def ask(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"load process exited during {op}")
        reply: dict[str, Any] = json.loads(line)
        if "failed" in reply:
            raise RuntimeError(reply["failed"])
        return reply

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(RuntimeError, TimeoutError, OSError):
                await asyncio.wait_for(self.ask("close"), 30)
            if self.process.returncode is None:
                self.process.kill()
            await self.process.wait()


@dataclass
class Crowd:
    """The load processes; phone i is held by process i mod K."""

    loads: list[LoadProcess]
    phones: int
    mark: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def share(self, n: int) -> list[int]:
        return list(range(n, self.phones, len(self.loads)))

    async def all(self, op: str, args: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(*(load.ask(op, **args(n)) for n, load in enumerate(self.loads)))
        )

    async def each(self, op: str, **args: Any) -> list[dict[str, Any]]:
        """The same command to every load process."""
        return list(await asyncio.gather(*(load.ask(op, **args) for load in self.loads)))

    async def start_usage(self) -> None:
        await self.each("usage")
        self.mark = _own_usage()

    async def usage(self) -> tuple[float, float]:
        """The busiest load process's CPU since `start_usage`, in % of one core, and the
        most any of them waited for a CPU, in % of the time; this process (which holds
        the projector and the tablet) counts as one of them."""
        replies = await self.each("usage")
        cpu, at, waited = _own_usage()
        replies.append(
            {"cpu": cpu - self.mark[0], "wall": at - self.mark[1], "waited": waited - self.mark[2]}
        )
        busiest = max(100 * r["cpu"] / max(1e-9, r["wall"]) for r in replies)
        starved = max(100 * r["waited"] / max(1e-9, r["wall"]) for r in replies)
        return float(busiest), float(starved)


def _own_usage() -> tuple[float, float, float]:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime, now(), waited_seconds(os.getpid())


# -- the screens the parent holds ------------------------------------------------------


@dataclass
class Display:
    """The projector's socket: tallies as they arrive, and the frame with a new step."""

    tallies: list[tuple[float, int]] = field(default_factory=list)
    counted: int = 0
    """The most ballots a tally has shown so far."""
    tally_bytes: list[int] = field(default_factory=list)
    last_tally: str = ""
    key: re.Pattern[str] | None = None
    step_bytes: int = 0
    lost: str = ""
    task: asyncio.Task[None] | None = None
    socket: websockets.ClientConnection | None = None

    async def open(self, url: str, cookie: str = "") -> None:
        self.socket = await websockets.connect(
            url,
            additional_headers={"Cookie": cookie} if cookie else {},
            compression=None,
            max_queue=None,
            open_timeout=60,
        )
        self.task = asyncio.get_running_loop().create_task(self._read(self.socket))

    async def _read(self, socket: websockets.ClientConnection) -> None:
        try:
            async for raw in socket:
                text = raw if isinstance(raw, str) else raw.decode()
                if self.key is not None and self.key.search(text):
                    self.key = None
                    self.step_bytes = len(text)
                if "data-ballots" in text:
                    seen = tally_of(text)
                    if seen is not None:
                        self.tallies.append((now(), seen[0]))
                        self.counted = max(self.counted, seen[0])
                        self.tally_bytes.append(len(text))
                        self.last_tally = text
        except websockets.ConnectionClosed as closed:
            self.lost = f"the display was disconnected: {closed}"

    def arm(self, key: str) -> None:
        self.key = step_key(key)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            self.task.cancel()


@dataclass
class Mirror:
    """What our server sent, measured, for the ceiling to send the same bytes."""

    step_bytes: list[int] = field(default_factory=list)
    step_frames_per_phone: list[float] = field(default_factory=list)
    step_bytes_per_phone: list[float] = field(default_factory=list)
    display_step_bytes: list[int] = field(default_factory=list)
    tally_bytes: list[int] = field(default_factory=list)
    storm_frames_per_phone: float = 0.0
    storm_bytes_per_phone: float = 0.0
    ballots: int = 0
    answer_bytes: list[int] = field(default_factory=list)

    def shape(self) -> dict[str, int]:
        step = statistics.median(self.step_bytes) if self.step_bytes else 0
        frames = statistics.median(self.step_frames_per_phone) if self.step_frames_per_phone else 1
        per_phone = statistics.median(self.step_bytes_per_phone) if self.step_bytes_per_phone else 0
        extra = max(0, round(frames) - 1)
        every = 0
        if self.storm_frames_per_phone > 0 and self.ballots:
            every = max(1, round(self.ballots / self.storm_frames_per_phone))
        return {
            "step_bytes": int(step),
            "step_extra_frames": extra,
            "step_extra_bytes": int((per_phone - step) / extra) if extra else 0,
            "display_step_bytes": int(statistics.median(self.display_step_bytes or [0])),
            "tally_bytes": int(statistics.median(self.tally_bytes or [0])),
            "phone_every": every,
            "phone_bytes": int(self.storm_bytes_per_phone / self.storm_frames_per_phone)
            if self.storm_frames_per_phone
            else 0,
            "answer_bytes": int(statistics.median(self.answer_bytes or [2])),
        }


# -- what is driven: our server, or the ceiling -------------------------------------


class Target:
    """A server under the crowd's load: how it moves a step, takes a ballot, closes."""

    name = ""
    ballot_path = ""
    check_mine = False

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers

    def server_of(self, phone: int, crowd: Crowd) -> Server:
        """Phones of every load process spread over every server process."""
        return self.servers[(phone // len(crowd.loads)) % len(self.servers)]

    def cpu(self) -> float:
        return sum(server.cpu() for server in self.servers)

    def rss_kib(self) -> int:
        return sum(server.rss_kib() for server in self.servers)

    def starving(self) -> Callable[[], float]:
        """From now: the share of the time the server processes waited for a CPU, in %."""
        waited, at = sum(s.waited() for s in self.servers), now()

        def share() -> float:
            spent = sum(s.waited() for s in self.servers) - waited
            return 100 * spent / max(1e-9, now() - at) / len(self.servers)

        return share

    async def step(self, round_: int) -> tuple[str, Callable[[], Awaitable[None]]]:
        raise NotImplementedError

    async def before_storm(self, crowd: Crowd, display: Display) -> None:
        return None

    async def after_storm(
        self, crowd: Crowd, display: Display, ballots: int, counts: dict[str, int]
    ) -> tuple[int, list[str]]:
        """Screens not showing the final tally, and a few of them."""
        return 0, []


class Ours(Target):
    check_mine = True

    def __init__(self, servers: list[Server], panel: Prepared, config: str) -> None:
        super().__init__(servers)
        self.panel = panel
        self.name = label_of(config)
        self.ballot_path = f"/p/{panel.panel_id}/ballot"
        self.at = FIRST_STEP
        self.tablet = httpx.AsyncClient(timeout=120)
        self.csrf = ""

    async def log_in(self) -> str:
        self.csrf = await log_in_staff(self.tablet, self.servers[0].url)
        return f"borgerpanel={self.tablet.cookies['borgerpanel']}"

    async def _act(self, action: str, index: int | None = None) -> None:
        response = await self.tablet.post(
            f"{self.servers[0].url}/panels/{self.panel.panel_id}/{action}",
            data={} if index is None else {"index": str(index)},
            headers={"X-CSRF-Token": self.csrf, "HX-Request": "true"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"{action}: {response.status_code} {response.text[:200]}")

    def _go(self, index: int) -> tuple[str, Callable[[], Awaitable[None]]]:
        """The tablet's button: "next" when it is the next step, else "go to"."""
        key = rf"[a-z]+:{self.panel.step_ids[index]}:"  # the panel's status, the step
        if index == self.at + 1:
            act = partial(self._act, "agenda/advance")
        else:
            act = partial(self._act, "agenda/go_to", index)
        self.at = index
        return key, act

    async def step(self, round_: int) -> tuple[str, Callable[[], Awaitable[None]]]:
        return self._go(CYCLE[round_ % len(CYCLE)])

    async def before_storm(self, crowd: Crowd, display: Display) -> None:
        """Open the vote step and wait until every phone shows it (not measured)."""
        key, act = self._go(self.panel.vote_index)
        await crowd.each("arm", key=key)
        await act()
        deadline = now() + 60
        replies = await crowd.each("collect", deadline=deadline)
        late = sum(1 for r in replies for _, at in r["times"] if at is None)
        if late:
            print(f"  {late} phones did not show the vote step within 60 s", flush=True)

    async def after_storm(
        self, crowd: Crowd, display: Display, ballots: int, counts: dict[str, int]
    ) -> tuple[int, list[str]]:
        """Close the vote: every phone and the projector must show the exact result."""
        await self._act("vote/close")
        deadline = now() + max(30.0, crowd.phones / 100)
        replies = await crowd.all(
            "final", lambda n: {"ballots": ballots, "counts": counts, "deadline": deadline}
        )
        errors = [s for r in replies for s in r["samples"]]
        wrong = sum(r["wrong"] for r in replies)
        if not await until(lambda: _shows(display.last_tally, ballots, counts), deadline):
            wrong += 1
            errors.append(
                f"the projector shows {tally_of(display.last_tally) if display.last_tally else 0}"
            )
        if wrong:
            errors.insert(0, f"{wrong} screens do not show the final tally")
        return wrong, errors[:4]

    async def close(self) -> None:
        await self.tablet.aclose()


def _shows(text: str, ballots: int, counts: dict[str, int]) -> bool:
    seen = tally_of(text) if text else None
    return seen is not None and seen[0] == ballots and seen[1] == counts


class Ceiling(Target):
    name = "ceiling: bare Starlette, same bytes"
    ballot_path = "/vote"

    def __init__(self, servers: list[Server]) -> None:
        super().__init__(servers)
        self.client = httpx.AsyncClient(timeout=120)

    async def step(self, round_: int) -> tuple[str, Callable[[], Awaitable[None]]]:
        key = f"ceiling:{round_}:"

        async def act() -> None:
            await self.client.post(self.servers[0].url + "/step", data={"key": key})

        return key, act

    async def close(self) -> None:
        await self.client.aclose()


# -- the scenarios -------------------------------------------------------------------


async def lobby(
    target: Target, crowd: Crowd, code: str | None, socket_path: str, arrivals: int
) -> Figures:
    """Every phone arrives (`arrivals` at a time across the room) and holds a socket."""
    idle = target.rss_kib()
    cpu = target.cpu()
    await crowd.start_usage()
    starved = target.starving()
    at_once = max(1, math.ceil(arrivals / len(crowd.loads)))
    started = now()

    def args(n: int) -> dict[str, Any]:
        phones = [[i, target.server_of(i, crowd).url] for i in crowd.share(n)]
        if code is None:
            return {"phones": phones, "socket_path": socket_path, "at_once": at_once}
        return {"phones": phones, "code": code, "socket_path": socket_path, "at_once": at_once}

    replies = await crowd.all("join" if code is not None else "hold", args)
    times = [t for r in replies for t in r["times"]]
    errors = [e for r in replies for e in r["errors"]]
    figures = Figures(
        "lobby",
        target.name,
        crowd.phones,
        [joined - began for _, began, joined in times],
        len(errors),
        errors[:3],
        total=(max(t[2] for t in times) - started) if times else math.nan,
        server_cpu_per_event=(target.cpu() - cpu) / max(1, len(times)),
        memory_per_phone_kib=(target.rss_kib() - idle) / max(1, len(times)),
        load=await crowd.usage(),
        held=len(times),
        server_waited=starved(),
    )
    figures.idle_kib = idle
    return figures


async def step_change(
    target: Target, crowd: Crowd, display: Display, rounds: int, idle_kib: int, mirror: Mirror
) -> Figures:
    latencies: list[float] = []
    errors: list[str] = []
    missed = 0
    cpu_used = 0.0
    await crowd.start_usage()
    starved = target.starving()
    for round_ in range(rounds):
        key, act = await target.step(round_)
        await crowd.each("arm", key=key)
        display.arm(key)
        cpu = target.cpu()
        posted = now()
        await act()
        deadline = posted + max(20.0, crowd.phones / 100)
        replies = await crowd.each("collect", deadline=deadline)
        cpu_used += target.cpu() - cpu
        missing = 0
        this_round = []
        for reply in replies:
            for index, at in reply["times"]:
                if at is None:
                    missing += 1
                    if len(errors) < 3:
                        errors.append(f"round {round_ + 1}: phone {index} never showed the step")
                else:
                    this_round.append(at - posted)
            mirror.step_bytes += reply["step_bytes"]
        latencies += this_round
        phones = sum(r["phones"] for r in replies)
        mirror.step_frames_per_phone.append(sum(r["frames"] for r in replies) / max(1, phones))
        mirror.step_bytes_per_phone.append(sum(r["bytes"] for r in replies) / max(1, phones))
        mirror.display_step_bytes.append(display.step_bytes)
        shown = percentiles_ms(this_round)
        print(
            f"  round {round_ + 1}: p50 {shown['p50']:.0f} ms, "
            f"p99 {shown['p99']:.0f} ms, missing {missing}",
            flush=True,
        )
        if missing:
            missed += missing
            errors.append(f"round {round_ + 1}: {missing} phones missed the step")
        await asyncio.sleep(SETTLE)
    return Figures(
        "step",
        target.name,
        rounds,
        latencies,
        missed,
        errors[:4],
        total=None,
        server_cpu_per_event=cpu_used / max(1, rounds),
        memory_per_phone_kib=(target.rss_kib() - idle_kib) / max(1, crowd.phones),
        load=await crowd.usage(),
        held=await _held(crowd),
        server_waited=starved(),
    )


async def vote_storm(
    target: Target,
    crowd: Crowd,
    display: Display,
    rate: float,
    options: list[str],
    idle_kib: int,
    mirror: Mirror,
) -> Figures:
    await target.before_storm(crowd, display)
    await asyncio.sleep(SETTLE)
    await crowd.each("arm", key=None)
    display.tallies.clear()
    display.tally_bytes.clear()
    display.counted = 0
    # Every held phone casts one ballot; ballot i is the i-th of them on the timetable.
    held = sorted(i for r in await crowd.each("held") for i in r["indexes"])
    count = len(held)
    if count < crowd.phones:
        print(f"  only the {count} phones held cast a ballot", flush=True)
    choices = [options[i % len(options)] for i in range(count)]
    owner = {index: n for n in range(len(crowd.loads)) for index in crowd.share(n)}
    cpu = target.cpu()
    services, services_at = services_cpu(), now()
    await crowd.start_usage()
    starved = target.starving()
    start = now() + 1.0
    replies = await crowd.all(
        "cast",
        lambda n: {
            "start": start,
            "rate": rate,
            "ballots": [
                [i, index, choices[i]] for i, index in enumerate(held) if owner[index] == n
            ],
            "path": target.ballot_path,
            "check_mine": target.check_mine,
        },
    )
    # The right final state counts what the server said it counted (a ballot it refused
    # is an error of its own, not of every screen too).
    taken = [choice for r in replies for _, _, choice in r["answered"]]
    last_due = start + (count - 1) / rate
    deadline = max(now(), last_due) + max(10.0, count / 200)
    await until(lambda: display.counted >= len(taken), deadline)
    server_cpu = target.cpu() - cpu
    storm_seconds = max(1e-9, now() - services_at)
    services = {
        name: 100 * (used - services[name]) / storm_seconds for name, used in services_cpu().items()
    }
    load = await crowd.usage()
    server_waited = starved()
    window = await crowd.each("window")
    phones = sum(w["phones"] for w in window)
    mirror.storm_frames_per_phone = sum(w["frames"] for w in window) / max(1, phones)
    mirror.storm_bytes_per_phone = sum(w["bytes"] for w in window) / max(1, phones)
    mirror.ballots = count
    mirror.tally_bytes = list(display.tally_bytes)
    mirror.answer_bytes = [b for r in replies for b in r["answer_bytes"]]
    answered = sorted(at for r in replies for _, at, _ in r["answered"])
    retried = [e for r in replies for e in r["retried"]]
    if retried:
        print(f"  {len(retried)} ballots were tried again, first: {retried[0]}", flush=True)
    errors = [e for r in replies for e in r["errors"]]
    latencies = vote_latencies([start + i / rate for i in range(count)], display.tallies)
    missing = max(0, len(taken) - len(latencies))
    if missing:
        errors.append(f"{missing} counted ballots never showed on the projector")
    counts = {option: taken.count(option) for option in options}
    wrong, final = await target.after_storm(crowd, display, len(taken), counts)
    refused = sum(len(r["errors"]) for r in replies)
    if display.lost:
        final.append(display.lost)
    return Figures(
        "storm",
        target.name,
        count,
        latencies,
        refused + missing + wrong + bool(display.lost),
        (errors + final)[:5],
        total=len(answered) / (answered[-1] - start) if answered else 0.0,
        server_cpu_per_event=server_cpu / count,
        memory_per_phone_kib=(target.rss_kib() - idle_kib) / max(1, crowd.phones),
        load=load,
        held=await _held(crowd),
        server_waited=server_waited,
        rate=rate,
        services=services,
    )


async def _held(crowd: Crowd) -> int:
    return sum(r["held"] for r in await crowd.each("held"))


# -- one run -------------------------------------------------------------------------


@dataclass
class Options:
    phones: int
    scenarios: tuple[str, ...]
    rate: float
    rounds: int
    load_processes: int
    arrivals: int


async def _crowd(options: Options) -> Crowd:
    loads = list(
        await asyncio.gather(*(LoadProcess.start() for _ in range(options.load_processes)))
    )
    return Crowd(loads, options.phones)


async def _scenarios(
    target: Target,
    crowd: Crowd,
    display: Display,
    options: Options,
    arrive: Figures,
    mirror: Mirror,
    panel_options: list[str],
) -> list[Figures]:
    print(
        f"  {arrive.held} phones held after {arrive.total:.1f} s, {arrive.errors} errors",
        flush=True,
    )
    out = [arrive] if "lobby" in options.scenarios and isinstance(target, Ours) else []
    if arrive.held < crowd.phones:
        print("  not every phone is held: the other scenarios would measure fewer", flush=True)
    if "step" in options.scenarios:
        print(f"  step change, {options.rounds} rounds …", flush=True)
        out.append(
            await step_change(target, crowd, display, options.rounds, arrive.idle_kib, mirror)
        )
    if "storm" in options.scenarios:
        print(f"  vote storm at {options.rate:g} ballots/s …", flush=True)
        out.append(
            await vote_storm(
                target, crowd, display, options.rate, panel_options, arrive.idle_kib, mirror
            )
        )
    return out


async def run_ours(config: str, options: Options, work: Path, mirror: Mirror) -> list[Figures]:
    os.makedirs(work, exist_ok=True)
    env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": str(work / "data")}
    async with database(config) as extra:
        env.update(extra)
        panel = await prepare(env, options.phones, start_at=FIRST_STEP)
        servers = [
            Server(SERVE, env, work / f"{config}-{n}.log") for n in range(processes_of(config))
        ]
        crowd: Crowd | None = None
        target = Ours(servers, panel, config)
        display = Display()
        tablet = Display()
        try:
            await asyncio.gather(*(server.ready() for server in servers))
            crowd = await _crowd(options)
            cookie = await target.log_in()
            await display.open(f"{servers[0].ws}/ws/d/{panel.display_token}")
            await tablet.open(f"{servers[0].ws}/ws/f/{panel.panel_id}", cookie)
            await asyncio.sleep(SETTLE)
            print(f"  lobby rush, {options.phones} phones …", flush=True)
            arrive = await lobby(
                target, crowd, panel.code, f"/ws/p/{panel.panel_id}", options.arrivals
            )
            return await _scenarios(target, crowd, display, options, arrive, mirror, panel.options)
        finally:
            await display.close()
            await tablet.close()
            await target.close()
            if crowd is not None:
                await asyncio.gather(*(load.stop() for load in crowd.loads))
            for server in servers:
                server.stop()


async def run_ceiling(options: Options, work: Path, mirror: Mirror) -> list[Figures]:
    server = Server(CEILING, {}, work / "ceiling.log")
    crowd: Crowd | None = None
    display = Display()
    target = Ceiling([server])
    try:
        await server.ready()
        shape = mirror.shape()
        print(f"  mirroring {shape}", flush=True)
        async with httpx.AsyncClient() as client:
            await client.post(server.url + "/shape", content=json.dumps(shape))
        crowd = await _crowd(options)
        await display.open(f"{server.ws}/ws/display")
        arrive = await lobby(target, crowd, None, "/ws/phone", options.arrivals)
        scenarios = tuple(s for s in options.scenarios if s != "lobby")
        return await _scenarios(
            target,
            crowd,
            display,
            Options(**{**asdict(options), "scenarios": scenarios}),
            arrive,
            Mirror(),
            ["p1", "p2", "p3", "p4", "p5"],
        )
    finally:
        await display.close()
        await target.close()
        if crowd is not None:
            await asyncio.gather(*(load.stop() for load in crowd.loads))
        server.stop()


async def page_weight() -> tuple[int, int]:
    from bench.page_weight import measure

    rows, revisit = await measure()
    return sum(size for _, size in rows), revisit


def _load_average() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--scenario", choices=("lobby", "step", "storm", "all"), default="all")
    parser.add_argument(
        "--config",
        choices=("sqlite", "postgres-redis", "postgres-redis-1", "both", "scaling"),
        default="sqlite",
    )
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--load-processes",
        type=int,
        default=0,
        help=f"load processes (default: one per {PHONES_PER_LOAD} phones)",
    )
    parser.add_argument("--arrivals", type=int, default=50, help="phones joining at once")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--no-page-weight", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    scenarios = ("lobby", "step", "storm") if args.scenario == "all" else (args.scenario,)
    options = Options(
        phones=args.phones,
        scenarios=scenarios,
        rate=args.rate,
        rounds=args.rounds,
        load_processes=args.load_processes or max(1, math.ceil(args.phones / PHONES_PER_LOAD)),
        arrivals=args.arrivals,
    )
    configs = {
        "both": ["sqlite", "postgres-redis"],
        "scaling": ["postgres-redis-1", "postgres-redis"],
    }.get(args.config, [args.config])
    loads = [_load_average()]
    figures: list[Figures] = []
    mirror = Mirror()
    with tempfile.TemporaryDirectory(prefix="borgerpanel-room-") as tmp:
        work = Path(os.environ.get("BENCH_WORK_DIR") or tmp)
        for config in configs:
            print(
                f"{label_of(config)}: {options.phones} phones, "
                f"{options.load_processes} load processes …",
                flush=True,
            )
            # The ceiling mirrors the first configuration's bytes.
            measured = mirror if not figures else Mirror()
            figures += await run_ours(config, options, work / config, measured)
            loads.append(_load_average())
        ceiling: list[Figures] = []
        if not args.no_ceiling and set(scenarios) & {"step", "storm"}:
            print("the ceiling …", flush=True)
            ceiling = await run_ceiling(options, work, mirror)
            loads.append(_load_average())
    weight = None if args.no_page_weight else await page_weight()
    text, data = report(options.phones, figures, ceiling, weight, loads, LOAD_BOUND)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
