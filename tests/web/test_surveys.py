"""Surveys before and after: written by the organiser, answered on phones and at home."""

from __future__ import annotations

from sqlalchemy import func, select

from facilitation.survey import Wave
from server.db import rows
from server.db.models import AuditEvent, Participant, Step, SurveyAnswer
from server.read import survey_data
from tests.support.day import Day, text_of
from tests.support.surveys import (
    KNOWLEDGE,
    OPINION,
    at_home,
    invite,
    open_step,
    steps_of,
    with_surveys,
)


async def items_of(day: Day, step_id: int) -> list[dict[str, object]]:
    async with day.services.db.reading() as session:
        step = await session.get(Step, step_id)
    assert step is not None
    return list(step.settings.get("items", []))


async def answers(day: Day) -> list[SurveyAnswer]:
    async with day.services.db.reading() as session:
        return list(await session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id)))


async def test_a_new_panel_has_a_survey_before_and_a_survey_after(day: Day) -> None:
    panel = await day.panel()
    before, after = await steps_of(day, panel, "survey")
    async with day.services.db.reading() as session:
        waves = [
            (await session.get(Step, step_id)).settings["wave"]  # type: ignore[union-attr]
            for step_id in (before, after)
        ]
    assert waves == ["T1", "T2"]


async def test_the_organiser_writes_questions_and_repeats_them_after(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, after = await with_surveys(day, panel, organiser)
    first = await items_of(day, before)
    assert [i["key"] for i in first] == ["cars", "buses"]
    assert first[0]["some_say"] == OPINION["some_say"] and first[1]["correct"] == 1
    repeated = await items_of(day, after)
    assert [(i["key"], i["pairs_with"], i["wave"]) for i in repeated] == [
        ("cars_t2", "cars", "T2"),
        ("buses_t2", "buses", "T2"),
    ]
    page = text_of((await organiser.get(f"/panels/{panel.id}")).text)
    assert OPINION["question"] in page and "Ask these again" not in page  # all repeated


async def test_a_question_that_does_not_fit_is_refused_and_nothing_changes(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, _after = await with_surveys(day, panel, organiser)
    cases = [
        ({**OPINION, "key": "cars"}, "Two questions have the key cars"),
        ({**KNOWLEDGE, "key": "lines", "correct": "7"}, ""),
        ({**OPINION, "key": "Not a key!"}, "starts with a letter"),
        ({**OPINION, "key": "noise", "question": ""}, "needs its text"),
    ]
    for form, message in cases:
        response = await organiser.post(f"/panels/{panel.id}/steps/{before}/items", form)
        assert response.status_code == 409, form
        assert message in text_of(response.text)
    assert [i["key"] for i in await items_of(day, before)] == ["cars", "buses"]


async def test_a_phone_answers_as_it_goes_and_finds_its_answers_again(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, _after = await with_surveys(day, panel, organiser)
    await open_step(day, panel, before)
    phone = await day.phone(panel)
    step_page = (await phone.get(f"/p/{panel.id}")).text
    assert f'hx-get="/p/{panel.id}/survey/{before}"' in step_page
    form = (await phone.get(f"/p/{panel.id}/survey/{before}")).text
    assert "Some say:" in text_of(form) and "Ban the cars" in text_of(form)
    saved = await phone.post(f"/p/{panel.id}/survey/{before}", {"cars": "8"})
    assert saved.status_code == 200 and "Saved" in text_of(saved.text)
    # The same answer again (a retry) and then the second question: one row each.
    await phone.post(f"/p/{panel.id}/survey/{before}", {"cars": "8"})
    await phone.post(f"/p/{panel.id}/survey/{before}", {"cars": "8", "buses": "dont_know"})
    rows = await answers(day)
    assert [(r.item_key, r.answer) for r in rows] == [
        ("cars", {"v": 8}),
        ("buses", {"na": "dont_know"}),
    ]
    resumed = (await phone.get(f"/p/{panel.id}/survey/{before}")).text
    assert 'name="cars" value="8" checked' in resumed
    assert 'name="buses" value="dont_know" checked' in resumed


async def test_a_bad_answer_names_its_question_and_saves_nothing(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, _after = await with_surveys(day, panel, organiser)
    await open_step(day, panel, before)
    phone = await day.phone(panel)
    response = await phone.post(f"/p/{panel.id}/survey/{before}", {"buses": "0", "cars": "11"})
    assert response.status_code == 409
    assert "Should cars be banned" in text_of(response.text)
    assert await answers(day) == []


async def test_a_survey_that_is_not_open_cannot_be_answered(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, after = await with_surveys(day, panel, organiser)
    await open_step(day, panel, before)
    phone = await day.phone(panel)
    response = await phone.post(f"/p/{panel.id}/survey/{after}", {"cars_t2": "3"})
    assert response.status_code == 409 and "not open right now" in text_of(response.text)
    assert await answers(day) == []


async def test_an_answered_question_cannot_change_its_meaning(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, _after = await with_surveys(day, panel, organiser)
    await open_step(day, panel, before)
    phone = await day.phone(panel)
    await phone.post(f"/p/{panel.id}/survey/{before}", {"cars": "2"})
    edited = await organiser.post(
        f"/panels/{panel.id}/steps/{before}/items/cars", {**OPINION, "question": "Other?"}
    )
    assert edited.status_code == 409 and "Add a new question" in text_of(edited.text)
    deleted = await organiser.post(f"/panels/{panel.id}/steps/{before}/items/cars/delete")
    assert deleted.status_code == 409
    assert (await items_of(day, before))[0]["question"] == OPINION["question"]


async def test_home_before_and_event_after_pair_up_as_one_person(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, after = await with_surveys(day, panel, organiser)
    await at_home(day, panel, organiser, before)
    code = await invite(day, panel)
    home = day.person()
    letter = text_of((await home.get(f"/i/{code}")).text)
    assert "Survey before the discussion" in letter and "0 of 2 questions answered" in letter
    survey = await home.get(f"/i/{code}/survey/{before}")
    assert "Should cars be banned" in text_of(survey.text)
    saved = await home.post(f"/i/{code}/survey/{before}", {"cars": "3", "buses": "1"})
    assert saved.status_code == 200
    assert "2 of 2 questions answered" in text_of((await home.get(f"/i/{code}")).text)
    # On the day, on another phone, the same code seats them; T2 is answered live.
    phone = day.person()
    await phone.get("/")
    joined = await phone.post("/join", {"code": code}, htmx=False)
    assert joined.status_code == 303 and joined.headers["location"] == f"/p/{panel.id}"
    await open_step(day, panel, after)
    await phone.post(f"/p/{panel.id}/survey/{after}", {"cars_t2": "7", "buses_t2": "1"})
    anonymous = await day.phone(panel)  # someone without a code answers only T2
    await anonymous.post(f"/p/{panel.id}/survey/{after}", {"cars_t2": "9"})
    async with day.services.db.reading() as session:
        data = await survey_data.load(session, panel.id)
        people = list(await session.scalars(select(Participant).order_by(Participant.number)))
    assert people[0].invite_id is not None
    before_answers = data.of(Wave.BEFORE, "cars")
    after_answers = data.of(Wave.AFTER, "cars_t2")
    assert before_answers is not None and after_answers is not None
    respondent = rows.respondent_of(people[0])
    assert before_answers[respondent].value == 3 and after_answers[respondent].value == 7
    [(_item, result)] = survey_data.opinion_results(data)
    assert result.change.pairs == 1  # type: ignore[union-attr]
    assert result.change.mean_change == 4  # type: ignore[union-attr]
    assert result.change.dropped.no_answer_before == 1  # type: ignore[union-attr]


async def test_a_control_code_answers_at_home_and_cannot_join(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, after = await with_surveys(day, panel, organiser)
    await at_home(day, panel, organiser, before, after)
    code = await invite(day, panel, role="control")
    home = day.person()
    letter = text_of((await home.get(f"/i/{code}")).text)
    assert "Join the panel" not in letter and "answering the surveys at home" in letter
    await home.post(f"/i/{code}/survey/{before}", {"cars": "4"})
    await home.post(f"/i/{code}/survey/{after}", {"cars_t2": "5"})
    refused = await home.post("/join", {"code": code}, htmx=False)
    assert "for answering the surveys at home" in text_of(refused.text)
    async with day.services.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0
        data = await survey_data.load(session, panel.id)
    assert data.of(Wave.BEFORE, "cars") == {}  # no participants answered
    controls = data.of(Wave.AFTER, "cars_t2", control=True)
    assert controls is not None and [a.value for a in controls.values()] == [5]


async def test_an_unknown_or_mistyped_code_is_not_found(day: Day) -> None:
    panel = await day.panel()
    code = await invite(day, panel)
    visitor = day.person()
    mistyped = code[:-1] + ("Y" if code[-1] == "X" else "X")
    assert (await visitor.get(f"/i/{mistyped}")).status_code == 404
    assert (await visitor.get(f"/i/{code.lower()}")).status_code == 200
    await visitor.get("/")
    typo = await visitor.post("/join", {"code": mistyped}, htmx=False)
    assert typo.status_code != 303
    async with day.services.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0


async def test_the_facilitator_sees_who_has_answered(day: Day) -> None:
    panel = await day.panel(tables=2)
    organiser = await day.staff("organiser")
    before, _after = await with_surveys(day, panel, organiser)
    await open_step(day, panel, before)
    phones = [await day.phone(panel) for _ in range(3)]
    await phones[0].post(f"/p/{panel.id}/survey/{before}", {"cars": "1", "buses": "2"})
    await phones[1].post(f"/p/{panel.id}/survey/{before}", {"cars": "prefer_not"})
    tablet = await day.staff("facilitator", panel)
    run = text_of((await tablet.get(f"/panels/{panel.id}/run")).text)
    assert "2 of 3 have started, 1 have answered every question" in run
    async with day.services.db.reading() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.data).where(AuditEvent.action == "survey.answer")
            )
        )
    # The audit trail says which questions were answered, never the answers.
    assert actions and all(set(data) == {"step", "items"} for data in actions)


async def test_the_results_step_shows_the_chosen_opinion_change(day: Day) -> None:
    panel = await day.panel()
    organiser = await day.staff("organiser")
    before, after = await with_surveys(day, panel, organiser)
    [results] = await steps_of(day, panel, "results")
    await open_step(day, panel, before)
    phones = [await day.phone(panel) for _ in range(4)]
    for phone, value in zip(phones, ["2", "4", "5", "dont_know"], strict=True):
        await phone.post(f"/p/{panel.id}/survey/{before}", {"cars": value})
    await open_step(day, panel, after)
    for phone, value in zip(phones, ["6", "4", "9", "8"], strict=True):
        await phone.post(f"/p/{panel.id}/survey/{after}", {"cars_t2": value})
    await open_step(day, panel, results)
    tablet = await day.staff("facilitator", panel)
    run = text_of((await tablet.get(f"/panels/{panel.id}/run")).text)
    assert "Show these opinion questions" in run
    display = day.person()
    nothing = text_of((await display.get(f"/d/{panel.display_token}")).text)
    assert "How opinions changed" not in nothing
    wrong = await tablet.post(f"/panels/{panel.id}/steps/{results}/results", {"items": "nope"})
    assert wrong.status_code == 409
    chosen = await tablet.post(f"/panels/{panel.id}/steps/{results}/results", {"items": "cars"})
    assert chosen.status_code == 200
    shown = (await display.get(f"/d/{panel.display_token}")).text
    words = text_of(shown)
    assert "How opinions changed" in words and OPINION["question"] in words
    # Before: 2, 4, 5 (mean 3.7); after: 6, 4, 9, 8 (mean 6.8); pairs: 3, mean change +2.7.
    assert "Before: mean 3.7 · 3 answered" in words
    assert "After: mean 6.8 · 4 answered" in words
    assert "on average +2.7 points" in words
    assert "2 moved up, 0 down, 1 stayed (of 3 who answered both times)" in words
    assert "don't know: 1" in words
    assert shown.count('class="oc-after"') == 4 and shown.count('class="oc-before"') == 3
    phone_page = text_of((await phones[0].get(f"/p/{panel.id}")).text)
    assert "on average +2.7 points" in phone_page
