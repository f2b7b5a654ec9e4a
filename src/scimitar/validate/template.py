"""``--template``: what one of Scimitar's gallery templates needs of the endpoint, checked too.

A template (docs/gallery.md) says which attributes its mappings write, which quirks the
connector relies on (Bulk and its size, filters, ``or`` filters, PATCH) and the limits it keeps
to. This scenario runs after discovery and the Entra scenarios and holds those against what the
endpoint published (``/Schemas``, ``ServiceProviderConfig``) and did during the run.
"""

from __future__ import annotations

from typing import Any

from scimitar.gallery.template import AppTemplate
from scimitar.scim.urns import CORE_GROUP, CORE_USER
from scimitar.validate.context import Scene, said
from scimitar.validate.scenario import Scenario

__all__ = ["template_scenario"]

#: Attributes every resource has (RFC 7643 §3.1), whether or not ``/Schemas`` lists them.
_COMMON = {"id", "externalid", "meta", "schemas"}
_CORE = {"User": CORE_USER, "Group": CORE_GROUP}


def template_scenario(template: AppTemplate) -> Scenario:
    """The scenario checking the endpoint against ``template``."""

    async def run(scene: Scene) -> None:
        _attributes(scene, template)
        _quirks(scene, template)
        if template.quirks.filter_or_max_terms:
            await _or_filter(scene, template)
        _limits(scene, template)

    return Scenario(
        f"template-{template.id}",
        f"What the {template.display_name} template needs: its mappings' attributes, quirks "
        "and limits",
        "template",
        run,
    )


def _split(target: str, object_type: str) -> tuple[str, str]:
    """(schema URN, top-level attribute) of a mapping's target path."""
    if target.startswith("urn:"):
        urn, _, path = target.rpartition(":")
    else:
        urn, path = _CORE[object_type], target
    name = path.split("[", 1)[0].split(".", 1)[0]
    return urn, name


def _schemas(scene: Scene) -> dict[str, set[str]]:
    found = scene.context.discovered.get("Schemas") or []
    return {
        str(schema.get("id")): {
            str(attribute.get("name", "")).lower()
            for attribute in schema.get("attributes", []) or []
            if isinstance(attribute, dict)
        }
        for schema in found
        if isinstance(schema, dict)
    }


def _attributes(scene: Scene, template: AppTemplate) -> None:
    schemas = _schemas(scene)
    if not schemas:
        scene.check(
            False,
            "the endpoint's /Schemas could not be read, so the template's attributes cannot be "
            "checked against it",
            expects="GET /Schemas lists the schemas the template's mappings write",
            reference="RFC 7644 §4; RFC 7643 §7",
            warn_only=True,
        )
        return
    for object_type in template.object_types:
        mappings = template.default_mappings.get(object_type)
        if mappings is None:
            continue
        for mapping in mappings.mappings:
            urn, name = _split(mapping.target, object_type)
            if name.lower() in _COMMON:
                continue
            listed = schemas.get(urn)
            where = f"{object_type} mapping {mapping.target!r}"
            if listed is None:
                scene.check(
                    False,
                    f"{where}: the endpoint's /Schemas does not list {urn}",
                    expects=f"{urn} among the endpoint's schemas",
                    reference="RFC 7643 §7; the template's mappings (docs/gallery.md)",
                    warn_only=urn not in _CORE.values(),
                )
                continue
            scene.check(
                name.lower() in listed,
                f"{where}: {urn} has no attribute {name!r}",
                expects=f"{name} in {urn}",
                reference="RFC 7643 §7; the template's mappings (docs/gallery.md)",
            )


def _supported(config: dict[str, Any], feature: str) -> Any:
    block = config.get(feature)
    return block if isinstance(block, dict) else {}


def _quirks(scene: Scene, template: AppTemplate) -> None:
    config = scene.context.discovered.get("ServiceProviderConfig")
    if not isinstance(config, dict):
        scene.check(
            False,
            "no ServiceProviderConfig to hold the template's quirks against",
            expects="GET /ServiceProviderConfig answers 200",
            reference="RFC 7644 §4",
        )
        return
    quirks = template.quirks
    bulk = _supported(config, "bulk")
    if quirks.bulk.is_used:
        scene.check(
            bulk.get("supported") is True,
            f"the template sends Bulk requests but ServiceProviderConfig says bulk.supported "
            f"{bulk.get('supported')!r}",
            expects="bulk.supported true",
            reference="RFC 7644 §3.7; the template's quirks.bulk",
        )
        wanted = quirks.bulk.max_operations
        offered = bulk.get("maxOperations")
        if wanted is not None:
            scene.check(
                isinstance(offered, int) and offered >= wanted,
                f"the template sends up to {wanted} operations a Bulk request; the endpoint "
                f"takes {offered!r}",
                expects=f"bulk.maxOperations of at least {wanted}",
                reference="RFC 7644 §3.7; RFC 7643 §5 (bulk.maxOperations)",
            )
    if quirks.is_filter_supported:
        scene.check(
            _supported(config, "filter").get("supported") is True,
            "the template matches by filter but ServiceProviderConfig says filter.supported "
            f"{_supported(config, 'filter').get('supported')!r}",
            expects="filter.supported true",
            reference="RFC 7644 §3.4.2.2; the template's quirks.filterSupported",
        )
    if quirks.update_method.value == "PATCH":
        scene.check(
            _supported(config, "patch").get("supported") is True,
            "the template updates by PATCH but ServiceProviderConfig says patch.supported "
            f"{_supported(config, 'patch').get('supported')!r}",
            expects="patch.supported true",
            reference="RFC 7644 §3.5.2; the template's quirks.updateMethod",
        )


async def _or_filter(scene: Scene, template: AppTemplate) -> None:
    """The template matches with ``or`` of ``eq`` terms: the endpoint must take one."""
    names = [scene.context.name("nobody") for _ in range(2)]
    text = " or ".join(f'userName eq "{name}"' for name in names)
    exchange = await scene.call(
        "GET", "/Users", params={"filter": text, "startIndex": "1", "count": "2"}
    )
    answer = exchange.answer if isinstance(exchange.answer, dict) else {}
    scene.check(
        exchange.status == 200 and answer.get("totalResults") == 0,
        f"a filter of {len(names)} eq terms joined by or answered {said(exchange)}",
        expects="200 with totalResults 0 (the users do not exist)",
        reference="RFC 7644 §3.4.2.2 (logical operators); the template's "
        f"quirks.filterOrMaxTerms ({template.quirks.filter_or_max_terms})",
        exchange=exchange,
    )


def _limits(scene: Scene, template: AppTemplate) -> None:
    """The run's own pace was far below any published limit: a 429 during it is a warning."""
    exchanges = [e for r in scene.context.results for e in r.exchanges]
    throttled = [e for e in exchanges if e.status == 429]
    limits = ", ".join(
        f"{limit.requests} per {limit.per_seconds:g} s ({limit.applies_to})"
        for limit in template.document.rate_limits
    )
    scene.check(
        not throttled,
        f"{len(throttled)} of {len(exchanges)} requests were answered 429 at the validator's "
        f"pace (one at a time); the template publishes {limits or 'no limit'}",
        expects="no 429 at one request at a time",
        reference="RFC 6585 §4; the template's rateLimits",
        exchange=throttled[0] if throttled else None,
        warn_only=True,
    )
