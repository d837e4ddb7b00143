"""Fixtures: a running application on the embedded defaults, and a panel day around it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from server.services import Services
from server.web import throttle
from tests.support.day import Day
from tests.support.externals import postgres_database
from tests.support.servers import running_app, settings_for, uvicorn_in_process

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    throttle.reset()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Starlette]:
    """The application on SQLite and the memory broker, started as in production."""
    async with running_app(settings_for(tmp_path / "data")) as started:
        yield started


@pytest.fixture
async def pg_day(tmp_path: Path) -> AsyncIterator[Day]:
    """The same application on a fresh PostgreSQL database: concurrency for real."""
    async with postgres_database() as url:
        settings = settings_for(tmp_path / "data", BORGERPANEL_DATABASE_URL=url)
        async with running_app(settings) as started:
            day = Day(started.state.services, "http://testserver", started)
            try:
                yield day
            finally:
                await day.close()


@pytest.fixture
def services(app: Starlette) -> Services:
    services: Services = app.state.services
    return services


@pytest.fixture
async def day(app: Starlette, services: Services) -> AsyncIterator[Day]:
    """People talk to the app in-process (fast); no WebSockets."""
    day = Day(services, "http://testserver", app)
    try:
        yield day
    finally:
        await day.close()


@pytest.fixture
async def live_day(app: Starlette, services: Services) -> AsyncIterator[Day]:
    """People talk to a real uvicorn on a free port, WebSockets included."""
    async with uvicorn_in_process(app) as url:
        day = Day(services, url)
        try:
            yield day
        finally:
            await day.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
