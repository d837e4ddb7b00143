"""/healthz tells a load balancer and an operator whether the database and broker work."""

from __future__ import annotations

from pathlib import Path

from server.db.engine import Database
from tests.support.day import Day


async def test_health_reports_database_and_broker(day: Day) -> None:
    response = await day.person().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"state": "ok", "backend": "sqlite"}
    assert body["broker"] == {"state": "ok", "backend": "memory"}


async def test_health_fails_when_the_database_cannot_be_reached(day: Day, tmp_path: Path) -> None:
    working = day.services.db
    unreachable = tmp_path / "a-directory-not-a-database"
    unreachable.mkdir()
    day.services.db = Database(f"sqlite+aiosqlite:///{unreachable}")
    try:
        response = await day.person().get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "error" and body["database"]["state"].startswith("error")
    finally:
        await day.services.db.dispose()
        day.services.db = working
