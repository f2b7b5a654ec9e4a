"""``scimitar logs`` and ``scimitar app status`` through the runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, update
from typer.testing import CliRunner

from scimitar.cli import output
from scimitar.cli.main import app
from scimitar.engine.core.records import ErrorCode, ProvisioningAction, RecordStatus
from scimitar.engine.state.logstore import ProvisioningLogStore, parse_since
from scimitar.errors import ConfigError
from scimitar.settings import Settings
from scimitar.store import open_database
from scimitar.store.tables.apps import JOB
from scimitar.store.tables.engine import CYCLE, JOB_STATE
from tests.integration.engine.logrecords import NOW, make_record

# Records one to four are recent (a day old); record five is from long before.
RECENT = NOW - (datetime.now(UTC) - timedelta(days=1))


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    return CliRunner()


def _invoke(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def _json(runner: CliRunner, *args: str) -> Any:
    return json.loads(_invoke(runner, *args).stdout)


async def _seed(settings: Settings, app_id: str) -> None:
    database = await open_database(settings)
    try:
        records = [
            make_record(1, upn="ada@contoso.com", target_id="t-1", age=RECENT),
            make_record(2, action=ProvisioningAction.UPDATE, upn="bob@contoso.com", age=RECENT),
            make_record(
                3,
                status=RecordStatus.FAILURE,
                upn="cy@contoso.com",
                error=ErrorCode.ENTRY_CONFLICT,
                age=RECENT,
            ),
            make_record(4, action=ProvisioningAction.SKIP, status=RecordStatus.SKIPPED, age=RECENT),
            make_record(5, cycle="cycle-0", object_type="Group", display_name="Sales"),
        ]
        await ProvisioningLogStore(database).append(app_id, [("User", r) for r in records[:4]])
        await ProvisioningLogStore(database).append(app_id, [("Group", records[4])])
    finally:
        await database.dispose()


@pytest.fixture
def app_id(runner: CliRunner, settings: Settings) -> str:
    added = _json(runner, "app", "add", "scim", "--name", "Lab", "--json")
    asyncio.run(_seed(settings, added["id"]))
    return str(added["id"])


def _ids(document: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in document]


@pytest.mark.usefixtures("app_id")
def test_table_shows_records_newest_first(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The console reads COLUMNS once, when it is made: a COLUMNS set before the import wins.
    monkeypatch.setattr(output.stdout, "_width", 200)
    shown = _invoke(runner, "logs", "Lab").stdout
    assert shown.index("skip") < shown.index("cy@contoso.com") < shown.index("ada@contoso.com")
    assert "SystemForCrossDomainIdentity" in shown
    assert "failure" in shown


@pytest.mark.usefixtures("app_id")
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param([], [4, 3, 2, 1, 5], id="all"),
        pytest.param(["--status", "failure"], [3], id="status"),
        pytest.param(["--action", "update"], [2], id="action"),
        pytest.param(["--user", "ADA@contoso.com"], [1], id="user"),
        pytest.param(["--user", "t-1"], [1], id="user-target-id"),
        pytest.param(["--cycle", "cycle-0"], [5], id="cycle"),
        pytest.param(["--since", "2d"], [4, 3, 2, 1], id="since-relative"),
        pytest.param(["--since", "2024-05-01T12:04:00Z"], [4, 3, 2, 1, 5], id="since-iso"),
        pytest.param(["--since", "2099-01-01"], [], id="since-future"),
    ],
)
def test_json_filters(runner: CliRunner, options: list[str], expected: list[int]) -> None:
    document = _json(runner, "logs", "Lab", *options, "--format", "json")
    assert _ids(document) == [f"rec-{n:04d}" for n in expected]


@pytest.mark.usefixtures("app_id")
def test_json_flag_is_the_json_format(runner: CliRunner) -> None:
    assert _json(runner, "logs", "Lab", "--json") == _json(
        runner, "logs", "Lab", "--format", "json"
    )


@pytest.mark.usefixtures("app_id")
def test_csv_on_stdout(runner: CliRunner) -> None:
    text = _invoke(runner, "logs", "Lab", "--format", "csv", "--status", "failure").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["source_name"] == "cy@contoso.com"
    assert rows[0]["error_code"] == "SystemForCrossDomainIdentityManagementEntryConflict"
    assert rows[0]["modified_properties"] == "displayName: → User 3; password: → [Redact]"


@pytest.mark.usefixtures("app_id")
def test_limit_pages_with_a_cursor(runner: CliRunner) -> None:
    first = _invoke(runner, "logs", "Lab", "--limit", "3", "--json")
    assert _ids(json.loads(first.stdout)) == ["rec-0004", "rec-0003", "rec-0002"]
    hint = first.stderr.strip()
    assert hint.startswith("More records: add --before ")
    cursor = hint.rsplit(" ", 1)[1]
    second = _invoke(runner, "logs", "Lab", "--limit", "3", "--before", cursor, "--json")
    assert _ids(json.loads(second.stdout)) == ["rec-0001", "rec-0005"]
    assert second.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["Nope"], "no app 'Nope'", id="unknown-app"),
        pytest.param(["Lab", "--since", "yesterday"], "--since 'yesterday'", id="since"),
        pytest.param(["Lab", "--status", "ok"], "--status 'ok': use one of", id="status"),
        pytest.param(["Lab", "--action", "failure"], "by status failure", id="action"),
    ],
)
@pytest.mark.usefixtures("app_id")
def test_errors_name_the_option_and_the_fix(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["logs", *args, "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("15m", NOW - timedelta(minutes=15), id="minutes"),
        pytest.param("2h", NOW - timedelta(hours=2), id="hours"),
        pytest.param("7d", NOW - timedelta(days=7), id="days"),
        pytest.param("1w", NOW - timedelta(weeks=1), id="weeks"),
        pytest.param("2024-04-01T10:00:00+02:00", datetime(2024, 4, 1, 8, tzinfo=UTC), id="iso"),
        pytest.param("2024-04-01", datetime(2024, 4, 1, tzinfo=UTC), id="date-is-utc"),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "15", "m15", "1y", "soon"])
def test_parse_since_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match="ISO 8601"):
        parse_since(text, now=NOW)


async def _cycles(settings: Settings, app_id: str) -> None:
    database = await open_database(settings)
    progress = {"phase": "users", "pages": 2, "objects": 40, "total": 80, "rate": 4.0}
    base = {"app_id": app_id, "kind": "incremental"}
    try:
        async with database.write() as conn:
            await conn.execute(
                insert(CYCLE),
                [
                    {
                        **base,
                        "id": "c-1",
                        "status": "succeeded",
                        "started_at": NOW,
                        "ended_at": NOW + timedelta(minutes=2),
                        "counts": json.dumps({"create": 3, "failure": 1}),
                        "progress": "{}",
                    },
                    {
                        **base,
                        "id": "c-2",
                        "status": "running",
                        "started_at": NOW + timedelta(hours=1),
                        "ended_at": None,
                        "counts": "{}",
                        "progress": json.dumps(progress),
                    },
                ],
            )
            await conn.execute(
                insert(JOB_STATE),
                {"app_id": app_id, "state": "active", "current_cycle_id": "c-2"},
            )
            # Provisioning on (set in the row: the test has no app to connect to).
            await conn.execute(update(JOB).where(JOB.c.app_id == app_id).values(is_on=True))
    finally:
        await database.dispose()


def test_app_status(runner: CliRunner, app_id: str, settings: Settings) -> None:
    never = _json(runner, "app", "status", "Lab", "--json")
    assert never["state"] == "off"
    assert never["nextRunAt"] is None
    assert never["app"]["id"] == app_id
    assert "Off (provisioning status off" in _invoke(runner, "app", "status", "Lab").stdout
    asyncio.run(_cycles(settings, app_id))
    document = _json(runner, "app", "status", "Lab", "--json")
    assert document["state"] == "active"
    assert document["lastCycle"]["counts"] == {"create": 3, "failure": 1}
    assert document["runningCycle"]["progress"]["percent"] == 50.0
    shown = _invoke(runner, "app", "status", "Lab").stdout
    assert "Active" in shown
    assert "40 of 80 objects (50%)" in shown
    assert "About 10s left" in shown
    missing = runner.invoke(app, ["app", "status", "Nope"])
    assert missing.exit_code == 1
    assert "no app 'Nope'" in missing.stderr
