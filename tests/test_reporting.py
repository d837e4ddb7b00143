"""The pure parts of the report and the export: numbers, charts, definitions, variables."""

from __future__ import annotations

import pytest

from facilitation.analysis import describe_wave
from facilitation.survey import Answer, validate_item
from facilitation.templates import deliberative_poll
from server.reporting import charts
from server.reporting.definition import (
    Definition,
    Invalid,
    ProposalDef,
    StepDef,
    definition_from_dict,
    definition_from_yaml,
    definition_to_yaml,
)
from server.reporting.numbers import Numbers
from server.reporting.record import PanelRecord, portable_settings, rename_options
from server.reporting.tables import survey_variables


def test_numbers_are_written_the_way_the_panels_language_writes_them() -> None:
    nb, en = Numbers("nb"), Numbers("en")
    assert nb.dec(1.005, 2) in ("1,00", "1,01") and en.dec(2.5) == "2.50"
    assert nb.signed(0.5) == "+0,50" and nb.signed(-0.5) == "-0,50"
    assert en.signed(-0.001) == "0.00" and en.dec(-0.001) == "0.00"  # no "-0.00"
    assert en.p(0.0001) == "< 0.001" and nb.p(0.0456) == "0,046"
    assert en.ci(-0.3, 1.25) == "[-0.30; 1.25]" and nb.ci(-0.3, 1.25) == "[-0,30; 1,25]"
    assert en.pct(0.625) == "62%" and nb.pct(0.625) == "62\xa0%"
    assert en.dec(None) == "–"


def item(**fields: object) -> object:
    base = {"key": "q", "kind": "opinion", "wave": "T1", "question": "Q?"}
    return validate_item({**base, "low_label": "No", "high_label": "Yes", **fields})


def test_the_distribution_chart_draws_each_wave_in_proportion() -> None:
    question = item()
    before = describe_wave(question, [Answer(value=v) for v in (2, 2, 8, 8)])  # type: ignore[arg-type]
    after = describe_wave(question, [Answer(value=v) for v in (8, 8, 8, 2)])  # type: ignore[arg-type]
    drawn = charts.distribution(before, after, 0, 10)
    at_eight = {bar.wave: bar for bar in drawn.bars if bar.point == 8}
    assert at_eight["after"].height == pytest.approx(1.5 * at_eight["before"].height, abs=0.01)
    assert at_eight["before"].x < at_eight["after"].x  # before on the left of each pair
    assert drawn.grid[-1].label == "80"  # the scale ends just above the tallest bar
    assert len(drawn.points) == 11
    nothing = charts.distribution(None, None, 1, 5)
    assert nothing.bars == () and len(nothing.points) == 5


def test_a_dumbbell_runs_from_the_mean_before_to_the_mean_after() -> None:
    track = charts.track(2.0, 8.0, 0, 10)
    assert track.start < track.before < track.after < track.end  # type: ignore[operator]
    assert track.direction == "up"
    assert charts.track(4, 3, 1, 5).direction == "down"
    assert charts.track(None, 3, 1, 5).direction == "none"


def template_definition() -> Definition:
    steps = deliberative_poll(lambda message: message)
    return Definition(
        "Mal",
        "Hva mener du?",
        "nb",
        tables=("Bord 1", "Bord 2"),
        proposals=(ProposalDef("Bilfritt", "Fra 2030"), ProposalDef("Gratis buss")),
        steps=tuple(
            StepDef(s.kind.value, s.title, s.body, s.timer_seconds, dict(s.settings)) for s in steps
        ),
    )


def test_the_bergen_template_survives_yaml_both_ways() -> None:
    definition = template_definition()
    text = definition_to_yaml(definition)
    assert "body: |-" in text or "body: |" in text  # long texts stay readable
    assert definition_from_yaml(text) == definition


def test_a_ballot_option_must_name_a_proposal_that_exists() -> None:
    data = template_definition().to_dict()
    vote = next(step for step in data["steps"] if step["kind"] == "vote")
    vote["settings"] = {
        "vote": {
            "config": {"method": "single", "allow_abstain": False},
            "options": ["p1", "p3"],
            "labels": {},
            "scope": "individual",
            "results": "reveal",
        }
    }
    with pytest.raises(Invalid) as refused:
        definition_from_dict(data)
    assert refused.value.message == "There is no proposal %(number)s."
    assert refused.value.where == [("Step %(number)s", {"number": 6})]


def test_options_are_renamed_once_in_keys_and_values_never_chained() -> None:
    record = {"totals": {"p1": 3, "p2": 1}, "order": ["p1", "p2"], "method": "single"}
    swapped = rename_options(record, {"p1": "p2", "p2": "p1"})
    assert swapped == {"totals": {"p2": 3, "p1": 1}, "order": ["p2", "p1"], "method": "single"}


def test_a_ballot_option_of_a_deleted_proposal_stays_as_an_own_option() -> None:
    settings = {
        "vote": {
            "config": {"method": "single"},
            "options": ["p40", "p41", "o1"],
            "labels": {"o1": "Something else"},
            "scope": "individual",
            "results": "live",
        }
    }
    portable, renamed = portable_settings("vote", settings, {41: 1})
    assert portable["vote"]["options"] == ["o2", "p1", "o1"]
    assert portable["vote"]["labels"] == {"o2": "?", "o1": "Something else"}
    assert renamed == {"p40": "o2", "p41": "p1"}
    assert settings["vote"]["options"] == ["p40", "p41", "o1"]  # the stored settings untouched


def test_survey_variables_never_clash_with_the_fixed_columns_or_each_other() -> None:
    items = [
        {"key": "id", "kind": "agreement", "wave": "T1", "question": "Id?"},
        {
            "key": "quiz",
            "kind": "knowledge",
            "wave": "T1",
            "question": "Which?",
            "options": ["A", "B"],
            "correct": 0,
        },
        {"key": "quiz_correct", "kind": "agreement", "wave": "T1", "question": "Clash?"},
        {
            "key": "picks",
            "kind": "multiple",
            "wave": "T1",
            "question": "Pick",
            "options": ["A", "B"],
        },
    ]
    definition = Definition(
        "T", "", "en", steps=(StepDef("survey", "Before", settings={"wave": "T1", "items": items}),)
    )
    names = [v.name for v in survey_variables(PanelRecord(definition, "draft"))]
    assert names == ["id_v2", "quiz", "quiz_correct", "quiz_correct_v2", "picks_1", "picks_2"]
    assert len({name.lower() for name in names} | {"id", "group", "time", "sample"}) == 10
