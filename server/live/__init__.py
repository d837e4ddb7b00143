"""Live updates: the broker messages, the per-process hub, sockets and their outboxes."""
