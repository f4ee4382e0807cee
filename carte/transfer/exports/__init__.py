"""Exports of every list: which lists and columns (lists.py), and how a file is written (writers.py)."""
