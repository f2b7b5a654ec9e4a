"""A transport that reads the app and only writes down what it would have written.

A plan runs the cycle's code against the app's real endpoint, but through
:class:`RecordingTransport`: reads (``GET``) reach the app, as the cycle's matching queries
and listings do; every write (``POST``, ``PUT``, ``PATCH``, ``DELETE``, Bulk) is recorded and
answered as a compliant app answers it (RFC 7644 §3.3, §3.5, §3.6, §3.7.3), with made-up ids
for what it would create. The engine goes on as if the app had taken the write, so its later
phases (members of a new group, managers of new users) plan what they would send too.

This is the HTTP-layer dry run authentik uses for its providers (non-read requests are turned
into records, never sent); its reads stay within the app's rate limits
(:func:`reads_only_throttle`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from scimitar.connector.ratelimit import Throttle
from scimitar.connector.transport import Transport, TransportRequest, TransportResponse

__all__ = ["PLANNED_ID_PREFIX", "RecordedRequest", "RecordingTransport", "RequestLog"]

#: Ids the recording transport gives the objects a plan would create.
PLANNED_ID_PREFIX = "planned-"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_SCIM_JSON = {"content-type": "application/scim+json"}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One write the cycle would send: method, path under the Tenant URL, and body."""

    method: str
    path: str
    body: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {"method": self.method, "path": self.path, "body": self.body}


@dataclass
class RequestLog:
    """What a plan's transports saw: the writes in order, and how many reads reached the app."""

    writes: list[RecordedRequest] = field(default_factory=list)
    reads: Counter[str] = field(default_factory=Counter)

    def by_method(self) -> dict[str, int]:
        """Requests per method, reads included (``GET``: the reads the plan itself made)."""
        counts = Counter(r.method for r in self.writes)
        counts.update(self.reads)
        return dict(sorted(counts.items()))


class RecordingTransport:
    """A :class:`Transport` that sends reads to ``inner`` and records writes in ``log``."""

    def __init__(self, inner: Transport, log: RequestLog) -> None:
        self._inner = inner
        self._log = log

    async def send(self, request: TransportRequest) -> TransportResponse:
        """Reads go to the app; writes are recorded and answered as the app would."""
        if request.method in _READS:
            self._log.reads[request.method] += 1
            return await self._inner.send(request)
        body = json.loads(request.body) if request.body else None
        path = _path_under_tenant(request.url)
        self._log.writes.append(RecordedRequest(request.method, path, body))
        return _answer(request.method, path, body)

    async def close(self) -> None:
        """Close the app connections."""
        await self._inner.close()


def reads_only_throttle(throttle: Throttle) -> Throttle:
    """``throttle`` with its rate limits applied to reads only: writes never leave the plan."""
    rules = [
        replace(rule, applies_to="reads") if rule.applies_to == "all" else rule
        for rule in throttle.rules
        if rule.applies_to in ("all", "reads") or rule.applies_to.startswith("GET ")
    ]
    return replace(throttle, rules=rules)


def _path_under_tenant(url: str) -> str:
    path = urlsplit(url).path
    for collection in ("/Users", "/Groups", "/Bulk"):
        at = path.rfind(collection)
        if at >= 0:
            return path[at:]
    return path


def _answer(method: str, path: str, body: Any) -> TransportResponse:
    if method == "DELETE" or method == "PATCH":
        return TransportResponse(204, {}, b"")
    if method == "POST" and path.endswith("/Bulk"):
        return _json(200, _bulk_answer(body))
    if method == "POST":
        return _json(201, _created(path, body))
    if method == "PUT":
        document = dict(body) if isinstance(body, dict) else {}
        document["id"] = path.rsplit("/", 1)[-1]
        return _json(200, document)
    return TransportResponse(204, {}, b"")


def _created(path: str, body: Any) -> dict[str, Any]:
    document = dict(body) if isinstance(body, dict) else {}
    document["id"] = f"{PLANNED_ID_PREFIX}{uuid.uuid4().hex}"
    kind = "Group" if path.startswith("/Groups") else "User"
    document["meta"] = {"resourceType": kind, "location": f"{path}/{document['id']}"}
    return document


def _bulk_answer(body: Any) -> dict[str, Any]:
    """A BulkResponse (RFC 7644 §3.7.3) taking every operation."""
    operations = body.get("Operations", []) if isinstance(body, dict) else []
    answers = []
    for operation in operations:
        method = str(operation.get("method", "")).upper()
        answer: dict[str, Any] = {"method": method}
        if operation.get("bulkId"):
            answer["bulkId"] = operation["bulkId"]
        path = str(operation.get("path", ""))
        if method == "POST":
            created = _created(path, operation.get("data"))
            answer.update(location=created["meta"]["location"], status="201")
        elif method == "DELETE":
            answer.update(location=path, status="204")
        else:
            answer.update(location=path, status="200")
        answers.append(answer)
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": answers,
    }


def _json(status: int, document: dict[str, Any]) -> TransportResponse:
    return TransportResponse(status, _SCIM_JSON, json.dumps(document).encode("utf-8"))
