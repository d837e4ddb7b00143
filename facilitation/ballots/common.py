"""What every ballot method shares: reading the submitted form, the options, abstaining.

The raw input is what the web layer hands over from a submitted form: a mapping from a
field name to one string, or to a list of strings when a field repeats (checkboxes).
A method reads only its own fields and ignores every other one, so the same form can
carry its CSRF token and idempotency key. Values are stripped; a blank value is the
same as a missing field, because phones send empty inputs for anything left untouched.

Every method also reads the field `abstain`: any non-blank value asks to abstain. That
is refused when the vote does not allow abstaining, and when the ballot also expresses
a choice, since we cannot tell which of the two the voter meant.

Refusals name options by their id in a parameter called `option`; the server shows the
option's title in its place. An id that is not on the ballot is passed as `given`
instead, shortened, because it came from the phone and may be anything.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias

from facilitation.errors import N_, Refused

Raw: TypeAlias = Mapping[str, str | Sequence[str]]

ABSTAIN_FIELD = "abstain"
SHOWN_MAX = 40
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")


class Encodable(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def check_options(options: Sequence[str]) -> tuple[str, ...]:
    """The options as a tuple, after the checks that protect every count from bad setup.

    An empty list is the organiser's to fix, so it is a refusal; a blank or repeated id
    can only come from a bug, so it is an error.
    """
    checked = tuple(options)
    if not checked:
        raise Refused(N_("This vote has no options yet."))
    if any(not isinstance(option, str) or not option for option in checked):
        raise ValueError("option ids must be non-empty strings")
    if len(set(checked)) != len(checked):
        raise ValueError("option ids must be unique")
    return checked


def shown(text: str) -> str:
    """Shorten text that came from a phone before it goes into a message."""
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def unknown_option(given: str) -> Refused:
    """The refusal for an option that is not on the ballot, most likely from a stale page."""
    return Refused(
        N_("There is no option %(given)s on this ballot. Reload the page to see the options."),
        given=shown(given),
    )


def field_values(raw: Raw, name: str) -> list[str]:
    """Every non-blank value of a field, stripped; a lone string is one value."""
    value = raw.get(name)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def single_value(raw: Raw, name: str, message: str, **params: Any) -> str:
    """The one value of a field, or "" when blank.

    A field sent twice with the same value is harmless (a double tap); with different
    values we cannot know which one the voter meant, so `message` refuses it.
    """
    values = set(field_values(raw, name))
    if len(values) > 1:
        raise Refused(message, **params)
    return values.pop() if values else ""


def suffixes(raw: Raw, prefix: str) -> list[str]:
    """The part after `prefix:` of every field so named, sorted so refusals are stable."""
    start = prefix + ":"
    return sorted(key[len(start) :] for key in raw if key.startswith(start))


def refuse_unknown(named: Iterable[str], options: Sequence[str]) -> None:
    """Refuse the first named option that is not on the ballot."""
    known = set(options)
    for given in named:
        if given not in known:
            raise unknown_option(given)


def read_whole_number(text: str) -> int | None:
    """A whole number as typed on a phone (ASCII digits, optional sign), else None.

    Twelve digits are plenty for any count here and keep absurd input from costing
    time; anything longer is treated as not a whole number.
    """
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    return int(text)


def abstain_requested(raw: Raw) -> bool:
    return bool(field_values(raw, ABSTAIN_FIELD))


def settle_abstention(
    *,
    allowed: bool,
    requested: bool,
    expressed: bool,
    empty_counts: bool,
    empty_message: str,
) -> bool:
    """Decide whether a ballot is an abstention, refusing every way that can go wrong.

    `expressed` says whether the ballot holds any choice at all. When `empty_counts`,
    an empty ballot is an abstention wherever abstaining is allowed; otherwise only the
    explicit `abstain` field is, and an empty ballot is refused with `empty_message`.
    """
    if requested:
        if not allowed:
            raise Refused(N_("This vote does not allow abstaining."))
        if expressed:
            raise Refused(
                N_("You asked to abstain but also filled in the ballot. Do one or the other.")
            )
        return True
    if expressed:
        return False
    if allowed and empty_counts:
        return True
    raise Refused(empty_message)


def check_ballot_options(named: Iterable[str], options: Sequence[str]) -> None:
    """Guard a tally against ballots from another vote; only a bug can cause this."""
    known = set(options)
    for option in named:
        if option not in known:
            raise ValueError(f"a ballot names {option!r}, which is not an option of this vote")


def canonical_ballot(ballot: Encodable) -> str:
    """One stable JSON text per ballot: equal ballots give equal texts, byte for byte.

    Keys are sorted and options appear in the vote's order, so the text depends only
    on what the voter chose, never on how the form happened to list the fields.
    """
    return json.dumps(ballot.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest_ballots(ballots: Iterable[Encodable]) -> str:
    """A SHA-256 hex digest of a set of ballots, the same whatever order they come in.

    The canonical texts are sorted before hashing; they never contain a raw line break
    (JSON escapes it), so joining them with one is unambiguous.
    """
    texts = sorted(canonical_ballot(ballot) for ballot in ballots)
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def stored_int(data: Mapping[str, Any], key: str) -> int:
    """Read an integer from a stored record, failing loudly on a corrupt one."""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"stored {key!r} must be an integer")
    return value


def stored_str(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"stored {key!r} must be a string")
    return value


def stored_strs(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"stored {what!r} must be a list of strings")
    return tuple(value)


def stored_counts(value: Any, what: str) -> dict[str, int]:
    """Read a mapping of option id to a count from a stored record."""
    if not isinstance(value, Mapping):
        raise ValueError(f"stored {what!r} must be a mapping")
    counts: dict[str, int] = {}
    for key, count in value.items():
        if not isinstance(key, str) or isinstance(count, bool) or not isinstance(count, int):
            raise ValueError(f"stored {what!r} must map strings to integers")
        counts[key] = count
    return counts
