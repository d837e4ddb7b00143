"""Recruitment before the day: candidate pool, the stratified lottery, invites and seating.

Each module is a pure function or dataclass over plain values, so the server can run
the slow parts (the draw) in a worker and store what comes back; nothing here does
I/O. Contact details never travel with the data the draw sees: the people file parser
hands them back separately so the caller can store them apart.
"""
