"""Rules that span the items of one panel: unique keys and sound before–after pairs.

A T2 item that repeats a T1 item is what lets the analysis pair answers per
respondent, so the pair must compare like with like: the same kind, the same options
and, for knowledge items, the same correct answer. Each T1 item is repeated at most
once, so every respondent has at most one before–after pair per question.
"""

from __future__ import annotations

from collections.abc import Sequence

from facilitation.errors import N_, Refused
from facilitation.survey.items import ItemKind, SurveyItem, Wave, item_to_dict, validate_item


def validate_survey(items: Sequence[SurveyItem]) -> tuple[SurveyItem, ...]:
    """Check the items of one panel (both waves) together; returns them unchanged."""
    by_key: dict[str, SurveyItem] = {}
    for item in items:
        if item.key in by_key:
            raise Refused(N_("Two questions have the key %(key)s."), key=item.key)
        by_key[item.key] = item
    repeated: set[str] = set()
    for item in items:
        if item.pairs_with is None:
            continue
        earlier = by_key.get(item.pairs_with)
        if earlier is None or earlier.wave is not Wave.BEFORE:
            raise Refused(
                N_("Question %(key)s repeats %(other)s, which is not asked before the discussion."),
                key=item.key,
                other=item.pairs_with,
            )
        if earlier.kind is not item.kind or earlier.options != item.options:
            raise Refused(
                N_("Question %(key)s must have the same kind and options as %(other)s."),
                key=item.key,
                other=earlier.key,
            )
        if earlier.correct != item.correct:
            raise Refused(
                N_("Question %(key)s must have the same correct answer as %(other)s."),
                key=item.key,
                other=earlier.key,
            )
        if earlier.key in repeated:
            raise Refused(N_("Two questions repeat %(other)s."), other=earlier.key)
        repeated.add(earlier.key)
    return tuple(items)


def repeat_after(
    before: Sequence[SurveyItem], keys: Sequence[str], taken: Sequence[str]
) -> list[SurveyItem]:
    """T2 copies of the chosen T1 items, each paired with its original.

    The copy is keyed `<key>_t2` (or `_t2_2`, … when that is taken), since keys are
    unique across a panel's waves and the data export names columns by key. A key too
    long for the suffix is refused by `validate_item` with its usual message.
    """
    known = {item.key: item for item in before if item.wave is Wave.BEFORE}
    used = set(taken)
    copies = []
    for key in keys:
        original = known.get(key)
        if original is None:
            raise Refused(N_("There is no question %(key)s before the discussion."), key=key)
        copy_key, n = f"{key}_t2", 1
        while copy_key in used:
            n += 1
            copy_key = f"{key}_t2_{n}"
        used.add(copy_key)
        raw = {**item_to_dict(original), "key": copy_key, "wave": "T2", "pairs_with": key}
        copies.append(validate_item(raw))
    return copies


def opinion_pairs(
    before: Sequence[SurveyItem], after: Sequence[SurveyItem]
) -> list[tuple[SurveyItem | None, SurveyItem | None]]:
    """Opinion and agreement items, each T1 item with the T2 item that repeats it, then
    the T2 items that repeat none."""
    scaled = (ItemKind.OPINION, ItemKind.AGREEMENT)
    first = [i for i in before if i.kind in scaled]
    second = [i for i in after if i.kind in scaled]
    pairs: list[tuple[SurveyItem | None, SurveyItem | None]] = []
    for item in first:
        pairs.append((item, next((a for a in second if a.pairs_with == item.key), None)))
    paired = {a.key for _, a in pairs if a is not None}
    pairs += [(None, a) for a in second if a.key not in paired]
    return pairs


def shown_key(pair: tuple[SurveyItem | None, SurveyItem | None]) -> str:
    """The key that names a before–after pair: the T1 item's, else the T2 item's."""
    before, after = pair
    item = before or after
    if item is None:
        raise ValueError("an empty pair")
    return item.key
