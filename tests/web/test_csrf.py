"""Every form post needs the CSRF token of its own session; without it nothing changes."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from starlette.routing import Route

from server.db.models import Account, AuditEvent, Panel, Participant, Step
from server.routes import all_routes
from tests.support.day import Day
from tests.support.surveys import invite

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
POST_ROUTES = sorted(
    (r.path, r.serves)  # type: ignore[attr-defined]
    for r in all_routes()
    if isinstance(r, Route) and "POST" in (r.methods or ())
)


async def state(day: Day) -> tuple[int, ...]:
    async with day.services.db.reading() as session:
        counts = []
        for model in (Account, AuditEvent, Participant, Step):
            counts.append(int(await session.scalar(select(func.count()).select_from(model))))
        counts.append(int(await session.scalar(select(func.sum(Panel.seq))) or 0))
        return tuple(counts)


async def test_a_post_without_this_sessions_token_is_refused_and_changes_nothing(
    day: Day,
) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    phone = await day.phone(panel)
    stranger = day.person()
    await stranger.get("/")
    async with day.services.db.reading() as session:
        step = await session.scalar(
            select(Step.id).where(Step.panel_id == panel.id).order_by(Step.position)
        )
    values = {
        "panel_id": panel.id,
        "step_id": step,
        "table_id": 1,
        "account_id": 1,
        "action": "advance",
        # The only posts with a code in the path are an invite holder's survey answers.
        "code": await invite(day, panel),
        "key": "cars",
        "argument_id": 1,
        "question_id": 1,
        "proposal_id": 1,
        "draw_id": 1,
        "recruit_id": 1,
        "plan_id": 1,
        "recommendation_id": 1,
        "amendment_id": 1,
    }
    form = {
        "code": panel.code,
        "title": "Changed",
        "count": "5",
        "minutes": "3",
        "email": "someone@example.org",
        "password": "x" * 12,
        "language": "en",
    }
    assert len(POST_ROUTES) > 15
    for path, serves in POST_ROUTES:
        # Each route is posted by someone it serves, so only the token can be wrong.
        person = phone if serves == "participant" else organiser
        url = PARAM.sub(lambda m: str(values[m.group(1)]), path)
        for token in (None, stranger.csrf):
            posted = dict(form, csrf_token=token) if token else form
            before = await state(day)
            response = await person.http.post(url, data=posted, headers={"HX-Request": "true"})
            assert response.status_code == 403, path
            assert "This form has expired" in response.text
            assert await state(day) == before, path
    # The same post with the organiser's own token does go through.
    ok = await organiser.post(
        f"/panels/{panel.id}/text", {"title": "Changed", "question": "", "language": "en"}
    )
    assert ok.status_code == 200
