"""The state of one validation run and the helpers scenarios use to talk to the endpoint.

Every request goes through :class:`Scene.call`, which records it with its answer in the
scenario's result. Objects the run creates are registered in :class:`Context` so that clean-up
deletes them, and so that no scenario can modify or delete an object it did not create.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from scimitar.connector.client import SCIMClient
from scimitar.connector.errors import TargetTLSError, TargetUnreachableError
from scimitar.scim.bodies import create_group_body, create_user_body
from scimitar.scim.dialects import ENTRA, RFC, Dialect
from scimitar.scim.urns import ENTERPRISE_USER
from scimitar.validate.model import Check, Exchange, Outcome, ScenarioResult
from scimitar.validate.recorder import RecordingTransport

__all__ = ["DIALECTS", "Abort", "Context", "DialectChoice", "Scene"]


@dataclass(frozen=True, slots=True)
class DialectChoice:
    """A ``--dialect`` value: the request dialect sent, and whether Entra's own expectations
    (beyond the RFC's) fail the run or only warn."""

    name: str
    dialect: Dialect
    is_entra: bool
    description: str


DIALECTS: Mapping[str, DialectChoice] = {
    "entra-2020": DialectChoice(
        "entra-2020",
        RFC,
        True,
        "Entra with the aadOptscim062020 flag: lowercase ops, JSON booleans, coalesced replaces",
    ),
    "entra-legacy": DialectChoice(
        "entra-legacy",
        ENTRA,
        True,
        'Entra\'s default job: capitalised ops, "True"/"False" strings, the ADSCIM group URN',
    ),
    "rfc": DialectChoice(
        "rfc",
        RFC,
        False,
        "plain RFC 7644 requests; expectations only Entra has are reported as warnings",
    ),
}


class Abort(Exception):
    """Ends a scenario early after a failed prerequisite (already recorded as a check)."""


@dataclass
class Context:
    """One run: the client, the dialect, the name prefix and what the run created.

    Attributes:
        client: The SCIM client (its transport sends for real).
        recorder: The client's transport, recording into the running scenario's exchanges.
        choice: The dialect chosen.
        prefix: Every created object's userName / displayName / externalId starts with it.
        created: ``(resource, id)`` of each object created, in creation order.
    """

    client: SCIMClient
    recorder: RecordingTransport
    choice: DialectChoice
    prefix: str
    with_groups: bool = True
    max_pages: int = 600
    created: list[tuple[str, str]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    results: list[ScenarioResult] = field(default_factory=list)
    discovered: dict[str, Any] = field(default_factory=dict)
    _serial: int = 0

    @property
    def dialect(self) -> Dialect:
        """The request dialect."""
        return self.choice.dialect

    def name(self, kind: str) -> str:
        """A fresh prefixed name (``scimitar-validate-<run>-u3``)."""
        self._serial += 1
        return f"{self.prefix}{kind}{self._serial}"

    def owns(self, resource: str, object_id: str) -> bool:
        """Whether this run created ``object_id`` (and has not deleted it yet)."""
        return (resource, object_id) in self.created and object_id not in self.deleted


class Scene:
    """One scenario's view of the run: its requests and its checks."""

    def __init__(self, context: Context, result: ScenarioResult) -> None:
        self.context = context
        self.result = result

    @property
    def dialect(self) -> Dialect:
        """The request dialect."""
        return self.context.dialect

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Exchange:
        """Send one request and record it with its answer.

        Raises:
            PermissionError: A write to an object this run did not create (a bug in a scenario).
        """
        self._guard(method, path)
        sink = self.context.recorder.sink
        with suppress(TargetUnreachableError, TargetTLSError):  # recorded with no status
            await self.context.client.send(method, path, params=params, body=body)
        return sink[-1]

    def _guard(self, method: str, path: str) -> None:
        if method in ("GET", "POST"):
            return
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not self.context.owns(parts[0], parts[1]):
            raise PermissionError(f"{method} {path}: not an object this run created")

    def check(
        self,
        is_ok: bool,
        message: str,
        *,
        expects: str,
        reference: str,
        exchange: Exchange | None = None,
        warn_only: bool = False,
        entra_only: bool = False,
    ) -> bool:
        """Record one check: pass when ``is_ok``, else fail (or warn).

        Args:
            is_ok: Whether the endpoint met the expectation.
            message: What happened when it did not.
            expects: The expectation, in words.
            reference: The Entra behaviour or RFC section behind it.
            exchange: The request and answer judged.
            warn_only: A miss is a warning, not a failure.
            entra_only: Only Entra expects this: a warning with ``--dialect rfc``.
        """
        if is_ok:
            outcome, said = Outcome.PASS, "as expected"
        elif warn_only or (entra_only and not self.context.choice.is_entra):
            outcome, said = Outcome.WARN, message
        else:
            outcome, said = Outcome.FAIL, message
        self.result.checks.append(Check(outcome, said, expects, reference, exchange))
        return is_ok

    def require(self, is_ok: bool, message: str, **kwargs: Any) -> None:
        """:meth:`check`, then end the scenario when it failed."""
        if not self.check(is_ok, message, **kwargs):
            raise Abort(message)

    async def create(self, resource: str, body: dict[str, Any]) -> tuple[Exchange, str | None]:
        """POST a resource; register and return its id when the endpoint answered one."""
        exchange = await self.call("POST", f"/{resource}", body=body)
        answer = exchange.answer
        object_id = answer.get("id") if isinstance(answer, dict) else None
        if isinstance(object_id, str) and object_id and exchange.status in (200, 201):
            self.context.created.append((resource, object_id))
            return exchange, object_id
        return exchange, None

    async def new_user(self, **extra: Any) -> tuple[Exchange, str]:
        """Create a prefixed user as Entra does; end the scenario if the endpoint refuses."""
        body = create_user_body(self.user_resource(**extra), self.dialect)
        exchange, object_id = await self.create("Users", body)
        self.require(
            object_id is not None and exchange.status == 201,
            f"POST /Users answered {_said(exchange)}; the user could not be created",
            expects="201 Created with the new user and its id",
            reference="RFC 7644 §3.3; Entra creates a user with POST /Users",
            exchange=exchange,
        )
        assert object_id is not None  # noqa: S101 (require() ended the scenario otherwise)
        return exchange, object_id

    def user_resource(self, **extra: Any) -> dict[str, Any]:
        """A user as Entra's default mappings send it, with a prefixed userName."""
        label = self.context.name("u")
        resource: dict[str, Any] = {
            "userName": f"{label}@example.com",
            "externalId": label,
            "active": True,
            "displayName": f"Validator {label}",
            "name": {"givenName": "Validator", "familyName": label},
            "emails": [{"type": "work", "primary": True, "value": f"{label}@example.com"}],
        }
        resource.update(extra)
        return resource

    async def new_group(self) -> tuple[Exchange, str, str]:
        """Create a prefixed group as Entra does: (exchange, id, displayName)."""
        label = self.context.name("g")
        body = create_group_body({"displayName": label, "externalId": label}, self.dialect)
        exchange, object_id = await self.create("Groups", body)
        self.require(
            object_id is not None and exchange.status == 201,
            f"POST /Groups answered {_said(exchange)}; the group could not be created",
            expects="201 Created with the new group and its id"
            + (
                " (the body names Entra's ADSCIM group schema URN)"
                if self.dialect.group_schemas
                else ""
            ),
            reference="RFC 7644 §3.3; Entra creates a group with POST /Groups, then adds members",
            exchange=exchange,
        )
        assert object_id is not None  # noqa: S101
        return exchange, object_id, label

    async def read(self, resource: str, object_id: str, **params: str) -> Exchange:
        """GET one object, requiring a 200 with a JSON object."""
        exchange = await self.call("GET", f"/{resource}/{object_id}", params=params or None)
        self.require(
            exchange.status == 200 and isinstance(exchange.answer, dict),
            f"GET /{resource}/{object_id} answered {_said(exchange)}",
            expects="200 with the resource",
            reference="RFC 7644 §3.4.1",
            exchange=exchange,
        )
        return exchange


def said(exchange: Exchange) -> str:
    """``HTTP 400 (detail)`` or ``no answer (reason)``, for messages."""
    return _said(exchange)


def _said(exchange: Exchange) -> str:
    if exchange.status is None:
        return f"nothing ({exchange.answer})"
    detail = ""
    if isinstance(exchange.answer, dict) and exchange.status >= 400:
        detail = str(exchange.answer.get("detail") or exchange.answer.get("scimType") or "")
    return f"HTTP {exchange.status}" + (f" ({detail[:200]})" if detail else "")


def enterprise(user: Mapping[str, Any]) -> Mapping[str, Any]:
    """The user's enterprise extension block (empty when absent)."""
    block = user.get(ENTERPRISE_USER)
    return block if isinstance(block, dict) else {}
