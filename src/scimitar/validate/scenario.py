"""A scenario: a named sequence of Entra's requests with the checks on their answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from scimitar.validate.context import Scene
from scimitar.validate.model import Exchange

__all__ = ["ENTRA_DOC", "Scenario", "listed"]

#: Microsoft's guide to the requests Entra sends (cited by each Entra expectation).
ENTRA_DOC = (
    "learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups"
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario.

    Attributes:
        name: Its stable name (``create-and-match``), as reports and JUnit show it.
        title: One line on what it does.
        group: ``users``, ``groups`` or ``discovery`` (what ``--only`` selects).
        run: Sends the requests and records the checks.
    """

    name: str
    title: str
    group: str
    run: Callable[[Scene], Awaitable[None]]


def listed(exchange: Exchange) -> list[dict[str, Any]] | None:
    """The ``Resources`` of a 200 ListResponse, or ``None`` when the answer is not one."""
    answer = exchange.answer
    if exchange.status != 200 or not isinstance(answer, dict):
        return None
    resources = answer.get("Resources", [])
    if not isinstance(resources, list):
        return None
    return [r for r in resources if isinstance(r, dict)]
