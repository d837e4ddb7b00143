"""The seating screen: mixed tables for the people present, a second round, the plans' seeds.

Staff see the plans (table by table: participant numbers and the mix of categories,
never a name); organisers make and apply them. Facilitators still move single
people with the move form on their tablet.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from server.db.models_recruitment import SeatingPlan
from server.ops import seating_plans
from server.ops.events import Actor
from server.routes.recruitment import say
from server.routes.roles import route
from server.web.access import require_staff, services_of
from server.web.csrf import checked_form
from server.web.respond import done, language_of, page, t


def _plan_view(plan: SeatingPlan, room: seating_plans.Room, language: str) -> dict[str, Any]:
    """Each table of a plan: who sits there (numbers) and its mix per category."""
    number = {str(p.id): p.number for p in room.participants}
    by_table: dict[int, list[str]] = {}
    for key, table_id in plan.seats.items():
        by_table.setdefault(int(table_id), []).append(key)
    features = list(plan.diversify)
    tables = []
    for table in room.tables:
        keys = sorted(by_table.get(table.id, []), key=lambda k: number.get(k, 0))
        mix = []
        for feature in features:
            counts = Counter(
                room.traits.get(k, {}).get(feature, seating_plans.UNKNOWN) for k in keys
            )
            mix.append((feature, sorted(counts.items())))
        tables.append(
            {
                "label": table.label,
                "numbers": [number[k] for k in keys if k in number],
                "mix": mix,
            }
        )
    return {
        "plan": plan,
        "tables": tables,
        "notes": [say(language, n["message"], n.get("params") or None) for n in plan.notes],
        "gone": sum(1 for key in plan.seats if key not in number),
    }


async def show(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    services = services_of(request)
    language = language_of(request)
    async with services.db.reading() as session:
        room = await seating_plans.room_of(session, panel_id)
        plans = await seating_plans.plans_of(session, panel_id)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
    values: dict[str, list[str]] = {}
    for traits in room.traits.values():
        for category, value in traits.items():
            if value != seating_plans.UNKNOWN:
                values.setdefault(category, [])
                if value not in values[category]:
                    values[category].append(value)
    proposed = next((p for p in plans if p.state == "proposed"), None)
    applied = [p for p in plans if p.state == "applied"]
    known = sum(
        1
        for traits in room.traits.values()
        if any(v != seating_plans.UNKNOWN for v in traits.values())
    )
    return page(
        request,
        "staff/seating.html",
        language=language,
        panel=panel,
        account=access.account,
        organiser=access.organiser,
        categories=room.categories,
        values={k: sorted(v) for k, v in values.items()},
        present=len(room.participants),
        known=known,
        tables=room.tables,
        proposed=_plan_view(proposed, room, language) if proposed else None,
        applied=_plan_view(applied[0], room, language) if applied else None,
        history=plans,
    )


async def propose(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id, organiser=True)
    form = await checked_form(request)
    await seating_plans.propose(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        [str(v) for v in form.getlist("diversify")],
        [str(v) for v in form.getlist("cluster")],
        str(form.get("pins", ""))[:20_000],
        form.get("new_encounters") == "on",
        str(form.get("seed", ""))[:40],
    )
    return done(
        request,
        t(request, "A plan is ready. Look it over, then apply it."),
        f"/panels/{panel_id}/seating",
    )


async def apply(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id, organiser=True)
    await checked_form(request)
    moved = await seating_plans.apply(
        services_of(request).units,
        panel_id,
        Actor.account(access.account.id),
        int(request.path_params["plan_id"]),
    )
    return done(
        request,
        t(request, "The plan is applied: %(count)s people moved table.", count=moved),
        f"/panels/{panel_id}/seating",
    )


routes = [
    route("/panels/{panel_id:id}/seating", show, serves="staff"),
    route("/panels/{panel_id:id}/seating/plans", propose, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/seating/plans/{plan_id:id}/apply",
        apply,
        serves="organiser",
        methods=("POST",),
    ),
]
