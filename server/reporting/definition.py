"""A panel's definition as plain data: title, question, tables, proposals and the agenda.

The definition is what makes a panel reusable as a template (YAML) and what the research
export carries in `panel.json`. It never holds a database id: proposals, tables and
steps are referred to by their number (1, 2, …, in their order), so a definition can be
imported into any server. Two settings hold references and are translated on the way in
and out: a discussion step's `proposals` (proposal numbers) and a vote's options, where
`p<number>` is a proposal and `o<n>` the organiser's own option.

Reading a definition is strict, since it may come from a file someone edited by hand:
every field is checked by the same rules as the setup page, unknown fields are refused
with their name, and each problem says where it is (step 3, proposal 2, …).

Why one module of this size: writing and strictly reading a definition mirror
each other field by field; keeping both halves together keeps them in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from facilitation.ballots.common import check_options
from facilitation.casting import option_labels, stored_vote
from facilitation.deliberation.arguments import DiscussionRules
from facilitation.deliberation.limits import checked_limit
from facilitation.deliberation.questions import QuestionRules
from facilitation.deliberation.states import parse_moderation_mode
from facilitation.errors import N_, Refused
from facilitation.panel import checked_panel_text, checked_table_count, checked_table_label
from facilitation.proposals import checked_proposal
from facilitation.recommendations.settings import RecommendationSettings
from facilitation.steps import TIMER_MAX_SECONDS, checked_step
from facilitation.survey import SurveyItem, Wave, item_to_dict, validate_item, validate_survey
from facilitation.votes import OPTION_MAX, OPTIONS_MAX, VoteSettings
from server.reporting.invalid import Invalid, located
from server.reporting.limits import check_yaml_events

FORMAT = "borgerpanel-definition"
VERSION = 1
PROPOSALS_MAX = 100
STEPS_MAX = 100
ITEMS_MAX = 300
YAML_MAX_BYTES = 1024 * 1024

# The settings each kind of step may have. `RUNTIME` settings are state of a panel that
# ran (a vote revealed on the phones), kept in a full export but not in a template.
STEP_SETTINGS: Mapping[str, frozenset[str]] = {
    "info": frozenset(),
    "results": frozenset({"opinion_items"}),
    "survey": frozenset({"wave", "items", "at_home"}),
    "discussion": frozenset(
        {"proposals", "arguments_per_participant", "arguments_per_table", "statement_votes"}
    ),
    "questions": frozenset({"questions_per_table", "questions_sent_per_table", "question_upvotes"}),
    "vote": frozenset({"vote"}),
    "recommendations": frozenset(
        {"support_scale", "adoption_rule", "minority_signing", "recommendations_per_table"}
    ),
}
RUNTIME: Mapping[str, frozenset[str]] = {
    "vote": frozenset({"vote_revealed"}),
    "recommendations": frozenset({"recommendation_phase"}),
    # What the facilitator chose for opinion groups (map shown, smallest group shown).
    "discussion": frozenset({"opinion"}),
}
_PROPOSAL_OPTION = re.compile(r"p([1-9][0-9]{0,3})")
_OWN_OPTION = re.compile(r"o([1-9][0-9]{0,3})")


@dataclass(frozen=True)
class ProposalDef:
    title: str
    description: str = ""


@dataclass(frozen=True)
class StepDef:
    """A step with its settings in portable form (numbers instead of database ids)."""

    kind: str
    title: str
    body: str = ""
    timer_seconds: int = 0
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    title: str
    question: str
    language: str
    moderation: str = "pre"
    authors_visible: bool = False
    tables: tuple[str, ...] = ()
    proposals: tuple[ProposalDef, ...] = ()
    steps: tuple[StepDef, ...] = ()

    def to_dict(self, *, runtime: bool = False) -> dict[str, Any]:
        """Plain data in a stable order; `runtime` keeps the state of a panel that ran."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "title": self.title,
            "question": self.question,
            "language": self.language,
            "moderation": self.moderation,
            "authors_visible": self.authors_visible,
            "tables": list(self.tables),
            "proposals": [{"title": p.title, "description": p.description} for p in self.proposals],
            "steps": [
                {
                    "kind": step.kind,
                    "title": step.title,
                    "body": step.body,
                    "timer_seconds": step.timer_seconds,
                    "settings": {
                        key: value
                        for key, value in step.settings.items()
                        if runtime or key not in RUNTIME.get(step.kind, ())
                    },
                }
                for step in self.steps
            ],
        }

    def survey_items(self) -> list[tuple[int, Wave, SurveyItem]]:
        """Every survey item with its step number and wave, in agenda order."""
        out = []
        for number, step in enumerate(self.steps, start=1):
            if step.kind == "survey":
                wave = Wave(step.settings.get("wave", Wave.BEFORE.value))
                items = step.settings.get("items", [])
                out += [(number, wave, validate_item(raw)) for raw in items]
        return out

    def vote_settings(self, number: int) -> VoteSettings | None:
        step = self.steps[number - 1]
        return stored_vote(step.settings) if step.kind == "vote" else None

    def option_labels(self, vote: VoteSettings) -> dict[str, str]:
        """Each option's label: a proposal's title (`p<number>`) or the organiser's own text."""
        return option_labels(vote, {n: p.title for n, p in enumerate(self.proposals, start=1)})


# Reading, strictly.


def definition_from_dict(raw: object, *, runtime: bool = False) -> Definition:
    """Check a definition from a file; raises `Invalid` saying what is wrong and where."""
    data = _mapping(raw, N_("The file does not hold a panel definition."))
    _known(
        data,
        {
            "format",
            "version",
            "title",
            "question",
            "language",
            "moderation",
            "authors_visible",
            "tables",
            "proposals",
            "steps",
        },
    )
    if data.get("format") != FORMAT:
        raise Invalid(N_("The file does not hold a panel definition."))
    if data.get("version") != VERSION:
        raise Invalid(
            N_("This file has version %(version)s of the format; this server reads version 1."),
            version=str(data.get("version"))[:20],
        )
    with located(N_("The panel")):
        text = checked_panel_text(
            _text(data, "title"), _text(data, "question"), _text(data, "language")
        )
        moderation = parse_moderation_mode(_text(data, "moderation") or "pre").value
        authors_visible = _flag(data, "authors_visible", False)
    tables_raw = _list(data.get("tables", []), "tables")
    with located(N_("The tables")):
        checked_table_count(len(tables_raw))
    tables = []
    for number, label in enumerate(tables_raw, start=1):
        with located(N_("Table %(number)s"), number=number):
            tables.append(checked_table_label(_as_text(label, "label")))
    proposals_raw = _list(data.get("proposals", []), "proposals")
    if len(proposals_raw) > PROPOSALS_MAX:
        raise Invalid(N_("A panel can have at most %(max)s proposals."), max=PROPOSALS_MAX)
    proposals = []
    for number, item in enumerate(proposals_raw, start=1):
        with located(N_("Proposal %(number)s"), number=number):
            entry = _mapping(item, N_("A proposal needs a title and a description."))
            _known(entry, {"title", "description"})
            title, description = checked_proposal(
                _text(entry, "title"), _text(entry, "description")
            )
            proposals.append(ProposalDef(title, description))
    steps_raw = _list(data.get("steps", []), "steps")
    if len(steps_raw) > STEPS_MAX:
        raise Invalid(N_("An agenda can have at most %(max)s steps."), max=STEPS_MAX)
    steps = []
    for number, item in enumerate(steps_raw, start=1):
        with located(N_("Step %(number)s"), number=number):
            steps.append(_step(item, len(proposals), runtime=runtime))
    items: list[SurveyItem] = []
    for number, step in enumerate(steps, start=1):
        if step.kind == "survey":
            with located(N_("Step %(number)s"), number=number):
                items += [validate_item(raw) for raw in step.settings.get("items", [])]
    if len(items) > ITEMS_MAX:
        raise Invalid(N_("The surveys can have at most %(max)s questions."), max=ITEMS_MAX)
    with located(N_("The surveys")):
        validate_survey(items)
    scaled = {item.key for item in items if item.scale is not None}
    for number, step in enumerate(steps, start=1):
        for key in step.settings.get("opinion_items", []) if step.kind == "results" else []:
            if key not in scaled:
                problem = Invalid(N_("There is no opinion question “%(key)s”."), key=key[:40])
                problem.where.append((N_("Step %(number)s"), {"number": number}))
                raise problem
    return Definition(
        text.title,
        text.question,
        text.language,
        moderation,
        authors_visible,
        tuple(tables),
        tuple(proposals),
        tuple(steps),
    )


def _step(raw: object, proposal_count: int, *, runtime: bool) -> StepDef:
    entry = _mapping(raw, N_("A step needs a kind and a title."))
    _known(entry, {"kind", "title", "body", "timer_seconds", "settings"})
    timer = entry.get("timer_seconds", 0)
    if isinstance(timer, bool) or not isinstance(timer, int):
        raise Invalid(N_("The field %(field)s must be a whole number."), field="timer_seconds")
    if not 0 <= timer <= TIMER_MAX_SECONDS:
        raise Invalid(N_("The timer must be between 0 and %(max)s minutes."), max=360)
    rule = checked_step(_text(entry, "kind"), _text(entry, "title"), _text(entry, "body"))
    kind = rule.kind.value
    settings = dict(_mapping(entry.get("settings") or {}, N_("The settings must be a mapping.")))
    allowed = STEP_SETTINGS[kind] | (RUNTIME.get(kind, frozenset()) if runtime else frozenset())
    for key in settings:
        if key not in allowed:
            raise Invalid(N_("Unknown setting for this kind of step: %(setting)s."), setting=key)
    return StepDef(kind, rule.title, rule.body, timer, _settings(kind, settings, proposal_count))


def _settings(kind: str, settings: dict[str, Any], proposal_count: int) -> dict[str, Any]:
    """The settings of one step, checked by the rules of its kind and normalised."""
    if kind == "survey":
        out: dict[str, Any] = {}
        wave = Wave.BEFORE
        if "wave" in settings:
            try:
                wave = Wave(str(settings["wave"]).upper())
            except ValueError:
                raise Invalid(
                    N_("A survey step is before (T1) or after (T2) the discussion.")
                ) from None
            out["wave"] = wave.value
        if "items" in settings:
            items = []
            for number, raw in enumerate(_list(settings["items"], "items"), start=1):
                with located(N_("Question %(number)s"), number=number):
                    item = validate_item(_mapping(raw, N_("A question needs a key and a text.")))
                    if item.wave is not wave:
                        raise Invalid(
                            N_("The question belongs to wave %(item)s but its step to %(step)s."),
                            item=item.wave.value,
                            step=wave.value,
                        )
                    items.append(item_to_dict(item))
            out["items"] = items
        if "at_home" in settings:
            out["at_home"] = _flag(settings, "at_home", False)
        return out
    if kind == "results":
        if "opinion_items" not in settings:
            return {}
        keys = _list(settings["opinion_items"], "opinion_items")
        if not all(isinstance(key, str) for key in keys):
            raise Invalid(N_("The field %(field)s must be a list."), field="opinion_items")
        return {"opinion_items": list(keys)}
    if kind == "discussion":
        numbers = _list(settings.get("proposals", []), "proposals")
        for number in numbers:
            if isinstance(number, bool) or not isinstance(number, int):
                raise Invalid(N_("Refer to proposals by their number."))
            if not 1 <= number <= proposal_count:
                raise Invalid(N_("There is no proposal %(number)s."), number=number)
        if len(set(numbers)) != len(numbers):
            raise Invalid(N_("A proposal is listed twice."))
        rules = DiscussionRules(
            proposals=tuple(sorted(numbers)),
            per_participant=_limit(settings.get("arguments_per_participant")),
            per_table=_limit(settings.get("arguments_per_table")),
        )
        checked = rules.to_settings()
        checked["statement_votes"] = _flag(settings, "statement_votes", False)
        # Only the settings the file has: an absent one keeps its default.
        return {key: checked[key] for key in settings}
    if kind == "questions":
        for name in ("questions_per_table", "questions_sent_per_table"):
            _limit(settings.get(name))
        checked = QuestionRules.from_settings(settings).to_settings()
        return {key: checked[key] for key in settings}
    if kind == "vote":
        out = {}
        if "vote" in settings:
            out["vote"] = _vote(settings["vote"], proposal_count)
        if "vote_revealed" in settings:
            out["vote_revealed"] = _flag(settings, "vote_revealed", False)
        return out
    if kind == "recommendations":
        try:
            RecommendationSettings.from_settings(settings)
        except Refused as refusal:
            raise Invalid(refusal.message, **refusal.params) from None
        return dict(settings)
    return {}


def _vote(raw: object, proposal_count: int) -> dict[str, Any]:
    vote = VoteSettings.from_dict(_mapping(raw, N_("The vote's settings must be a mapping.")))
    check_options(vote.options)
    if len(vote.options) > OPTIONS_MAX:
        raise Invalid(N_("A ballot can have at most %(max)s options."), max=OPTIONS_MAX)
    for option in vote.options:
        proposal = _PROPOSAL_OPTION.fullmatch(option)
        if proposal:
            if int(proposal.group(1)) > proposal_count:
                raise Invalid(N_("There is no proposal %(number)s."), number=proposal.group(1))
        elif not _OWN_OPTION.fullmatch(option) or option not in vote.labels:
            raise Invalid(N_("The option %(option)s has no text."), option=option[:20])
    for key, label in vote.labels.items():
        if key not in vote.options or not isinstance(label, str):
            raise Invalid(N_("The option %(option)s is not on the ballot."), option=key[:20])
        if not label.strip():
            raise Invalid(N_("The option %(option)s has no text."), option=key[:20])
        if len(label) > OPTION_MAX:
            raise Invalid(N_("An option can be at most %(max)s characters."), max=OPTION_MAX)
    return vote.to_dict()


def _limit(value: object) -> int | None:
    if isinstance(value, bool) or not (value is None or isinstance(value, int | str)):
        raise Invalid(N_("A limit must be a whole number, or blank for no limit."))
    return checked_limit(value)


def _mapping(value: object, message: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise Invalid(message)
    return value


def _list(value: object, name: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise Invalid(N_("The field %(field)s must be a list."), field=name)
    return value


def _known(data: Mapping[str, Any], names: set[str]) -> None:
    for key in data:
        if key not in names:
            raise Invalid(N_("Unknown field: %(field)s."), field=key[:40])


def _text(data: Mapping[str, Any], name: str) -> str:
    return _as_text(data.get(name, ""), name)


def _as_text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(N_("The field %(field)s must be text."), field=name)
    return value


def _flag(data: Mapping[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise Invalid(N_("The field %(field)s must be true or false."), field=name)
    return value


# YAML: readable for people who edit a template by hand.


class _Dumper(yaml.SafeDumper):
    pass


def _text_block(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text_block)


def definition_to_yaml(definition: Definition) -> str:
    return yaml.dump(
        definition.to_dict(),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


def definition_from_yaml(text: bytes | str) -> Definition:
    """Read a template; refuses aliases and deep nesting before building anything."""
    if len(text) > YAML_MAX_BYTES:
        raise Invalid(N_("The file is too large for a panel definition."))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(N_("The file is not UTF-8 text.")) from None
    try:
        check_yaml_events(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise Invalid(
            N_("The file is not valid YAML (line %(line)s)."),
            line=(mark.line + 1) if mark is not None else "?",
        ) from None
    return definition_from_dict(raw)
