"""Carte's benchmark: a generated data set and scenarios timed through the real URL stack.

`make bench` (or `python -m bench`) runs it on SQLite and PostgreSQL; docs/performance.md
explains how to run it, read it and extend it.
"""
