"""Test Connection: Entra's probe for an object that cannot exist.

``GET /Users?filter=<matching attribute> eq "<random GUID>"`` must answer 200 with an empty
ListResponse; with group provisioning on, ``GET /Groups?excludedAttributes=members&filter=
displayName eq "<GUID>"`` too. Every way this can fail gets its own plain message and a hint.

When those pass, each filter is checked against an object the app holds (the first of a
one-item listing page, then a filter on its value): an app that answers an unsupported filter
with ``200`` and nothing in it is reported as a warning, since matching then lists the app's
objects instead (docs/provisioning.md, "Apps that implement SCIM partly").
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from scimitar.connector.bearer import OAuth2TokenError
from scimitar.connector.client import SCIMClient
from scimitar.connector.errors import (
    NetworkFailure,
    TargetTLSError,
    TargetUnreachableError,
    describe_body,
    scim_error_detail,
)
from scimitar.connector.transport import TransportResponse
from scimitar.mapping.target_path import parse_target_path
from scimitar.scim.filter import render_value

__all__ = ["ConnectionTest", "ProbeFailure", "ProbeFailureKind", "ProbeStep", "probe_connection"]

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class ProbeFailureKind(StrEnum):
    """Why Test Connection failed."""

    DNS = "dns"
    REFUSED = "refused"
    TLS = "tls"
    TIMEOUT = "timeout"
    RESET = "reset"
    CREDENTIALS = "credentials"
    NOT_FOUND = "not_found"
    NOT_SCIM = "not_scim"
    FILTER_IGNORED = "filter_ignored"
    HTTP_ERROR = "http_error"


@dataclass(frozen=True, slots=True)
class ProbeFailure:
    """One failure, for a person.

    Attributes:
        kind: The failure class.
        message: What happened, in plain words.
        hint: What to check or change.
        status: The HTTP status, when a response arrived.
    """

    kind: ProbeFailureKind
    message: str
    hint: str
    status: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        values: dict[str, Any] = {"kind": self.kind.value, "message": self.message}
        values["hint"] = self.hint
        if self.status is not None:
            values["status"] = self.status
        return values


@dataclass(frozen=True, slots=True)
class ProbeStep:
    """One probe request and its outcome."""

    resource: str
    url: str
    status: int | None
    is_ok: bool


@dataclass(frozen=True, slots=True)
class ConnectionTest:
    """The outcome of Test Connection: each request made, and the failure if any."""

    steps: tuple[ProbeStep, ...]
    failure: ProbeFailure | None = None
    warnings: tuple[str, ...] = ()

    @property
    def is_ok(self) -> bool:
        """Whether every probe answered as Entra expects."""
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        values: dict[str, Any] = {
            "ok": self.is_ok,
            "steps": [
                {"resource": s.resource, "url": s.url, "status": s.status, "ok": s.is_ok}
                for s in self.steps
            ],
        }
        if self.failure is not None:
            values["failure"] = self.failure.to_dict()
        values["warnings"] = list(self.warnings)
        return values


async def probe_connection(
    client: SCIMClient, *, user_attribute: str = "userName", include_groups: bool = False
) -> ConnectionTest:
    """Run Entra's probes; stop at the first failure.

    Args:
        client: The app's SCIM client.
        user_attribute: The users' matching attribute (precedence 1) the filter names.
        include_groups: Whether group provisioning is on (adds the Groups probe).
    """
    probes: list[tuple[str, str, dict[str, str]]] = [("Users", user_attribute, {})]
    if include_groups:
        probes.append(("Groups", "displayName", {"excludedAttributes": "members"}))
    steps: list[ProbeStep] = []
    for resource, attribute, extra in probes:
        params = {**extra, "filter": f'{attribute} eq "{uuid.uuid4()}"'}
        url = client.url_for(f"/{resource}", params)
        failure, status = await _probe(client, resource, params, attribute)
        steps.append(ProbeStep(resource, url, status, failure is None))
        if failure is not None:
            return ConnectionTest(tuple(steps), failure)
    warnings = [
        f"this app ignores filters on {resource}.{attribute}; matching lists "
        f"{resource.lower()} instead"
        for resource, attribute, extra in probes
        if await _is_filter_ignored(client, resource, attribute, extra)
    ]
    return ConnectionTest(tuple(steps), warnings=tuple(warnings))


async def _is_filter_ignored(
    client: SCIMClient, resource: str, attribute: str, extra: dict[str, str]
) -> bool:
    """Whether a filter on the first listed object's value misses that object."""
    try:
        listed = await client.send(
            "GET", f"/{resource}", params={**extra, "startIndex": "1", "count": "1"}
        )
        first = (_list_response(listed.body) or {}).get("Resources") or []
        if listed.status != 200 or not isinstance(first, list) or not first:
            return False
        value = parse_target_path(attribute).read(first[0])
        if not isinstance(value, str) or not value or not first[0].get("id"):
            return False
        params = {**extra, "filter": f"{attribute} eq {render_value(value)}"}
        found = await client.send("GET", f"/{resource}", params=params)
    except (TargetUnreachableError, TargetTLSError, OAuth2TokenError):
        return False
    hits = (_list_response(found.body) or {}).get("Resources") or []
    if found.status != 200 or not isinstance(hits, list):
        return False
    return not any(isinstance(h, dict) and h.get("id") == first[0]["id"] for h in hits)


async def _probe(
    client: SCIMClient, resource: str, params: dict[str, str], attribute: str
) -> tuple[ProbeFailure | None, int | None]:
    try:
        response = await client.send("GET", f"/{resource}", params=params)
    except (TargetUnreachableError, TargetTLSError) as exc:
        return _network_failure(exc), None
    except OAuth2TokenError as exc:
        hint = "Fix the OAuth2 client credentials, then Test Connection again."
        return ProbeFailure(ProbeFailureKind.CREDENTIALS, str(exc), hint), None
    path = urlsplit(client.url_for(f"/{resource}")).path
    return _judge(response, path, attribute), response.status


def _network_failure(exc: TargetUnreachableError | TargetTLSError) -> ProbeFailure:
    where = urlsplit(exc.url)
    host = where.hostname or exc.url
    port = where.port or (443 if where.scheme == "https" else 80)
    kind = ProbeFailureKind(exc.kind.value)
    message, hint = _NETWORK_TEXT[exc.kind]
    return ProbeFailure(kind, message.format(host=host, port=port, reason=exc.reason), hint)


_NETWORK_TEXT: dict[NetworkFailure, tuple[str, str]] = {
    NetworkFailure.DNS: (
        "The host {host} of the Tenant URL could not be resolved ({reason}).",
        "Check the host name in the Tenant URL for typos, and that this machine's DNS can "
        "resolve it.",
    ),
    NetworkFailure.REFUSED: (
        "Nothing accepts connections at {host}:{port}: the connection was refused.",
        "Check the host and port of the Tenant URL, and that the app's SCIM service is running "
        "and reachable from this machine (firewall, proxy).",
    ),
    NetworkFailure.TLS: (
        "The secure (TLS) connection to {host}:{port} failed: {reason}.",
        "The server's certificate must be valid for the host name and signed by a trusted "
        "authority. If the server speaks plain HTTP, this is the wrong port or scheme.",
    ),
    NetworkFailure.TIMEOUT: (
        "{host}:{port} did not answer in time ({reason}).",
        "The app or a firewall in between is not responding; check that the Tenant URL's host "
        "is reachable from this machine, then try again.",
    ),
    NetworkFailure.RESET: (
        "The connection to {host}:{port} closed before an answer arrived ({reason}).",
        "A proxy or the app dropped the request; try again, and check for a proxy or load "
        "balancer between this machine and the app.",
    ),
}


def _judge(response: TransportResponse, path: str, attribute: str) -> ProbeFailure | None:
    status = response.status
    if status in (401, 403):
        return _credentials(response)
    if status == 404:
        return ProbeFailure(
            ProbeFailureKind.NOT_FOUND,
            f"The app has no SCIM endpoint at {path} (HTTP 404).",
            "Check the path of the Tenant URL against the app's documented form (the tenant "
            "id and version segments); Scimitar appends /Users and /Groups to it.",
            status,
        )
    document = _list_response(response.body)
    if document is None:
        return _not_scim(response, path)
    if status != 200:
        return _http_error(response, path)
    if document.get("totalResults", 0) or document.get("Resources"):
        return _filter_ignored(document, path, attribute)
    return None


def _credentials(response: TransportResponse) -> ProbeFailure:
    detail, _ = scim_error_detail(response.body)
    said = f": {detail}" if detail else ""
    return ProbeFailure(
        ProbeFailureKind.CREDENTIALS,
        f"The app refused the Secret Token (HTTP {response.status}{said}).",
        "Enter the Secret Token again (tokens expire; Webex's after 365 days), check that the "
        "tenant id in the Tenant URL is the one the token was issued for, and that the "
        "token's account has admin rights.",
        response.status,
    )


def _not_scim(response: TransportResponse, path: str) -> ProbeFailure:
    # The body is described, never quoted: an echoing server would put our headers in it.
    return ProbeFailure(
        ProbeFailureKind.NOT_SCIM,
        f"The answer to GET {path} is not a SCIM ListResponse (HTTP {response.status}, "
        f"{describe_body(response)}).",
        "The Tenant URL likely points at a web page, a login page or a proxy rather than the "
        "app's SCIM API; use the SCIM base URL the app documents.",
        response.status,
    )


def _http_error(response: TransportResponse, path: str) -> ProbeFailure:
    detail, _ = scim_error_detail(response.body)
    return ProbeFailure(
        ProbeFailureKind.HTTP_ERROR,
        f"The app answered HTTP {response.status} to GET {path}"
        + (f": {detail}" if detail else "."),
        "Try again later; if it persists, send the app's support the status and message.",
        response.status,
    )


def _filter_ignored(document: dict[str, Any], path: str, attribute: str) -> ProbeFailure:
    found = document.get("totalResults") or len(document.get("Resources") or [])
    return ProbeFailure(
        ProbeFailureKind.FILTER_IGNORED,
        f"GET {path} returned {found} object(s) for a filter that matches none "
        f'({attribute} eq "<random GUID>").',
        f"The app must support filtering on the matching attribute {attribute}; without it "
        "existing accounts cannot be matched. Choose a filterable matching attribute.",
        200,
    )


def _list_response(body: bytes) -> dict[str, Any] | None:
    """The body as a ListResponse (or a SCIM error body), else ``None``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    schemas = data.get("schemas")
    is_scim = isinstance(schemas, list) or "Resources" in data or "totalResults" in data
    return data if is_scim else None
