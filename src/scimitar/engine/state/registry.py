"""What this process runs now: its cycles and its provisioning-on-demand holds, by app.

The store says which cycle an app's job runs and which process owns it (host and pid, see
:func:`scimitar.engine.state.jobstate.owner`); only the process itself knows whether that cycle
still
runs in it, or was left behind by a run of it that ended without closing the cycle. A
:class:`JobRegistry` answers that. The runtime that owns the process creates one — ``scimitar
serve`` (:func:`scimitar.app.create_app`), each CLI command, each test — and hands it to every
runner, launcher, scheduler and on-demand run it builds; nothing keeps one in a module global.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["JobRegistry"]


class JobRegistry:
    """The cycles and on-demand holds of one process (one per process, injected)."""

    def __init__(self) -> None:
        #: App id → id of the cycle running for it (None while it is starting).
        self._cycles: dict[str, str | None] = {}
        #: Apps whose job an on-demand run of this process holds.
        self._ondemand: set[str] = set()

    def is_running(self, app_id: str) -> bool:
        """Whether this process runs (or is starting) a cycle of the app."""
        return app_id in self._cycles

    def runs_cycle(self, cycle_id: str | None) -> bool:
        """Whether this process runs the cycle ``cycle_id`` now."""
        return cycle_id is not None and cycle_id in self._cycles.values()

    def claim(self, app_id: str) -> bool:
        """Register a cycle of the app as starting; False if one is registered already.

        Checked and claimed with no ``await`` between, so two tasks cannot both claim it.
        """
        if app_id in self._cycles:
            return False
        self._cycles[app_id] = None
        return True

    def started(self, app_id: str, cycle_id: str) -> None:
        """The claimed cycle now has its id."""
        self._cycles[app_id] = cycle_id

    def release(self, app_id: str) -> None:
        """The app's cycle ended."""
        self._cycles.pop(app_id, None)

    def holds_ondemand(self, app_id: str) -> bool:
        """Whether an on-demand run of this process holds the app's job."""
        return app_id in self._ondemand

    @contextmanager
    def ondemand(self, app_id: str) -> Iterator[None]:
        """Mark the app's job held by an on-demand run of this process for the block."""
        self._ondemand.add(app_id)
        try:
            yield
        finally:
            self._ondemand.discard(app_id)
