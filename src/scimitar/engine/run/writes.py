"""Updates sent to an app that may implement SCIM partly: PATCH, or PUT where PATCH is refused;
and what the app kept of what it was sent.

docs/provisioning.md, "Apps that implement SCIM partly":

- **PATCH refused → PUT.** An app that answers a PATCH with 501 or 405, or with 400
  ``noTarget``/``invalidPath`` for attributes of its attribute list, gets the same change once
  more as a PUT of the whole resource: read it, apply the change (``put_body``), PUT it with
  ``If-Match`` when the app gave a version (RFC 7644 §3.14). The refused attributes are
  learned, so later changes to them go straight to PUT.
- **Attributes not kept.** When the resource an app answers a write with lacks an attribute
  that was sent (and accepted), the attribute is learned as not kept: it is no longer compared
  nor sent in updates (:func:`kept_changes`), and the record's modified properties say so.

Each quirk is warned about once, in the log record of the object that showed it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from scimitar.engine.core.records import ProvisioningStep, RecordStatus, StepType
from scimitar.engine.run.context import CycleContext
from scimitar.engine.state.learned import LearnedQuirk, QuirkKind
from scimitar.engine.state.work import Prepared, TargetPort
from scimitar.errors import SyncError, TargetNotFoundError
from scimitar.mapping.flow import AttributeChange
from scimitar.mapping.target_path import parse_target_path
from scimitar.scim.bodies import put_body
from scimitar.scim.dialects import patch_body

__all__ = [
    "check_kept",
    "is_patch_refused",
    "kept_changes",
    "note_quirk",
    "refused_changes",
    "send_update",
]

#: Statuses that refuse a PATCH as such (RFC 9110 §15.6.2 Not Implemented, §15.5.6 Method
#: Not Allowed).
_REFUSED_STATUSES = frozenset({405, 501})
#: ``scimType`` values an app may give a PATCH path it does not take (RFC 7644 §3.12).
_REFUSED_PATH_TYPES = frozenset({"notarget", "invalidpath"})
#: Attributes an app never returns (RFC 7643 §4.1.1 ``password``: returned "never").
_NEVER_RETURNED = frozenset({"password"})


def note_quirk(prepared: Prepared, quirk: LearnedQuirk, step_type: StepType) -> None:
    """Warn about a quirk just learned, in the record of the object that showed it."""
    details = {"Attribute": f"{quirk.object_type}.{quirk.attribute}", "Quirk": quirk.kind.value}
    if quirk.detail:
        details["Detail"] = quirk.detail
    prepared.steps.append(
        ProvisioningStep(
            "AppQuirkDetected", step_type, RecordStatus.WARNING, quirk.message, details
        )
    )


def kept_changes(
    ctx: CycleContext, object_type: str, changes: Sequence[AttributeChange]
) -> tuple[AttributeChange, ...]:
    """``changes`` without the attributes the app is known not to keep."""
    return tuple(c for c in changes if ctx.learned.is_kept(object_type, c.path))


def is_patch_refused(
    ctx: CycleContext, object_type: str, error: SyncError, changes: Sequence[AttributeChange]
) -> bool:
    """Whether the app refused a PATCH as such (so a PUT of the resource may do instead)."""
    status = getattr(error, "status", None)
    if status in _REFUSED_STATUSES:
        return True
    scim_type = str(getattr(error, "scim_type", None) or "").lower()
    if status != 400 or scim_type not in _REFUSED_PATH_TYPES:
        return False
    listed = {name.lower() for name in ctx.config.target_attributes(object_type)}
    return all(change.path.lower() in listed for change in changes)


async def send_update(
    ctx: CycleContext,
    port: TargetPort,
    object_type: str,
    target_id: str,
    changes: Sequence[AttributeChange],
    prepared: Prepared,
) -> None:
    """Send ``changes`` to one object: PATCH, or GET then PUT (apps without PATCH, or an app
    that refused a PATCH of these attributes), then check what the app kept.

    Raises:
        SyncError: The app refused the update (the PUT too, when one was sent).
    """
    if not changes:
        return
    is_put = ctx.options.update_method.value.upper() == "PUT" or any(
        ctx.learned.has(QuirkKind.PATCH_REFUSED, object_type, c.path) for c in changes
    )
    if is_put:
        answer = await _put(port, object_type, target_id, changes)
    else:
        assertive = prepared.result.assertive if prepared.result else frozenset()
        body = patch_body(changes, ctx.dialect, assertive=assertive)
        try:
            answer = await port.patch(object_type, target_id, body)
        except SyncError as exc:
            if not is_patch_refused(ctx, object_type, exc, changes):
                raise
            answer = await _put(port, object_type, target_id, changes)
            await _learn_refused(ctx, prepared, object_type, changes, exc)
    await check_kept(ctx, prepared, object_type, {c.path: c.new_value for c in changes}, answer)


async def _put(
    port: TargetPort, object_type: str, target_id: str, changes: Sequence[AttributeChange]
) -> dict[str, Any] | None:
    current = await port.get(object_type, target_id)
    if current is None:
        raise TargetNotFoundError(f"{object_type} '{target_id}' is gone from the app")
    meta = current.get("meta")
    version = meta.get("version") if isinstance(meta, Mapping) else None
    body = put_body(current, changes)
    if isinstance(version, str) and version:
        return await port.put(object_type, target_id, body, if_match=version)
    return await port.put(object_type, target_id, body)


async def _learn_refused(
    ctx: CycleContext,
    prepared: Prepared,
    object_type: str,
    changes: Sequence[AttributeChange],
    error: SyncError,
) -> None:
    detail = str(getattr(error, "detail", None) or error)
    for change in refused_changes(changes, detail):
        quirk = await ctx.learned.learn(
            QuirkKind.PATCH_REFUSED, object_type, change.path, str(detail)
        )
        if quirk is not None:
            note_quirk(prepared, quirk, StepType.EXPORT)


def _is_named(path: str, text: str) -> bool:
    names = {path}
    if "[" in path:  # a value-filtered path is named by its attribute ("emails")
        names.add(parse_target_path(path).attribute)
    return any(re.search(rf"(?<![\w.:]){re.escape(n)}(?![\w])", text, re.I) for n in names)


def refused_changes(changes: Sequence[AttributeChange], detail: str) -> list[AttributeChange]:
    """The changes a refusal is about: those its message names, else all of them.

    An app refusing one attribute of several sent together usually names it ("PATCH of
    'title' is not implemented"); one refusing an operation or PATCH itself names none, and
    every attribute of the refused request then goes by PUT.
    """
    named = [c for c in changes if _is_named(c.path, detail)]
    return named or list(changes)


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


async def check_kept(
    ctx: CycleContext,
    prepared: Prepared,
    object_type: str,
    sent: Mapping[str, Any],
    answer: Mapping[str, Any] | None,
) -> None:
    """Learn the attributes ``answer`` lacks though ``sent`` gave them a value.

    Args:
        ctx: The cycle.
        prepared: The object (its record gets the warning and the "not kept" marks).
        object_type: ``User`` or ``Group``.
        sent: The values sent, by target path (references left out by the caller).
        answer: The resource the app answered the write with; nothing is judged without one.
    """
    if not answer or not answer.get("id"):
        return
    for path, value in sent.items():
        if _is_blank(value) or path.lower() in _NEVER_RETURNED:
            continue
        if not ctx.learned.is_kept(object_type, path):
            prepared.not_kept.add(path)
            continue
        if not _is_blank(parse_target_path(path).read(answer)):
            continue
        prepared.not_kept.add(path)
        detail = f"sent a value for {path}; the app's answer had none"
        quirk = await ctx.learned.learn(QuirkKind.NOT_KEPT, object_type, path, detail)
        if quirk is not None:
            note_quirk(prepared, quirk, StepType.EXPORT)
