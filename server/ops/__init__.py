"""Domain operations: load, apply a `facilitation` rule, write with an audit event, announce.

Every write of the live panel goes through here so that route handlers only parse,
authorise, call and render.
"""
