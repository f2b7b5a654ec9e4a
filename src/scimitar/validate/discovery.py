"""Discovery: the ``ServiceProviderConfig``/``Schemas`` documents, and (reported apart) whether
the endpoint does what they promise (RFC 7643 §5, §7; RFC 7644 §4)."""

from __future__ import annotations

from typing import Any

from scimitar.scim.urns import CORE_GROUP, CORE_USER
from scimitar.validate.context import Scene, said
from scimitar.validate.scenario import ENTRA_DOC, Scenario, listed

__all__ = ["DISCOVERY_SCENARIOS", "PROMISES"]


def _supported(document: dict[str, Any], feature: str) -> bool | None:
    block = document.get(feature)
    value = block.get("supported") if isinstance(block, dict) else None
    return value if isinstance(value, bool) else None


async def _discovery(scene: Scene) -> None:
    exchange = await scene.call("GET", "/ServiceProviderConfig")
    document = exchange.answer if isinstance(exchange.answer, dict) else {}
    scene.check(
        exchange.status == 200 and bool(document),
        f"GET /ServiceProviderConfig answered {said(exchange)}",
        expects="200 with the ServiceProviderConfig document",
        reference=f"RFC 7644 §4; RFC 7643 §5; Entra reads it to learn the endpoint ({ENTRA_DOC})",
        exchange=exchange,
    )
    if document:
        scene.context.discovered["ServiceProviderConfig"] = document
        for feature in ("patch", "filter"):
            scene.check(
                _supported(document, feature) is not None,
                f"ServiceProviderConfig has no {feature}.supported boolean",
                expects=f"{feature}.supported, true or false",
                reference="RFC 7643 §5",
                exchange=exchange,
            )
        scene.check(
            _supported(document, "patch") is not False,
            "ServiceProviderConfig says patch is not supported; Entra updates only by PATCH",
            expects="patch.supported true",
            reference=f"Entra sends every update as PATCH ({ENTRA_DOC})",
            exchange=exchange,
            entra_only=True,
        )
    schemas = await scene.call("GET", "/Schemas")
    found = listed(schemas)
    ids = {str(s.get("id")) for s in found or []}
    wanted = {CORE_USER} | ({CORE_GROUP} if scene.context.with_groups else set())
    scene.check(
        found is not None and wanted <= ids,
        f"GET /Schemas answered {said(schemas)} listing {sorted(ids)}; missing "
        f"{sorted(wanted - ids)}",
        expects="200 ListResponse with the core User (and Group) schema",
        reference="RFC 7644 §4; RFC 7643 §7",
        exchange=schemas,
    )
    if found:
        scene.context.discovered["Schemas"] = found
    types = await scene.call("GET", "/ResourceTypes")
    scene.check(
        listed(types) is not None,
        f"GET /ResourceTypes answered {said(types)}",
        expects="200 ListResponse of resource types",
        reference="RFC 7644 §4; RFC 7643 §6",
        exchange=types,
        warn_only=True,
    )


async def _promises(scene: Scene) -> None:
    """What ServiceProviderConfig promises against what the other scenarios saw."""
    config = scene.context.discovered.get("ServiceProviderConfig")
    if not isinstance(config, dict):
        scene.result.skipped = "no ServiceProviderConfig to compare with"
        return
    exchanges = [e for r in scene.context.results for e in r.exchanges]
    if _supported(config, "patch"):
        refused = [e for e in exchanges if e.method == "PATCH" and e.status in (405, 501)]
        scene.check(
            not refused,
            f"ServiceProviderConfig says patch.supported true, yet {len(refused)} PATCH "
            "request(s) answered 501/405",
            expects="every PATCH the document promises is accepted",
            reference="RFC 7643 §5 (patch), RFC 7644 §3.5.2",
            exchange=refused[0] if refused else None,
        )
    if _supported(config, "filter"):
        refused = [
            e
            for e in exchanges
            if e.method == "GET" and "filter=" in e.url and e.status in (400, 501)
        ]
        scene.check(
            not refused,
            f"ServiceProviderConfig says filter.supported true, yet {len(refused)} eq "
            "filter(s) were refused",
            expects="eq filters on userName, externalId and displayName answer 200",
            reference="RFC 7643 §5 (filter), RFC 7644 §3.4.2.2",
            exchange=refused[0] if refused else None,
        )


DISCOVERY_SCENARIOS = (
    Scenario(
        "discovery", "ServiceProviderConfig, Schemas and ResourceTypes", "discovery", _discovery
    ),
)
#: Run last: compares the discovery documents with what the endpoint did (RFC checks).
PROMISES = Scenario(
    "discovery-promises", "What discovery promises against what the endpoint did", "rfc", _promises
)
