"""The pure core: planning, scope and the decisions a cycle makes; no I/O.

See docs/architecture.md ("The parts").
"""
