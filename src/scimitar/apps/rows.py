"""Provisioning job rows ↔ values: the template's defaults, JSON columns, settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scimitar.apps.attributes import load_custom
from scimitar.apps.model import App, JobConfig, JobSettings, NestedGroups, Scope
from scimitar.clock import utcnow
from scimitar.connector.bearer import OAuth2Grant
from scimitar.connector.discovery import Discovery
from scimitar.gallery.schema import Dialect
from scimitar.gallery.template import AppTemplate
from scimitar.mapping.mappings import MappingSet
from scimitar.store.tables.apps import JOB

__all__ = [
    "JOB_COLUMNS",
    "dump_mappings",
    "job_from_row",
    "job_row",
    "load_mappings",
    "settings_values",
]

JOB_COLUMNS = tuple(
    column
    for column in JOB.c
    if column.name not in {"token_ciphertext", "oauth2_secret_ciphertext"}
)


def dump_mappings(mappings: Mapping[str, MappingSet]) -> str:
    """The mapping sets as the JSON text stored in ``provisioning_job.mappings``."""
    return json.dumps({key: value.to_dict() for key, value in mappings.items()})


def load_mappings(text: str) -> dict[str, MappingSet]:
    """Read :func:`dump_mappings`'s text."""
    data: dict[str, Any] = json.loads(text)
    return {key: MappingSet.from_dict(value) for key, value in data.items()}


def settings_values(settings: JobSettings) -> dict[str, Any]:
    """The columns that hold :class:`JobSettings`."""
    return {
        "scope": settings.scope.value,
        "notify_email": settings.notify_email,
        "notify_on_failure": settings.notify_on_failure,
        "delete_threshold": settings.delete_threshold,
        "skip_out_of_scope_deletions": settings.skip_out_of_scope_deletions,
        "interval_minutes": settings.interval_minutes,
        "realtime": settings.realtime,
        "delete_window_minutes": settings.delete_window_minutes,
        "dialect": settings.dialect.value,
        "disabled_object_types": ",".join(sorted(settings.disabled_object_types)),
        "nested_groups": settings.nested_groups.value,
    }


def job_row(app_id: str, template: AppTemplate) -> dict[str, Any]:
    """A new app's job: no credentials, default settings, the template's default mappings."""
    disabled = frozenset(
        object_type
        for object_type in template.object_types
        if not _spec_enabled(template, object_type)
    )
    settings = JobSettings(dialect=template.document.dialect, disabled_object_types=disabled)
    return {
        "app_id": app_id,
        "tenant_url": None,
        "token_ciphertext": None,
        "oauth2": None,
        "oauth2_secret_ciphertext": None,
        **settings_values(settings),
        "mappings": dump_mappings(template.default_mappings),
        "discovery": None,
        "target_attributes": None,
        "is_on": False,
        "needs_initial_cycle": True,
        "updated_at": utcnow(),
    }


def _spec_enabled(template: AppTemplate, object_type: str) -> bool:
    spec = template.object_spec(object_type)
    return spec is not None and spec.is_enabled


def job_from_row(app: App, template: AppTemplate, row: Any, has_token: bool) -> JobConfig:
    """A :class:`JobConfig` from a row of :data:`JOB_COLUMNS`."""
    values = row._mapping
    settings = JobSettings(
        scope=Scope(values["scope"]),
        notify_email=values["notify_email"],
        notify_on_failure=bool(values["notify_on_failure"]),
        delete_threshold=values["delete_threshold"],
        skip_out_of_scope_deletions=bool(values["skip_out_of_scope_deletions"]),
        interval_minutes=int(values["interval_minutes"]),
        realtime=bool(values["realtime"]),
        delete_window_minutes=values["delete_window_minutes"],
        dialect=Dialect(values["dialect"]),
        disabled_object_types=frozenset(filter(None, values["disabled_object_types"].split(","))),
        nested_groups=NestedGroups(values["nested_groups"]),
    )
    discovery = values["discovery"]
    oauth2 = values["oauth2"]
    return JobConfig(
        app=app,
        template=template,
        tenant_url=values["tenant_url"],
        has_token=has_token,
        settings=settings,
        mappings=load_mappings(values["mappings"]),
        is_on=bool(values["is_on"]),
        needs_initial_cycle=bool(values["needs_initial_cycle"]),
        discovery=Discovery.from_dict(json.loads(discovery)) if discovery else None,
        custom_attributes=load_custom(values["target_attributes"]),
        oauth2=OAuth2Grant.from_dict(json.loads(oauth2)) if oauth2 else None,
    )
