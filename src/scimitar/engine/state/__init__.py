"""The engine's state in the store: job state, links, logs, escrows, held deletions.

See docs/architecture.md ("The parts").
"""
