"""Moderating arguments: a pure state machine.

    pending ──approve──▶ approved ──hide──▶ hidden ──restore──▶ approved
    pending ──hide────▶ hidden
    pending | approved ──withdraw (author)──▶ withdrawn
    pending | approved ──merge into another──▶ merged

Every function returns a new `Argument` or raises `Refused`, so a refused action has
changed nothing. The caller writes the result and an audit event (with the text as it
was before an edit) in one transaction.

"A facilitator has acted" means that any facilitator transition (approve, hide,
restore, edit, merge, as source or target) has been applied; `Argument.moderated`
records it for good. Until then the author may edit or withdraw. After it the
argument is the facilitators' responsibility, so an author can no longer change
words a facilitator has vouched for, hidden, or folded other tables' points into.
An author also cannot edit once anyone has voted on the argument, because the
votes were cast on the old words; withdrawing stays possible, as it misrepresents
nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from facilitation.deliberation.arguments import Argument, checked_argument_text
from facilitation.deliberation.states import (
    ArgumentState,
    HideReason,
    checked_hide_note,
    parse_hide_reason,
)
from facilitation.errors import N_, Refused

_LIVE = frozenset({ArgumentState.PENDING, ArgumentState.APPROVED})


@dataclass(frozen=True)
class Merge:
    """The target with the tables and submissions it gained, and what was merged."""

    target: Argument
    merged: tuple[Argument, ...]


def approve(argument: Argument) -> Argument:
    _require_not_gone(argument)
    if argument.state is ArgumentState.APPROVED:
        raise Refused(N_("This argument is already approved."))
    if argument.state is ArgumentState.HIDDEN:
        raise Refused(N_("This argument is hidden. Restore it to show it again."))
    return replace(argument, state=ArgumentState.APPROVED, moderated=True)


def hide(argument: Argument, reason: str | HideReason, note: str = "") -> Argument:
    """Take an argument off every screen but the facilitators'.

    The note is for the record only; the table is told the reason, never the note.
    """
    _require_not_gone(argument)
    if argument.state is ArgumentState.HIDDEN:
        raise Refused(N_("This argument is already hidden."))
    return replace(
        argument,
        state=ArgumentState.HIDDEN,
        moderated=True,
        hidden_reason=parse_hide_reason(reason),
        hidden_note=checked_hide_note(note),
    )


def restore(argument: Argument) -> Argument:
    """Undo a hide: the argument is shown as approved, whatever it was before."""
    _require_not_gone(argument)
    if argument.state is not ArgumentState.HIDDEN:
        raise Refused(N_("Only a hidden argument can be restored."))
    return replace(
        argument,
        state=ArgumentState.APPROVED,
        moderated=True,
        hidden_reason=None,
        hidden_note="",
    )


def edit_by_facilitator(argument: Argument, text: str) -> Argument:
    """Fix the words (a typo, a name that should not be there) and mark it edited.

    Everyone who can read the argument also sees that a facilitator edited it.
    """
    _require_not_gone(argument)
    clean = checked_argument_text(text)
    if clean == argument.text:
        raise Refused(N_("The text is unchanged."))
    return replace(argument, text=clean, edited=True, moderated=True)


def edit_by_author(
    argument: Argument, participant_id: int, text: str, *, has_votes: bool
) -> Argument:
    _check_author_may_change(argument, participant_id)
    if has_votes:
        raise Refused(N_("Others have already voted on this argument, so it cannot be changed."))
    clean = checked_argument_text(text)
    if clean == argument.text:
        raise Refused(N_("The text is unchanged."))
    return replace(argument, text=clean)


def withdraw(argument: Argument, participant_id: int) -> Argument:
    _check_author_may_change(argument, participant_id)
    return replace(argument, state=ArgumentState.WITHDRAWN)


def author_may_edit(argument: Argument, participant_id: int, *, has_votes: bool) -> bool:
    """Whether to offer the author an edit button; the action itself checks again."""
    return not has_votes and author_may_withdraw(argument, participant_id)


def author_may_withdraw(argument: Argument, participant_id: int) -> bool:
    try:
        _check_author_may_change(argument, participant_id)
    except Refused:
        return False
    return True


def merge(target: Argument, duplicates: Sequence[Argument]) -> Merge:
    """Fold duplicates into one argument that keeps their tables and submission count.

    Only arguments about the same proposal with the same stance merge: anything else
    would put words in a table's mouth that it did not say. The target keeps its own
    state (a pending target stays pending), so merging never publishes anything.
    """
    if not duplicates:
        raise Refused(N_("Choose at least one argument to merge."))
    ids = [d.id for d in duplicates]
    if target.id in ids:
        raise Refused(N_("An argument cannot be merged into itself."))
    if len(set(ids)) != len(ids):
        raise Refused(N_("The same argument was chosen twice."))
    _require_not_gone(target)
    if target.state is ArgumentState.HIDDEN:
        raise Refused(N_("Restore the argument before merging others into it."))
    for duplicate in duplicates:
        if duplicate.state not in _LIVE:
            raise Refused(N_("Only pending or approved arguments can be merged."))
        if duplicate.proposal_id != target.proposal_id:
            raise Refused(N_("Only arguments about the same proposal can be merged."))
        if duplicate.stance is not target.stance:
            raise Refused(N_("Only arguments with the same stance can be merged."))
    merged_target = replace(
        target,
        moderated=True,
        merged_tables=target.merged_tables.union(*(d.tables for d in duplicates))
        - {target.table_id},
        merged_submissions=target.merged_submissions + sum(d.submissions for d in duplicates),
    )
    merged = tuple(
        replace(d, state=ArgumentState.MERGED, moderated=True, merged_into=target.id)
        for d in duplicates
    )
    return Merge(merged_target, merged)


def _require_not_gone(argument: Argument) -> None:
    if argument.state is ArgumentState.WITHDRAWN:
        raise Refused(N_("The author has withdrawn this argument."))
    if argument.state is ArgumentState.MERGED:
        raise Refused(N_("This argument has been merged into another one."))


def _check_author_may_change(argument: Argument, participant_id: int) -> None:
    if argument.author_id != participant_id:
        raise Refused(N_("Only the person who sent an argument can change it."))
    _require_not_gone(argument)
    if argument.moderated:
        raise Refused(
            N_("A facilitator has already handled this argument, so ask them to change it.")
        )
