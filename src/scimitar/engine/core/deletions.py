"""Accidental deletions prevention (docs/entra.md §2.6).

Every disable and delete a cycle is about to send counts. With the default threshold of 500 at
most 499 proceed: the deletion that reaches the threshold trips the breaker, and it and every
later one in the cycle are held as ``StagedDelete`` (the job is then quarantined with reason
``TooManyDeletes`` until an admin allows deletes — Graph restart with ``ForceDeletes``).

:class:`DeletionCounter` is a value: a cycle streams its pages through :meth:`admit`, carrying
the returned counter to the next page, so the count never depends on page size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from scimitar.engine.core.actions import Action, Delete, Disable, StagedDelete

__all__ = ["DEFAULT_DELETE_THRESHOLD", "TOO_MANY_DELETES", "DeletionCounter", "is_deletion"]

#: ``QuarantineTooManyDeletesThreshold`` default (docs/entra.md §2.6).
DEFAULT_DELETE_THRESHOLD = 500
#: The quarantine reason when the breaker trips (Graph ``quarantine.reason``).
TOO_MANY_DELETES = "TooManyDeletes"


def is_deletion(action: Action) -> bool:
    """Whether ``action`` counts towards the threshold: a disable or a delete (docs/entra.md
    §2.6)."""
    return isinstance(action, Disable | Delete)


@dataclass(frozen=True, slots=True)
class DeletionCounter:
    """Disables and deletes admitted so far in one cycle.

    Attributes:
        threshold: The per-cycle limit, or ``None`` when the prevention is off.
        are_deletes_allowed: An admin chose "Allow deletes" for this cycle (``ForceDeletes``).
        count: Deletions counted so far, including staged ones.
        is_tripped: Whether the breaker has tripped in this cycle.
    """

    threshold: int | None = DEFAULT_DELETE_THRESHOLD
    are_deletes_allowed: bool = False
    count: int = 0
    is_tripped: bool = False

    def admit(self, actions: Iterable[Action]) -> tuple[DeletionCounter, tuple[Action, ...]]:
        """Count the deletions in ``actions`` and stage those over the threshold.

        Args:
            actions: One page's planned actions, in order.

        Returns:
            The counter to carry to the next page, and the actions with every deletion from
            the one that reaches the threshold onwards replaced by ``StagedDelete``.
        """
        counter: DeletionCounter = self
        admitted: list[Action] = []
        for action in actions:
            if isinstance(action, Disable | Delete):
                counter = counter._counted()
                admitted.append(StagedDelete(action) if counter.is_tripped else action)
            else:
                admitted.append(action)
        return counter, tuple(admitted)

    def _counted(self) -> DeletionCounter:
        count = self.count + 1
        trips = (
            self.threshold is not None and not self.are_deletes_allowed and count >= self.threshold
        )
        return replace(self, count=count, is_tripped=self.is_tripped or trips)
