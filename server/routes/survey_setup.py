"""The organiser writes the surveys: before or after, at home or not, and the questions."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.ops import surveys
from server.routes.organiser import organiser_form
from server.routes.roles import route
from server.web.access import services_of
from server.web.numbers import whole_number
from server.web.respond import done, t


def _fields(form: FormData) -> dict[str, str]:
    fields = {name: str(form.get(name, "")) for name in surveys.ITEM_FIELDS}
    # Organisers count options from 1; the survey model counts from 0.
    correct = whole_number(fields.get("correct"), low=1, high=100)
    fields["correct"] = "" if correct is None else str(correct - 1)
    return fields


async def survey_settings(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await surveys.set_survey(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        str(form.get("wave", "")),
        form.get("at_home") == "on",
    )
    return done(request, t(request, "Saved."), f"/panels/{panel_id}")


async def add_item(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await surveys.save_item(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        _fields(form),
        None,
    )
    return done(request, t(request, "Question added."), f"/panels/{panel_id}")


async def edit_item(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    await surveys.save_item(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        _fields(form),
        request.path_params["key"],
    )
    return done(request, t(request, "Saved."), f"/panels/{panel_id}")


async def repeat_items(request: Request) -> Response:
    panel_id, actor, form = await organiser_form(request)
    count = await surveys.repeat_items(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        [str(key) for key in form.getlist("repeat")],
    )
    return done(
        request, t(request, "%(count)s questions added.", count=count), f"/panels/{panel_id}"
    )


async def delete_item(request: Request) -> Response:
    panel_id, actor, _form = await organiser_form(request)
    await surveys.remove_item(
        services_of(request).units,
        panel_id,
        actor,
        int(request.path_params["step_id"]),
        request.path_params["key"],
    )
    return done(request, t(request, "Question deleted."), f"/panels/{panel_id}")


routes = [
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/survey",
        survey_settings,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/items",
        add_item,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/items/repeat",
        repeat_items,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/items/{key}",
        edit_item,
        serves="organiser",
        methods=("POST",),
    ),
    route(
        "/panels/{panel_id:id}/steps/{step_id:id}/items/{key}/delete",
        delete_item,
        serves="organiser",
        methods=("POST",),
    ),
]
