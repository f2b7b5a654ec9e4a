"""Entra's user scenarios: Test Connection, create and match, updates, disable, manager, delete.

Each sends the requests Entra sends, built by Scimitar's own dialects
(:mod:`scimitar.scim.dialects`, :mod:`scimitar.scim.bodies`), and checks the answers against
what Entra needs (``ENTRA_DOC``) and RFC 7643/7644.
"""

from __future__ import annotations

import uuid
from typing import Any

from scimitar.connector.probe import probe_connection
from scimitar.mapping.flow import AttributeChange
from scimitar.scim.bodies import create_user_body
from scimitar.scim.dialects import disable_body, enable_body, manager_body, patch_body
from scimitar.scim.filter import render_value
from scimitar.validate.context import Scene, enterprise, said
from scimitar.validate.scenario import ENTRA_DOC, Scenario, listed

__all__ = ["USER_SCENARIOS"]

_MATCH = f"Entra's matching query before a create ({ENTRA_DOC}); RFC 7644 §3.4.2.2"
_PATCH = f"Entra updates users by PATCH ({ENTRA_DOC}); RFC 7644 §3.5.2"


async def _test_connection(scene: Scene) -> None:
    include_groups = scene.context.with_groups
    test = await probe_connection(scene.context.client, include_groups=include_groups)
    exchange = scene.result.exchanges[-1] if scene.result.exchanges else None
    failure = test.failure
    scene.check(
        failure is None,
        f"{failure.message} {failure.hint}" if failure else "",
        expects='GET /Users?filter=userName eq "<random GUID>"'
        + (
            ' and GET /Groups?excludedAttributes=members&filter=displayName eq "<GUID>"'
            if include_groups
            else ""
        )
        + " answer 200 with an empty ListResponse",
        reference=f"Entra's Test Connection ({ENTRA_DOC}); RFC 7644 §3.4.2",
        exchange=exchange,
    )
    for warning in test.warnings:
        scene.check(
            False,
            warning,
            expects="filters select what they name",
            reference="RFC 7644 §3.4.2.2",
            warn_only=True,
        )


async def _find(scene: Scene, attribute: str, value: str, object_id: str) -> None:
    params = {"filter": f"{attribute} eq {render_value(value)}"}
    exchange = await scene.call("GET", "/Users", params=params)
    found = listed(exchange)
    ids = [r.get("id") for r in found or []]
    scene.check(
        found is not None and ids == [object_id],
        f"GET /Users?filter={attribute} eq ... answered {said(exchange)} with ids {ids}, "
        f"not exactly the user just created ({object_id})",
        expects=f"200 ListResponse holding exactly the user whose {attribute} matches",
        reference=_MATCH,
        exchange=exchange,
        entra_only=attribute == "externalId",
    )


async def _create_and_match(scene: Scene) -> None:
    label = scene.context.name("u")
    resource = scene.user_resource(userName=f"{label}@example.com", externalId=label)
    params = {"filter": f"userName eq {render_value(resource['userName'])}"}
    before = await scene.call("GET", "/Users", params=params)
    scene.check(
        listed(before) == [],
        f"the matching query for a userName nobody has answered {said(before)}",
        expects="200 with an empty ListResponse (Entra then creates the user)",
        reference=_MATCH,
        exchange=before,
    )
    exchange, object_id = await scene.create("Users", create_user_body(resource, scene.dialect))
    answer: Any = exchange.answer
    scene.require(
        exchange.status == 201 and object_id is not None,
        f"POST /Users answered {said(exchange)}",
        expects="201 Created with the user and its id",
        reference="RFC 7644 §3.3",
        exchange=exchange,
    )
    assert object_id is not None  # noqa: S101
    scene.check(
        isinstance(answer, dict) and answer.get("userName") == resource["userName"],
        "the created user's answer does not carry the userName sent",
        expects="the answer holds the resource as stored, userName included",
        reference="RFC 7644 §3.3",
        exchange=exchange,
    )
    await _find(scene, "userName", resource["userName"], object_id)
    await _find(scene, "externalId", resource["externalId"], object_id)


async def _update_attribute(scene: Scene) -> None:
    _, object_id = await scene.new_user(title="Engineer")
    body = patch_body([AttributeChange("title", "Engineer", "Validator lead")], scene.dialect)
    exchange = await scene.call("PATCH", f"/Users/{object_id}", body=body)
    scene.require(
        exchange.status in (200, 204),
        f"PATCH of title answered {said(exchange)}",
        expects="200 with the user, or 204",
        reference=_PATCH,
        exchange=exchange,
    )
    stored = (await scene.read("Users", object_id)).answer
    scene.check(
        stored.get("title") == "Validator lead",
        f"after the PATCH, title reads {stored.get('title')!r}, not 'Validator lead': "
        "the change was accepted and not stored",
        expects="a GET returns the value the PATCH set",
        reference="RFC 7644 §3.5.2.3 (replace)",
    )


def _typed(values: Any, kind: str) -> Any:
    for item in values if isinstance(values, list) else []:
        if isinstance(item, dict) and item.get("type") == kind:
            return item.get("value")
    return None


async def _multi_valued(scene: Scene) -> None:
    _, object_id = await scene.new_user()
    label = scene.context.name("m")
    changes = [
        AttributeChange('emails[type eq "work"].value', "old", f"{label}@example.org"),
        AttributeChange('phoneNumbers[type eq "work"].value', None, "+1 555 0100"),
        AttributeChange('phoneNumbers[type eq "mobile"].value', None, "+1 555 0101"),
    ]
    body = patch_body(changes, scene.dialect)
    exchange = await scene.call("PATCH", f"/Users/{object_id}", body=body)
    scene.require(
        exchange.status in (200, 204),
        f"PATCH of emails and phoneNumbers by value-filter paths answered {said(exchange)}",
        expects="200 or 204: Entra writes multi-valued attributes by "
        "'emails[type eq \"work\"].value' paths",
        reference=f"{_PATCH}; RFC 7644 §3.5.2 (valuePath)",
        exchange=exchange,
    )
    stored = (await scene.read("Users", object_id)).answer
    found = (
        _typed(stored.get("emails"), "work"),
        _typed(stored.get("phoneNumbers"), "work"),
        _typed(stored.get("phoneNumbers"), "mobile"),
    )
    wanted = (f"{label}@example.org", "+1 555 0100", "+1 555 0101")
    scene.check(
        found == wanted,
        f"after the PATCH, (work email, work phone, mobile phone) read {found}, not {wanted}",
        expects="each typed value holds what the PATCH wrote",
        reference="RFC 7644 §3.5.2.1 (add with a valuePath), §3.5.2.3 (replace)",
    )


async def _active(scene: Scene, object_id: str, is_active: bool) -> None:
    body = enable_body(scene.dialect) if is_active else disable_body(scene.dialect)
    exchange = await scene.call("PATCH", f"/Users/{object_id}", body=body)
    word = "re-enable" if is_active else "disable"
    scene.require(
        exchange.status in (200, 204),
        f"the {word} PATCH (active {is_active}) answered {said(exchange)}",
        expects="200 or 204"
        + (
            ' (the value arrives as the string "False"/"True")'
            if scene.dialect.is_boolean_text
            else ""
        ),
        reference=f"Entra disables a user by PATCH active false, not DELETE ({ENTRA_DOC})",
        exchange=exchange,
    )
    stored = (await scene.read("Users", object_id)).answer
    scene.check(
        stored.get("active") is is_active,
        f"after the {word} PATCH, active reads {stored.get('active')!r}, not {is_active}",
        expects=f"active is the JSON boolean {str(is_active).lower()}",
        reference="RFC 7643 §4.1.1 (active is a boolean)",
    )


async def _disable_enable(scene: Scene) -> None:
    _, object_id = await scene.new_user()
    await _active(scene, object_id, False)
    await _active(scene, object_id, True)


async def _delete(scene: Scene) -> None:
    _, object_id = await scene.new_user()
    exchange = await scene.call("DELETE", f"/Users/{object_id}")
    scene.require(
        exchange.status == 204,
        f"DELETE answered {said(exchange)}",
        expects="204 No Content",
        reference=f"RFC 7644 §3.6; Entra deletes a user on hard delete ({ENTRA_DOC})",
        exchange=exchange,
    )
    scene.context.deleted.add(object_id)
    after = await scene.call("GET", f"/Users/{object_id}")
    scene.check(
        after.status == 404,
        f"GET of the deleted user answered {said(after)}",
        expects="404 Not Found",
        reference="RFC 7644 §3.6",
        exchange=after,
    )


async def _manager(scene: Scene) -> None:
    _, manager_id = await scene.new_user()
    _, object_id = await scene.new_user()
    body = manager_body(manager_id, scene.dialect)
    assert body is not None  # noqa: S101 (a change: no manager before)
    exchange = await scene.call("PATCH", f"/Users/{object_id}", body=body)
    shape = "the bare id" if not scene.dialect.is_manager_complex else '{"value": id}'
    scene.require(
        exchange.status in (200, 204),
        f"the manager PATCH answered {said(exchange)}",
        expects=f"200 or 204 (the enterprise manager path with {shape} as value)",
        reference=f"Entra sets the manager by PATCH after both users exist ({ENTRA_DOC}); "
        "RFC 7643 §4.3",
        exchange=exchange,
    )
    stored = (await scene.read("Users", object_id)).answer
    manager = enterprise(stored).get("manager")
    value = manager.get("value") if isinstance(manager, dict) else manager
    scene.require(
        value == manager_id,
        f"after the PATCH, the manager reads {manager!r}, not {manager_id}",
        expects="enterprise manager.value is the manager's id",
        reference="RFC 7643 §4.3",
    )
    clear = manager_body(None, scene.dialect, current=manager_id)
    assert clear is not None  # noqa: S101
    exchange = await scene.call("PATCH", f"/Users/{object_id}", body=clear)
    scene.require(
        exchange.status in (200, 204),
        f"the PATCH clearing the manager answered {said(exchange)}",
        expects="200 or 204",
        reference=f"Entra clears the manager with a remove op ({ENTRA_DOC}); RFC 7644 §3.5.2.2",
        exchange=exchange,
    )
    stored = (await scene.read("Users", object_id)).answer
    left = enterprise(stored).get("manager")
    scene.check(
        not left,
        f"after the remove, the manager still reads {left!r}",
        expects="no manager",
        reference="RFC 7644 §3.5.2.2",
    )


async def _duplicate(scene: Scene) -> None:
    resource = scene.user_resource()
    body = create_user_body(resource, scene.dialect)
    first, object_id = await scene.create("Users", body)
    scene.require(
        object_id is not None and first.status == 201,
        f"POST /Users answered {said(first)}",
        expects="201 Created",
        reference="RFC 7644 §3.3",
        exchange=first,
    )
    second, again = await scene.create("Users", body)
    answer = second.answer if isinstance(second.answer, dict) else {}
    scene.check(
        second.status == 409 and again is None,
        f"a second POST with the same userName answered {said(second)}",
        expects="409 Conflict (scimType uniqueness)",
        reference=f"RFC 7644 §3.3; Entra then adopts the existing user ({ENTRA_DOC})",
        exchange=second,
    )
    scene.check(
        second.status != 409 or answer.get("scimType") == "uniqueness",
        f"the 409 carries scimType {answer.get('scimType')!r}",
        expects='scimType "uniqueness"',
        reference="RFC 7644 §3.12",
        exchange=second,
        warn_only=True,
    )
    assert object_id is not None  # noqa: S101
    params = {"filter": f"userName eq {render_value(resource['userName'])}"}
    found = await scene.call("GET", "/Users", params=params)
    ids = [r.get("id") for r in listed(found) or []]
    scene.require(
        ids == [object_id],
        f"after the conflict, the matching query found {ids}, not the existing user",
        expects="the existing user, so that Entra can adopt it",
        reference=_MATCH,
        exchange=found,
    )
    adopt = patch_body([AttributeChange("displayName", None, "Adopted")], scene.dialect)
    exchange = await scene.call("PATCH", f"/Users/{object_id}", body=adopt)
    scene.check(
        exchange.status in (200, 204),
        f"the PATCH adopting the existing user answered {said(exchange)}",
        expects="200 or 204",
        reference=_PATCH,
        exchange=exchange,
    )


async def _page(scene: Scene, resource: str, wanted: set[str]) -> None:
    seen: list[str] = []
    start, size, total = 1, 2, None
    extra = {"excludedAttributes": "members"} if resource == "Groups" else {}
    for _ in range(scene.context.max_pages):
        params = {**extra, "startIndex": str(start), "count": str(size)}
        exchange = await scene.call("GET", f"/{resource}", params=params)
        page = listed(exchange)
        scene.require(
            page is not None and len(page) <= size,
            f"GET /{resource}?startIndex={start}&count={size} answered {said(exchange)} with "
            f"{'no ListResponse' if page is None else f'{len(page)} resources'}",
            expects=f"200 ListResponse with at most count={size} resources",
            reference=f"RFC 7644 §3.4.2.4; Entra pages through {resource.lower()} on import",
            exchange=exchange,
        )
        assert page is not None  # noqa: S101
        answer = exchange.answer
        total = answer.get("totalResults") if isinstance(answer, dict) else None
        seen += [str(r.get("id")) for r in page]
        if not page or not isinstance(total, int) or start + len(page) > total:
            break
        start += len(page)
    missing = wanted - set(seen)
    doubles = {i for i in seen if seen.count(i) > 1}
    scene.check(
        not missing and not doubles and isinstance(total, int),
        f"paging {resource} by 2: missing {sorted(missing)}, seen twice {sorted(doubles)}, "
        f"totalResults {total!r}",
        expects="startIndex/count pages hold every resource once, and totalResults counts them",
        reference="RFC 7644 §3.4.2.4",
    )


async def _paging_users(scene: Scene) -> None:
    ids = {(await scene.new_user())[1] for _ in range(3)}
    await _page(scene, "Users", ids)


async def _probe_missing(scene: Scene) -> None:
    missing = str(uuid.uuid4())
    exchange = await scene.call("GET", f"/Users/{missing}")
    scene.check(
        exchange.status == 404,
        f"GET of a user that does not exist answered {said(exchange)}",
        expects="404 Not Found",
        reference="RFC 7644 §3.12; Entra treats 404 as gone",
        exchange=exchange,
    )


USER_SCENARIOS = (
    Scenario("test-connection", "Test Connection's probe", "users", _test_connection),
    Scenario(
        "create-and-match",
        "Create a user, then Entra's matching queries",
        "users",
        _create_and_match,
    ),
    Scenario("update-attribute", "Update a single attribute (title)", "users", _update_attribute),
    Scenario("multi-valued", "Update multi-valued emails and phoneNumbers", "users", _multi_valued),
    Scenario("disable-enable", "Disable (active false), then re-enable", "users", _disable_enable),
    Scenario("delete", "Delete a user", "users", _delete),
    Scenario("not-found", "Read a user that does not exist", "users", _probe_missing),
    Scenario("manager", "Set the manager, then clear it", "users", _manager),
    Scenario("duplicate", "Duplicate create: 409, then adopt", "users", _duplicate),
    Scenario("paging-users", "Page through users", "users", _paging_users),
)

PAGE = _page
