"""What an operator watches: /readyz, /metrics and the request log.

/readyz tells a load balancer whether to send traffic (database, broker, schema);
/metrics counts what the live screens and the ballot box do, and answers only the
bearer of the metrics token or, without one, this machine itself; the log has one
line per request with an id and never a code or a text someone typed.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from starlette.applications import Starlette

from server import logs
from server.broker.redis import RedisBroker
from server.db.engine import Database
from server.live.outbox import Outbox
from server.routes.operations import head_revision
from server.services import Services
from server.web.metrics import exposition
from tests.support.day import Day, page_seq
from tests.support.deliberation import open_step, send
from tests.support.servers import free_port, running_app, settings_for
from tests.support.surveys import invite
from tests.support.voting import open_vote

TOKEN = "a-metrics-token-for-the-test-0123456789"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(body: str, name: str, **labels: str) -> float:
    return samples(body).get((name, tuple(sorted(labels.items()))), 0.0)


# -- /readyz -------------------------------------------------------------------------


async def test_ready_when_the_database_the_broker_and_the_schema_are(day: Day) -> None:
    response = await day.person().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "reasons": []}


async def test_not_ready_while_the_schema_is_behind_the_code(day: Day) -> None:
    async with day.services.db.writing() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    response = await day.person().get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"] == [
        f"migrations not current (database at 0004, code expects {head_revision()})"
    ]
    assert (await day.person().get("/healthz")).status_code == 200  # alive all the same


async def test_not_ready_without_the_database_or_the_broker(day: Day, tmp_path: Path) -> None:
    working_db, working_broker = day.services.db, day.services.broker
    unreachable = tmp_path / "a-directory-not-a-database"
    unreachable.mkdir()
    day.services.db = Database(f"sqlite+aiosqlite:///{unreachable}")
    # A real Redis broker pointed at a port where nothing listens.
    day.services.broker = RedisBroker(f"redis://127.0.0.1:{free_port()}/0", "readyz-test")
    await day.services.broker.start()
    try:
        response = await day.person().get("/readyz")
        assert response.status_code == 503
        reasons = response.json()["reasons"]
        assert len(reasons) == 2
        assert reasons[0].startswith("database unreachable")
        assert reasons[1] == "broker unavailable (redis)"
    finally:
        await day.services.broker.stop()
        await day.services.db.dispose()
        day.services.db, day.services.broker = working_db, working_broker


# -- /metrics: who may read them -----------------------------------------------------


async def test_without_a_token_metrics_answer_only_this_machine(day: Day) -> None:
    here = await day.person().get("/metrics")  # the test client is 127.0.0.1
    assert here.status_code == 200
    assert "borgerpanel_live_sockets" in here.text
    proxied = await day.person().get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


async def test_with_a_token_metrics_answer_only_its_bearer(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", BORGERPANEL_METRICS_TOKEN=TOKEN)
    async with running_app(settings) as app:
        day = Day(app.state.services, "http://testserver", app)
        try:
            person = day.person()
            assert (await person.get("/metrics")).status_code == 403
            wrong = {"Authorization": "Bearer not-the-token"}
            assert (await person.get("/metrics", headers=wrong)).status_code == 403
            right = {"Authorization": f"Bearer {TOKEN}"}
            response = await person.get("/metrics", headers=right)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
        finally:
            await day.close()


# -- /metrics: what they count -------------------------------------------------------


async def test_metrics_count_sockets_messages_ballots_resyncs_and_timings(
    live_day: Day,
) -> None:
    day = live_day
    metrics_reader = day.person()
    before = (await metrics_reader.get("/metrics")).text
    panel = await day.panel()
    _, options = await open_vote(day, panel, "approval", "A", "B")
    phones = [await day.phone(panel) for _ in range(3)]
    seq = page_seq((await phones[0].get(f"/p/{panel.id}")).text)
    screen = await phones[0].socket(f"/ws/p/{panel.id}", seq)
    await screen.receive()
    display = await day.person().socket(f"/ws/d/{panel.display_token}")
    await display.receive()
    for n, phone in enumerate(phones):
        response = await phone.post(
            f"/p/{panel.id}/ballot", {"approve": options[0], "idempotency_key": f"metrics-{n}"}
        )
        assert response.status_code == 200
    retried = await phones[0].post(
        f"/p/{panel.id}/ballot", {"approve": options[0], "idempotency_key": "metrics-0"}
    )
    assert retried.status_code == 200
    await display.drain()
    await screen.connection.send(json.dumps({"type": "resync"}))
    await screen.receive_until(lambda m: m.get("snapshot") is True)
    after = (await metrics_reader.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert value(after, "borgerpanel_live_sockets", screen="phone") == 1
    assert value(after, "borgerpanel_live_sockets", screen="display") == 1
    assert value(after, "borgerpanel_live_sockets", screen="facilitator") == 0
    assert grew("borgerpanel_ballots_stored_total") == 3  # the retry counts once
    assert grew("borgerpanel_live_messages_sent_total") >= 4  # two snapshots, updates
    assert grew("borgerpanel_live_resyncs_total", scope="socket") == 1
    assert grew("borgerpanel_live_render_seconds_count") > 0
    assert grew("borgerpanel_live_flush_seconds_count") > 0
    assert grew("borgerpanel_database_write_seconds_count") >= 4
    assert value(after, "borgerpanel_broker_up") == 1
    await screen.close()
    await display.close()


def test_an_outbox_counts_what_it_replaces_and_what_an_overflow_drops(app: Starlette) -> None:
    services: Services = app.state.services
    before = exposition(services).decode()
    outbox = Outbox(limit=3)
    outbox.put("count 1", key="count")
    outbox.put("count 2", key="count")  # replaces the unsent first
    for n in range(3):
        outbox.put(f"change {n}")  # the fourth item overflows: all four are dropped
    after = exposition(services).decode()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("borgerpanel_live_messages_dropped_total", reason="replaced") == 1
    assert grew("borgerpanel_live_messages_dropped_total", reason="overflow") == 4
    assert grew("borgerpanel_live_outbox_overflows_total") == 1


async def test_broker_reconnects_are_counted(app: Starlette) -> None:
    services: Services = app.state.services
    working = services.broker
    services.broker = RedisBroker(f"redis://127.0.0.1:{free_port()}/0", "metrics-test")
    await services.broker.start()
    try:
        for _ in range(100):
            if getattr(services.broker, "reconnects", 0) >= 2:
                break
            await asyncio.sleep(0.05)
        body = exposition(services).decode()
        assert value(body, "borgerpanel_broker_reconnects_total") >= 2
        assert value(body, "borgerpanel_broker_up") == 0
    finally:
        await services.broker.stop()
        services.broker = working


# -- the log -------------------------------------------------------------------------


@contextmanager
def json_log() -> Iterator[io.StringIO]:
    """Capture the log as `borgerpanel serve` writes it with BORGERPANEL_LOG_FORMAT=json."""
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.addFilter(logs.RequestIdFilter())
    # The test's own HTTP client logs the addresses it asks for; the server has none of it.
    handler.addFilter(lambda record: not record.name.startswith("httpx"))
    handler.setFormatter(logs.JsonLines())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_the_json_log_has_request_ids_and_never_a_code_or_a_typed_text(day: Day) -> None:
    panel = await day.panel()
    await open_step(day, panel, "discussion")
    code = await invite(day, panel)
    secret_text = "Naboen min i Storgata 7 har astma og trenger bilen"
    with json_log() as captured:
        phone = day.person()
        await phone.get(f"/i/{code}")
        joined = await phone.post("/join", {"code": code}, htmx=False)
        assert joined.status_code == 303
        assert await send(phone, panel, secret_text) == 200
        answered = await phone.get(f"/p/{panel.id}", headers={"X-Request-ID": "nginx-4f2a9c01"})
        assert answered.headers["x-request-id"] == "nginx-4f2a9c01"
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "borgerpanel.request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("GET", "/i/{code}", 200),
        ("POST", "/join", 303),
        ("POST", "/p/{panel_id}/arguments", 200),
        ("GET", "/p/{panel_id}", 200),
    ]
    assert all(len(r["request_id"]) >= 8 for r in requests)
    assert len({r["request_id"] for r in requests}) == 4
    assert requests[-1]["request_id"] == "nginx-4f2a9c01"
    written = captured.getvalue()
    assert code not in written and code.upper() not in written
    assert secret_text not in written and "Storgata" not in written
