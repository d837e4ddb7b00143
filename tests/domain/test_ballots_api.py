"""The package's one door: dispatch by config, the registry, canonical ballots, records."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitation.ballots import (
    METHODS,
    Agreement,
    AgreementBallot,
    Approval,
    ApprovalBallot,
    Ballot,
    Borda,
    Config,
    DotBallot,
    DotVoting,
    RankingBallot,
    Schulze,
    SingleBallot,
    SingleChoice,
    ballot_from_dict,
    canonical_ballot,
    config_from_dict,
    config_to_dict,
    digest_ballots,
    result_from_dict,
    tally,
    validate,
)
from facilitation.errors import Refused

OPTIONS = ("a", "b", "c")

CASES: list[tuple[Config, dict[str, str | list[str]], Ballot]] = [
    (SingleChoice(), {"choice": "b"}, SingleBallot("b")),
    (Approval(max_approvals=2), {"approve": ["c", "a"]}, ApprovalBallot(("a", "c"))),
    (DotVoting(budget=5), {"points:c": "2", "points:a": "1"}, DotBallot((("a", 1), ("c", 2)))),
    (Borda(), {"rank:1": "c", "rank:2": "a"}, RankingBallot(("c", "a"))),
    (Schulze(top=2), {"rank:1": "c", "rank:2": "a"}, RankingBallot(("c", "a"))),
    (
        Agreement(adopt_percent=75),
        {"score:b": "5", "score:a": "2"},
        AgreementBallot((("a", 2), ("b", 5))),
    ),
]


@pytest.mark.parametrize(("config", "raw", "ballot"), CASES)
def test_validate_reads_each_method_by_its_config(
    config: Config, raw: dict[str, str | list[str]], ballot: Ballot
) -> None:
    assert validate(config, OPTIONS, raw) == ballot


@pytest.mark.parametrize(("config", "raw", "ballot"), CASES)
def test_a_tally_survives_the_trip_through_json_and_back(
    config: Config, raw: dict[str, str | list[str]], ballot: Ballot
) -> None:
    result = tally(config, OPTIONS, [ballot, validate(config, OPTIONS, raw)])
    record = json.loads(json.dumps(result.to_dict()))
    assert result_from_dict(record) == result
    assert result_from_dict(record).to_dict() == result.to_dict()
    assert record["ballots"] == 2
    assert record["tie_break"] == result.tie_break


@pytest.mark.parametrize(("config", "raw", "ballot"), CASES)
def test_a_config_survives_the_trip_through_stored_settings(
    config: Config, raw: dict[str, str | list[str]], ballot: Ballot
) -> None:
    settings = json.loads(json.dumps(config_to_dict(config)))
    assert settings["method"] in METHODS
    assert config_from_dict(settings) == config


@pytest.mark.parametrize(("config", "raw", "ballot"), CASES)
def test_a_ballot_survives_the_trip_through_its_canonical_text(
    config: Config, raw: dict[str, str | list[str]], ballot: Ballot
) -> None:
    assert ballot_from_dict(json.loads(canonical_ballot(ballot))) == ballot


def test_counting_a_ballot_of_another_method_is_a_bug() -> None:
    with pytest.raises(TypeError):
        tally(Borda(), OPTIONS, [SingleBallot("a")])


def test_the_same_choice_sent_in_a_different_field_order_gives_the_same_canonical_text() -> None:
    config = DotVoting(budget=10)
    one = validate(config, OPTIONS, {"points:c": "2", "points:a": "1", "points:b": "0"})
    other = validate(config, OPTIONS, {"points:a": " 1", "points:c": "2 "})
    assert (
        canonical_ballot(one) == canonical_ballot(other) == '{"kind":"dots","points":{"a":1,"c":2}}'
    )


def test_ballots_of_different_methods_never_share_a_canonical_text() -> None:
    texts = {canonical_ballot(ballot) for _, _, ballot in CASES}
    assert len(texts) == len(CASES) - 1  # Borda and Schulze share the ranked ballot


ranking_sets = st.lists(
    st.permutations(OPTIONS).flatmap(lambda order: st.integers(0, 3).map(lambda k: order[:k])),
    max_size=20,
).map(lambda rankings: [RankingBallot(tuple(r)) for r in rankings])


@given(ranking_sets, st.data())
def test_the_digest_of_a_ballot_set_does_not_depend_on_its_order(
    ballots: list[RankingBallot], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(ballots))
    assert digest_ballots(shuffled) == digest_ballots(ballots)


@given(ranking_sets, st.permutations(OPTIONS))
def test_the_digest_changes_when_a_ballot_is_added(
    ballots: list[RankingBallot], extra: list[str]
) -> None:
    assert digest_ballots([*ballots, RankingBallot(tuple(extra))]) != digest_ballots(ballots)


def test_the_registry_names_every_method_with_a_title_for_the_organiser() -> None:
    assert set(METHODS) == {"single", "approval", "dots", "borda", "schulze", "agreement"}
    for name, method in METHODS.items():
        assert method.config.method == name
        assert method.title


def test_stored_settings_fill_in_defaults_and_refuse_an_unknown_method() -> None:
    assert config_from_dict({"method": "dots"}) == DotVoting()
    with pytest.raises(Refused) as refused:
        config_from_dict({"method": "lottery"})
    assert refused.value.params == {"method": "lottery"}


@pytest.mark.parametrize(
    "settings",
    [
        {"method": "dots", "budget": "10"},
        {"method": "dots", "budget": True},
        {"method": "dots", "colour": "red"},
        {"method": "borda", "top": 2.5},
        {"method": "single", "allow_abstain": 1},
    ],
)
def test_stored_settings_of_the_wrong_name_or_type_are_a_bug(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        config_from_dict(settings)


def test_stored_settings_outside_the_limits_are_refused_to_the_organiser() -> None:
    with pytest.raises(Refused):
        config_from_dict({"method": "dots", "budget": 0})
    assert config_from_dict({"method": "approval", "max_approvals": None}) == Approval()


def test_a_record_of_an_unknown_format_is_not_guessed_at() -> None:
    record = tally(SingleChoice(), OPTIONS, [SingleBallot("a")]).to_dict()
    with pytest.raises(ValueError):
        result_from_dict({**record, "format": 2})
