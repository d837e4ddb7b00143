"""Priority votes: secret ballots from phones, ballots entered on the tablet, reveal, close."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select

from facilitation.ballots import ballot_from_dict, digest_ballots, result_from_dict, tally
from facilitation.votes import VoteSettings
from server.db.models import AuditEvent, Ballot, BallotReceipt, Step, VoteResult
from tests.support.day import Day, text_of
from tests.support.voting import open_vote


async def stored(day: Day, step_id: int) -> list[Ballot]:
    async with day.services.db.reading() as session:
        return list(await session.scalars(select(Ballot).where(Ballot.step_id == step_id)))


async def test_a_phone_casts_a_ballot_and_may_change_it_until_the_vote_closes(day: Day) -> None:
    panel = await day.panel()
    step, (bus, bike) = await open_vote(day, panel, "single", "Buses", "Bikes")
    phone = await day.phone(panel)
    first = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus})
    assert first.status_code == 200 and "Your ballot is counted" in text_of(first.text)
    assert 'id="phone-my-ballot"' in first.text and "Buses" in text_of(first.text)
    await phone.post(f"/p/{panel.id}/ballot", {"choice": bike})
    [ballot] = await stored(day, step)
    assert ballot.content == {"kind": "single", "choice": bike}
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/vote/close")
    late = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus})
    assert late.status_code == 409 and "closed" in text_of(late.text)
    [ballot] = await stored(day, step)
    assert ballot.content["choice"] == bike


async def test_every_way_a_ballot_can_be_wrong_gets_a_message_and_stores_nothing(
    day: Day,
) -> None:
    panel = await day.panel()
    await open_vote(day, panel, "dots", "Buses", "Bikes", "Trams", budget="5", max_per_option="3")
    phone = await day.phone(panel)
    cases = [
        ({"points:p1": "4"}, "3"),
        ({"points:p1": "3", "points:p2": "3"}, "5"),
        ({"points:p1": "-1"}, ""),
        ({"points:p1": "two"}, "whole number"),
        ({}, ""),
        ({"points:p99": "1"}, "Reload the page"),
    ]
    for form, hint in cases:
        response = await phone.post(f"/p/{panel.id}/ballot", form)
        assert response.status_code == 409, form
        assert hint in text_of(response.text)
    async with day.services.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert await session.scalar(select(func.count()).select_from(BallotReceipt)) == 0


async def test_secret_ballots_cannot_be_linked_to_who_cast_them(day: Day) -> None:
    panel = await day.panel(tables=2)
    step, (bus, bike) = await open_vote(day, panel, "single", "Buses", "Bikes", results="live")
    phones = [await day.phone(panel) for _ in range(4)]
    for phone, choice in zip(phones, [bus, bike, bike, bike], strict=True):
        await phone.post(f"/p/{panel.id}/ballot", {"choice": choice})
    # The stored ballot names no participant, no table and no time.
    columns = set(Ballot.__table__.columns.keys())
    assert columns.isdisjoint({"participant_id", "author_id", "created_at", "cast_at"})
    async with day.services.db.reading() as session:
        voters = list(await session.scalars(select(BallotReceipt.participant_id)))
        events = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "ballot.cast"))
        )
    # Anyone could hash every participant id without the key; the stored voter matches none.
    guesses = {hashlib.sha256(f"ballot:{step}:{p}".encode()).hexdigest() for p in voters}
    guesses |= {str(p) for p in voters}
    for ballot in await stored(day, step):
        assert ballot.table_id is None and len(ballot.voter) == 64
        assert ballot.voter not in guesses
    assert all(set(e.data) == {"step"} for e in events)  # who voted, never what
    # No screen shows a participant next to a choice.
    tablet = await day.staff("facilitator", panel)
    run = text_of((await tablet.get(f"/panels/{panel.id}/run")).text)
    assert "4 of 4 have voted" in run and "Participant 1" not in run
    wall = text_of((await day.person().get(f"/d/{panel.display_token}")).text)
    assert "4 of 4 have voted" in wall and "Buses" in wall


async def test_the_phone_sees_results_only_after_reveal_with_its_own_choice_marked(
    day: Day,
) -> None:
    panel = await day.panel()
    _step, (bus, _bike) = await open_vote(day, panel, "single", "Buses", "Bikes")
    phone = await day.phone(panel)
    await phone.post(f"/p/{panel.id}/ballot", {"choice": bus})
    page = (await phone.get(f"/p/{panel.id}")).text
    assert "Results so far" not in text_of(page)
    display = text_of((await day.person().get(f"/d/{panel.display_token}")).text)
    assert "shown when the vote is revealed" in display
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/vote/reveal", {"shown": "yes"})
    page = (await phone.get(f"/p/{panel.id}")).text
    assert "Results so far" in text_of(page)
    assert f'data-mine="[&#34;{bus}&#34;]"' in page  # live.js marks it in the chart
    display = text_of((await day.person().get(f"/d/{panel.display_token}")).text)
    assert "Buses winner 1 votes" in display and "Ballots: 1" in display


async def test_facilitators_enter_assisted_and_paper_ballots_that_count_by_source(
    day: Day,
) -> None:
    panel = await day.panel(tables=2)
    step, (bus, bike) = await open_vote(day, panel, "approval", "Buses", "Bikes")
    phone = await day.phone(panel)
    helped = await day.phone(panel)
    del helped  # participant 2 has a phone but asks for help
    await phone.post(f"/p/{panel.id}/ballot", {"approve": [bus, bike]})
    tablet = await day.staff("facilitator", panel)
    async with day.services.db.reading() as session:
        from server.db.models import PanelTable

        table = await session.scalar(select(PanelTable.id).where(PanelTable.panel_id == panel.id))
    assisted = await tablet.post(
        f"/panels/{panel.id}/vote/ballot",
        {"source": "assisted", "number": "2", "table": str(table), "approve": bike},
    )
    assert assisted.status_code == 200
    paper = await tablet.post(
        f"/panels/{panel.id}/vote/ballot", {"source": "paper", "table": str(table), "approve": bus}
    )
    assert paper.status_code == 200
    rows = await stored(day, step)
    assert sorted(r.source for r in rows) == ["assisted", "paper", "phone"]
    assisted_row = next(r for r in rows if r.source == "assisted")
    assert assisted_row.entered_by == tablet.account.id  # type: ignore[attr-defined]
    run = text_of((await tablet.get(f"/panels/{panel.id}/run")).text)
    assert "1 assisted, 1 on paper, 1 from phones" in run


async def test_closing_freezes_the_result_with_its_count_and_digest(day: Day) -> None:
    panel = await day.panel()
    step, options = await open_vote(day, panel, "schulze", "A", "B", "C")
    for ranking in ([0, 1, 2], [1, 2, 0], [0, 2, 1]):
        phone = await day.phone(panel)
        form = {f"rank:{n}": options[i] for n, i in enumerate(ranking, start=1)}
        assert (await phone.post(f"/p/{panel.id}/ballot", form)).status_code == 200
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/vote/close")
    async with day.services.db.reading() as session:
        frozen = await session.get(VoteResult, step)
        settings = VoteSettings.from_dict((await session.get(Step, step)).settings["vote"])
    assert frozen is not None and frozen.ballots == 3 and frozen.sources == {"phone": 3}
    ballots = [ballot_from_dict(b.content) for b in await stored(day, step)]
    assert frozen.digest == digest_ballots(ballots)
    assert frozen.result == tally(settings.config, settings.options, ballots).to_dict()
    assert result_from_dict(frozen.result).winners == (options[0],)
    again = await tablet.post(f"/panels/{panel.id}/vote/close")
    assert again.status_code == 409


async def test_a_table_vote_takes_one_answer_per_table_from_its_facilitator(day: Day) -> None:
    panel = await day.panel(tables=2)
    step, (bus, _bike) = await open_vote(day, panel, "single", "Buses", "Bikes", scope="table")
    phone = await day.phone(panel)
    refused = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus})
    assert refused.status_code == 409 and "table gives one answer" in text_of(refused.text)
    tablet = await day.staff("facilitator", panel)
    async with day.services.db.reading() as session:
        from server.db.models import PanelTable

        table = await session.scalar(select(PanelTable.id).where(PanelTable.panel_id == panel.id))
    for _ in range(2):  # entered twice: the table still has one answer
        await tablet.post(
            f"/panels/{panel.id}/vote/ballot",
            {"source": "table", "table": str(table), "choice": bus},
        )
    [row] = await stored(day, step)
    assert row.voter == f"table:{table}" and row.table_id == table


async def test_options_schulze_leaves_undecided_share_a_place_on_screen_and_in_the_report(
    day: Day,
) -> None:
    panel = await day.panel()
    _step, options = await open_vote(day, panel, "schulze", "A", "B", "C", "D")
    a, b, c, d = options
    # C beats everyone; D beats B; A is undecided against both D and B.
    for ranking in ((c, d, b, a), (c, a, d, b)):
        phone = await day.phone(panel)
        form = {f"rank:{n}": option for n, option in enumerate(ranking, start=1)}
        assert (await phone.post(f"/p/{panel.id}/ballot", form)).status_code == 200
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/vote/reveal", {"shown": "yes"})
    display = (await day.person().get(f"/d/{panel.display_token}")).text
    places = re.findall(
        r'<span class="bar-rank" aria-hidden="true">([^<]*)</span>\s*'
        r'<span class="bar-label">([A-D])',
        display,
    )
    assert places == [("1", "C"), ("2=", "A"), ("2=", "D"), ("2=", "B")]
    assert "options the method leaves undecided share a place" in text_of(display)
    await tablet.post(f"/panels/{panel.id}/vote/close")
    report = (await tablet.get(f"/panels/{panel.id}/report")).text
    rows = re.findall(r'<td>([0-9]+=?)</td><th scope="row">([A-D])', report)
    assert rows == [("1", "C"), ("2=", "A"), ("2=", "D"), ("2=", "B")]


async def test_a_retried_ballot_is_answered_as_counted_even_after_the_vote_closed(
    day: Day,
) -> None:
    """A phone that never heard "counted" (its network dropped) sends the ballot again
    with the same key; the vote has closed meanwhile. It is told its ballot counts, and a
    new ballot (another key) is still refused."""
    panel = await day.panel()
    step, (bus, bike) = await open_vote(day, panel, "single", "Buses", "Bikes")
    phone = await day.phone(panel)
    key = "retry-after-close-0001"
    first = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus, "idempotency_key": key})
    assert first.status_code == 200
    tablet = await day.staff("facilitator", panel)
    await tablet.post(f"/panels/{panel.id}/vote/close")
    again = await phone.post(f"/p/{panel.id}/ballot", {"choice": bus, "idempotency_key": key})
    assert again.status_code == 200 and "Your ballot is counted" in text_of(again.text)
    assert "Buses" in text_of(again.text)
    other = await phone.post(
        f"/p/{panel.id}/ballot", {"choice": bike, "idempotency_key": "retry-after-close-0002"}
    )
    assert other.status_code == 409 and "closed" in text_of(other.text)
    [ballot] = await stored(day, step)
    assert ballot.content == {"kind": "single", "choice": bus}
    async with day.services.db.reading() as session:
        receipts = await session.scalar(
            select(func.count()).select_from(BallotReceipt).where(BallotReceipt.step_id == step)
        )
    assert receipts == 1
