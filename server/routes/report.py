"""The council report, the research export, and importing panels and panel definitions.

- `GET /panels/{id}/report` (staff): the printable report in the panel's language;
- `GET /panels/{id}/export.zip` (organiser): the data for researchers;
- `GET /panels/{id}/definition.yaml` (organiser): the panel as a reusable template;
- `GET /panels/import` and `POST /panels/import` (organiser): a new panel from an export;
- `POST /panels/import-definition` (organiser): a new draft panel from a template.

Each handler loads the report's modules (and YAML) when asked: a restarted server does
not wait for them before it answers the phones (tests/test_startup.py).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from facilitation.errors import N_
from server.i18n import translate
from server.ops import follow_up
from server.ops.events import Actor
from server.reporting.invalid import Invalid
from server.routes.roles import route
from server.web.access import require_organiser, require_staff, services_of
from server.web.csrf import checked_upload
from server.web.respond import language_of, page, t

UPLOAD_MAX = 64 * 1024 * 1024
DEFINITION_MAX = 1024 * 1024


async def report_page(request: Request) -> Response:
    panel_id = int(request.path_params["panel_id"])
    from server.reporting.page import TEMPLATE, load_report, report_context

    access = await require_staff(request, panel_id)
    services = services_of(request)
    token = await follow_up.report_address(services.units, panel_id)
    report = await load_report(services, panel_id, follow_up_token=token)
    return page(
        request,
        TEMPLATE,
        language=report.language,
        layout="base.html",
        standalone=False,
        account=access.account,
        organiser=access.organiser,
        panel=access.panel,
        panel_id=panel_id,
        **report_context(report),
    )


async def export(request: Request) -> Response:
    from server.reporting.export import export_zip
    from server.reporting.record import load_record

    panel_id = int(request.path_params["panel_id"])
    await require_staff(request, panel_id, organiser=True)
    async with services_of(request).db.reading() as session:
        record = await load_record(session, panel_id)
    data = export_zip(record)
    name = _file_name(record.definition.title)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.zip"',
            "Cache-Control": "no-store",
        },
    )


async def definition_yaml(request: Request) -> Response:
    from server.reporting.definition import definition_to_yaml
    from server.reporting.record import load_record

    panel_id = int(request.path_params["panel_id"])
    await require_staff(request, panel_id, organiser=True)
    async with services_of(request).db.reading() as session:
        record = await load_record(session, panel_id)
    name = _file_name(record.definition.title)
    return Response(
        definition_to_yaml(record.definition),
        media_type="application/yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.yaml"',
            "Cache-Control": "no-store",
        },
    )


async def import_form(request: Request) -> Response:
    account = await require_organiser(request)
    return page(request, "report/import.html", account=account, panel=None, error=None)


async def import_archive(request: Request) -> Response:
    from server.ops import panel_import
    from server.reporting.archive import read_archive

    account = await require_organiser(request)
    try:
        data = await _upload(request, "archive", UPLOAD_MAX)
        if data is None:
            raise Invalid(N_("Choose the ZIP file of an export."))
        record = await asyncio.to_thread(read_archive, data)
    except Invalid as problem:
        return _refused(request, account, problem)
    panel_id, renamed = await panel_import.import_record(
        services_of(request).units, Actor.account(account.id), account, record
    )
    message = t(request, "The panel was imported. It is closed: its data can be read, not changed.")
    if renamed:
        message += " " + t(
            request,
            "Its pseudonymous ids were already in use on this server, so they were replaced.",
        )
    request.session["flash"] = {"message": message, "ok": True}
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


async def import_definition(request: Request) -> Response:
    from server.ops import panel_import
    from server.reporting.definition import definition_from_yaml

    account = await require_organiser(request)
    try:
        data = await _upload(request, "definition", DEFINITION_MAX)
        if data is None:
            raise Invalid(N_("Choose the YAML file of a panel definition."))
        definition = await asyncio.to_thread(definition_from_yaml, data)
    except Invalid as problem:
        return _refused(request, account, problem)
    panel_id = await panel_import.create_from_definition(
        services_of(request).units, Actor.account(account.id), account, definition
    )
    request.session["flash"] = {
        "message": t(request, "A new draft panel was made from the definition."),
        "ok": True,
    }
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


def problem_text(language: str, problem: Invalid) -> str:
    """An import problem in the reader's language, with where it is."""
    text = translate(language, problem.message)
    text = text % problem.params if problem.params else text
    for where, params in reversed(problem.where):
        place = translate(language, where)
        text = f"{place % params if params else place}: {text}"
    return text


def _refused(request: Request, account: Any, problem: Invalid) -> Response:
    return page(
        request,
        "report/import.html",
        status=400,
        account=account,
        panel=None,
        error=problem_text(language_of(request), problem),
    )


async def _upload(request: Request, name: str, limit: int) -> bytes | None:
    """The uploaded file of a form after checking its CSRF token; None when none was sent."""
    data = (await checked_upload(request, name, limit)).data
    if data is not None and len(data) > limit:
        raise Invalid(N_("The file is too large."))
    return data or None


def _file_name(title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return slug[:60] or "panel"


routes = [
    route("/panels/{panel_id:id}/report", report_page, serves="staff"),
    route("/panels/{panel_id:id}/export.zip", export, serves="organiser"),
    route("/panels/{panel_id:id}/definition.yaml", definition_yaml, serves="organiser"),
    route("/panels/import", import_form, serves="organiser"),
    route(
        "/panels/import",
        import_archive,
        serves="organiser",
        methods=("POST",),
        max_body_size=UPLOAD_MAX + 1024 * 1024,
    ),
    route(
        "/panels/import-definition",
        import_definition,
        serves="organiser",
        methods=("POST",),
        max_body_size=DEFINITION_MAX + 64 * 1024,
    ),
]
