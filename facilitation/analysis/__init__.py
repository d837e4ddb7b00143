"""Statistics of a deliberative poll: opinions before and after, against a control group.

Every function takes answers already checked by `facilitation.survey` and returns a
frozen result whose `to_dict()` is plain JSON (no NaN). Where a number cannot be
computed the result says why with an `Unavailable` message instead.
"""

from facilitation.analysis.categorical import ChoiceComparison, choice_counts, compare_choices
from facilitation.analysis.common import Note, Unavailable
from facilitation.analysis.comparison import (
    DiffInDiff,
    GroupComparison,
    compare_groups,
    difference_in_differences,
)
from facilitation.analysis.knowledge import (
    KnowledgeChange,
    KnowledgeIndex,
    knowledge_change,
    knowledge_index,
)
from facilitation.analysis.opinion import Majority, WaveSummary, describe_wave, opinion_change
from facilitation.analysis.paired import PairedChange
from facilitation.analysis.per_item import OpinionItemResult, analyse_opinion_item
from facilitation.analysis.subgroups import SubgroupBreakdown, change_by_subgroup

__all__ = [
    "ChoiceComparison",
    "DiffInDiff",
    "GroupComparison",
    "KnowledgeChange",
    "KnowledgeIndex",
    "Majority",
    "Note",
    "OpinionItemResult",
    "PairedChange",
    "SubgroupBreakdown",
    "Unavailable",
    "WaveSummary",
    "analyse_opinion_item",
    "change_by_subgroup",
    "choice_counts",
    "compare_choices",
    "compare_groups",
    "describe_wave",
    "difference_in_differences",
    "knowledge_change",
    "knowledge_index",
    "opinion_change",
]
