"""Arguments from phones: sent for the table, checked, limited, edited, moderated, merged."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from server.db.models import AuditEvent, StatementVote
from server.ops import panels
from server.ops.events import SYSTEM
from tests.support.day import Day, text_of
from tests.support.deliberation import open_step, send, stored_arguments, with_proposals


async def test_a_phone_sends_an_argument_that_its_table_sees_waiting(day: Day) -> None:
    panel = await day.panel(tables=2)
    (bus,) = await with_proposals(day, panel, "Free buses")
    await open_step(day, panel, "discussion", proposals=str(bus))
    writer, neighbour = await day.phone(panel), await day.phone(panel)  # tables 1 and 2
    response = await writer.post(
        f"/p/{panel.id}/arguments",
        {"text": "Cheaper for families", "stance": "for", "proposal": str(bus)},
    )
    assert response.status_code == 200
    assert "appears on the wall when a facilitator approves it" in text_of(response.text)
    [stored] = await stored_arguments(day, panel)
    assert (stored.state, stored.stance, stored.proposal_id) == ("pending", "for", bus)
    own = text_of((await writer.get(f"/p/{panel.id}")).text)
    assert "Cheaper for families" in own and "Waiting for approval" in own
    assert "Sent from this phone" in own
    other_table = text_of((await neighbour.get(f"/p/{panel.id}")).text)
    assert "Cheaper for families" not in other_table


async def test_bad_arguments_are_refused_clearly_and_nothing_is_stored(day: Day) -> None:
    panel = await day.panel()
    (bus,) = await with_proposals(day, panel, "Free buses")
    await open_step(day, panel, "discussion", proposals=str(bus))
    phone = await day.phone(panel)
    cases = {
        ("   \u200b\n ", "for"): "Write the argument",
        ("x" * 501, "for"): "500",
        ("Fine text", "sideways"): "",
    }
    for (text, stance), hint in cases.items():
        response = await phone.post(
            f"/p/{panel.id}/arguments", {"text": text, "stance": stance, "proposal": str(bus)}
        )
        assert response.status_code == 409, text
        assert hint in text_of(response.text)
    unknown = await phone.post(
        f"/p/{panel.id}/arguments", {"text": "Fine", "stance": "for", "proposal": "424242"}
    )
    assert unknown.status_code == 409
    assert await stored_arguments(day, panel) == []


async def test_arguments_only_go_to_an_open_discussion(day: Day) -> None:
    panel = await day.panel()
    phone = await day.phone(panel)
    refused = await phone.post(f"/p/{panel.id}/arguments", {"text": "Early", "stance": "for"})
    assert refused.status_code == 409 and "Wait for the facilitator" in text_of(refused.text)
    await open_step(day, panel, "info")
    refused = await phone.post(f"/p/{panel.id}/arguments", {"text": "Early", "stance": "for"})
    assert "only be sent during a table discussion" in text_of(refused.text)


async def test_limits_per_participant_and_per_table_say_what_the_limit_is(day: Day) -> None:
    panel = await day.panel(tables=1)
    await open_step(
        day, panel, "discussion", arguments_per_participant="2", arguments_per_table="3"
    )
    first, second = await day.phone(panel), await day.phone(panel)
    assert await send(first, panel, "One") == 200
    assert await send(first, panel, "Two") == 200
    refused = await first.post(f"/p/{panel.id}/arguments", {"text": "Three", "stance": "for"})
    assert refused.status_code == 409 and "2" in text_of(refused.text)
    assert await send(second, panel, "Three") == 200
    refused = await second.post(f"/p/{panel.id}/arguments", {"text": "Four", "stance": "for"})
    assert refused.status_code == 409 and "3" in text_of(refused.text)
    assert len(await stored_arguments(day, panel)) == 3


async def test_html_and_scripts_are_stored_as_typed_and_shown_as_text(day: Day) -> None:
    panel = await day.panel()
    await open_step(day, panel, "discussion")
    phone = await day.phone(panel)
    nasty = '<img src=x onerror=alert(1)><script>alert("x")</script>'
    assert await send(phone, panel, nasty) == 200
    [stored] = await stored_arguments(day, panel)
    assert stored.text == nasty
    page = (await phone.get(f"/p/{panel.id}")).text
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


async def test_the_same_submission_retried_with_its_key_is_stored_once(day: Day) -> None:
    panel = await day.panel()
    await open_step(day, panel, "discussion")
    phone = await day.phone(panel)
    for _ in range(3):
        assert await send(phone, panel, "Once only", key="retry-key-0001") == 200
    results = await asyncio.gather(
        *(send(phone, panel, "Twice at once", key="retry-key-0002") for _ in range(5))
    )
    assert results == [200] * 5
    texts = [a.text for a in await stored_arguments(day, panel)]
    assert texts == ["Once only", "Twice at once"]


async def test_the_author_can_change_or_withdraw_until_a_facilitator_acts(day: Day) -> None:
    panel = await day.panel()
    await open_step(day, panel, "discussion")
    author, tablemate = await day.phone(panel), await day.phone(panel)
    await send(author, panel, "Frist draft")
    [argument] = await stored_arguments(day, panel)
    url = f"/p/{panel.id}/arguments/{argument.id}"
    assert (await tablemate.post(f"{url}/edit", {"text": "Mine now"})).status_code == 409
    assert (await author.post(f"{url}/edit", {"text": "First draft"})).status_code == 200
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/arguments/{argument.id}/approve")
    late = await author.post(f"{url}/edit", {"text": "Too late"})
    assert late.status_code == 409 and "facilitator" in text_of(late.text)
    assert (await author.post(f"{url}/withdraw")).status_code == 409
    [argument] = await stored_arguments(day, panel)
    assert (argument.text, argument.state) == ("First draft", "approved")


async def test_edits_and_merges_keep_the_originals_in_the_audit_log(day: Day) -> None:
    panel = await day.panel(tables=3)
    await open_step(day, panel, "discussion")
    phones = [await day.phone(panel) for _ in range(3)]
    for phone, text in zip(
        phones, ["Buses are slow", "Busses are slow", "Bikes are fast"], strict=True
    ):
        await send(phone, panel, text)
    first, second, third = await stored_arguments(day, panel)
    tablet = await day.staff("facilitator", panel)
    base = f"/panels/{panel.id}/arguments"
    edited = await tablet.post(f"{base}/{third.id}/edit", {"text": "Bikes are faster"})
    assert edited.status_code == 200
    merged = await tablet.post(f"{base}/{first.id}/merge", {"duplicates": str(second.id)})
    assert merged.status_code == 200
    first, second, third = await stored_arguments(day, panel)
    assert third.text == "Bikes are faster" and third.edited
    assert second.state == "merged" and second.merged_into == first.id
    assert first.merged_tables == [second.table_id] and first.merged_submissions == 1
    async with day.services.db.reading() as session:
        events = {
            e.action: e.data
            for e in await session.scalars(
                select(AuditEvent).where(AuditEvent.panel_id == panel.id)
            )
        }
    assert events["argument.edit"]["original"] == "Bikes are fast"
    assert events["argument.merge"]["merged"] == [
        {"argument": second.id, "table": second.table_id, "text": "Busses are slow"}
    ]


async def test_hidden_arguments_tell_their_table_why_and_can_be_restored(day: Day) -> None:
    panel = await day.panel(tables=1)
    await open_step(day, panel, "discussion")
    phone = await day.phone(panel)
    await send(phone, panel, "Ola Nordmann at table 3 is wrong")
    [argument] = await stored_arguments(day, panel)
    tablet = await day.staff("facilitator", panel)
    url = f"/panels/{panel.id}/arguments/{argument.id}"
    await tablet.post(f"{url}/hide", {"reason": "personal_information", "note": "a name"})
    seen = text_of((await phone.get(f"/p/{panel.id}")).text)
    assert "Ola Nordmann" not in seen and "Personal information" in seen
    refused = await tablet.post(f"{url}/hide", {"reason": "no-such-reason"})
    assert refused.status_code == 409
    await tablet.post(f"{url}/restore")
    [argument] = await stored_arguments(day, panel)
    assert argument.state == "approved"


async def test_post_moderation_shows_arguments_at_once(day: Day) -> None:
    panel = await day.panel(tables=2)
    await panels.update_settings(day.services.units, panel.id, SYSTEM, "post", False)
    await open_step(day, panel, "discussion", statement_votes="on")
    writer, other = await day.phone(panel), await day.phone(panel)
    response = await writer.post(f"/p/{panel.id}/arguments", {"text": "Open now", "stance": "for"})
    assert text_of(response.text) == "Sent."
    assert "Open now" in text_of((await other.get(f"/p/{panel.id}")).text)
    projector = day.person()
    assert "Open now" in text_of((await projector.get(f"/d/{panel.display_token}")).text)


async def test_statement_votes_are_one_per_person_per_argument_even_when_sent_at_once(
    day: Day,
) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "discussion", statement_votes="on")
    writer, voter = await day.phone(panel), await day.phone(panel)
    tablemate = await day.phone(panel)  # sits with the writer at table 1
    await send(writer, panel, "Fewer cars")
    [argument] = await stored_arguments(day, panel)
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/arguments/{argument.id}/approve")
    url = f"/p/{panel.id}/statements/{argument.id}"
    choices = ["agree", "disagree", "agree", "pass", "agree"] * 4
    results = await asyncio.gather(*(voter.post(url, {"choice": c}) for c in choices))
    assert {r.status_code for r in results} == {200}
    await voter.post(url, {"choice": "disagree"})  # changed: the last one counts
    own = await tablemate.post(url, {"choice": "agree"})
    assert own.status_code == 409 and "own table" in text_of(own.text)
    async with day.services.db.reading() as session:
        votes = list(await session.scalars(select(StatementVote)))
        count = await session.scalar(select(func.count()).select_from(StatementVote))
    assert count == 1 and votes[0].choice == "disagree"


async def test_a_table_lists_its_own_arguments_and_votes_on_the_others(day: Day) -> None:
    panel = await day.panel(tables=2)
    await open_step(day, panel, "discussion", statement_votes="on")
    first, second = await day.phone(panel), await day.phone(panel)
    await send(first, panel, "From table one")
    [argument] = await stored_arguments(day, panel)
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/arguments/{argument.id}/approve")
    page = (await second.get(f"/p/{panel.id}")).text
    own = text_of(
        page[page.index('id="phone-table-arguments"') : page.index('id="phone-statements"')]
    )
    others = text_of(page[page.index('id="phone-statements"') :])
    assert "From table one" not in own and "Your table's arguments (0)" in own
    assert "From table one" in others
    writer = (await first.get(f"/p/{panel.id}")).text
    mine = writer[
        writer.index('id="phone-table-arguments"') : writer.index('id="phone-statements"')
    ]
    assert "From table one" in text_of(mine)
    assert "From table one" not in text_of(writer[writer.index('id="phone-statements"') :])
