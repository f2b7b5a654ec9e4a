"""Schema discovery reads what the app offers and ignores what it does not."""

from __future__ import annotations

from tests.unit.connector.fakes import FakeTransport, scim

from scimitar.connector import (
    Credentials,
    Discovery,
    SCIMClient,
    TransportRequest,
    TransportResponse,
    discover,
)
from scimitar.secrets import Secret

SPC = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": False},
    "bulk": {"supported": True, "maxOperations": 50, "maxPayloadSize": 1048576},
    "filter": {"supported": True, "maxResults": 200},
}
SCHEMAS = {
    "Resources": [
        {
            "id": "urn:ietf:params:scim:schemas:core:2.0:User",
            "attributes": [
                {"name": "userName", "type": "string", "required": True},
                {
                    "name": "emails",
                    "type": "complex",
                    "multiValued": True,
                    "subAttributes": [
                        {"name": "value", "type": "string"},
                        {"name": "type", "type": "string", "canonicalValues": ["work", "home"]},
                        {"name": "primary", "type": "boolean"},
                    ],
                },
                {"name": "name", "type": "complex", "subAttributes": [{"name": "givenName"}]},
            ],
        },
        {
            "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "attributes": [{"name": "costCenter", "type": "string"}],
        },
        {
            "id": "urn:ietf:params:scim:schemas:core:2.0:Group",
            "attributes": [{"name": "displayName"}],
        },
    ]
}


def _client(routes: dict[str, TransportResponse]) -> SCIMClient:
    def answer(request: TransportRequest) -> TransportResponse:
        path = request.url.rsplit("/", 1)[-1]
        return routes.get(path, TransportResponse(404, {}, b"no"))

    transport = FakeTransport(answer)
    return SCIMClient(Credentials("https://app.example/scim/v2", Secret("t")), transport)


async def test_capabilities_and_attributes_are_read() -> None:
    found = await discover(
        _client({"ServiceProviderConfig": scim(200, SPC), "Schemas": scim(200, SCHEMAS)})
    )
    assert found.capabilities is not None
    assert found.capabilities.patch is False
    assert found.capabilities.bulk_max_operations == 50
    assert found.capabilities.bulk_max_payload_size == 1048576  # RFC 7644 §5
    users = [attribute.name for attribute in found.attributes["User"]]
    assert users == [
        "userName",
        'emails[type eq "work"].value',
        'emails[type eq "home"].value',
        "name.givenName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
    ]
    assert [a.name for a in found.attributes["Group"]] == ["displayName"]


async def test_nothing_offered_means_nothing_known() -> None:
    found = await discover(_client({}))
    assert found.capabilities is None
    assert found.attributes == {}


async def test_a_round_trip_through_json() -> None:
    found = await discover(
        _client({"ServiceProviderConfig": scim(200, SPC), "Schemas": scim(200, SCHEMAS)})
    )
    assert type(found).from_dict(found.to_dict()) == found


def test_a_discovery_stored_before_max_payload_size_still_loads() -> None:
    stored = {
        "capabilities": {
            "patch": True,
            "bulk": True,
            "bulk_max_operations": 10,
            "filter": True,
            "filter_max_results": None,
            "sort": None,
            "etag": None,
        },
        "attributes": {},
    }
    loaded = Discovery.from_dict(stored)
    assert loaded.capabilities is not None
    assert loaded.capabilities.bulk_max_payload_size is None
