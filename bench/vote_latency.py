"""Vote → display latency with N phones connected, ballots cast on a fixed timetable.

    .venv/bin/python bench/vote_latency.py [--phones 1000] [--rate 100]
                                           [--config sqlite|postgres-redis|both]

Starts the server as subprocesses (one on SQLite with the memory broker; or two on
PostgreSQL and Redis), joins N phones over HTTP, holds their WebSockets and a display's,
then casts one ballot per phone at RATE per second, open loop: ballot i is sent at
start + i/RATE whether or not the server has answered earlier ones, so a slow server
cannot hide its delay. Latency runs from a ballot's scheduled time to the first display
frame whose tally counts at least that many ballots. The same load then drives a bare
Starlette broadcast endpoint (bench/ceiling_app.py), and our figures are printed as a
share of that ceiling. Not a test: the figures depend on the machine, and on two cores
the load generator itself can be the bottleneck, which the report says when it is.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import (
    Phone,
    Run,
    Summary,
    cast_on_timetable,
    cpu_seconds,
    held,
    hold_sockets,
    peak_memory_kib,
    summary,
    watch_display,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = secrets.token_urlsafe(48)
POSTGRES_ADMIN = os.environ.get(
    "BORGERPANEL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("BORGERPANEL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
SEQ = re.compile(r'data-seq="(\d+)"')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(
        self, command: list[str], env: dict[str, str], log: Path, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env, "LOG_LEVEL": "warning"},
        )

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited, see {self.log.name}")
                try:
                    await client.get(self.url + "/healthz", timeout=1)
                    return
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        raise TimeoutError(self.url)

    def stop(self) -> int:
        peak = peak_memory_kib(self.process.pid)
        self.process.terminate()
        self.process.wait(20)
        self.log.close()
        return peak


@asynccontextmanager
async def postgres() -> AsyncIterator[str]:
    name = f"borgerpanel_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def tables_for(phones: int) -> int:
    """Eight phones a table, as in a panel, up to the most tables a panel may have."""
    from facilitation.panel import TABLES_MAX

    return min(TABLES_MAX, max(1, phones // 8))


async def prepare(env: dict[str, str], phones: int) -> tuple[int, str, str, list[str]]:
    """A panel whose open step is a live single-choice vote; (id, code, display, options)."""
    from server.broker.memory import MemoryBroker
    from server.db.engine import Database
    from server.db.migrate import upgrade
    from server.ops import agenda, panels, proposals
    from server.ops import steps as agenda_steps
    from server.ops.accounts import create_account
    from server.ops.events import SYSTEM
    from server.render import Renderer
    from server.services import Services
    from server.settings import Settings

    services = Services(
        Settings.from_env(env),
        Database(Settings.from_env(env).database_url),
        MemoryBroker(),
        Renderer(),
    )
    try:
        await upgrade(services.db)
        owner = await create_account(
            services.units, "bench@example.org", "Bench", "bench-password-1", "organiser"
        )
        panel_id = await panels.create_panel(
            services.units, owner, "Benchmark", "", "en", tables_for(phones)
        )
        ids = [
            await proposals.add(services.units, panel_id, SYSTEM, f"Option {n}", "")
            for n in "ABCDE"
        ]
        async with services.db.reading() as session:
            from sqlalchemy import select

            from server.db.models import Panel, Step

            steps = list(
                await session.scalars(
                    select(Step).where(Step.panel_id == panel_id).order_by(Step.position)
                )
            )
        index = next(i for i, s in enumerate(steps) if s.kind == "vote")
        await agenda_steps.edit_step_settings(
            services.units,
            panel_id,
            SYSTEM,
            steps[index].id,
            [str(i) for i in ids],
            {"method": "single", "scope": "individual", "results": "live"},
        )
        await agenda.transition(services.units, panel_id, SYSTEM, "open")
        await agenda.transition(services.units, panel_id, SYSTEM, "go_to", index)
        async with services.db.reading() as session:
            panel = await session.get(Panel, panel_id)
        assert panel is not None
        return panel_id, panel.join_code, panel.display_token, [f"p{i}" for i in ids]
    finally:
        await services.db.dispose()


async def join(phones: list[Phone], code: str, transport: httpx.AsyncHTTPTransport) -> None:
    """Every phone joins like a browser: the front page for a session, then the code."""
    gate = asyncio.Semaphore(50)

    async def one(phone: Phone) -> None:
        # Each phone has its own cookie jar over one shared connection pool; the clients
        # are not closed one by one, as that would close the shared pool.
        client = httpx.AsyncClient(transport=transport, timeout=60)
        async with gate:
            page = await client.get(phone.server + "/")
            found = CSRF.search(page.text)
            assert found, page.text[:200]
            phone.csrf = found.group(1)
            response = await client.post(
                phone.server + "/join", data={"code": code, "csrf_token": phone.csrf}
            )
            assert response.status_code == 303, response.text[:300]
            phone.cookie = f"borgerpanel={client.cookies['borgerpanel']}"
            # Like a browser: the phone's page, whose seq the WebSocket then sends.
            page = await client.get(phone.server + response.headers["location"])
            found = SEQ.search(page.text)
            phone.seq = int(found.group(1)) if found else None

    await asyncio.gather(*(one(p) for p in phones))


async def run_ours(config: str, count: int, rate: float, work: Path) -> Summary:
    os.makedirs(work, exist_ok=True)
    env = {"BORGERPANEL_SECRET_KEY": SECRET, "BORGERPANEL_DATA_DIR": str(work / "data")}
    command = [sys.executable, "-m", "server.cli", "serve"]
    async with _database(config) as extra:
        env.update(extra)
        panel_id, code, token, options = await prepare(env, count)
        servers = [
            Server(command, env, work / f"{config}-{n}.log")
            for n in range(2 if config == "postgres-redis" else 1)
        ]
        try:
            for server in servers:
                await server.ready()
            phones = [Phone(servers[i % len(servers)].url) for i in range(count)]
            # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so the
            # client never reuses one the server is closing.
            transport = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=200, keepalive_expiry=3)
            )
            await join(phones, code, transport)
            await hold_sockets(
                phones, lambda p: p.server.replace("http", "ws") + f"/ws/p/{panel_id}?seq={p.seq}"
            )
            run = Run()
            display = await watch_display(
                servers[0].url.replace("http", "ws") + f"/ws/d/{token}", run
            )
            await asyncio.sleep(1.0)
            # One client for every ballot; each request names its phone's session itself.
            client = httpx.AsyncClient(transport=transport, timeout=60)

            async def cast(i: int) -> bool:
                phone = phones[i]
                response = await client.post(
                    f"{phone.server}/p/{panel_id}/ballot",
                    data={
                        "choice": options[i % len(options)],
                        "idempotency_key": f"bench-ballot-{i:06d}",
                    },
                    headers={
                        "Cookie": phone.cookie,
                        "X-CSRF-Token": phone.csrf,
                        "HX-Request": "true",
                    },
                )
                return response.status_code == 200

            before = sum(cpu_seconds(server.process.pid) for server in servers)
            await cast_on_timetable(count, rate, cast, run)
            run.server_cpu = sum(cpu_seconds(server.process.pid) for server in servers) - before
            await transport.aclose()
            run.held = held(phones)
            display.cancel()
            for phone in phones:
                if phone.socket is not None:
                    await phone.socket.close()
        finally:
            peaks = [server.stop() for server in servers]
    label = (
        "1 process, SQLite, memory broker"
        if config == "sqlite"
        else "2 processes, PostgreSQL, Redis"
    )
    return summary(label, run, peaks)


@asynccontextmanager
async def _database(config: str) -> AsyncIterator[dict[str, str]]:
    if config == "sqlite":
        yield {}
        return
    async with postgres() as url:
        yield {
            "BORGERPANEL_DATABASE_URL": url,
            "BORGERPANEL_REDIS_URL": REDIS,
            "BORGERPANEL_REDIS_NAMESPACE": f"bench-{secrets.token_hex(3)}",
        }


async def run_ceiling(count: int, rate: float, work: Path) -> Summary:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.ceiling_app:app",
        "--ws-per-message-deflate",
        "false",
        "--log-level",
        "warning",
    ]
    server = Server(command, {}, work / "ceiling.log")
    await _wait_port(server)
    phones = [Phone(server.url) for _ in range(count)]
    await hold_sockets(phones, lambda p: p.server.replace("http", "ws") + "/ws/phone")
    run = Run()
    display = await watch_display(server.url.replace("http", "ws") + "/ws/display", run)
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=200, keepalive_expiry=3)
    )
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:

        async def cast(i: int) -> bool:
            response = await client.post(server.url + "/vote", data={"choice": "p1"})
            return response.status_code == 200

        before = cpu_seconds(server.process.pid)
        await cast_on_timetable(count, rate, cast, run)
        run.server_cpu = cpu_seconds(server.process.pid) - before
    run.held = held(phones)
    display.cancel()
    for phone in phones:
        if phone.socket is not None:
            await phone.socket.close()
    return summary("ceiling: bare Starlette broadcast", run, [server.stop()])


async def _wait_port(server: Server) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                await client.get(server.url + "/healthz")
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
    raise TimeoutError(server.url)


def report(rows: list[Summary], ceiling: Summary, phones: int, rate: float) -> None:
    print(f"\n{phones} phones connected, {rate:g} ballots per second, one ballot per phone\n")
    head = (
        f"{'configuration':38} {'votes/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
        f" {'held':>6} {'errors':>6} {'peak MiB':>12} {'server ms/ballot':>16} {'loadgen CPU':>11}"
    )
    print(head)
    print("-" * len(head))
    for row in [*rows, ceiling]:
        print(
            f"{row['name']:38} {row['per_second']:8.1f} {row['p50']:7.0f} {row['p95']:7.0f}"
            f" {row['p99']:7.0f} {row['max']:7.0f} {row['held']:6} "
            f"{int(row['errors']) + int(row['missing']):6} "
            f"{'/'.join(str(m) for m in row['peak_mib']):>12} "
            f"{row['server_ms_per_ballot']:16.1f} {row['load_cpu']:10.0f}%"
        )
    print("\nlatencies in ms, vote scheduled → display shows a tally counting it")
    for row in rows:
        ratio = float(row["p99"]) / float(ceiling["p99"]) if ceiling["p99"] else float("nan")
        met = float(row["p99"]) <= 250 and not row["errors"] and not row["missing"]
        print(
            f"{row['name']}: p99 is {ratio:.1f}× the ceiling's; "
            f"target p99 ≤ 250 ms with no errors: {'met' if met else 'NOT met'}"
        )
        if row["missing"]:
            print(
                f"  {row['missing']} ballots never showed on the display "
                f"({row['display_frames']} display frames, {row['tallies']} with a tally)"
            )
        if row["first_errors"]:
            print("  first errors:", *row["first_errors"], sep="\n   ")
    for row in [*rows, ceiling]:
        if float(row["load_cpu"]) > 85:
            print(
                f"note: the load generator used {row['load_cpu']:.0f}% of a core during "
                f"'{row['name']}'; on this 2-core machine it shares the CPU with the server "
                f"and may be what bounds the figures."
            )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--config", choices=("sqlite", "postgres-redis", "both"), default="both")
    args = parser.parse_args()
    configs = ["sqlite", "postgres-redis"] if args.config == "both" else [args.config]
    with tempfile.TemporaryDirectory(prefix="borgerpanel-bench-") as tmp:
        work = Path(os.environ.get("BENCH_WORK_DIR") or tmp)
        rows = []
        for config in configs:
            print(f"running {config} …", flush=True)
            started = time.monotonic()
            rows.append(await run_ours(config, args.phones, args.rate, work / config))
            print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
        print("running the ceiling …", flush=True)
        ceiling = await run_ceiling(args.phones, args.rate, work)
        report(rows, ceiling, args.phones, args.rate)


if __name__ == "__main__":
    asyncio.run(main())
