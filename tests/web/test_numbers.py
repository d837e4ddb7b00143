"""Numbers in addresses and forms: odd ones get a 404 or a clear refusal, never a 500."""

from __future__ import annotations

import pytest

from tests.support.day import Day, text_of

HUGE = "9" * 20


async def test_a_huge_id_in_an_address_is_a_page_that_does_not_exist(day: Day) -> None:
    panel = await day.panel()
    phone = await day.phone(panel)
    tablet = await day.staff("organiser")
    for person, method, path in [
        (phone, "POST", f"/p/{panel.id}/statements/{HUGE}"),
        (phone, "GET", f"/p/{panel.id}/survey/{HUGE}"),
        (phone, "GET", f"/p/{HUGE}"),
        (tablet, "GET", f"/panels/{HUGE}/run"),
        (tablet, "GET", f"/panels/{panel.id}/recruitment/draws/{HUGE}"),
        (day.person(), "GET", f"/i/AAAABBBBCCCCDDDD/survey/{HUGE}"),
        (phone, "GET", f"/p/{panel.id}/survey/²"),
    ]:
        if method == "GET":
            response = await person.get(path)
        else:
            response = await person.post(path, {"choice": "agree"})
        assert response.status_code == 404, (path, response.status_code)


@pytest.mark.parametrize("minutes", ["inf", "-inf", "nan", "1e309", "9" * 400])
async def test_an_infinite_or_not_a_number_timer_is_refused_and_changes_nothing(
    day: Day, minutes: str
) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    before = await day.audit_count(panel.id)
    response = await tablet.post(f"/panels/{panel.id}/timer/start", {"minutes": minutes})
    assert response.status_code == 409
    assert "The timer must be" in text_of(response.text)
    assert await day.audit_count(panel.id) == before


@pytest.mark.parametrize("value", ["²", "٣", HUGE, "9" * 5000, "-3", "1.5"])
async def test_a_number_field_that_is_no_whole_number_in_range_says_so(
    day: Day, value: str
) -> None:
    panel = await day.panel()
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/agenda/start")
    before = await day.audit_count(panel.id)
    for path, form in [
        (f"/panels/{panel.id}/move", {"number": value, "table": "1"}),
        (f"/panels/{panel.id}/agenda/go_to", {"index": value}),
        (f"/panels/{panel.id}/timer/add", {"seconds": value}),
        (f"/panels/{panel.id}/wall", {"page": value}),
    ]:
        response = await tablet.post(path, form)
        assert response.status_code == 422, (path, response.status_code, response.text[:300])
        assert "Enter a whole number from" in text_of(response.text)
    assert await day.audit_count(panel.id) == before


async def test_an_organiser_number_with_digits_of_another_script_is_refused(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    async with day.services.db.reading() as session:
        from sqlalchemy import select

        from server.db.models import Step

        step = await session.scalar(
            select(Step).where(Step.panel_id == panel.id, Step.kind == "vote")
        )
    assert step is not None
    before = await day.audit_count(panel.id)
    response = await organiser.post(
        f"/panels/{panel.id}/steps/{step.id}/settings",
        {"method": "dots", "budget": "²", "own_options": "A\nB"},
    )
    assert response.status_code == 409
    assert "is not a whole number" in text_of(response.text)
    assert await day.audit_count(panel.id) == before
