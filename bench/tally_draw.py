"""CPU of one live-tally draw (projector + tablet) at N ballots, read vs kept (issue 11).

    .venv/bin/python bench/tally_draw.py [--ballots 500 1000 2000] [--draws 50]

During a vote the panel's channel draws the projector's and the facilitators' vote
fragments up to twenty times a second. This makes a panel on a fresh SQLite file with
N seated participants who all voted, then draws both fragments `--draws` times as a
flush does (a new view each time, the fragments of the "tally" topic rendered), once
with the ballots read from the database at every draw (any view without the channel's
ballots, and every draw before `server.live.ballot_book`) and once with the ballots
kept by the channel, a ballot written between draws as in a storm. Prints the process
CPU per draw (`time.process_time`, so other work on the machine counts little). Not a
test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.prepared import prepare
from bench.servers import SECRET


async def measure(ballots: int, draws: int) -> tuple[float, float]:
    from sqlalchemy import insert, select

    from facilitation.ballots import SingleBallot
    from facilitation.ballots.secrecy import voter_key
    from server.broker.memory import MemoryBroker
    from server.db.engine import Database
    from server.db.models import BallotReceipt, PanelTable, Participant
    from server.live import audiences as aud
    from server.live.ballot_book import BallotBook, HeldBallot
    from server.live.change import Change
    from server.live.view import PanelView
    from server.ops.ballot_writer import ballot_row, store_ballots
    from server.render import Renderer
    from server.screens.registry import affected, render_context
    from server.services import Services
    from server.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        env = {"BORGERPANEL_DATA_DIR": folder, "BORGERPANEL_SECRET_KEY": SECRET}
        prepared = await prepare(env, ballots)
        step_id = prepared.step_ids[prepared.vote_index]
        settings = Settings.from_env(env)
        services = Services(settings, Database(settings.database_url), MemoryBroker(), Renderer())
        rng = random.Random(1)
        async with services.db.writing() as session:
            tables = list(
                await session.scalars(
                    select(PanelTable.id).where(PanelTable.panel_id == prepared.panel_id)
                )
            )
            for n in range(ballots):
                await session.execute(
                    insert(Participant).values(
                        panel_id=prepared.panel_id,
                        number=n + 1,
                        table_id=tables[n % len(tables)],
                        pseudonym=f"bench{n:06d}",
                    )
                )
            people = list(
                await session.scalars(
                    select(Participant.id).where(Participant.panel_id == prepared.panel_id)
                )
            )
            await store_ballots(
                session,
                [
                    ballot_row(
                        prepared.panel_id,
                        step_id,
                        voter_key(SECRET, step_id, person),
                        {"kind": "single", "choice": rng.choice(prepared.options)},
                        "phone",
                    )
                    for person in people
                ],
            )
            await session.execute(
                insert(BallotReceipt),
                [
                    {"step_id": step_id, "participant_id": p, "table_id": None, "assisted": False}
                    for p in people
                ],
            )
        parts = [
            (item, audience)
            for audience in (aud.DISPLAY, aud.FACILITATORS)
            for item in affected(audience, {"tally"})
        ]

        async def draw(book: BallotBook | None, seq: int) -> None:
            if book is not None:  # a ballot of this process between two draws
                voter = voter_key(SECRET, step_id, people[seq % len(people)])
                ballot = SingleBallot(rng.choice(prepared.options))
                book.stored(seq, [HeldBallot(step_id, voter, ballot, "phone", None)])
                book.heard(Change(prepared.panel_id, seq, ("tally",), (aud.DISPLAY,)))
            async with services.db.reading() as session:
                view = PanelView(session, prepared.panel_id)
                view.secret_key = SECRET
                view.ballots = book
                for item, audience in parts:
                    context = await item.context(view, audience)
                    render_context(
                        services.renderer, "en", item, prepared.panel_id, context, oob=True
                    )

        figures = []
        for book in (None, BallotBook()):
            await draw(book, 10**6)  # warm: templates compiled, the book filled
            started = time.process_time()
            for seq in range(draws):
                await draw(book, 10**6 + 1 + seq)
            figures.append((time.process_time() - started) / draws)
        await services.db.dispose()
        return figures[0], figures[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--draws", type=int, default=50)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| ballots | CPU per draw, read every draw | CPU per draw, kept | saved |")
    print("| ---: | ---: | ---: | ---: |")
    for ballots in args.ballots:
        read, kept = await measure(ballots, args.draws)
        print(
            f"| {ballots} | {read * 1000:.1f} ms | {kept * 1000:.1f} ms "
            f"| {100 * (1 - kept / read):.0f} % |",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
