"""The rules of a citizens' panel, free of web, database and network.

Everything here is a plain function or dataclass so that it can be tested, reasoned
about and reused without a server. `server/` adapts these rules to HTTP, WebSocket,
SQL and Redis and never holds a rule of its own.
"""
