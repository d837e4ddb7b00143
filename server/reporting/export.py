"""The research export: one ZIP with the panel's definition, its data and a codebook.

See `server.reporting.codebook` for what each file holds. `panel.json` carries the
definition and the frozen vote results; the CSV files carry the rest, and an import
reads the panel back from exactly these files (`server.reporting.archive`).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

from server.reporting import opinion, tables
from server.reporting.codebook import codebook
from server.reporting.record import PanelRecord
from server.reporting.spss import survey_sav
from server.reporting.tables import header
from server.web.csv_safe import csv_text

FORMAT = "borgerpanel-export"
VERSION = 1


def panel_json(record: PanelRecord, exported_at: datetime) -> dict[str, Any]:
    votes: list[dict[str, Any]] = []
    for vote in record.votes:
        if vote.frozen is not None:
            votes.append(
                {
                    "step": vote.step,
                    "closed": True,
                    "result": vote.frozen.result,
                    "ballots": vote.frozen.ballots,
                    "sources": dict(vote.frozen.sources),
                    "digest": vote.frozen.digest,
                    "closed_at": vote.frozen.closed_at.isoformat(),
                }
            )
        else:
            votes.append({"step": vote.step, "closed": False, "running": vote.running})
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.isoformat(),
        "status": record.status,
        "definition": record.definition.to_dict(runtime=True),
        "votes": votes,
        "voice": record.voice.to_dict(),
    }


def export_files(record: PanelRecord, exported_at: datetime | None = None) -> dict[str, bytes]:
    """Every file of the export by name."""
    when = exported_at or datetime.now(UTC)
    variables = tables.survey_variables(record)
    text = {
        "panel.json": json.dumps(panel_json(record, when), ensure_ascii=False, indent=2) + "\n",
        "codebook.md": codebook(record, variables, when),
        "respondents.csv": tables.respondents_csv(record),
        "survey_answers.csv": tables.survey_answers_csv(record, variables),
        "deliberativepolling.csv": tables.deliberative_polling_csv(record, variables),
        "tables.csv": tables.tables_csv(record),
        "proposals.csv": tables.proposals_csv(record),
        "steps.csv": tables.steps_csv(record),
        "arguments.csv": tables.arguments_csv(record),
        "statement_votes.csv": tables.statement_votes_csv(record),
        "opinion_groups.csv": csv_text(
            header("opinion_groups.csv"), opinion.opinion_groups_rows(record)
        ),
        "opinion_statements.csv": csv_text(
            header("opinion_statements.csv"), opinion.opinion_statements_rows(record)
        ),
        "questions.csv": tables.questions_csv(record),
        "question_upvotes.csv": tables.question_upvotes_csv(record),
        "votes.csv": tables.votes_csv(record),
        "vote_tallies.csv": tables.vote_tallies_csv(record),
        "ballots.csv": tables.ballots_csv(record),
    }
    files = {name: content.encode("utf-8") for name, content in text.items()}
    files["survey.sav"] = survey_sav(record, variables)
    return files


def export_zip(record: PanelRecord, exported_at: datetime | None = None) -> bytes:
    when = exported_at or datetime.now(UTC)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in export_files(record, when).items():
            member = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            member.external_attr = 0o644 << 16  # readable by whoever unpacks it
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, content)
    return buffer.getvalue()
