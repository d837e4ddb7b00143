"""How long contact data of the pool are kept, and whose contact data may be erased.

Names, addresses and e-mail addresses are collected for one purpose: sending the
letters. The organiser records by when they will be erased (GDPR Article 5(1)(e),
storage limitation) and erases them then; people who were not drawn no longer need
to be reached at all, so their contact data can go as soon as the panel is drawn.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from facilitation.errors import N_, Refused

# A panel is recruited and held within months; a longer promise is not a limit at all.
LONGEST_KEEP = timedelta(days=2 * 366)


class ErasureScope(StrEnum):
    ALL = "all"
    NOT_SELECTED = "not_selected"  # everyone who gets no invitation


def parse_scope(text: str) -> ErasureScope:
    try:
        return ErasureScope(text)
    except ValueError:
        raise Refused(N_("Choose whose contact data to erase.")) from None


def checked_keep_until(text: str, today: date) -> date:
    """The date by which contact data will be erased: from today, at most two years on."""
    try:
        chosen = date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(N_("Give the date as a calendar date, e.g. 2027-03-31.")) from None
    if chosen < today:
        raise Refused(N_("The date by which contact data are erased cannot be in the past."))
    if chosen > today + LONGEST_KEEP:
        raise Refused(
            N_("Keep contact data at most two years, until %(latest)s."),
            latest=(today + LONGEST_KEEP).isoformat(),
        )
    return chosen


def overdue(keep_until: date | None, today: date) -> bool:
    """The promised date has passed and contact data are still stored."""
    return keep_until is not None and keep_until < today
