"""Opinion groups as Pol.is computes them: who votes alike, what unites, what divides.

`groups.compute_opinion_groups` is the one entry point; the modules hold its steps in
the order Pol.is runs them (polismath's `conversation.clj`): the vote matrix, who is
clustered, the projection to two dimensions, base clusters then groups, and the
statistics per group.
"""
