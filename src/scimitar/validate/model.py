"""What a validation run produces: exchanges on the wire, checks, scenarios and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Check", "Exchange", "Outcome", "Report", "ScenarioResult"]


class Outcome(StrEnum):
    """The verdict of one check or scenario."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request as sent and the answer as received (the token is never recorded).

    Attributes:
        method: ``GET``, ``POST``, ...
        url: The absolute URL, query included.
        body: The JSON request body, if any.
        status: The HTTP status, or ``None`` when no answer came.
        answer: The answer's body: JSON when it parsed, else text (cut at 2,000 characters).
    """

    method: str
    url: str
    body: Any
    status: int | None
    answer: Any

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "request": {"method": self.method, "url": self.url, "body": self.body},
            "response": {"status": self.status, "body": self.answer},
        }


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation and how the endpoint met it.

    Attributes:
        outcome: pass, warn or fail.
        message: What happened.
        expects: What Entra (or the RFC) expects here.
        reference: The Entra behaviour or RFC 7643/7644 section behind the expectation.
        exchange: The request and answer the check judged, if one.
    """

    outcome: Outcome
    message: str
    expects: str
    reference: str
    exchange: Exchange | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        values: dict[str, Any] = {
            "outcome": self.outcome.value,
            "message": self.message,
            "expects": self.expects,
            "reference": self.reference,
        }
        if self.exchange is not None:
            values["exchange"] = self.exchange.to_dict()
        return values


@dataclass(slots=True)
class ScenarioResult:
    """One scenario: its checks and every exchange it made."""

    name: str
    title: str
    group: str
    checks: list[Check] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def outcome(self) -> Outcome:
        """fail if any check failed, warn if any warned, skip when not run, else pass."""
        if self.skipped is not None:
            return Outcome.SKIP
        found = {check.outcome for check in self.checks}
        for outcome in (Outcome.FAIL, Outcome.WARN):
            if outcome in found:
                return outcome
        return Outcome.PASS

    def first(self, outcome: Outcome) -> Check | None:
        """The first check with ``outcome``."""
        return next((c for c in self.checks if c.outcome is outcome), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "name": self.name,
            "title": self.title,
            "group": self.group,
            "outcome": self.outcome.value,
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
            "checks": [c.to_dict() for c in self.checks],
            "exchanges": [e.to_dict() for e in self.exchanges],
        }


@dataclass(slots=True)
class Report:
    """A whole run: the endpoint, the dialect, the scenarios and the clean-up."""

    url: str
    dialect: str
    run_id: str
    prefix: str
    scenarios: list[ScenarioResult] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    kept: bool = False
    interrupted: bool = False
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """How many scenarios ended in each outcome."""
        counts = {o.value: 0 for o in Outcome}
        for scenario in self.scenarios:
            counts[scenario.outcome.value] += 1
        return counts

    @property
    def is_ok(self) -> bool:
        """Whether no scenario failed, nothing created was left behind and the run finished."""
        return (
            not self.interrupted
            and all(s.outcome is not Outcome.FAIL for s in self.scenarios)
            and (self.kept or not self.left)
        )

    def to_dict(self) -> dict[str, Any]:
        """The one JSON document ``--json`` prints."""
        return {
            "url": self.url,
            "dialect": self.dialect,
            "run_id": self.run_id,
            "prefix": self.prefix,
            "ok": self.is_ok,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "scenarios": [s.to_dict() for s in self.scenarios],
            "cleanup": {"deleted": self.cleanup, "left": self.left, "kept": self.kept},
        }
