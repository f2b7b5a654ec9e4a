"""Developer logs: on stderr (never mixed into a command's --json output), secrets redacted."""

from __future__ import annotations

import logging

import pytest
import structlog

from scimitar.logs import configure_logging


def test_developer_logs_go_to_stderr_with_secrets_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(logging.INFO)
    structlog.get_logger("scimitar.test").info(
        "scim_request_retry", error="GET /Users: Bearer abc.def failed", token="s3cret"
    )
    out, err = capsys.readouterr()
    assert out == ""
    assert "scim_request_retry" in err
    assert "abc.def" not in err
    assert "s3cret" not in err
