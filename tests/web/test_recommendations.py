"""The recommendations step over HTTP: drafts, merge, amendments, support, statements, council."""

from __future__ import annotations

from sqlalchemy import func, select

from server.db.models_recommendations import (
    AmendmentRow,
    CouncilAnswerRow,
    MinorityStatement,
    RecommendationRow,
    RecommendationVersion,
    SupportLevel,
)
from tests.support.day import Day, PanelInfo, text_of
from tests.support.people import Person
from tests.support.recommendations import open_recommendations, seats, stored


async def count(day: Day, model: type) -> int:
    async with day.services.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def two_tables(day: Day) -> tuple[PanelInfo, list[Person], Person]:
    """Four phones round two tables, a facilitator, and the recommendations step open."""
    panel = await day.panel(tables=2)
    phones = [await day.phone(panel) for _ in range(4)]
    lead = await day.staff("facilitator", panel)
    await open_recommendations(day, panel)
    return panel, phones, lead


async def drafted(
    day: Day, panel: PanelInfo, phone: Person, *titles: str
) -> list[RecommendationRow]:
    """One table's drafts, each reading as its title."""
    for title in titles:
        await phone.post(f"/p/{panel.id}/recommendations", {"title": title, "text": title})
    return await stored(day)


async def test_a_recommendation_goes_from_drafts_through_merge_and_amendment_to_adoption(
    day: Day,
) -> None:
    panel, phones, lead = await two_tables(day)
    tables = await seats(day, panel)
    a = phones[0]
    b = next(p for p, t in zip(phones, tables, strict=True) if t != tables[0])
    await a.post(
        f"/p/{panel.id}/recommendations",
        {"title": "Buses", "text": "Run the buses every ten minutes in the centre."},
    )
    await b.post(
        f"/p/{panel.id}/recommendations",
        {"title": "Buses", "text": "Run buses every ten minutes in the centre."},
    )
    first, second = await stored(day)
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert "Drafts that read nearly alike" in run
    merged = await lead.post(
        f"/panels/{panel.id}/recommendations/merge",
        {"target": str(first.id), "other": str(second.id)},
    )
    assert merged.status_code == 200, merged.text
    first, second = await stored(day)
    assert sorted(first.tables) == sorted({tables[0], tables[phones.index(b)]})
    assert (second.state, second.merged_into) == ("merged", first.id)

    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    stale = {"text": "Run buses every five minutes.", "base_version": str(first.version - 1)}
    refused = await b.post(f"/p/{panel.id}/recommendations/{first.id}/amend", stale)
    assert refused.status_code == 409
    assert "The text now reads: Run the buses every ten minutes" in text_of(refused.text)
    assert await count(day, AmendmentRow) == 0
    for text in ("Run the buses every five minutes in the centre.", "Free buses."):
        sent = await b.post(
            f"/p/{panel.id}/recommendations/{first.id}/amend",
            {"text": text, "base_version": str(first.version)},
        )
        assert sent.status_code == 200, sent.text
    async with day.services.db.reading() as session:
        quicker, free = list(await session.scalars(select(AmendmentRow).order_by(AmendmentRow.id)))
    projector = text_of((await day.person().get(f"/d/{panel.display_token}")).text)
    assert "The text now" in projector and "The amendment" in projector

    await lead.post(f"/panels/{panel.id}/amendments/{quicker.id}/open_vote")
    for phone, choice in zip(phones, ("yes", "no", "yes", "yes"), strict=True):
        await phone.post(f"/p/{panel.id}/amendments/{quicker.id}/vote", {"choice": "no"})
        await phone.post(f"/p/{panel.id}/amendments/{quicker.id}/vote", {"choice": choice})
    closed = await lead.post(f"/panels/{panel.id}/amendments/{quicker.id}/close_vote")
    assert "accepted" in text_of(closed.text)
    no_reason = await lead.post(
        f"/panels/{panel.id}/amendments/{free.id}/decide", {"decision": "reject", "reason": ""}
    )
    assert no_reason.status_code == 409 and "Say why" in text_of(no_reason.text)
    await lead.post(
        f"/panels/{panel.id}/amendments/{free.id}/decide",
        {"decision": "reject", "reason": "Not what the tables discussed"},
    )
    async with day.services.db.reading() as session:
        quicker, free = list(await session.scalars(select(AmendmentRow).order_by(AmendmentRow.id)))
        versions = list(
            await session.scalars(
                select(RecommendationVersion.cause)
                .where(RecommendationVersion.recommendation_id == first.id)
                .order_by(RecommendationVersion.number)
            )
        )
    assert (quicker.state, quicker.yes, quicker.no) == ("accepted", 3, 1)
    assert (free.state, free.reason) == ("rejected", "Not what the tables discussed")
    assert versions == ["drafted", "merged", "amended"]

    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    levels = ("full", "reservations", "live_with", "cannot")
    for phone, level in zip(phones, levels, strict=True):
        await phone.post(f"/p/{panel.id}/recommendations/{first.id}/support", {"level": "cannot"})
        await phone.post(f"/p/{panel.id}/recommendations/{first.id}/support", {"level": level})
    assert await count(day, SupportLevel) == 4
    barred = await phones[0].post(
        f"/p/{panel.id}/recommendations/{first.id}/minority", {"text": "I disagree"}
    )
    assert barred.status_code == 409 and "cannot support" in text_of(barred.text)
    written = await phones[3].post(
        f"/p/{panel.id}/recommendations/{first.id}/minority",
        {"text": "Night buses matter more.", "signed": "yes"},
    )
    assert written.status_code == 200
    run = text_of((await lead.get(f"/panels/{panel.id}/run")).text)
    assert "75% support" in run

    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    [adopted, _merged] = await stored(day)
    assert adopted.outcome == "adopted"
    assert adopted.support["counts"] == [1, 1, 1, 0, 1]
    assert adopted.text == "Run the buses every five minutes in the centre."
    async with day.services.db.reading() as session:
        [statement] = list(await session.scalars(select(MinorityStatement)))
    assert statement.table_id == tables[3]
    phone_page = text_of((await phones[1].get(f"/p/{panel.id}")).text)
    assert "Adopted" in phone_page and "Night buses matter more." in phone_page


async def test_support_given_twice_counts_the_last_and_leaving_cannot_withdraws_the_statement(
    day: Day,
) -> None:
    panel, phones, lead = await two_tables(day)
    await phones[0].post(f"/p/{panel.id}/recommendations", {"title": "Parks", "text": "More."})
    [rec] = await stored(day)
    for _ in range(2):
        await lead.post(f"/panels/{panel.id}/recommendations/phase")
    url = f"/p/{panel.id}/recommendations/{rec.id}"
    await phones[1].post(f"{url}/support", {"level": "cannot"})
    await phones[1].post(f"{url}/minority", {"text": "No."})
    assert await count(day, MinorityStatement) == 1
    await phones[1].post(f"{url}/support", {"level": "full"})
    async with day.services.db.reading() as session:
        levels = list(await session.scalars(select(SupportLevel.level)))
    assert levels == ["full"]
    assert await count(day, MinorityStatement) == 0
    off_scale = await phones[1].post(f"{url}/support", {"level": "maybe"})
    assert off_scale.status_code == 409 and "levels of support" in text_of(off_scale.text)


async def test_bad_drafts_are_refused_with_a_clear_message_and_change_nothing(day: Day) -> None:
    panel, phones, _lead = await two_tables(day)
    empty = await phones[0].post(f"/p/{panel.id}/recommendations", {"title": "T", "text": " "})
    assert empty.status_code == 409 and "Write the recommendation" in text_of(empty.text)
    long = await phones[0].post(
        f"/p/{panel.id}/recommendations", {"title": "T", "text": "x" * 1501}
    )
    assert long.status_code == 409 and "1 too long" in text_of(long.text)
    assert await stored(day) == []
    norsk = Person(day.base_url, day.app, "nb")
    day.people.append(norsk)
    await norsk.get(f"/j/{panel.code}")
    await norsk.post("/join", {"code": panel.code}, htmx=False)
    refused = await norsk.post(f"/p/{panel.id}/recommendations", {"title": "", "text": "x"})
    assert refused.status_code == 409 and "tittel" in text_of(refused.text)


async def test_the_council_answers_only_adopted_recommendations_and_the_page_is_public(
    day: Day,
) -> None:
    panel, phones, lead = await two_tables(day)
    buses, tolls = await drafted(day, panel, phones[0], "Buses", "Tolls")
    for _ in range(2):
        await lead.post(f"/panels/{panel.id}/recommendations/phase")
    for phone in phones:
        await phone.post(f"/p/{panel.id}/recommendations/{buses.id}/support", {"level": "full"})
        await phone.post(f"/p/{panel.id}/recommendations/{tolls.id}/support", {"level": "cannot"})
    await phones[2].post(f"/p/{panel.id}/recommendations/{buses.id}/support", {"level": "cannot"})
    await phones[2].post(
        f"/p/{panel.id}/recommendations/{buses.id}/minority", {"text": "Trams instead."}
    )
    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    organiser = await day.staff("organiser")
    answer = {
        "status": "partly",
        "reason": "Every ten minutes from 2027.",
        "decided_on": "2026-06-01",
        "link": "https://example.org/vedtak/17",
    }
    refused = await organiser.post(f"/panels/{panel.id}/council/{tolls.id}", answer)
    assert refused.status_code == 409 and "adopted" in text_of(refused.text)
    assert await count(day, CouncilAnswerRow) == 0
    facilitator_try = await lead.post(f"/panels/{panel.id}/council/{buses.id}", answer)
    assert facilitator_try.status_code == 403
    ok = await organiser.post(f"/panels/{panel.id}/council/{buses.id}", answer)
    assert ok.status_code == 200, ok.text
    later = {**answer, "status": "accepted", "reason": "Funded.", "decided_on": "2026-09-01"}
    await organiser.post(f"/panels/{panel.id}/council/{buses.id}", later)

    council_page = (await organiser.get(f"/panels/{panel.id}/council")).text
    url = council_page.split("/follow/", 1)[1].split('"', 1)[0]
    stranger = day.person()
    public = await stranger.get(f"/follow/{url}")
    assert public.status_code == 200
    words = text_of(public.text)
    assert "Accepted by the council" in words and "Funded." in words
    assert "Earlier answers (1)" in words and "Every ten minutes from 2027." in words
    assert "Trams instead." in words
    assert "Tolls" in words and "Not adopted by the panel" in words
    async with day.services.db.reading() as session:
        from server.db.models import Participant

        pseudonyms = list(await session.scalars(select(Participant.pseudonym)))
    assert pseudonyms and not any(p in public.text for p in pseudonyms)
    assert (await stranger.get("/follow/not-a-panel")).status_code == 404

    csv_file = await organiser.get(f"/panels/{panel.id}/council.csv")
    assert csv_file.status_code == 200
    assert csv_file.text.splitlines()[0].startswith("recommendation,title,text,outcome")
    assert len(csv_file.text.strip().splitlines()) == 3
    data = (await organiser.get(f"/panels/{panel.id}/council.json")).json()
    assert [a["status"] for a in data[0]["answers"]] == ["partly", "accepted"]
    closed_phone = text_of((await phones[0].get(f"/p/{panel.id}")).text)
    assert "What the council did with the recommendations" in closed_phone


async def test_bad_amendments_statements_and_answers_are_refused_clearly_and_change_nothing(
    day: Day,
) -> None:
    panel, phones, lead = await two_tables(day)
    buses, tolls = await drafted(day, panel, phones[0], "Buses", "Tolls")
    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    amend = f"/p/{panel.id}/recommendations/{buses.id}/amend"
    for fields, message in (
        ({"text": "  ", "base_version": "1"}, "Write the recommendation before saving it."),
        ({"text": "x" * 1501, "base_version": "1"}, "this one is 1 too long"),
        ({"text": "Trams."}, "the form did not say which text it amends"),
    ):
        refused = await phones[1].post(amend, fields)
        assert refused.status_code == 409 and message in text_of(refused.text), fields
    assert await count(day, AmendmentRow) == 0

    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    for phone in phones:
        await phone.post(f"/p/{panel.id}/recommendations/{buses.id}/support", {"level": "full"})
        await phone.post(f"/p/{panel.id}/recommendations/{tolls.id}/support", {"level": "cannot"})
    await phones[2].post(f"/p/{panel.id}/recommendations/{buses.id}/support", {"level": "cannot"})
    statement = f"/p/{panel.id}/recommendations/{buses.id}/minority"
    for text, message in (
        (" ", "Write the statement before saving it."),
        ("x" * 1001, "this one is 1 too long"),
    ):
        refused = await phones[2].post(statement, {"text": text})
        assert refused.status_code == 409 and message in text_of(refused.text), text
    assert await count(day, MinorityStatement) == 0

    await lead.post(f"/panels/{panel.id}/recommendations/phase")
    [adopted, rejected] = await stored(day)
    assert (adopted.outcome, rejected.outcome) == ("adopted", "not_adopted")
    late = await phones[1].post(
        f"/p/{panel.id}/recommendations/{tolls.id}/minority", {"text": "Tolls are unfair."}
    )
    assert late.status_code == 409 and "did not adopt" in text_of(late.text)
    assert await count(day, MinorityStatement) == 0
    closed = (await phones[1].get(f"/p/{panel.id}")).text
    assert f'data-minority="{tolls.id}"' not in closed and f'data-minority="{buses.id}"' in closed

    organiser = await day.staff("organiser")
    answer = {"status": "accepted", "decided_on": "2026-06-01", "link": ""}
    for reason, message in (("", "Give the council's reason."), ("x" * 4001, "1 too long")):
        refused = await organiser.post(
            f"/panels/{panel.id}/council/{buses.id}", {**answer, "reason": reason}
        )
        assert refused.status_code == 409 and message in text_of(refused.text), reason
    assert await count(day, CouncilAnswerRow) == 0
