"""Built-in panel templates: the agenda a new panel starts from.

The default is the deliberative poll as run in Bergen: a survey before, a briefing,
table discussion, questions for an expert panel, the plenary, a priorities vote, the
same survey after, and the results. Titles and texts are message ids so the new panel
gets them in its own language; organisers then edit them freely.
"""

from __future__ import annotations

from collections.abc import Callable

from facilitation.errors import N_
from facilitation.steps import Step, StepKind

DELIBERATIVE_POLL: tuple[tuple[StepKind, str, str, int], ...] = (
    (
        StepKind.SURVEY,
        N_("Survey before the discussion"),
        N_("Please answer a few questions before we begin. There are no right answers."),
        10 * 60,
    ),
    (
        StepKind.INFO,
        N_("Briefing"),
        N_(
            "Welcome to the citizens' panel. Today you will discuss the question with "
            "the people at your table, put questions to a panel of experts, and tell "
            "the council what you think.\n\n"
            "- Listen to each other.\n- Every view is welcome.\n- Ask when in doubt."
        ),
        15 * 60,
    ),
    (
        StepKind.DISCUSSION,
        N_("Table discussion"),
        N_("Discuss the proposals at your table and note the arguments for and against."),
        45 * 60,
    ),
    (
        StepKind.QUESTIONS,
        N_("Questions for the expert panel"),
        N_("Agree at your table on the questions you want the experts to answer."),
        15 * 60,
    ),
    (
        StepKind.INFO,
        N_("Plenary with the expert panel"),
        N_("The experts answer the tables' questions."),
        45 * 60,
    ),
    (
        StepKind.VOTE,
        N_("Priorities vote"),
        N_("Which proposals matter most to you?"),
        10 * 60,
    ),
    (
        StepKind.SURVEY,
        N_("Survey after the discussion"),
        N_("Please answer the same questions again, now that you have discussed them."),
        10 * 60,
    ),
    (
        StepKind.RESULTS,
        N_("Results"),
        N_("Thank you for taking part. Here is what the panel thinks."),
        0,
    ),
)


def deliberative_poll(translate: Callable[[str], str]) -> list[Step]:
    """The Bergen deliberative-poll agenda, in the language `translate` speaks.

    The first survey is the wave before the discussion and the last the wave after.
    """
    steps = [
        Step(kind, translate(title), translate(body), timer)
        for kind, title, body, timer in DELIBERATIVE_POLL
    ]
    surveys = [step for step in steps if step.kind is StepKind.SURVEY]
    surveys[0].settings["wave"] = "T1"
    surveys[-1].settings["wave"] = "T2"
    return steps
