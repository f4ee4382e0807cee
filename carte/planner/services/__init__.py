"""Every write of the planner: one function per use case."""
