"""One tenant of the embedded SCIM target, read and seeded over HTTP as the app's admin would.

The engine's tests check what it did by looking at the target, never at the engine's own
tables: a user the engine thinks it created but the target lacks is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

__all__ = ["TargetView", "version"]

_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
_PAGE = 200


class TargetView:
    """A tenant's ``/Users`` and ``/Groups``, through its first tenant URL and bearer token.

    Args:
        tenant: What ``scimitar target tenant create --json`` printed.
    """

    def __init__(self, tenant: Mapping[str, Any]) -> None:
        self.url = str(tenant["tenant_urls"][0])
        self.token = str(tenant["token"])
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _pages(self, kind: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        start = 1
        while True:
            response = self._client.get(
                kind, params={**params, "startIndex": str(start), "count": str(_PAGE)}
            )
            response.raise_for_status()
            resources = response.json().get("Resources") or []
            yield from resources
            start += len(resources)
            if not resources or start > int(response.json()["totalResults"]):
                return

    def users(self) -> list[dict[str, Any]]:
        """Every user in the tenant."""
        return list(self._pages("Users", {}))

    def groups(self) -> list[dict[str, Any]]:
        """Every group in the tenant (without members)."""
        return list(self._pages("Groups", {"excludedAttributes": "members"}))

    def find(self, kind: str, attribute: str, value: str) -> list[dict[str, Any]]:
        """Objects whose ``attribute`` equals ``value`` (a SCIM ``eq`` filter)."""
        return list(self._pages(kind, {"filter": f'{attribute} eq "{value}"'}))

    def user(self, user_name: str) -> dict[str, Any]:
        """The one user called ``user_name``; fails when there is none or several."""
        found = self.find("Users", "userName", user_name)
        assert len(found) == 1, f"{len(found)} users named {user_name!r} in the target"
        return found[0]

    def group(self, display_name: str) -> dict[str, Any]:
        """The one group called ``display_name``, with its members."""
        found = self.find("Groups", "displayName", display_name)
        assert len(found) == 1, f"{len(found)} groups named {display_name!r} in the target"
        got = self.get("Groups", str(found[0]["id"]))
        assert got is not None
        return got

    def get(self, kind: str, target_id: str) -> dict[str, Any] | None:
        """One object by id, or ``None`` on 404."""
        response = self._client.get(f"{kind}/{target_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def members(self, group: Mapping[str, Any]) -> set[str]:
        """The target ids of a group's members."""
        return {str(m["value"]) for m in group.get("members") or []}

    def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        """Create a user directly in the target, as if someone had made it by hand."""
        body = {"schemas": [_USER_SCHEMA], "userName": user_name, **attributes}
        response = self._client.post("Users", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def patch_user(self, target_id: str, operations: list[dict[str, Any]]) -> None:
        """Change a user directly in the target (RFC 7644 §3.5.2), as an admin of the app would."""
        body = {"schemas": [_PATCH_SCHEMA], "Operations": operations}
        response = self._client.patch(f"Users/{target_id}", json=body)
        assert response.status_code in (200, 204), response.text

    def create_group(self, display_name: str) -> dict[str, Any]:
        """Create a group directly in the target, as if someone had made it by hand."""
        body = {"schemas": [_GROUP_SCHEMA], "displayName": display_name}
        response = self._client.post("Groups", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def version(resource: Mapping[str, Any]) -> str:
    """The resource's ``meta.version`` (its ETag): it changes on every write."""
    return str(resource["meta"]["version"])
