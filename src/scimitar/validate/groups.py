"""Entra's group scenarios: create and match, members in batches, rename, delete, paging."""

from __future__ import annotations

from typing import Any

from scimitar.mapping.flow import AttributeChange
from scimitar.scim.dialects import member_patch_bodies, patch_body
from scimitar.scim.filter import render_value
from scimitar.validate.context import Scene, said
from scimitar.validate.scenario import ENTRA_DOC, Scenario, listed
from scimitar.validate.users import PAGE

__all__ = ["GROUP_SCENARIOS"]

_GROUPS = f"Entra's group provisioning ({ENTRA_DOC})"
#: Members per PATCH in these scenarios: small, so that a batch of 4 takes two requests.
BATCH = 2


async def _group_create(scene: Scene) -> None:
    _, object_id, label = await scene.new_group()
    params = {"excludedAttributes": "members", "filter": f"displayName eq {render_value(label)}"}
    exchange = await scene.call("GET", "/Groups", params=params)
    ids = [r.get("id") for r in listed(exchange) or []]
    scene.check(
        ids == [object_id],
        f"GET /Groups?filter=displayName eq ... answered {said(exchange)} with ids {ids}, not "
        f"exactly the group just created ({object_id})",
        expects="200 ListResponse holding exactly the matching group",
        reference=f"{_GROUPS}: groups are matched on displayName; RFC 7644 §3.4.2.2",
        exchange=exchange,
    )


def _member_ids(group: dict[str, Any]) -> set[str]:
    members = group.get("members")
    return {str(m.get("value")) for m in members or [] if isinstance(m, dict)}


async def _members(scene: Scene) -> None:
    _, group_id, _ = await scene.new_group()
    users = [(await scene.new_user())[1] for _ in range(4)]
    for body in member_patch_bodies(users, (), scene.dialect, cap=BATCH):
        exchange = await scene.call("PATCH", f"/Groups/{group_id}", body=body)
        scene.require(
            exchange.status in (200, 204),
            f"adding members answered {said(exchange)}",
            expects=f"200 or 204 for an add of {BATCH} members",
            reference=f"{_GROUPS}: members are added by PATCH, in batches; RFC 7644 §3.5.2.1",
            exchange=exchange,
        )
    group = (await scene.read("Groups", group_id)).answer
    scene.require(
        _member_ids(group) == set(users),
        f"after the adds, the group's members are {sorted(_member_ids(group))}, "
        f"not {sorted(users)}",
        expects="every member added",
        reference="RFC 7644 §3.5.2.1",
    )
    for body in member_patch_bodies((), users[:BATCH], scene.dialect, cap=BATCH):
        exchange = await scene.call("PATCH", f"/Groups/{group_id}", body=body)
        form = (
            'members[value eq "id"] paths'
            if scene.dialect.is_member_removal_filtered
            else "a members value list"
        )
        scene.require(
            exchange.status in (200, 204),
            f"removing members answered {said(exchange)}",
            expects=f"200 or 204 for a remove by {form}",
            reference=f"{_GROUPS}: members are removed by PATCH; RFC 7644 §3.5.2.2",
            exchange=exchange,
        )
    group = (await scene.read("Groups", group_id)).answer
    scene.check(
        _member_ids(group) == set(users[BATCH:]),
        f"after the removes, the members are {sorted(_member_ids(group))}, "
        f"not {sorted(users[BATCH:])}",
        expects="the removed members gone, the others kept",
        reference="RFC 7644 §3.5.2.2",
    )


async def _rename(scene: Scene) -> None:
    _, group_id, label = await scene.new_group()
    renamed = f"{label}-renamed"
    body = patch_body([AttributeChange("displayName", label, renamed)], scene.dialect)
    exchange = await scene.call("PATCH", f"/Groups/{group_id}", body=body)
    scene.require(
        exchange.status in (200, 204),
        f"the rename PATCH answered {said(exchange)}",
        expects="200 or 204",
        reference=f"{_GROUPS}; RFC 7644 §3.5.2.3",
        exchange=exchange,
    )
    group = (await scene.read("Groups", group_id, excludedAttributes="members")).answer
    scene.check(
        group.get("displayName") == renamed,
        f"after the rename, displayName reads {group.get('displayName')!r}",
        expects="the new displayName",
        reference="RFC 7644 §3.5.2.3",
    )


async def _group_delete(scene: Scene) -> None:
    _, group_id, _ = await scene.new_group()
    exchange = await scene.call("DELETE", f"/Groups/{group_id}")
    scene.require(
        exchange.status == 204,
        f"DELETE answered {said(exchange)}",
        expects="204 No Content",
        reference=f"{_GROUPS}; RFC 7644 §3.6",
        exchange=exchange,
    )
    scene.context.deleted.add(group_id)
    after = await scene.call("GET", f"/Groups/{group_id}")
    scene.check(
        after.status == 404,
        f"GET of the deleted group answered {said(after)}",
        expects="404 Not Found",
        reference="RFC 7644 §3.6",
        exchange=after,
    )


async def _exclude_members(scene: Scene) -> None:
    _, group_id, label = await scene.new_group()
    _, user_id = await scene.new_user()
    for body in member_patch_bodies([user_id], (), scene.dialect):
        exchange = await scene.call("PATCH", f"/Groups/{group_id}", body=body)
        scene.require(
            exchange.status in (200, 204),
            f"adding a member answered {said(exchange)}",
            expects="200 or 204",
            reference="RFC 7644 §3.5.2.1",
            exchange=exchange,
        )
    one = await scene.read("Groups", group_id, excludedAttributes="members")
    scene.check(
        "members" not in one.answer,
        "GET /Groups/{id}?excludedAttributes=members still returned members",
        expects="the group without its members",
        reference=f"{_GROUPS}: Entra reads groups without members; RFC 7644 §3.9",
        exchange=one,
    )
    params = {"excludedAttributes": "members", "filter": f"displayName eq {render_value(label)}"}
    exchange = await scene.call("GET", "/Groups", params=params)
    found = listed(exchange) or []
    scene.check(
        len(found) == 1 and "members" not in found[0],
        f"the filtered list with excludedAttributes=members answered {said(exchange)} with "
        f"{len(found)} group(s){' carrying members' if any('members' in g for g in found) else ''}",
        expects="exactly the group, without members",
        reference="RFC 7644 §3.9, §3.4.2.2",
        exchange=exchange,
    )


async def _paging_groups(scene: Scene) -> None:
    ids = {(await scene.new_group())[1] for _ in range(3)}
    await PAGE(scene, "Groups", ids)


GROUP_SCENARIOS = (
    Scenario(
        "group-create", "Create a group, then match it on displayName", "groups", _group_create
    ),
    Scenario("group-members", "Add and remove members in batches", "groups", _members),
    Scenario("group-rename", "Rename a group", "groups", _rename),
    Scenario("group-delete", "Delete a group", "groups", _group_delete),
    Scenario(
        "exclude-members", "Read groups with excludedAttributes=members", "groups", _exclude_members
    ),
    Scenario("paging-groups", "Page through groups", "groups", _paging_groups),
)
