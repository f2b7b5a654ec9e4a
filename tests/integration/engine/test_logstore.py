"""The provisioning log store on SQLite and PostgreSQL: append, filters, paging, retention."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.engine.core.records import (
    ErrorCode,
    ProvisioningAction,
    ProvisioningRecord,
    RecordStatus,
)
from scimitar.engine.state.logexport import CSV_COLUMNS, json_document, write_csv
from scimitar.engine.state.logstore import ProvisioningLogStore, retention_cutoff
from scimitar.errors import ConfigError
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.engine import LOG
from tests.integration.engine.logrecords import NOW, make_record

RecordSpec = dict[str, object]


@pytest.fixture
async def app_ids(database: Database, settings: Settings) -> tuple[str, str]:
    apps = Apps.create(database, settings).apps
    return (await apps.add("scim", "Lab", actor=Actor.cli("tests"))).id, (
        await apps.add("scim", "Other", actor=Actor.cli("tests"))
    ).id


@pytest.fixture
async def store(database: Database, app_ids: tuple[str, str]) -> ProvisioningLogStore:
    logs = ProvisioningLogStore(database)
    records = [
        make_record(1, upn="ada@contoso.com", display_name="Ada Lovelace", target_id="T-1"),
        make_record(2, action=ProvisioningAction.UPDATE, upn="bob@contoso.com", target_id="t-2"),
        make_record(
            3,
            status=RecordStatus.FAILURE,
            upn="cy@contoso.com",
            error=ErrorCode.ENTRY_CONFLICT,
        ),
        make_record(4, action=ProvisioningAction.SKIP, status=RecordStatus.SKIPPED, cycle="c-2"),
        make_record(
            5, action=ProvisioningAction.CREATE, object_type="Group", display_name="Sales_100%"
        ),
    ]
    await logs.append(app_ids[0], [(r.source_identity.identity_type, r) for r in records])
    await logs.append(app_ids[1], [("User", make_record(9, upn="ada@contoso.com"))])
    return logs


async def _ids(store: ProvisioningLogStore, app_id: str, **options: object) -> list[str]:
    page = await store.query(app_id, **options)  # type: ignore[arg-type]
    return [entry.record.id for entry in page.records]


async def test_records_round_trip_newest_first(
    store: ProvisioningLogStore, app_ids: tuple[str, str]
) -> None:
    page = await store.query(app_ids[0])
    assert [e.record.id for e in page.records] == [f"rec-{n:04d}" for n in (5, 4, 3, 2, 1)]
    assert page.next_cursor is None
    assert [e.object_type for e in page.records] == ["Group", "User", "User", "User", "User"]
    failed = page.records[2].record
    assert failed == make_record(
        3, status=RecordStatus.FAILURE, upn="cy@contoso.com", error=ErrorCode.ENTRY_CONFLICT
    )
    assert failed.modified_properties[1].new_value == "[Redact]"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({"status": RecordStatus.FAILURE}, [3], id="status"),
        pytest.param({"status": "Skipped"}, [4], id="status-text"),
        pytest.param({"action": ProvisioningAction.UPDATE}, [2], id="action"),
        pytest.param({"action": "create"}, [5, 3, 1], id="action-text"),
        pytest.param({"cycle": "c-2"}, [4], id="cycle"),
        pytest.param({"user": "ADA@contoso.com"}, [1], id="user-upn-any-case"),
        pytest.param({"user": "ada lovelace"}, [1], id="user-display-name"),
        pytest.param({"user": "src-2"}, [2], id="user-source-id"),
        pytest.param({"user": "t-1"}, [1], id="user-target-id"),
        pytest.param({"user": "Sales_100%"}, [5], id="user-like-characters-literal"),
        pytest.param({"user": "Sales"}, [], id="user-is-not-a-substring"),
        pytest.param({"since": NOW + timedelta(minutes=4)}, [5, 4], id="since"),
        pytest.param(
            {"status": RecordStatus.SUCCESS, "action": "create", "user": "Ada@Contoso.com"},
            [1],
            id="combined",
        ),
    ],
)
async def test_filters(
    store: ProvisioningLogStore, app_ids: tuple[str, str], options: RecordSpec, expected: list[int]
) -> None:
    assert await _ids(store, app_ids[0], **options) == [f"rec-{n:04d}" for n in expected]


async def test_another_apps_records_stay_apart(
    store: ProvisioningLogStore, app_ids: tuple[str, str]
) -> None:
    assert await _ids(store, app_ids[1]) == ["rec-0009"]
    assert await _ids(store, app_ids[1], user="cy@contoso.com") == []


async def test_paging_reads_every_record_once(
    store: ProvisioningLogStore, app_ids: tuple[str, str]
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await store.query(app_ids[0], limit=2, before=cursor)
        seen += [entry.record.id for entry in page.records]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"rec-{n:04d}" for n in (5, 4, 3, 2, 1)]


async def test_paging_breaks_ties_on_the_same_instant(
    database: Database, app_ids: tuple[str, str]
) -> None:
    logs = ProvisioningLogStore(database)
    same = [make_record(n, age=timedelta(minutes=n)) for n in range(1, 5)]
    await logs.append(app_ids[0], [("User", r) for r in same])
    first = await logs.query(app_ids[0], limit=3)
    second = await logs.query(app_ids[0], limit=3, before=first.next_cursor)
    assert [e.record.id for e in first.records + second.records] == [
        "rec-0004",
        "rec-0003",
        "rec-0002",
        "rec-0001",
    ]


async def test_append_joins_the_callers_transaction(
    database: Database, app_ids: tuple[str, str]
) -> None:
    logs = ProvisioningLogStore(database)

    async def failing_page() -> None:
        async with database.write() as conn:
            await logs.append(app_ids[0], [("User", make_record(1))], conn=conn)
            raise RuntimeError("page failed")

    with pytest.raises(RuntimeError, match="page failed"):
        await failing_page()
    assert await _ids(logs, app_ids[0]) == []
    async with database.write() as conn:
        await logs.append(app_ids[0], [("User", make_record(2))], conn=conn)
        await logs.append(app_ids[0], [], conn=conn)
    assert await _ids(logs, app_ids[0]) == ["rec-0002"]


async def test_what_a_cycle_changed_is_read_back_from_its_records(
    store: ProvisioningLogStore, app_ids: tuple[str, str]
) -> None:
    lab, other = app_ids
    await store.append(
        lab,
        [
            ("User", make_record(6, action=ProvisioningAction.DISABLE)),
            ("User", make_record(7, action=ProvisioningAction.ENABLE, cycle="c-2")),
            ("User", make_record(8, action=ProvisioningAction.DELETE)),
        ],
    )
    # Failures, skips and deletes leave no link to follow; other cycles and apps do not count.
    assert await store.changed_in_cycle(lab, "cycle-1", "User") == {"src-1", "src-2", "src-6"}
    assert await store.changed_in_cycle(lab, "cycle-1", "Group") == {"src-5"}
    assert await store.changed_in_cycle(lab, "c-2", "User") == {"src-7"}
    assert await store.changed_in_cycle(other, "cycle-1", "User") == {"src-9"}
    assert await store.changed_in_cycle(lab, "no-such-cycle", "User") == set()


async def test_purge_deletes_only_records_older_than_the_cutoff(
    database: Database, app_ids: tuple[str, str], settings: Settings
) -> None:
    logs = ProvisioningLogStore(database)
    ages = {1: timedelta(days=40), 2: timedelta(days=31), 3: timedelta(days=2)}
    await logs.append(app_ids[0], [("User", make_record(n, age=a)) for n, a in ages.items()])
    await logs.append(app_ids[1], [("User", make_record(4, age=timedelta(days=35)))])
    cutoff = retention_cutoff(settings.log_retention_days, now=NOW)
    assert cutoff == NOW - timedelta(days=30)
    assert await logs.purge(cutoff) == 3
    assert await _ids(logs, app_ids[0]) == ["rec-0003"]
    assert await _ids(logs, app_ids[1]) == []
    assert await logs.purge(cutoff) == 0


async def test_purge_for_one_app_leaves_the_other_apps_records(
    database: Database, app_ids: tuple[str, str], settings: Settings
) -> None:
    logs = ProvisioningLogStore(database)
    await logs.append(app_ids[0], [("User", make_record(1, age=timedelta(days=40)))])
    await logs.append(app_ids[1], [("User", make_record(2, age=timedelta(days=40)))])
    cutoff = retention_cutoff(settings.log_retention_days, now=NOW)
    assert await logs.purge(cutoff, app_id=app_ids[0]) == 1
    assert await _ids(logs, app_ids[0]) == []
    assert await _ids(logs, app_ids[1]) == ["rec-0002"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"status": "ok"}, "status 'ok': use one of success", id="status"),
        pytest.param({"action": "failure"}, "filter by status failure", id="action-failure"),
        pytest.param({"before": "not-a-cursor"}, "is not one this log gave", id="cursor"),
        pytest.param({"limit": 0}, "give at least 1", id="limit"),
        pytest.param({"since": NOW.replace(tzinfo=None)}, "has no time zone", id="naive"),
    ],
)
async def test_bad_queries_say_what_to_fix(
    store: ProvisioningLogStore, app_ids: tuple[str, str], options: RecordSpec, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        await store.query(app_ids[0], **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "spelling", ["stageddelete", "staged delete", "staged-delete", "Staged_Delete"]
)
async def test_staged_delete_action_spellings(
    database: Database, app_ids: tuple[str, str], spelling: str
) -> None:
    logs = ProvisioningLogStore(database)
    staged = make_record(1, action=ProvisioningAction.STAGED_DELETE, status=RecordStatus.SKIPPED)
    await logs.append(app_ids[0], [("User", staged), ("User", make_record(2))])
    assert await _ids(logs, app_ids[0], action=spelling) == ["rec-0001"]


async def test_json_export_reads_back_as_the_same_records(
    store: ProvisioningLogStore, app_ids: tuple[str, str]
) -> None:
    page = await store.query(app_ids[0])
    document = json.loads(json.dumps(json_document(page.records)))
    assert [ProvisioningRecord.from_dict(item) for item in document] == [
        entry.record for entry in page.records
    ]
    assert document[2]["provisioningStatusInfo"]["errorInformation"]["errorCode"] == (
        "SystemForCrossDomainIdentityManagementEntryConflict"
    )


async def test_csv_export_has_one_flat_row_per_record(
    store: ProvisioningLogStore, app_ids: tuple[str, str]
) -> None:
    page = await store.query(app_ids[0], cycle="cycle-1")
    stream = io.StringIO()
    assert write_csv(page.records, stream) == 4
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["source_id"] for row in rows] == ["src-5", "src-3", "src-2", "src-1"]
    failed = rows[1]
    assert failed["at"] == (NOW + timedelta(minutes=3)).isoformat()
    assert (failed["cycle_id"], failed["change_id"]) == ("cycle-1", "change-3")
    assert (failed["action"], failed["status"], failed["object_type"]) == (
        "create",
        "failure",
        "User",
    )
    assert failed["source_name"] == "cy@contoso.com"
    assert failed["error_code"] == "SystemForCrossDomainIdentityManagementEntryConflict"
    assert failed["error_message"].endswith("the app said no")
    assert failed["modified_properties"] == "displayName: → User 3; password: → [Redact]"
    assert rows[0]["source_name"] == "Sales_100%"
    assert rows[3]["target_id"] == "T-1"


async def test_csv_cells_never_start_a_spreadsheet_formula(
    database: Database, app_ids: tuple[str, str]
) -> None:
    logs = ProvisioningLogStore(database)
    hostile = make_record(1, display_name='=HYPERLINK("http://evil.example")')
    await logs.append(app_ids[0], [("User", hostile)])
    stream = io.StringIO()
    write_csv((await logs.query(app_ids[0])).records, stream)
    row = next(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["source_name"] == '\'=HYPERLINK("http://evil.example")'


async def test_a_record_is_stored_without_what_its_row_already_holds(
    database: Database, app_ids: tuple[str, str]
) -> None:
    record = replace(make_record(1, upn="ada@contoso.com"), job_id=app_ids[0])
    await ProvisioningLogStore(database).append(app_ids[0], [("User", record)])
    async with database.read() as conn:
        text = (await conn.execute(select(LOG.c.record))).scalar_one()
    kept = json.loads(text)
    assert kept["v"] == 2
    for column_value in (record.id, record.cycle_id, record.change_id, app_ids[0]):
        assert column_value not in text
    assert len(text) < 0.7 * len(json.dumps(record.to_dict(), separators=(",", ":")))
    entry = await ProvisioningLogStore(database).get(app_ids[0], record.id)
    assert entry.record == record


async def test_records_stored_whole_by_earlier_versions_are_still_read(
    database: Database, app_ids: tuple[str, str]
) -> None:
    record = make_record(7, status=RecordStatus.FAILURE, error=ErrorCode.ENTRY_CONFLICT)
    row = {
        "id": record.id,
        "app_id": app_ids[0],
        "cycle_id": record.cycle_id,
        "change_id": record.change_id,
        "at": record.activity_date_time,
        "object_type": "User",
        "action": record.action.value,
        "status": record.status.value,
        "source_id": record.source_identity.id,
        "source_name": record.source_identity.display_name,
        "target_id": record.target_identity.id,
        "error_code": ErrorCode.ENTRY_CONFLICT.value,
        "duration_ms": record.duration_ms,
        "record": json.dumps(record.to_dict()),  # the whole Graph object, as before "v": 2
    }
    async with database.write() as conn:
        await conn.execute(insert(LOG), [row])
    logs = ProvisioningLogStore(database)
    assert (await logs.get(app_ids[0], record.id)).record == record
    assert [e.record for e in (await logs.query(app_ids[0])).records] == [record]
