"""Log settings, request ids and access lines: formats, levels, no query strings, no tokens."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import structlog
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scimitar.accesslog import RequestIdMiddleware, current_request_id
from scimitar.logs import configure_logging
from scimitar.settings import Settings, describe_invalid_settings


async def _echo(request: Request) -> JSONResponse:
    structlog.get_logger("scimitar.test").warning("inside_request", seen=current_request_id())
    return JSONResponse({"requestId": current_request_id()})


def _app(access_log: bool) -> RequestIdMiddleware:
    return RequestIdMiddleware(
        Starlette(routes=[Route("/{rest:path}", _echo)]), access_log=access_log
    )


async def _get(app: RequestIdMiddleware, url: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(url, headers=headers)


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


async def test_access_lines_carry_the_request_id_and_never_the_query(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level_name="info", log_format="json")
    response = await _get(
        _app(True),
        "/scim/v2/Users?filter=userName%20eq%20%22ann%40contoso.com%22&access_token=s3cret",
    )
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    assert response.json() == {"requestId": request_id}
    lines = _lines(capsys.readouterr().err)
    inside, access = lines
    assert inside["event"] == "inside_request"
    assert inside["request_id"] == request_id
    assert access["event"] == "http_request"
    assert access["request_id"] == request_id
    assert access["path"] == "/scim/v2/Users"
    assert access["method"] == "GET"
    assert access["status"] == 200
    assert "s3cret" not in json.dumps(lines)
    assert "contoso" not in json.dumps(lines)


async def test_a_path_holding_a_key_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level_name="info", log_format="json")
    await _get(_app(True), "/x/scimtgt_abcdefghijklmnop/Users")
    access = _lines(capsys.readouterr().err)[-1]
    assert "scimtgt_abcdefghijklmnop" not in str(access["path"])


async def test_a_safe_incoming_request_id_is_kept_an_unsafe_one_replaced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level_name="warning", log_format="json")
    kept = await _get(_app(False), "/a", **{"X-Request-Id": "trace-42.abc"})
    assert kept.headers["x-request-id"] == "trace-42.abc"
    replaced = await _get(_app(False), "/a", **{"X-Request-Id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
    assert len(replaced.headers["x-request-id"]) == 32
    lines = _lines(capsys.readouterr().err)
    # Access log off: only the warnings written inside the requests.
    assert [line["event"] for line in lines] == ["inside_request", "inside_request"]


def test_log_level_and_format_settings(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(logging.INFO, level_name="error", log_format="console")
    log = structlog.get_logger("scimitar.test")
    log.warning("hidden_warning")
    log.error("shown_error", app="Webex")
    err = capsys.readouterr().err
    assert "hidden_warning" not in err
    assert "shown_error" in err
    assert not err.lstrip().startswith("{")
    configure_logging(logging.WARNING, log_format="json")
    structlog.get_logger("scimitar.test").warning("as_json", cycle_id="c-1")
    line = json.loads(capsys.readouterr().err)
    assert line["event"] == "as_json"
    assert line["cycle_id"] == "c-1"
    assert line["level"] == "warning"


def test_stdlib_loggers_write_through_the_same_format(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    try:
        configure_logging(level_name="info", log_format="json", stdlib=True)
        # A logger of its own: an earlier test's logging config may have disabled uvicorn's.
        server_log = logging.getLogger("scimitar.test.stdlib_server")
        server_log.disabled, server_log.propagate = False, True
        server_log.setLevel(logging.NOTSET)
        with structlog.contextvars.bound_contextvars(request_id="r-9"):
            server_log.info("Started server process [%d]", 7)
        line = json.loads(capsys.readouterr().err)
        assert line["event"] == "Started server process [7]"
        assert line["logger"] == "scimitar.test.stdlib_server"
        assert line["request_id"] == "r-9"
    finally:
        root.handlers, level = before
        root.setLevel(level)


def test_invalid_settings_are_named_with_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIMITAR_LOG_FORMAT", "xml")
    monkeypatch.setenv("SCIMITAR_SMTP_PORT", "not-a-port")
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = describe_invalid_settings(caught.value)
    assert message is not None
    assert "SCIMITAR_LOG_FORMAT" in message
    assert "'xml'" in message
    assert "SCIMITAR_SMTP_PORT" in message
    assert describe_invalid_settings(ValueError("x")) is None
