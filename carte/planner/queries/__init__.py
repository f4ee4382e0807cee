"""Reads of the planner, scoped to the user."""
