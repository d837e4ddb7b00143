"""What a panel is and what its organiser may set."""

from __future__ import annotations

from dataclasses import dataclass

from facilitation.errors import N_, Refused
from facilitation.steps import clean_text

LANGUAGES = ("nb", "nn", "en")
TITLE_MAX = 120
QUESTION_MAX = 1_000
TABLES_MAX = 200
TABLE_LABEL_MAX = 40


@dataclass(frozen=True)
class PanelText:
    title: str
    question: str
    language: str


def checked_panel_text(title: str, question: str, language: str) -> PanelText:
    clean_title = clean_text(title)
    if not clean_title:
        raise Refused(N_("A panel needs a title."))
    if len(clean_title) > TITLE_MAX:
        raise Refused(N_("A title can be at most %(max)s characters."), max=TITLE_MAX)
    clean_question = clean_text(question)
    if len(clean_question) > QUESTION_MAX:
        raise Refused(N_("The question can be at most %(max)s characters."), max=QUESTION_MAX)
    if language not in LANGUAGES:
        raise Refused(N_("Choose Norwegian bokmål, Norwegian nynorsk or English."))
    return PanelText(clean_title, clean_question, language)


def checked_table_count(value: str | int) -> int:
    try:
        count = int(str(value).strip())
    except ValueError:
        raise Refused(N_("The number of tables must be a whole number.")) from None
    if not 1 <= count <= TABLES_MAX:
        raise Refused(N_("A panel has between 1 and %(max)s tables."), max=TABLES_MAX)
    return count


def checked_table_label(label: str) -> str:
    clean = clean_text(label)
    if not clean:
        raise Refused(N_("A table needs a name."))
    if len(clean) > TABLE_LABEL_MAX:
        raise Refused(N_("A table name can be at most %(max)s characters."), max=TABLE_LABEL_MAX)
    return clean


def table_labels_to_remove(seated: dict[int, int], current: list[int], keep: int) -> list[int]:
    """Which tables go when the organiser lowers the count: only empty ones, from the end."""
    removable = current[keep:]
    occupied = [table for table in removable if seated.get(table, 0)]
    if occupied:
        raise Refused(N_("Some of the tables to remove have people seated. Move them first."))
    return removable
