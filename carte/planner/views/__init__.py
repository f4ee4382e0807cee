"""The planner screens."""
