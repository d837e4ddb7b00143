"""The panel's recommendations: drafted at the tables, merged, amended, supported, answered.

A recommendations step runs in phases (`settings.Phase`): the tables draft, the
facilitator merges near-identical drafts, the plenary amends them, everyone gives their
level of support, and at the close each recommendation is adopted or not by the
panel's rule. Those who cannot support an adopted recommendation may add a minority
statement. Afterwards the organiser records the council's answer (`council`).
"""
