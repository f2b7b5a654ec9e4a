"""Import through the store: upsert by objectId or UPN, all-or-nothing unless --partial."""

from __future__ import annotations

import json

import pytest

from scimitar.directory.errors import ImportProblem, ImportRejectedError
from scimitar.directory.export import export_directory
from scimitar.directory.service import DirectoryService
from scimitar.store import Database

USERS = """{"users": [
  {"userPrincipalName": "boss@contoso.com", "displayName": "Boss"},
  {"userPrincipalName": "ada@contoso.com", "manager": "boss@contoso.com", "jobTitle": "Engineer"}
],
"groups": [{"displayName": "Sales", "members": ["ada@contoso.com", "boss@contoso.com"]}],
"memberships": [{"group": "Sales", "member": "ada@contoso.com"}]}
"""


@pytest.fixture
def directory(database: Database) -> DirectoryService:
    return DirectoryService(database)


async def test_import_creates_then_upserts(directory: DirectoryService) -> None:
    report = await directory.import_text(USERS, "json")
    assert (report.users_created, report.groups_created, report.members_added) == (2, 1, 2)
    boss = await directory.users.get("boss@contoso.com")
    assert (await directory.users.get("ada@contoso.com")).attributes["manager"] == boss.object_id
    again = await directory.import_text(USERS, "json")
    assert (again.users_unchanged, again.groups_unchanged, again.members_added) == (2, 1, 0)
    csv = f"objectId,jobTitle\n{boss.object_id},CEO\n"
    updated = await directory.import_text(
        "userPrincipalName,jobTitle\nBOSS@contoso.com,CEO\n", "csv"
    )
    assert updated.users_updated == 1
    assert (await directory.import_text(csv, "csv")).users_unchanged == 1


async def test_invalid_rows_write_nothing(directory: DirectoryService) -> None:
    await directory.users.create({"userPrincipalName": "taken@contoso.com"})
    text = (
        "userPrincipalName,manager,accountEnabled\n"
        "new@contoso.com,,true\n"
        "other@contoso.com,ghost@contoso.com,true\n"
        "bad,,perhaps\n"
    )
    with pytest.raises(ImportRejectedError) as caught:
        await directory.import_text(text, "csv")
    assert caught.value.problems == (
        ImportProblem(3, "manager", "no other user 'ghost@contoso.com' in the file or directory"),
        ImportProblem(4, "userPrincipalName", "'bad' is not of the form alias@domain"),
        ImportProblem(4, "accountEnabled", "expected true or false, got 'perhaps'"),
    )
    assert (await directory.source.count())["users"] == 1
    assert await directory.source.current_watermark() == "1"


async def test_partial_writes_the_valid_rows(directory: DirectoryService) -> None:
    text = "userPrincipalName,department\nok@contoso.com,Sales\nbad,Sales\n"
    report = await directory.import_text(text, "csv", partial=True)
    assert report.users_created == 1
    assert [problem.line for problem in report.problems] == [3]


async def test_a_taken_upn_is_a_problem_of_its_line(directory: DirectoryService) -> None:
    await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    object_id = "0b7e4a4c-1111-4222-8333-944455556666"
    text = f'[{{"objectId": "{object_id}", "userPrincipalName": "ADA@contoso.com"}}]'
    with pytest.raises(ImportRejectedError) as caught:
        await directory.import_text(text, "json")
    assert caught.value.problems[0].field == "userPrincipalName"


async def test_export_imports_back_into_an_empty_directory(
    directory: DirectoryService, database: Database
) -> None:
    await directory.generate(60, 6, seed=4)
    document = await export_directory(directory.source)
    for user in document["users"][:5]:
        await directory.users.delete(user["objectId"], hard=True)
    report = await directory.import_text(json.dumps(document), "json")
    assert report.users_created == 5
    again = await export_directory(directory.source)
    assert _by_id(again["users"]) == _by_id(document["users"])
    assert _by_id(again["groups"]) == _by_id(document["groups"])


def _by_id(documents: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {document["objectId"]: document for document in documents}
