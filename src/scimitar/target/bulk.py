"""Bulk requests (RFC 7644 §3.7): operations in order, ``bulkId`` references, ``failOnErrors``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scimitar import jsontext
from scimitar.scim.errors import InvalidValueError, SCIMError
from scimitar.target.documents import RequestContext, etag
from scimitar.target.profiles import profile_named
from scimitar.target.service import TargetService

__all__ = ["BULK_REQUEST", "BULK_RESPONSE", "run_bulk"]

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
_PATH = re.compile(r"^/(Users|Groups)(?:/([^/]+))?$", re.IGNORECASE)
_REF = "bulkId:"
_QUOTED_REF = f'"{_REF}'.encode()

ErrorBody = Callable[[SCIMError], dict[str, Any]]


@dataclass
class _Operation:
    index: int
    method: str
    path: str
    bulk_id: str | None
    data: Any
    version: str | None
    may_reference: bool = False  # whether ``data`` may hold ``bulkId:`` references


class _UnresolvedError(Exception):
    """An operation names a ``bulkId`` whose operation has not run (yet)."""

    def __init__(self, bulk_id: str) -> None:
        super().__init__(bulk_id)
        self.bulk_id = bulk_id


def _mentions_reference(value: Any) -> bool:
    """Whether some string in ``value`` may start with ``bulkId:`` (no false negatives).

    Encoding the value costs a fraction of walking it in Python, and operations that
    reference nothing (most of them) skip the walk; a string starting with ``bulkId:`` is
    encoded as ``"bulkId:``, unescaped.
    """
    return _QUOTED_REF in jsontext.dumps_bytes(value)


def _substitute(value: Any, resolved: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith(_REF):
        key = value[len(_REF) :]
        if key not in resolved:
            raise _UnresolvedError(key)
        return resolved[key]
    if isinstance(value, list):
        return [_substitute(v, resolved) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, resolved) for k, v in value.items()}
    return value


def _parse(body: Any, max_operations: int) -> tuple[list[_Operation], int | None]:
    if not isinstance(body, dict):
        raise SCIMError(400, "invalidSyntax", "a BulkRequest body must be a JSON object")
    raw = body.get("Operations", body.get("operations"))
    if not isinstance(raw, list) or not raw:
        raise SCIMError(400, "invalidSyntax", "a BulkRequest needs a non-empty 'Operations' array")
    if len(raw) > max_operations:
        raise SCIMError(
            413,
            "tooMany",
            f"a Bulk request may hold at most {max_operations} "
            f"operations; this one has {len(raw)}: split it",
        )
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (not isinstance(fail_on_errors, int) or fail_on_errors < 1):
        raise SCIMError(400, "invalidValue", "failOnErrors must be a positive integer")
    operations = [_operation(i, op) for i, op in enumerate(raw)]
    _check_unique_bulk_ids(operations)
    if _mentions_reference([op.data for op in operations]):  # one look for the whole request
        for op in operations:
            op.may_reference = _mentions_reference(op.data)
    return operations, fail_on_errors


def _check_unique_bulk_ids(operations: list[_Operation]) -> None:
    """RFC 7644 §3.7: a bulkId names one operation, so a reference to it is unambiguous."""
    seen: dict[str, int] = {}
    for op in operations:
        if op.bulk_id is None:
            continue
        first = seen.setdefault(op.bulk_id, op.index)
        if first != op.index:
            raise InvalidValueError(
                f"Operations[{op.index}] repeats bulkId {op.bulk_id!r} of Operations[{first}]; "
                "give every operation its own bulkId"
            )


def _operation(index: int, raw: Any) -> _Operation:
    if not isinstance(raw, dict):
        raise SCIMError(400, "invalidSyntax", f"Operations[{index}] must be a JSON object")
    method = str(raw.get("method", "")).upper()
    if method not in ("POST", "PUT", "PATCH", "DELETE"):
        raise SCIMError(
            400, "invalidValue", f"Operations[{index}].method must be POST, PUT, PATCH or DELETE"
        )
    bulk_id = raw.get("bulkId")
    if bulk_id is not None and not isinstance(bulk_id, str):
        raise SCIMError(400, "invalidValue", f"Operations[{index}].bulkId must be a string")
    if method == "POST" and not isinstance(bulk_id, str):
        raise SCIMError(400, "invalidValue", f"Operations[{index}] (POST) needs a bulkId")
    return _Operation(
        index, method, str(raw.get("path", "")), bulk_id, raw.get("data"), raw.get("version")
    )


async def _execute(
    service: TargetService, ctx: RequestContext, op: _Operation, resolved: dict[str, str]
) -> dict[str, Any]:
    path = _substitute(op.path, resolved)
    match = _PATH.match(path)
    if match is None:
        raise SCIMError(
            400,
            "invalidPath",
            f"bulk path {op.path!r} must be /Users, /Groups, /Users/{{id}} or /Groups/{{id}}",
        )
    resource_type = "User" if match.group(1).lower() == "users" else "Group"
    resource_id = match.group(2)
    if (op.method == "POST") == (resource_id is not None):
        raise SCIMError(
            400,
            "invalidPath",
            f"{op.method} {path}: POST takes a collection path, the other methods a resource path",
        )
    data = _substitute(op.data, resolved) if op.may_reference else op.data
    return await _dispatch(service, ctx, op, resource_type, resource_id, data)


async def _dispatch(
    service: TargetService,
    ctx: RequestContext,
    op: _Operation,
    resource_type: str,
    resource_id: str | None,
    data: Any,
) -> dict[str, Any]:
    result: tuple[dict[str, Any], int] | None
    if op.method == "POST":
        result = await service.create(ctx, resource_type, data, render=False)
    elif op.method == "PUT":
        result = await service.replace(ctx, resource_type, resource_id or "", data, op.version)
    elif op.method == "PATCH":
        result = await service.patch(
            ctx, resource_type, resource_id or "", data, op.version, render=False
        )
    else:
        await service.delete(ctx, resource_type, resource_id or "", op.version)
        result = None
    out: dict[str, Any] = {"method": op.method}
    if op.bulk_id is not None:
        out["bulkId"] = op.bulk_id
    if result is None:
        out["location"] = ctx.location(resource_type, resource_id or "")
        out["status"] = "204"
        return out
    doc, version = result
    out["location"] = ctx.location(resource_type, doc["id"])
    out["version"] = etag(version)
    out["status"] = "201" if op.method == "POST" else "200"
    return out


async def run_bulk(
    service: TargetService, ctx: RequestContext, body: Any, error_body: ErrorBody
) -> dict[str, Any]:
    """Run a BulkRequest and build the BulkResponse."""
    profile = profile_named(ctx.profile_name)
    operations, fail_on_errors = _parse(body, profile.bulk_max_operations)
    async with service.batch():
        results = await _run(service, ctx, operations, fail_on_errors, error_body)
    return {"schemas": [BULK_RESPONSE], "Operations": [results[i] for i in sorted(results)]}


async def _run(
    service: TargetService,
    ctx: RequestContext,
    operations: list[_Operation],
    fail_on_errors: int | None,
    error_body: ErrorBody,
) -> dict[int, dict[str, Any]]:
    resolved: dict[str, str] = {}
    results: dict[int, dict[str, Any]] = {}
    errors = 0
    pending = operations
    for _attempt in range(2):
        deferred: list[_Operation] = []
        for op in pending:
            if fail_on_errors is not None and errors >= fail_on_errors:
                break
            try:
                results[op.index] = await _execute(service, ctx, op, resolved)
            except _UnresolvedError as exc:
                deferred.append(op)
                results[op.index] = _failure(
                    op,
                    error_body,
                    SCIMError(
                        409,
                        "invalidValue",
                        f"bulkId {exc.bulk_id!r} does not name an operation "
                        "that succeeded in this request",
                    ),
                )
                continue
            except SCIMError as exc:
                errors += 1
                results[op.index] = _failure(op, error_body, exc)
                continue
            if op.bulk_id is not None and "location" in results[op.index]:
                resolved[op.bulk_id] = results[op.index]["location"].rsplit("/", 1)[1]
        pending = deferred
    return results


def _failure(op: _Operation, error_body: ErrorBody, error: SCIMError) -> dict[str, Any]:
    out: dict[str, Any] = {
        "method": op.method,
        "status": str(error.status),
        "response": error_body(error),
    }
    if op.bulk_id is not None:
        out["bulkId"] = op.bulk_id
    if op.path:
        out["location"] = op.path
    return out
