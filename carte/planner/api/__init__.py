"""The planner API: tasks and the calendar."""
