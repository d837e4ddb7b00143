"""Hostile requests for every route of the routing table, as every role sends them.

Used by `tests/web/test_fuzz_routes.py` (a few hundred examples, in CI) and by
`bench/fuzz_routes.py` (the full-size run). Each example is one request: a route of
`all_routes()`, a method it answers, a role (anonymous, participant, facilitator,
organiser, the display link's holder), path values and form fields drawn from what
breaks parsers: huge and negative numbers, digits of other scripts, empty, very long
and control characters, next to valid ids so the request gets past the lookups.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Route

from server.db.models import AuditEvent
from server.routes import all_routes
from server.web import throttle
from tests.support.day import Day, PanelInfo
from tests.support.people import Person
from tests.support.servers import running_app, settings_for

HOSTILE = [
    "",
    "0",
    "-1",
    "-99999999999",
    "9" * 20,
    "99999999999",
    "2147483648",
    "1e309",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1.5",
    "²",
    "٣",
    "１２",
    "𝟗",
    "\x00",
    "\x1b[2J",
    "\u202eevil",
    "\u200b",
    " ",
    "x" * 5000,
    "9" * 5000,
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "é" * 300,
]
"""Values that once crashed a parser somewhere, or could."""

FIELDS = sorted(
    {
        "action",
        "algorithm",
        "allow_abstain",
        "arguments_per_participant",
        "arguments_per_table",
        "at_home",
        "body",
        "budget",
        "choice",
        "code",
        "complete",
        "control_percent",
        "correct",
        "count",
        "direction",
        "duplicates",
        "email",
        "index",
        "key",
        "kind",
        "language",
        "max_approvals",
        "max_choices",
        "max_per_option",
        "method",
        "minutes",
        "mode",
        "moderation",
        "next",
        "note",
        "number",
        "options",
        "own_options",
        "page",
        "panel_size",
        "password",
        "proposal",
        "proposals",
        "question",
        "questions_per_table",
        "reason",
        "results",
        "scope",
        "seconds",
        "seed",
        "sort",
        "source",
        "stance",
        "table",
        "tables",
        "text",
        "timer",
        "title",
        "to",
        "top",
        "upvote",
        "wave",
        "idempotency_key",
        "adopt_percent",
    }
)
"""Form fields the routes and operations read (found in server/routes and server/ops)."""

ROLES = ("anonymous", "participant", "facilitator", "organiser", "display")
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


@dataclass(frozen=True)
class Target:
    path: str
    method: str
    serves: str


def targets() -> list[Target]:
    """Every HTTP route and method of the routing table (sockets are tested live)."""
    found = []
    for item in all_routes():
        if isinstance(item, Route):
            for method in sorted(item.methods or ()):
                if method != "HEAD":
                    found.append(Target(item.path, method, item.serves))  # type: ignore[attr-defined]
    return found


def values(valid: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(valid),
        st.text(max_size=40),
        st.integers().map(str),
    )


@dataclass
class Request:
    target: Target
    role: str
    path: str
    form: dict[str, str] = field(default_factory=dict)


@st.composite
def requests(draw: Any, world: World) -> Request:
    target = draw(st.sampled_from(world.targets))
    role = draw(st.sampled_from(ROLES))

    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if kind == "id":
            # Path ids are routed only when they are ASCII digits: draw those.
            drawn: str = draw(
                st.one_of(
                    st.sampled_from(world.ids),
                    st.sampled_from(["0", "9" * 9, "9" * 20, "²", "-1", "٣"]),
                    st.integers(min_value=0, max_value=10**25).map(str),
                )
            )
            return drawn
        # Sent as a browser would: percent-encoded (control characters included).
        return quote(draw(values(world.words.get(name, ["x"]))), safe="")

    path = PARAM.sub(fill, target.path)
    form = {}
    if target.method == "POST":
        names = draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True))
        form = {name: draw(values(world.words.get(name, ["1"]))) for name in names}
    return Request(target, role, path, form)


@dataclass
class World:
    """A panel day to aim at: one person per role, and the ids and words that exist."""

    day: Day
    panel: PanelInfo
    people: dict[str, Person]
    ids: list[str]
    words: dict[str, list[str]]
    targets: list[Target]

    async def audit_rows(self) -> int:
        async with self.day.services.db.reading() as session:
            return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    async def send(self, request: Request) -> tuple[int, int, int]:
        """Send one request; (status, audit rows before, audit rows after)."""
        throttle.reset()  # limits are tested on their own; here they would hide routes
        person = self.people[request.role]
        before = await self.audit_rows()
        url = request.path
        try:
            if request.target.method == "GET":
                response = await person.http.get(url)
            else:
                form = {**request.form, "csrf_token": person.csrf}
                response = await person.http.post(url, data=form, headers={"HX-Request": "true"})
            status = response.status_code
        except Exception:
            status = 500  # what the server's outermost layer answers an unhandled error with
        return status, before, await self.audit_rows()


async def build_world(app: Starlette) -> World:
    services = app.state.services
    day = Day(services, "http://testserver", app)
    panel = await day.panel(tables=3)
    organiser = await day.staff("organiser")
    facilitator = await day.staff("facilitator", panel)
    await facilitator.post(f"/panels/{panel.id}/agenda/start")
    phone = await day.phone(panel)
    await phone.get(f"/p/{panel.id}")
    anonymous = day.person()
    await anonymous.get("/")
    display = day.person()
    await display.get(f"/d/{panel.display_token}")
    steps = await _ids(services, "steps", panel.id)
    ids = sorted({str(panel.id), *steps, "1", "2", "3"})
    words = {
        "code": [panel.code],
        "token": [panel.display_token],
        "action": [
            "start",
            "advance",
            "back",
            "go_to",
            "close",
            "pause",
            "add",
            "approve",
            "hide",
            "merge",
            "edit",
            "withdraw",
            "send",
            "remove",
            "up",
            "down",
        ],
        "proposals": ["1"],
        "index": ["0", "1"],
    }
    people = {
        "anonymous": anonymous,
        "participant": phone,
        "facilitator": facilitator,
        "organiser": organiser,
        "display": display,
    }
    return World(day, panel, people, ids, words, targets())


async def _ids(services: Any, table: str, panel_id: int) -> list[str]:
    from sqlalchemy import text

    async with services.db.reading() as session:
        rows = await session.execute(
            text(f"SELECT id FROM {table} WHERE panel_id = :panel"), {"panel": panel_id}
        )
    return [str(row[0]) for row in rows]


class Fuzzing:
    """A running application and its world on an event loop of its own, for hypothesis.

    Hypothesis drives a plain function; each example runs its request on this loop.
    """

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self._app_context = running_app(settings_for(data_dir))
        app = self.loop.run_until_complete(self._app_context.__aenter__())
        self.world = self.loop.run_until_complete(build_world(app))
        self.tried = 0
        self.errors: list[tuple[Request, int]] = []
        self.changed_when_refused: list[tuple[Request, int]] = []

    def run(self, request: Request) -> None:
        status, before, after = self.loop.run_until_complete(self.world.send(request))
        self.tried += 1
        if status >= 500:
            self.errors.append((request, status))
        elif status >= 400 and after != before:
            self.changed_when_refused.append((request, status))

    def close(self) -> None:
        self.loop.run_until_complete(self.world.day.close())
        self.loop.run_until_complete(self._app_context.__aexit__(None, None, None))
        self.loop.close()

    def report(self) -> Iterator[str]:
        for request, status in self.errors[:20]:
            yield (
                f"{status} {request.target.method} {request.path!r} as {request.role}: "
                f"{request.form!r}"
            )
        for request, status in self.changed_when_refused[:20]:
            yield (
                f"refused with {status} but wrote to the audit log: {request.target.method} "
                f"{request.path!r} as {request.role}: {request.form!r}"
            )
