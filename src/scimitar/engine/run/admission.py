"""Whether a cycle of an app may start now: the one admission check every caller uses.

The CLI (``scimitar app sync``), the admin API (``POST .../sync``), the portal's "Sync now",
the scheduler and the job controls ask :func:`admit`; it reads the job's state once and answers
with an :class:`Admission` listing every :class:`Refusal` that applies, in the order a person
should fix them. Each refusal has its own error class (the admin API maps each to its problem
type) and a message per :class:`Surface`, naming the command, the endpoint or the page that
fixes it. The rules are written down in docs/architecture.md ("Where each rule lives").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import ClassVar

from scimitar.apps.model import JobConfig
from scimitar.clock import utcnow
from scimitar.engine.state import jobstate, quarantine
from scimitar.engine.state.jobstate import CycleRow, JobState
from scimitar.engine.state.quarantine import Quarantine, QuarantineReason
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import ConfigError
from scimitar.store import Database

__all__ = [
    "PAUSED",
    "Admission",
    "AdmissionError",
    "CycleBusyError",
    "DeletionsHeldError",
    "JobPausedError",
    "ProvisioningOffError",
    "Refusal",
    "Surface",
    "admit",
    "busy_error",
    "refusals",
]

#: The job state an admin's pause sets (``engine_job_state.state``).
PAUSED = "paused"


class Refusal(StrEnum):
    """Why a cycle may not start, in the order :func:`refusals` checks them."""

    PROVISIONING_OFF = "provisioning-off"
    PAUSED = "paused"
    DELETIONS_HELD = "deletions-held"
    BUSY = "cycle-running"


class Surface(Enum):
    """Where the person asking is, so a refusal names the fix they can use there."""

    CLI = "cli"
    API = "api"
    PORTAL = "portal"


class AdmissionError(ConfigError):
    """A cycle may not start now; :attr:`refusal` says why."""

    refusal: ClassVar[Refusal]


class ProvisioningOffError(AdmissionError):
    """A cycle was asked for while the app's provisioning is off."""

    refusal = Refusal.PROVISIONING_OFF


class JobPausedError(AdmissionError):
    """A cycle was asked for while an admin has paused the job."""

    refusal = Refusal.PAUSED


class DeletionsHeldError(AdmissionError):
    """A cycle was asked for while accidental-deletion prevention holds deletions."""

    refusal = Refusal.DELETIONS_HELD


class CycleBusyError(AdmissionError):
    """A cycle of this app is running now, in this process or in another live one."""

    refusal = Refusal.BUSY


_ERRORS: dict[Refusal, type[AdmissionError]] = {
    error.refusal: error
    for error in (ProvisioningOffError, JobPausedError, DeletionsHeldError, CycleBusyError)
}


def refusals(
    config: JobConfig,
    state: JobState,
    held: Quarantine | None,
    *,
    is_busy: bool,
    force_deletes: bool = False,
) -> tuple[Refusal, ...]:
    """The pure rule: every reason a cycle of the job may not start, most basic first.

    Args:
        config: The app's job.
        state: Its job state row.
        held: Its quarantine, if any.
        is_busy: Whether a cycle of the app runs now (here, or in a live process elsewhere).
        force_deletes: The cycle sends held deletions (Graph ``ForceDeletes``), so held
            deletions do not refuse it.
    """
    found: list[Refusal] = []
    if not config.is_on:
        found.append(Refusal.PROVISIONING_OFF)
    if state.state == PAUSED:
        found.append(Refusal.PAUSED)
    if held is not None and held.reason == QuarantineReason.TOO_MANY_DELETES and not force_deletes:
        found.append(Refusal.DELETIONS_HELD)
    if is_busy:
        found.append(Refusal.BUSY)
    return tuple(found)


@dataclass(frozen=True)
class Admission:
    """The answer of :func:`admit`: whether a cycle may start, and what the check read.

    Attributes:
        config: The app's job.
        state: Its job state row, as read by the check.
        held: Its quarantine, if any.
        refusals: Every reason the cycle may not start (none: it may).
        running: The cycle running now, when :attr:`Refusal.BUSY` is among the refusals
            and the store names it.
    """

    config: JobConfig
    state: JobState
    held: Quarantine | None
    refusals: tuple[Refusal, ...]
    running: CycleRow | None = None

    @property
    def is_admitted(self) -> bool:
        """Whether the cycle may start."""
        return not self.refusals

    @property
    def is_reenabled(self) -> bool:
        """Provisioning was turned back on after the 28-day disable: the cycle ends it."""
        return self.held is not None and self.held.disabled_at is not None

    def error(
        self, surface: Surface, *, considering: Collection[Refusal] | None = None
    ) -> AdmissionError | None:
        """The error for the first refusal (among ``considering``, if given), or None."""
        for refusal in self.refusals:
            if considering is None or refusal in considering:
                return _ERRORS[refusal](self._message(refusal, surface))
        return None

    def raise_if_refused(
        self, surface: Surface, *, considering: Collection[Refusal] | None = None
    ) -> None:
        """Raise the first refusal's error (among ``considering``, if given).

        Raises:
            AdmissionError: One of its subclasses, by refusal.
        """
        error = self.error(surface, considering=considering)
        if error is not None:
            raise error

    def _message(self, refusal: Refusal, surface: Surface) -> str:
        return _message(refusal, surface, self.config, self.running)


def busy_error(config: JobConfig, running: CycleRow | None, surface: Surface) -> CycleBusyError:
    """The error for a cycle found running after the check (another process won the race)."""
    return CycleBusyError(_message(Refusal.BUSY, surface, config, running))


def _message(
    refusal: Refusal, surface: Surface, config: JobConfig, running: CycleRow | None
) -> str:
    name, app_id = config.app.name, config.app.id
    api = f"/api/v1/apps/{app_id}"
    cycle = f" ({running.id})" if running is not None else ""
    match refusal, surface:
        case Refusal.PROVISIONING_OFF, Surface.CLI:
            return (
                f"provisioning is off for app {name!r}; turn it on with "
                f"`scimitar app provisioning {name} on`"
            )
        case Refusal.PROVISIONING_OFF, Surface.PORTAL:
            return f"provisioning of {name} is off; turn it On on the Provisioning page"
        case Refusal.PROVISIONING_OFF, _:
            return (
                f"provisioning is off for app {name!r}; turn it on first "
                f"(PUT {api}/provisioning with state on)"
            )
        case Refusal.PAUSED, Surface.CLI:
            return (
                f"provisioning of app {name!r} is paused; resume it with "
                f"`scimitar app start {name}`"
            )
        case Refusal.PAUSED, Surface.PORTAL:
            return f"provisioning of {name} is paused; start it on its Job control page first"
        case Refusal.PAUSED, _:
            return f"provisioning of app {name!r} is paused; resume it first (POST {api}/start)"
        case Refusal.DELETIONS_HELD, Surface.CLI:
            return (
                f"app {name!r} is quarantined because a cycle was about to delete too many "
                f"objects; review them with `scimitar app deletes {name} list`, then "
                f"`scimitar app deletes {name} allow` or `... reject`"
            )
        case Refusal.DELETIONS_HELD, Surface.PORTAL:
            return (
                f"{name} holds deletions a cycle was about to make; allow or reject them on "
                "its Job control page"
            )
        case Refusal.DELETIONS_HELD, _:
            return (
                f"app {name!r} holds deletions a cycle was about to make; review them "
                f"(GET {api}/deletes), then allow or reject them"
            )
        case Refusal.BUSY, Surface.CLI:
            return (
                f"a cycle of app {name!r} is already running{cycle}; wait for it to end "
                f"(see `scimitar app status {name}`)"
            )
        case Refusal.BUSY, Surface.PORTAL:
            return f"a cycle of {name} is already running{cycle}; this page follows it"
        case Refusal.BUSY, _:
            return (
                f"a cycle of app {name!r} is already running{cycle}; wait for it to end "
                f"(GET {api}/status shows its progress)"
            )
    raise AssertionError(refusal)  # pragma: no cover - the match covers every refusal


async def admit(
    database: Database,
    config: JobConfig,
    jobs: JobRegistry,
    *,
    is_running_here: bool = False,
    force_deletes: bool = False,
    now: datetime | None = None,
) -> Admission:
    """Whether a cycle of ``config``'s app may start now (reads the job state and quarantine).

    Args:
        database: The store.
        config: The app's job.
        jobs: The cycles this process runs.
        is_running_here: Whether this process is about to run a cycle of the app (one
            ``jobs`` does not know of yet, e.g. a launcher's task that has not started).
        force_deletes: The cycle sends held deletions (held deletions do not refuse it).
        now: The current UTC time (for another machine's lease).
    """
    state = await jobstate.load_state(database, config.app.id)
    async with database.read() as conn:
        held = await quarantine.load(conn, config.app.id)
    current = await jobstate.running_cycle(database, state.current_cycle_id)
    is_alive = (
        current is not None
        and current.status == "running"
        and jobstate.is_owner_alive(state, now or utcnow(), jobs)
    )
    is_busy = is_running_here or jobs.is_running(config.app.id) or is_alive
    found = refusals(config, state, held, is_busy=is_busy, force_deletes=force_deletes)
    return Admission(config, state, held, found, current if is_alive else None)
