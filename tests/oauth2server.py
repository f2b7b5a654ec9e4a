"""A real OAuth2 authorization server (authlib's server side) and a SCIM app that trusts only it.

Served by uvicorn on a free port over a real socket. ``POST /token`` answers the client
credentials grant (RFC 6749 §4.4) with short-lived bearer tokens issued by authlib's
``AuthorizationServer``; ``/scim/v2/...`` answers a minimal SCIM surface (an empty
``ListResponse``, ``ServiceProviderConfig``, ``Schemas``) only to a live token it issued,
and 401 otherwise. Tests can revoke every token to make the app reject a token before it
expires, and read what the token endpoint and the SCIM app saw.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import free_port

SCIM_MEDIA = "application/scim+json"


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


@dataclass
class Issued:
    scope: str
    expires_at: float


@dataclass
class AuthState:
    """What the server issued and saw; tests read and change it."""

    clients: dict[str, Client]
    lifetime: int
    tokens: dict[str, Issued] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    scim_requests: list[tuple[str, str, int]] = field(default_factory=list)
    #: The SCIM app answers 401 to every token (a token the app itself does not accept).
    rejects_all: bool = False

    def revoke_all(self) -> None:
        self.tokens.clear()

    def is_live(self, token: str) -> bool:
        issued = self.tokens.get(token)
        if self.rejects_all:
            return False
        return issued is not None and issued.expires_at > time.time()


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, state: AuthState) -> None:
        super().__init__(scopes_supported=None)
        self.state = state

    def query_client(self, client_id: str) -> Client | None:
        return self.state.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        expires = time.time() + int(token["expires_in"])
        self.state.tokens[token["access_token"]] = Issued(token.get("scope", ""), expires)

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        return JSONResponse(body, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


def build_app(state: AuthState) -> Starlette:
    server = _Server(state)
    generator = BearerTokenGenerator(
        lambda **_: secrets.token_urlsafe(24), expires_generator=lambda *_: state.lifetime
    )
    server.register_token_generator("default", generator)
    server.register_grant(ClientCredentialsGrant)

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        state.token_requests.append(form)
        oauth_request = OAuth2Request("POST", str(request.url), headers=request.headers)
        oauth_request.payload = BasicOAuth2Payload(form)
        response: Response = server.create_token_response(oauth_request)
        return response

    async def scim(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        path = request.url.path.removeprefix("/scim/v2")
        status = 200 if state.is_live(bearer) else 401
        state.scim_requests.append((request.method, path, status))
        if status == 401:
            return JSONResponse(
                {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401"},
                status_code=401,
                media_type=SCIM_MEDIA,
            )
        return JSONResponse(_scim_body(path), media_type=SCIM_MEDIA)

    return Starlette(
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/scim/v2/{path:path}", scim, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
        ]
    )


def _scim_body(path: str) -> dict[str, Any]:
    if path == "/ServiceProviderConfig":
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": 100},
        }
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


@dataclass
class Served:
    base: str
    state: AuthState

    @property
    def token_url(self) -> str:
        return f"{self.base}/token"

    @property
    def tenant_url(self) -> str:
        return f"{self.base}/scim/v2"


@asynccontextmanager
async def serve_oauth2(
    clients: dict[str, tuple[str, tuple[str, ...]]], *, lifetime: int = 3600
) -> AsyncIterator[Served]:
    """The server with these clients (id → (secret, allowed scopes)) on a free port."""
    state = AuthState(
        {cid: Client(cid, secret, scopes) for cid, (secret, scopes) in clients.items()},
        lifetime,
    )
    port = free_port()
    config = uvicorn.Config(build_app(state), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", state)
    finally:
        server.should_exit = True
        await task


@contextmanager
def serve_oauth2_in_thread(
    clients: dict[str, tuple[str, tuple[str, ...]]], *, lifetime: int = 3600
) -> Iterator[Served]:
    """:func:`serve_oauth2` in a thread of its own, for commands that run their own loop."""
    state = AuthState(
        {cid: Client(cid, secret, scopes) for cid, (secret, scopes) in clients.items()},
        lifetime,
    )
    port = free_port()
    config = uvicorn.Config(build_app(state), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the OAuth2 server did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", state)
    finally:
        server.should_exit = True
        thread.join(10)
