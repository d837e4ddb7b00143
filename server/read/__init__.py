"""The read side: what screens, live views and reporting show, read from the database.

Commands (`server/ops/`) never import it for their rules, and it never imports them;
what both need to look up lives in `server/db/rows.py`.
"""
