"""Table deliberation: arguments, their moderation, statement voting, expert questions.

Nothing in here touches the web, the database or the clock: callers pass in what is
stored and the time, and get back a new value or a `Refused`. The one rule every screen
depends on lives in `visibility`: render submitted text only through it, so pending and
hidden text never reaches another table's phones or the projector.

- `text`: what typed text may contain; `limits`: how much and how fast
- `states`: the states of arguments and questions, and the words of moderation
- `arguments`: sending an argument; `moderation`: what happens to it afterwards
- `visibility` and `audience`: who may read what
- `statements`: agree / disagree / pass on other tables' arguments, and orderings
- `duplicates`: near-duplicates across tables, suggested for merging
- `questions`: questions for the expert panel up to the queue; `plenary`: the queue
- `health`: counts per table for the facilitators
"""
