"""The target's HTTP surface: URL forms, authentication, faults, errors and the SCIM routes."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from scimitar import jsonlimits
from scimitar.accesslog import current_request_id
from scimitar.clock import utcnow
from scimitar.scim.errors import InvalidSyntaxError, InvalidValueError, SCIMError
from scimitar.security.throttle import AuthThrottle, ThrottledError, ThrottlePolicy, client_address
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.fastsql import is_locked
from scimitar.target import routes as r
from scimitar.target.documents import RequestContext
from scimitar.target.faults import ConnectionDropError, FaultInjector, RateLimitedError
from scimitar.target.imperfections import Imperfections
from scimitar.target.profiles import PROFILES, TargetProfile
from scimitar.target.responses import DroppedResponse, scim_response
from scimitar.target.service import TargetService
from scimitar.target.tenants import Tenant, TenantService

__all__ = ["TargetApp", "across_lines", "create_target_app", "parse_tenant_id", "read_body"]

log = structlog.get_logger("scimitar.target")
Handler = r.Handler


def _origin(request: Request) -> str:
    """``scheme://host[:port]`` as the client addressed this server (no URL parsing)."""
    scope = request.scope
    host = request.headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def parse_tenant_id(raw: str) -> str:
    """A tenant id from the URL: a UUID, or Webex's base64 ``ciscospark://.../ORGANIZATION/<uuid>``."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        pass
    try:
        padded = raw + "=" * (-len(raw) % 4)
        decoded = base64.b64decode(padded, altchars=b"-_", validate=False).decode("ascii")
        return str(uuid.UUID(decoded.rsplit("/", 1)[-1]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return raw


ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class MethodNotAllowedError(SCIMError):
    """405: the endpoint exists but does not take this method."""

    def __init__(self, method: str, path: str, allowed: str) -> None:
        super().__init__(405, None, f"{method} is not allowed on {path}; use {allowed}")


class TargetApp:
    """The target's request pipeline: authenticate, inject faults, run, render errors."""

    def __init__(
        self, database: Database, settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.database = database
        self.settings = settings
        self.tenants = TenantService(database)
        self.service = TargetService(database)
        self.faults = FaultInjector()
        self.throttle = AuthThrottle(database, ThrottlePolicy.from_settings(settings), clock)

    def error_response(
        self,
        error: SCIMError,
        profile: TargetProfile | None,
        tracking_id: str,
        switches: Imperfections | None = None,
    ) -> Response:
        """An error in SCIM's shape, with the vendor block where the profile has one.

        A tenant's quirk switches may give ``status`` as a number (docs/target.md).
        """
        body = self.error_body(error, profile, tracking_id)
        if switches is not None:
            body = switches.error_body(body)
        headers = {"X-Request-Id": tracking_id}
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="scimitar-target"'
        if isinstance(error, RateLimitedError):
            headers["Retry-After"] = str(error.retry_after)
        return scim_response(body, error.status, headers)

    def error_body(
        self, error: SCIMError, profile: TargetProfile | None, tracking_id: str
    ) -> dict[str, Any]:
        body = error.to_body()
        return profile.error_extension(body, error, tracking_id) if profile else body

    async def authenticate(self, request: Request, profile: TargetProfile) -> Tenant:
        """The tenant named in the URL, if the bearer token is its token; else 401.

        Wrong tokens count against the client's address and the tenant; past the allowance,
        both get 429 with ``Retry-After`` before any token is checked (docs/security.md).
        """
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _denied()
        tenant_id = parse_tenant_id(request.path_params["tenant"])
        address = client_address(request.scope)
        keys = [f"target:addr:{address}", f"target:tenant:{tenant_id[:200]}"]
        try:
            await self.throttle.check(keys)
        except ThrottledError as exc:
            log.warning("target_auth_throttled", client=address, tenant=tenant_id[:200])
            raise RateLimitedError(
                exc.retry_after,
                detail="too many requests with a wrong token from this address or for this "
                f"tenant; retry after {exc.retry_after} s with the tenant's token",
            ) from exc
        tenant = await self.tenants.find(tenant_id)
        # Compare even when the tenant is unknown, so timing does not reveal which tenants exist.
        accepted = tenant.accepts(token.strip()) if tenant else secrets.compare_digest("a", "b")
        if tenant is None or not accepted or tenant.profile != profile.name:
            await self.throttle.failed(keys)
            log.warning("target_auth_failed", client=address, tenant=tenant_id[:200])
            raise _denied()
        return tenant

    def context(self, request: Request, tenant: Tenant, form: str) -> RequestContext:
        base = self.settings.public_url or _origin(request)
        prefix = form.replace("{tenant}", request.path_params["tenant"])
        return RequestContext(
            tenant.id,
            tenant.profile,
            base.rstrip("/") + prefix,
            tenant.quirks,
            tenant.imperfections,
        )

    def endpoint(
        self, handler: Handler, profile: TargetProfile, form: str, methods: Sequence[str]
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a SCIM handler with authentication, faults and error rendering."""
        allowed = ", ".join(methods)

        async def run(request: Request) -> Response:
            tracking_id = current_request_id() or uuid.uuid4().hex
            errors_as: TargetProfile | None = profile
            switches: Imperfections | None = None
            try:
                tenant = await self.authenticate(request, profile)
                errors_as = profile if tenant.quirks == "vendor" else None
                switches = tenant.imperfections
                if request.method not in methods:
                    raise MethodNotAllowedError(request.method, request.url.path, allowed)
                await self.faults.apply(tenant.id, tenant.faults)
                return await handler(request, self.context(request, tenant, form), profile)
            except ConnectionDropError:
                return DroppedResponse()
            except ClientDisconnect:
                # The client left mid-body, or the body limit answered 413 for us: no one reads
                # this answer, and it is no internal error.
                return Response(status_code=400)
            except SCIMError as error:
                response = self.error_response(error, errors_as, tracking_id, switches)
                if isinstance(error, MethodNotAllowedError):
                    response.headers["Allow"] = allowed
                return response
            except Exception as exc:  # noqa: BLE001 - the one place every unexpected error ends
                return self.unexpected(exc, request, errors_as, tracking_id, switches)

        return run

    def unexpected(
        self,
        exc: Exception,
        request: Request,
        errors_as: TargetProfile | None,
        tracking_id: str,
        switches: Imperfections | None = None,
    ) -> Response:
        """503 when SQLite is locked by another process; otherwise a logged 500 with its id."""
        if is_locked(exc):
            busy = RateLimitedError(
                1, status=503, detail="the store is busy with another process's write; retry"
            )
            return self.error_response(busy, errors_as, tracking_id, switches)
        log.error(
            "target_request_failed",
            request_id=tracking_id,
            method=request.method,
            path=request.url.path,
            exc_info=exc,
        )
        failure = SCIMError(500, None, f"internal error; quote request id {tracking_id}")
        return self.error_response(failure, errors_as, tracking_id, switches)

    async def read_json(self, request: Request) -> Any:
        """The request body as JSON, refusing bodies over the size limit with 413.

        The JSON limits (docs/target.md, "Limits") are :func:`read_body`'s.
        """
        limit = self.settings.max_request_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_big(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_big(limit)
            chunks.append(chunk)
        return read_body(b"".join(chunks) or b"null")


def read_body(raw: bytes) -> Any:
    """A request body's JSON within the limits of :mod:`scimitar.jsonlimits` (RFC 7644 §3.12).

    Raises:
        InvalidSyntaxError: Not JSON, or nested deeper than ``jsonlimits.MAX_DEPTH``.
        InvalidValueError: A string holds a lone surrogate or a control character other than
            TAB, LF and CR (nothing can store or compare it).
    """
    try:
        return jsonlimits.loads(raw)
    except jsonlimits.JSONLimitError as exc:
        if exc.problem == "text":
            raise InvalidValueError(f"the request body: {exc.message}") from exc
        raise InvalidSyntaxError(f"the request body is {exc.message}") from exc


def _denied() -> SCIMError:
    return SCIMError(
        401,
        None,
        "missing or invalid bearer token for this tenant; send "
        "'Authorization: Bearer <token>' with the token the tenant was given",
    )


def _too_big(limit: int) -> SCIMError:
    return SCIMError(
        413,
        None,
        f"request body over {limit} bytes; send smaller requests "
        "(Bulk: fewer operations per request)",
    )


def create_target_app(
    database: Database, settings: Settings, clock: Callable[[], datetime] = utcnow
) -> Starlette:
    """The target as an ASGI app, serving every profile at its URL forms.

    ``clock`` times the backoff of wrong tokens; tests that move time pass their own.
    """
    target = TargetApp(database, settings, clock)
    routes: list[BaseRoute] = []
    for profile in PROFILES.values():
        for form in profile.url_forms:
            routes.append(across_lines(Mount(form, routes=_routes(target, profile, form))))
    app = Starlette(routes=routes)
    app.state.target = target
    return app


def _routes(target: TargetApp, profile: TargetProfile, form: str) -> list[BaseRoute]:
    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, target.endpoint(handler, profile, form, methods), methods=ALL_METHODS)

    table: list[tuple[str, Handler, list[str]]] = [
        ("/Users/.search", r.search("User", target), ["POST"]),
        ("/Groups/.search", r.search("Group", target), ["POST"]),
        ("/.search", r.search(None, target), ["POST"]),
        ("/Users", r.collection("User", target), ["GET", "POST"]),
        ("/Groups", r.collection("Group", target), ["GET", "POST"]),
        ("/Users/{id}", r.resource("User", target), ["GET", "PUT", "PATCH", "DELETE"]),
        ("/Groups/{id}/Members", r.group_members(target), ["GET"]),
        ("/Groups/{id}", r.resource("Group", target), ["GET", "PUT", "PATCH", "DELETE"]),
        ("/Bulk", r.bulk(target), ["POST"]),
        ("/ServiceProviderConfig", r.discovery_spc(target), ["GET"]),
        ("/ResourceTypes", r.discovery_types(), ["GET"]),
        ("/ResourceTypes/{name}", r.discovery_type(), ["GET"]),
        ("/Schemas", r.discovery_schemas(), ["GET"]),
        ("/openapi.json", r.discovery_openapi(), ["GET"]),
        ("/Schemas/SCIM2/{name:path}", r.discovery_webex(), ["GET"]),
        ("/Schemas/{name:path}", r.discovery_schema(), ["GET"]),
        ("/{rest:path}", r.unknown_endpoint(), ALL_METHODS),
    ]
    return [across_lines(route(path, handler, methods)) for path, handler, methods in table]


def across_lines(route: Route | Mount) -> Route | Mount:
    """Match paths holding a newline (``/Users/a%0Ab``) too.

    Starlette's patterns end in ``.*``, which stops at a newline, so such a path would miss
    every tenant route and get Starlette's plain 404 instead of a SCIM error.
    """
    route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)
    return route
