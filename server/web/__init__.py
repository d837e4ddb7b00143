"""HTTP adapters: who is asking, what they may do, and how answers are shaped."""
