"""Inbound uploads: queued, applied together in arrival order, each with its own results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from scimitar.directory.service import DirectoryService
from scimitar.sources.config import SourceKind
from scimitar.sources.inbound import BULK_REQUEST, CORE_USER, check_bulk_request
from scimitar.sources.model import SOURCE_UPLOAD
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.sources.uploads import UploadService, UploadWorker
from scimitar.store import Database
from tests.integration.sources.conftest import ACTOR


def _upload(*users: tuple[str, str, str]) -> dict[str, Any]:
    operations = [
        {"method": "POST", "bulkId": bulk_id, "path": "/Users",
         "data": {"schemas": [CORE_USER], "externalId": anchor, "userName": f"{anchor}@contoso.com",
                  "title": title}}
        for bulk_id, anchor, title in users
    ]  # fmt: skip
    return {"schemas": [BULK_REQUEST], "Operations": operations}


async def test_queued_uploads_are_applied_in_order_each_with_its_results(
    database: Database, sources: SourceService, sync: SourceSync, directory: DirectoryService
) -> None:
    source, _key = await sources.add(SourceKind.API, "hr-api", {}, actor=ACTOR)
    uploads = UploadService(database, sources, sync)
    first = await uploads.accept(
        source, check_bulk_request(_upload(("a", "w1", "One"), ("b", "w2", "Two")))
    )
    second = await uploads.accept(source, check_bulk_request(_upload(("c", "w3", "Three"))))
    third = await uploads.accept(source, check_bulk_request(_upload(("d", "w1", "Later"))))
    assert (await uploads.status(source, first))["status"] == "queued"
    assert await UploadWorker(uploads).drain() == 3
    done = [await uploads.status(source, upload) for upload in (first, second, third)]
    assert [d["status"] for d in done] == ["completed"] * 3
    assert [d["counts"]["created"] for d in done] == [2, 1, 0]
    assert done[2]["counts"]["updated"] == 1
    assert sorted(r["bulkId"] for r in done[0]["results"]) == ["a", "b"]
    assert (await directory.users.get("w1@contoso.com")).attributes["jobTitle"] == "Later"


async def test_an_interrupted_upload_is_queued_again(
    database: Database, sources: SourceService, sync: SourceSync, directory: DirectoryService
) -> None:
    source, _key = await sources.add(SourceKind.API, "hr-api", {}, actor=ACTOR)
    uploads = UploadService(database, sources, sync)
    upload = await uploads.accept(source, check_bulk_request(_upload(("a", "w1", "One"))))
    async with database.write() as conn:
        await conn.execute(update(SOURCE_UPLOAD).values(status="processing"))
    assert await UploadWorker(uploads).drain() == 0
    assert await uploads.requeue_interrupted() == 1
    assert await UploadWorker(uploads).drain() == 1
    assert (await uploads.status(source, upload))["status"] == "completed"
    assert (await directory.users.get("w1@contoso.com")).attributes["jobTitle"] == "One"
