"""Every route, with every role: allowed where it serves, refused everywhere else.

The roles: anonymous, a participant of the panel, a participant of another panel, a
facilitator of another panel, a facilitator of the panel, an organiser, whoever holds
the panel's display link, and whoever holds a personal invite code. Routes declare the
role they serve (`serves`); this test walks all of them, so a new route cannot forget
its guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import websockets
from sqlalchemy import select
from starlette.routing import Mount, Route, WebSocketRoute

from server.db.models import Panel, PanelMember, PanelTable, Step
from server.ops.follow_up import follow_up_address
from server.routes import ROLES, all_routes
from server.web import throttle
from tests.support.day import Day, PanelInfo
from tests.support.people import Person
from tests.support.surveys import invite

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
ROLE_NAMES = (
    "anonymous",
    "participant",
    "participant_other",
    "facilitator_other",
    "facilitator",
    "organiser",
    "display",
    "invite",
)
ALLOWED = {
    "public": set(ROLE_NAMES),
    "participant": {"participant"},
    "staff": {"facilitator", "organiser"},
    "organiser": {"organiser"},
    "display": {"display"},
    "invite": {"invite"},
}


@dataclass
class World:
    day: Day
    panel: PanelInfo
    other: PanelInfo
    people: dict[str, Person]
    spare_account: int
    invite_code: str

    async def values(self) -> dict[str, str]:
        async with self.day.services.db.reading() as session:
            panel = await session.get(Panel, self.panel.id)
            step = await session.scalar(
                select(Step.id).where(Step.panel_id == self.panel.id).order_by(Step.position.desc())
            )
            survey = await session.scalar(
                select(Step.id)
                .where(Step.panel_id == self.panel.id, Step.kind == "survey")
                .order_by(Step.position)
            )
            table = await session.scalar(
                select(PanelTable.id).where(PanelTable.panel_id == self.panel.id)
            )
        follow = await follow_up_address(self.day.services.units, self.panel.id)
        assert panel is not None
        return {
            "panel_id": str(panel.id),
            "code": panel.join_code,
            "token": panel.display_token,
            "action": "advance",
            "step_id": str(step),
            "survey_step_id": str(survey),
            "invite": self.invite_code,
            "key": "nokey",
            "table_id": str(table),
            "account_id": str(self.spare_account),
            # Authorisation comes before lookup: an unknown id still tells roles apart.
            "argument_id": "999999",
            "question_id": "999999",
            "proposal_id": "999999",
            "draw_id": "999999",
            "recruit_id": "999999",
            "plan_id": "999999",
            "recommendation_id": "999999",
            "amendment_id": "999999",
            "kind": "csv",
            "follow_token": follow,
        }


async def make_world(day: Day) -> World:
    panel = await day.panel(tables=2)
    other = await day.panel(tables=2)
    people = {
        "anonymous": day.person(),
        "participant": await day.phone(panel),
        "participant_other": await day.phone(other),
        "facilitator_other": await day.staff("facilitator", other),
        "facilitator": await day.staff("facilitator", panel),
        "organiser": await day.staff("organiser"),
        "display": day.person(),
        "invite": day.person(),
    }
    spare = await day.account("facilitator")
    async with day.services.db.writing() as session:
        session.add(PanelMember(panel_id=panel.id, account_id=spare.id))
    for person in people.values():
        await person.get("/")  # everyone has a session and a CSRF token
    code = await invite(day, panel)
    async with day.services.db.writing() as session:
        survey = await session.scalar(
            select(Step).where(Step.panel_id == panel.id, Step.kind == "survey")
        )
        assert survey is not None
        survey.settings = {**survey.settings, "at_home": True}
    return World(day, panel, other, people, spare.id, code)


def path_for(route: Route | WebSocketRoute, values: dict[str, str], role: str) -> str:
    """The route's path with values that reach its handler: a survey step for survey
    routes, the panel's personal code for the invite holder."""
    values = dict(values)
    if route.serves == "display" and role != "display":  # type: ignore[attr-defined]
        values["token"] = "not-the-display-link"
    if "/survey" in route.path or "/items" in route.path:
        values["step_id"] = values["survey_step_id"]
    if route.path.startswith("/i/"):
        values["code"] = values["invite"] if role == "invite" else "AAAAAAAAAAAAAAAA"
    return PARAM.sub(lambda m: values[m.group(1)], route.path)


def form_for(path: str, world: World) -> dict[str, str]:
    """Input that passes validation where possible, without changing who is who."""
    if path == "/join":
        return {"code": "AAAAAA"}  # a wrong code: nobody changes panel
    if path.endswith("/move"):
        return {"number": "1", "table": "0"}
    return {
        "minutes": "5",
        "count": "2",
        "label": "Bord A",
        "title": "T",
        "kind": "info",
        "language": "en",
        "email": "nobody@example.org",
        "direction": "down",
        "next": "/",
    }


ENDS_SESSION = ("/account/sessions/end", "/logout")


def routes_in_order(routes: list[object]) -> list[Route | WebSocketRoute]:
    found = [r for r in routes if isinstance(r, Route | WebSocketRoute)]
    # Logging out (here or everywhere) ends the session: keep those for last.
    return sorted(found, key=lambda r: ENDS_SESSION.index(r.path) if r.path in ENDS_SESSION else -1)


def test_every_route_states_the_role_it_serves(app: object) -> None:
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            continue
        assert getattr(route, "serves", None) in ROLES, route.path


async def test_every_route_refuses_every_role_it_does_not_serve(live_day: Day) -> None:
    world = await make_world(live_day)
    checked = 0
    for route in routes_in_order(all_routes()):
        serves = route.serves  # type: ignore[attr-defined]
        for role in ROLE_NAMES:
            path = path_for(route, await world.values(), role)
            allowed = await _request(world, route, path, role)
            expected = role in ALLOWED[serves]
            if serves == "staff" and "{panel_id" not in route.path:
                # Not about one panel (the list of one's own panels): any staff account.
                expected = role in {"facilitator", "facilitator_other", "organiser"}
            assert allowed == expected, f"{role} on {route.path}: allowed={allowed}"
            checked += 1
    assert checked == len(all_routes()) * len(ROLE_NAMES)


async def _request(world: World, route: Route | WebSocketRoute, path: str, role: str) -> bool:
    person = world.people[role]
    throttle.reset()  # every role comes from one address here; the limits have own tests
    if isinstance(route, WebSocketRoute):
        return await _socket_allowed(person, path)
    methods = route.methods or {"GET"}
    if "POST" in methods:
        response = await person.post(path, form_for(path, world))
    else:
        response = await person.get(path)
    if response.status_code in (401, 403, 404):
        return False
    if response.status_code in (302, 303):
        if path in ENDS_SESSION:
            return True  # logging out always lands on the login page
        return not response.headers["location"].startswith("/login")
    assert response.status_code < 500, (path, role, response.text[:500])
    return True


async def _socket_allowed(person: Person, path: str) -> bool:
    try:
        screen = await person.socket(path)
    except websockets.InvalidStatus:
        return False
    try:
        message = await screen.receive(5)
        return "seq" in message
    except websockets.ConnectionClosed:
        return False
    finally:
        await screen.close()
