"""``scimitar app credentials --oauth2-client-credentials`` against a real authorization server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.settings import Settings
from tests.oauth2server import Served, serve_oauth2_in_thread

SECRET = "cs_cli_7d41e0a6c35d8b9f2b"


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    return CliRunner()


@pytest.fixture
def auth() -> Iterator[Served]:
    with serve_oauth2_in_thread({"lab-client": (SECRET, ("scim2",))}) as served:
        yield served


def _credentials(auth: Served, *extra: str) -> list[str]:
    return [
        "app",
        "credentials",
        "Lab",
        "--tenant-url",
        auth.tenant_url,
        "--oauth2-client-credentials",
        "--token-url",
        auth.token_url,
        "--client-id",
        "lab-client",
        "--scope",
        "scim2",
        *extra,
    ]


def test_credentials_from_a_secret_file_then_test_connection(
    runner: CliRunner, auth: Served, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["app", "add", "scim", "--name", "Lab"]).exit_code == 0
    secret_file = tmp_path / "client-secret"
    secret_file.write_text(f"{SECRET}\n")

    saved = runner.invoke(app, _credentials(auth, "--client-secret-file", str(secret_file)))
    shown = runner.invoke(app, ["app", "show", "Lab", "--json"])
    tested = runner.invoke(app, ["app", "test-connection", "Lab"])

    assert saved.exit_code == 0, saved.output
    assert "OAuth2 client credentials: token URL" in saved.stdout
    assert json.loads(shown.stdout)["oauth2"]["clientId"] == "lab-client"
    assert tested.exit_code == 0, tested.output
    for result in (saved, shown, tested):
        assert SECRET not in result.output
    assert auth.state.token_requests[0]["scope"] == "scim2"


def test_credentials_from_stdin(runner: CliRunner, auth: Served) -> None:
    assert runner.invoke(app, ["app", "add", "scim", "--name", "Lab"]).exit_code == 0
    saved = runner.invoke(
        app, _credentials(auth, "--client-secret-file", "-", "--json"), input=f"{SECRET}\n"
    )
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["oauth2"]["tokenUrl"] == auth.token_url
    assert SECRET not in saved.output


def test_a_refused_secret_exits_non_zero_without_printing_it(
    runner: CliRunner, auth: Served
) -> None:
    assert runner.invoke(app, ["app", "add", "scim", "--name", "Lab"]).exit_code == 0
    refused = runner.invoke(
        app, _credentials(auth, "--client-secret-file", "-"), input="not-the-secret-1234\n"
    )
    assert refused.exit_code == 1
    assert "invalid_client" in refused.stderr
    assert "not-the-secret-1234" not in refused.output
