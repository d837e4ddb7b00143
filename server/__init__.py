"""The Starlette application that adapts the panel's rules to HTTP, WebSocket, SQL and Redis."""
