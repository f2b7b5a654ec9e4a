"""Running the work: cycles, their pages and phases, launching, control, on demand.

See docs/architecture.md ("The parts").
"""
