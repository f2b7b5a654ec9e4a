"""The validator's guard: no write reaches an object the run did not create; options are checked."""

from __future__ import annotations

import asyncio

import pytest

from scimitar.connector.client import Credentials, SCIMClient
from scimitar.connector.transport import TransportRequest, TransportResponse
from scimitar.errors import ScimitarError
from scimitar.secrets import Secret
from scimitar.validate.context import DIALECTS, Context, Scene
from scimitar.validate.model import ScenarioResult
from scimitar.validate.recorder import RecordingTransport
from scimitar.validate.runner import ValidateOptions


class _Answers:
    """Answers 204 to everything and remembers what was sent."""

    def __init__(self) -> None:
        self.sent: list[TransportRequest] = []

    async def send(self, request: TransportRequest) -> TransportResponse:
        self.sent.append(request)
        return TransportResponse(204, {}, b"")

    async def close(self) -> None:
        return None


def _scene() -> tuple[Scene, _Answers]:
    inner = _Answers()
    recorder = RecordingTransport(inner)
    client = SCIMClient(Credentials("http://app.test/scim", Secret("secret-token")), recorder)
    context = Context(client, recorder, DIALECTS["entra-2020"], "scimitar-validate-x-")
    result = ScenarioResult("s", "s", "users")
    recorder.sink = result.exchanges
    return Scene(context, result), inner


def test_writes_reach_only_objects_the_run_created() -> None:
    scene, inner = _scene()
    scene.context.created.append(("Users", "mine"))
    for method in ("PATCH", "PUT", "DELETE"):
        with pytest.raises(PermissionError, match="not an object this run created"):
            asyncio.run(scene.call(method, "/Users/someone-else", body={}))
    with pytest.raises(PermissionError):
        asyncio.run(scene.call("DELETE", "/Users"))  # a collection is never a target
    assert inner.sent == []
    exchange = asyncio.run(scene.call("DELETE", "/Users/mine"))
    assert (exchange.method, exchange.status) == ("DELETE", 204)
    assert [r.url for r in inner.sent] == ["http://app.test/scim/Users/mine"]
    scene.context.deleted.add("mine")
    with pytest.raises(PermissionError):
        asyncio.run(scene.call("PATCH", "/Users/mine", body={}))


def test_the_token_is_not_recorded() -> None:
    scene, _ = _scene()
    asyncio.run(scene.call("GET", "/Users"))
    assert "secret-token" not in repr(scene.result.to_dict())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dialect": "entra-2019"}, "--dialect 'entra-2019' is not known"),
        ({"only": "roles"}, "--only 'roles' is not known"),
        ({"max_existing": -1}, "--max-existing must be 0 or more"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScimitarError, match=message):
        ValidateOptions("https://app.test/scim", "t", **kwargs)  # type: ignore[arg-type]


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ScimitarError, match="is not an http"):
        ValidateOptions("app.test/scim", "t")
    with pytest.raises(ScimitarError, match="--token is empty"):
        ValidateOptions("https://app.test/scim", " ")
