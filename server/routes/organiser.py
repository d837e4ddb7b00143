"""Building panels: the list, a new panel from the template, and the setup page."""

from __future__ import annotations

from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from facilitation.codes import format_join_code
from facilitation.steps import StepKind
from server.db.models import Account, PanelMember
from server.db.rows import proposals_of
from server.ops import agenda, panels
from server.ops import steps as agenda_steps
from server.ops.events import Actor
from server.routes.roles import route
from server.screens.common import qr_svg
from server.web.access import (
    require_account,
    require_organiser,
    require_staff,
    services_of,
    visible_panels,
)
from server.web.csrf import checked_form
from server.web.respond import done, page, t


async def panel_list(request: Request) -> Response:
    account = await require_account(request)
    return page(
        request, "staff/panels.html", account=account, panels=await visible_panels(request, account)
    )


async def new_panel_form(request: Request) -> Response:
    account = await require_organiser(request)
    return page(request, "staff/new_panel.html", account=account, error=None)


async def create(request: Request) -> Response:
    account = await require_organiser(request)
    form = await checked_form(request)
    panel_id = await panels.create_panel(
        services_of(request).units,
        account,
        str(form.get("title", "")),
        str(form.get("question", "")),
        str(form.get("language", "nb")),
        str(form.get("tables", "5")),
    )
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


async def setup(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id)
    services = services_of(request)
    async with services.hub.view(panel_id) as view:
        panel = await view.panel()
        steps = await view.steps()
        tables = await view.tables()
        seated = await view.seated()
        joined = await view.joined_count()
        proposals = await proposals_of(view.session, panel_id)
        # Questions before the discussion, which an after-survey may ask again.
        t1_items = [
            item
            for step in steps
            if step.kind == "survey" and step.settings.get("wave", "T1") == "T1"
            for item in step.settings.get("items", [])
        ]
        repeated = {
            item.get("pairs_with")
            for step in steps
            if step.kind == "survey"
            for item in step.settings.get("items", [])
        }
        team = list(
            await view.session.scalars(
                select(Account)
                .join(PanelMember, PanelMember.account_id == Account.id)
                .where(PanelMember.panel_id == panel_id)
                .order_by(Account.name)
            )
        )
    base = services.base_url(request)
    join_url = f"{base}/j/{panel.join_code}"
    return page(
        request,
        "staff/setup.html",
        account=access.account,
        organiser=access.organiser,
        panel=panel,
        steps=steps,
        tables=tables,
        proposals=proposals,
        t1_items=t1_items,
        repeated=repeated,
        seated=seated,
        joined=joined,
        team=team,
        kinds=list(StepKind),
        join_url=join_url,
        code=format_join_code(panel.join_code),
        display_url=f"{base}/d/{panel.display_token}",
        run_url=f"{base}/panels/{panel.id}/run",
        qr=qr_svg(join_url, t(request, "Scan to join the panel")),
    )


def _back(panel_id: int) -> str:
    return f"/panels/{panel_id}"


async def edit_text(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await panels.update_text(
        services_of(request).units,
        panel_id,
        actor,
        str(form.get("title", "")),
        str(form.get("question", "")),
        str(form.get("language", "")),
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def table_count(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await panels.set_table_count(
        services_of(request).units, panel_id, actor, str(form.get("count", ""))
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def rename_table(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await panels.rename_table(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["table_id"]),
        str(form.get("label", "")),
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def add_step(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await agenda_steps.add_step(
        services_of(request).units,
        panel_id,
        actor,
        str(form.get("kind", "")),
        str(form.get("title", "")),
        str(form.get("body", "")),
        str(form.get("timer", "")),
    )
    return done(request, t(request, "Step added."), _back(panel_id))


async def edit_step(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await agenda_steps.edit_step(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        str(form.get("kind", "")),
        str(form.get("title", "")),
        str(form.get("body", "")),
        str(form.get("timer", "")),
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def move_step(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await agenda_steps.move_step(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        "up" if form.get("direction") == "up" else "down",
    )
    return done(request, t(request, "Saved."), _back(panel_id))


async def delete_step(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await agenda_steps.delete_step(
        services_of(request).units, panel_id, actor, int(request.path_params["step_id"])
    )
    return done(request, t(request, "Step deleted."), _back(panel_id))


async def open_panel(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await agenda.transition(services_of(request).units, panel_id, actor, "open")
    return done(request, t(request, "The panel is open: people can join now."), _back(panel_id))


async def renew_join_code(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await panels.renew_join_code(services_of(request).units, panel_id, actor)
    return done(request, t(request, "The panel has a new join code."), _back(panel_id))


async def renew_display_link(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await panels.renew_display_link(services_of(request).units, panel_id, actor)
    return done(request, t(request, "The old display link no longer works."), _back(panel_id))


async def add_member(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await panels.add_member(services_of(request).units, panel_id, actor, str(form.get("email", "")))
    return done(request, t(request, "Added to the team."), _back(panel_id))


async def remove_member(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await panels.remove_member(
        services_of(request).units, panel_id, actor, int(request.path_params["account_id"])
    )
    return done(request, t(request, "Removed from the team."), _back(panel_id))


async def organiser_form(request: Request) -> tuple[int, Actor, FormData]:
    panel_id = int(request.path_params["panel_id"])
    access = await require_staff(request, panel_id, organiser=True)
    form = await checked_form(request)
    return panel_id, Actor.account(access.account.id), form


routes = [
    route("/panels", panel_list, serves="staff"),
    route("/panels/new", new_panel_form, serves="organiser"),
    route("/panels", create, serves="organiser", methods=("POST",)),
    route("/panels/{panel_id:id}", setup, serves="staff"),
    route("/panels/{panel_id:id}/text", edit_text, serves="organiser", methods=("POST",)),
    route("/panels/{panel_id:id}/tables", table_count, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/tables/{table_id:id}",
        rename_table,
        serves="organiser",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/steps", add_step, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}",
        edit_step,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/move",
        move_step,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/delete",
        delete_step,
        serves="organiser",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/open", open_panel, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/join-code", renew_join_code, serves="organiser", methods=("POST",)
    ),
    route(
        "/panels/{panel_id:id}/display-link",
        renew_display_link,
        serves="organiser",
        methods=("POST",),
    ),
    route("/panels/{panel_id:id}/team", add_member, serves="organiser", methods=("POST",)),
    route(
        "/panels/{panel_id:id}/team/{account_id:id}/remove",
        remove_member,
        serves="organiser",
        methods=("POST",),
    ),
]
