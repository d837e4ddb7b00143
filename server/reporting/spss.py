"""The survey as an SPSS file in the layout Stanford's DeliberativePolling package reads.

One row per respondent and wave, with the variables `ID`, `Group` (Treatment/Control)
and `Time` (T1/T2), a constant nominal `Sample` (the package needs at least one nominal
variable to split results by), and one variable per question with its question as the
variable label, a value label for every code and the measure the package goes by
(ordinal for scales, nominal for choices).

"Don't know" is 98 and "prefer not to answer" 99, declared missing so that SPSS, Jamovi
and the package leave them out of means, as the CSV version does by leaving them blank.
They get no value label: the package reads declared missing values as blanks and counts
blanks in a "DK/NA" row of its own, but lists every value label as a row too, so a
labelled 98 would show as a "Don't know" row that is always 0 %. The codes stay in the
file for whoever reads it with user-defined missing values kept.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from server.reporting.record import PanelRecord
from server.reporting.tables import NON_ANSWER_CODES, Variable, wide_rows

if TYPE_CHECKING:
    from pyreadstat.pyclasses import MissingRange

LABEL_MAX = 250


def survey_sav(record: PanelRecord, variables: Sequence[Variable]) -> bytes:
    # At use, not at the top: pandas alone costs seconds of start-up, and only the
    # export writes an SPSS file.
    import pandas as pd
    import pyreadstat

    rows = wide_rows(record, variables)
    columns: dict[str, list[object]] = {
        "ID": [row.id for row in rows],
        "Group": [row.group for row in rows],
        "Time": [row.time for row in rows],
        "Sample": [1.0 for _ in rows],
    }
    for variable in variables:
        values: list[object] = []
        for row in rows:
            cell = row.cells[variable.name]
            if cell is not None:
                values.append(float(cell))
            elif variable.name in row.non_answers:
                values.append(float(NON_ANSWER_CODES[row.non_answers[variable.name]]))
            else:
                values.append(math.nan)
        columns[variable.name] = values
    frame = pd.DataFrame(columns)
    for name in ("ID", "Group", "Time"):
        frame[name] = frame[name].astype(object)
    labels: dict[str, str | None] = {
        "ID": "Pseudonymous id of the respondent",
        "Group": "Treatment or Control",
        "Time": "Wave: T1 before, T2 after the discussion",
        "Sample": "All respondents",
    }
    value_labels: dict[str, dict[float, str]] = {"Sample": {1.0: "All respondents"}}
    missing: dict[str, list[int | float | str | MissingRange]] = {}
    measures = {"ID": "nominal", "Group": "nominal", "Time": "nominal", "Sample": "nominal"}
    for variable in variables:
        labels[variable.name] = variable.label[:LABEL_MAX]
        value_labels[variable.name] = {
            float(code): text[:120] for code, text in variable.values.items()
        }
        if variable.part != "correct":
            missing[variable.name] = [float(code) for code in NON_ANSWER_CODES.values()]
        measures[variable.name] = variable.measure
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.sav"
        pyreadstat.write_sav(
            frame,
            str(path),
            column_labels=labels,
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure=measures,
        )
        return path.read_bytes()
