"""A cycle's resume point: where it is, typed and versioned, as stored with the job state.

Each page of a cycle saves its resume point in the same transaction as the page's links and
log records (``engine_job_state.resume``, JSON text), so a cycle killed at any point goes on
from its last saved page. :class:`ResumeState` is that point. It is read back by whatever
version of Scimitar runs next, so every shape ever written must still load: version 1 is
every shape stored before the ``version`` field existed (older shapes simply lack the later
keys, see :meth:`ResumeState.from_dict`); ``tests/unit/engine/test_resume.py`` loads a
fixture of each. docs/architecture.md ("Resume points") lists the shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from scimitar.errors import ConfigError

__all__ = [
    "RESUME_VERSION",
    "CycleKind",
    "Owner",
    "Phase",
    "Previous",
    "ResumeState",
    "ResumeStateError",
    "UserOrder",
]

#: The version :meth:`ResumeState.to_dict` writes (1: the shapes stored before versions).
RESUME_VERSION = 2


class ResumeStateError(ConfigError):
    """A stored resume point this version cannot read."""


class CycleKind(StrEnum):
    """What a cycle is: an initial one, an incremental one, or a provisioning on demand."""

    INITIAL = "initial"
    INCREMENTAL = "incremental"
    ONDEMAND = "ondemand"


class Phase(StrEnum):
    """Where in its cycle a resume point is.

    An initial cycle goes users → groups → gone (linked objects the directory no longer
    holds) → references (managers); an incremental one reads the change feed (``changes``).
    """

    USERS = "users"
    GROUPS = "groups"
    GONE = "gone"
    REFERENCES = "references"
    CHANGES = "changes"


class UserOrder(StrEnum):
    """How an initial cycle reads its users (chosen when it starts, kept until it ends)."""

    #: The order users were added: cycles begun before the order was recorded.
    ADDED = "added"
    #: objectId order.
    ID = "id"
    #: Managers before their reports, so a create can carry its manager.
    MANAGERS = "managers"


@dataclass(frozen=True)
class Owner:
    """The process that runs a cycle: its machine and process id."""

    host: str
    pid: int

    def to_dict(self) -> dict[str, Any]:
        """As stored."""
        return {"host": self.host, "pid": self.pid}


@dataclass(frozen=True)
class Previous:
    """What the job pointed at before a provisioning on demand took it (restored after).

    Attributes:
        cycle: The cycle (a paused one) the job pointed at.
        resume: That cycle's stored resume point, as stored (JSON text), if any.
    """

    cycle: str
    resume: str | None

    def to_dict(self) -> dict[str, Any]:
        """As stored."""
        return {"cycle": self.cycle, "resume": self.resume}


@dataclass(frozen=True)
class ResumeState:
    """Where a cycle is, and what it needs to go on from there.

    Attributes:
        kind: Initial, incremental, or on demand.
        phase: The phase the cycle is in (None for a provisioning on demand).
        watermark: Initial: the change feed's end when the cycle began (the next cycle
            starts there). Incremental: how far the feed has been read.
        cursor: How far the current phase of an initial cycle has read (None: from the start).
        order: How an initial cycle reads its users.
        start: Incremental: the watermark the cycle began from (changes replayed after a kill).
        since: Incremental: the start of the last successful cycle (scope changes from then).
        owner: The process running the cycle.
        previous: On demand: what the job pointed at before.
        version: The shape's version (:data:`RESUME_VERSION` for a new one).
    """

    kind: CycleKind
    phase: Phase | None = None
    watermark: str | None = None
    cursor: str | None = None
    order: UserOrder = UserOrder.ADDED
    start: str | None = None
    since: datetime | None = None
    owner: Owner | None = None
    previous: Previous | None = None
    version: int = RESUME_VERSION

    def moved(self, **changes: Any) -> ResumeState:
        """A copy with ``changes`` (the cycle moved on: a new phase, cursor or watermark)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """As stored (JSON-ready), always in the current version's shape."""
        return {
            "version": RESUME_VERSION,
            "kind": self.kind.value,
            "phase": None if self.phase is None else self.phase.value,
            "watermark": self.watermark,
            "cursor": self.cursor,
            "order": self.order.value,
            "start": self.start,
            "since": None if self.since is None else self.since.isoformat(),
            "owner": None if self.owner is None else self.owner.to_dict(),
            "previous": None if self.previous is None else self.previous.to_dict(),
        }

    def to_json(self) -> str:
        """The stored text."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | None) -> ResumeState | None:
        """The resume point stored as ``text`` (None when nothing is stored).

        Raises:
            ResumeStateError: The text is no resume point this version can read.
        """
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ResumeStateError(f"the stored resume point is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ResumeStateError("the stored resume point is not a JSON object")
        return cls.from_dict(data) if data else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResumeState:
        """Read any stored shape, of any version.

        Version 1 (no ``version`` key) grew over time: first ``kind``, ``phase``, ``cursor``
        and ``watermark``; then ``since`` (incremental), ``owner``, ``start`` (incremental),
        the ``gone`` phase, ``order`` (initial) and on-demand registrations (``kind``
        ``ondemand`` with ``owner`` and ``previous``). A missing key means what the code of
        that time did without it: no ``order`` is the order users were added, no ``start``
        replays nothing.

        Raises:
            ResumeStateError: A version from the future, or a value of no known kind.
        """
        version = data.get("version", 1)
        if not isinstance(version, int) or not 1 <= version <= RESUME_VERSION:
            raise ResumeStateError(
                f"the stored resume point has version {version!r}; this Scimitar reads "
                f"versions 1 to {RESUME_VERSION} (upgrade it to resume that cycle)"
            )
        return cls(
            kind=_member(CycleKind, data.get("kind"), "kind"),
            phase=None if data.get("phase") is None else _member(Phase, data["phase"], "phase"),
            watermark=_text(data.get("watermark")),
            cursor=_text(data.get("cursor")),
            order=UserOrder.ADDED
            if data.get("order") is None
            else _member(UserOrder, data["order"], "order"),
            start=_text(data.get("start")),
            since=_moment(data.get("since")),
            owner=_owner(data.get("owner")),
            previous=_previous(data.get("previous")),
            version=version,
        )


_E = TypeVar("_E", bound=StrEnum)


def _member(kind: type[_E], value: Any, field: str) -> _E:
    try:
        return kind(value)
    except ValueError as exc:
        known = ", ".join(m.value for m in kind)
        raise ResumeStateError(
            f"the stored resume point's {field} is {value!r}; expected one of {known}"
        ) from exc


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _owner(value: Any) -> Owner | None:
    if not isinstance(value, dict) or not value:
        return None
    return Owner(str(value.get("host") or ""), int(value.get("pid") or 0))


def _previous(value: Any) -> Previous | None:
    if not isinstance(value, dict) or value.get("cycle") is None:
        return None
    resume = value.get("resume")
    return Previous(str(value["cycle"]), None if resume is None else str(resume))
