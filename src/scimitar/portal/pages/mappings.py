"""Attribute mapping pages: the list, matching properties, one mapping's editor with a live test,
scoping filters and restore defaults."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from scimitar.apps import MappingEdit, object_type_named
from scimitar.apps.attributes import CUSTOM_TYPES, type_named
from scimitar.apps.reference_rules import reference_warnings
from scimitar.directory.model import Group, User
from scimitar.errors import ConfigError, ExpressionSyntaxError, NotFoundError, ScimitarError
from scimitar.mapping import compile_expression
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.mappings import AttributeMapping, FlowType, MappingSet, SourceType
from scimitar.mapping.scoping_operators import OPERATORS
from scimitar.mapping.values import IGNORE_FLOW
from scimitar.portal.context import Portal, actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["edit_from_form", "router", "try_mapping"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]
_BASE = "/apps/{app_id}/mappings/{kind}"


def edit_from_form(form: Form) -> MappingEdit:
    """The mapping edit a form asks for.

    Raises:
        ConfigError: No target, an unknown mapping type or apply value, or a bad precedence.
    """
    target = form.text("target")
    if not target:
        raise ConfigError("choose the target attribute")
    try:
        source_type = SourceType(form.get("source_type") or "Attribute")
        flow = FlowType(form.get("flow_type") or "Always")
    except ValueError as exc:
        raise ConfigError(f"unknown mapping type or apply value: {exc}") from exc
    source = (
        form.get("source").strip() if source_type is not SourceType.CONSTANT else form.get("source")
    )
    if not source:
        raise ConfigError(f"{target}: enter the source ({source_type.value.lower()})")
    precedence = form.integer("matching_precedence", "Matching precedence", minimum=0)
    if not form.flag("matching"):
        precedence = 0
    elif not precedence:
        precedence = 1
    kind = form.get("target_type").strip()
    return MappingEdit(
        target,
        source_type,
        source,
        precedence,
        form.get("default_value").strip(),
        flow,
        type_named(kind) if kind else None,
    )


async def _object(portal: Portal, kind: str, key: str) -> User | Group:
    if kind == "Group":
        return await portal.directory.groups.get(key)
    return await portal.directory.users.get(key)


def try_mapping(
    mapping_set: MappingSet, edit: MappingEdit, attributes: dict[str, Any]
) -> dict[str, Any]:
    """What the edited mapping sends for one object, and whether the object is in scope.

    Raises:
        ExpressionSyntaxError: The expression does not parse (with its line and column).
        ConfigError: The mapping is otherwise invalid.
        ObjectError: The expression fails on this object.
    """
    if edit.source_type is SourceType.EXPRESSION:
        compile_expression(edit.source or "")
    mapping = AttributeMapping(
        edit.target,
        edit.source_type or SourceType.ATTRIBUTE,
        edit.source or "",
        default_value=edit.default_value or None,
        flow_type=edit.flow_type or FlowType.ALWAYS,
    )
    for existing in mapping_set.mappings:
        if existing.target.lower() == edit.target.lower():
            mapping = replace(
                existing,
                source_type=mapping.source_type,
                source=mapping.source,
                default_value=mapping.default_value,
                flow_type=mapping.flow_type,
            )
    single = replace(
        mapping_set, mappings=(replace(mapping, matching_precedence=None),), scoping_filters=()
    )
    result = CompiledMappingSet(single).apply(attributes, is_create=True)
    scope = CompiledMappingSet(mapping_set).is_in_scope(attributes)
    value = result.values.get(mapping.target)
    return {
        "target": mapping.target,
        "value": value,
        "has_value": mapping.target in result.values,
        "dropped": mapping.target in result.dropped,
        "redacted": mapping.target in result.redacted,
        "scope": scope.describe(),
        "ignore": value is IGNORE_FLOW,
    }


async def _list_page(
    request: Request,
    session: Session,
    app_id: str,
    kind: str,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    portal = portal_of(request)
    object_type = object_type_named(kind)
    config = await portal.apps.provisioning.config(app_id)
    mapping_set = await portal.apps.mappings.show(config.app.id, object_type)
    return portal.render(
        request,
        "mappings.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="mappings",
        config=config,
        object_type=object_type,
        kind=object_type.lower(),
        mapping_set=mapping_set,
        operators=OPERATORS,
        warnings=reference_warnings(mapping_set),
        **values,
    )


@router.get(_BASE)
async def mappings_page(request: Request, app_id: str, kind: str, session: SignedIn) -> Response:
    """The attribute mappings of users or groups, matching properties and scoping filters."""
    return await _list_page(request, session, app_id, kind)


@router.post(_BASE + "/restore")
async def restore(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Put the template's default mappings back (scoping filters are cleared too)."""
    session, _form = form_in
    await portal_of(request).apps.mappings.restore_defaults(app_id, actor=actor_of(session))
    return await _list_page(
        request,
        session,
        app_id,
        kind,
        notice="Default mappings restored and scoping filters cleared. The next cycle is initial.",
    )


@router.post(_BASE + "/remove")
async def remove(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Remove the mapping of one target attribute."""
    session, form = form_in
    target = form.text("target")
    try:
        await portal_of(request).apps.mappings.remove_mapping(
            app_id, kind, target, actor=actor_of(session)
        )
    except ConfigError as exc:
        return await _list_page(request, session, app_id, kind, status_code=400, error=str(exc))
    return await _list_page(
        request, session, app_id, kind, notice=f"Removed the mapping of {target}."
    )


@router.post(_BASE + "/scoping/add")
async def scoping_add(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Add a clause to a scoping filter (clauses of a filter AND; filters OR)."""
    session, form = form_in
    clause = (form.text("attribute"), form.get("operator"), form.optional("value"))
    name = form.text("filter_name") or "Filter 1"
    try:
        if not clause[0]:
            raise ConfigError("enter the source attribute the clause tests")
        await portal_of(request).apps.mappings.add_scoping_clause(
            app_id, kind, name, clause, actor=actor_of(session)
        )
    except ConfigError as exc:
        return await _list_page(request, session, app_id, kind, status_code=400, error=str(exc))
    return await _list_page(
        request,
        session,
        app_id,
        kind,
        notice=f"Added a clause to scoping filter {name!r}. The next cycle is initial.",
    )


@router.post(_BASE + "/scoping/remove")
async def scoping_remove(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Remove a scoping filter, or one clause of it."""
    session, form = form_in
    number = form.integer("clause", "Clause", minimum=1)
    try:
        await portal_of(request).apps.mappings.remove_scoping(
            app_id, kind, form.text("filter_name"), number, actor=actor_of(session)
        )
    except ConfigError as exc:
        return await _list_page(request, session, app_id, kind, status_code=400, error=str(exc))
    return await _list_page(request, session, app_id, kind, notice="Scoping filter changed.")


async def _edit_page(
    request: Request,
    session: Session,
    app_id: str,
    kind: str,
    target: str | None,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    portal = portal_of(request)
    object_type = object_type_named(kind)
    config = await portal.apps.provisioning.config(app_id)
    mapping_set = await portal.apps.mappings.show(config.app.id, object_type)
    mapping = next(
        (m for m in mapping_set.mappings if target and m.target.lower() == target.lower()), None
    )
    return portal.render(
        request,
        "mapping_edit.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="mappings",
        config=config,
        object_type=object_type,
        kind=object_type.lower(),
        mapping=mapping,
        target=target or "",
        targets=config.attribute_list(object_type),
        target_types=[kind.value for kind in CUSTOM_TYPES],
        **values,
    )


@router.get(_BASE + "/edit")
async def edit_page(
    request: Request, app_id: str, kind: str, session: SignedIn, target: str | None = None
) -> Response:
    """Edit one mapping (or add one, without ``target``)."""
    return await _edit_page(request, session, app_id, kind, target)


@router.post(_BASE + "/edit")
async def save_mapping(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Save one mapping; the expression is checked first."""
    session, form = form_in
    try:
        edit = edit_from_form(form)
        await portal_of(request).apps.mappings.set_mapping(
            app_id, kind, edit, actor=actor_of(session)
        )
    except ScimitarError as exc:
        return await _edit_page(
            request,
            session,
            app_id,
            kind,
            form.text("target") or None,
            status_code=400,
            error=str(exc),
            form=form,
        )
    return RedirectResponse(f"/portal/apps/{app_id}/mappings/{kind}?saved=1", status_code=303)


@router.post(_BASE + "/try")
async def try_expression(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Evaluate the mapping as entered on one directory user or group (not saved)."""
    session, form = form_in
    portal = portal_of(request)
    object_type = object_type_named(kind)
    outcome: dict[str, Any] | None = None
    problem: str | None = None
    caret: list[str] = []
    try:
        edit = edit_from_form(form)
        key = form.text("object")
        if not key:
            raise ConfigError("enter the user (UPN or objectId) or group to test on")
        found = await _object(portal, object_type, key)
        mapping_set = await portal.apps.mappings.show(app_id, object_type)
        outcome = try_mapping(mapping_set, edit, found.to_attributes())
    except ExpressionSyntaxError as exc:
        problem = f"Syntax error: {exc}"
        lines = exc.expression.split("\n") or [""]
        caret = [lines[min(exc.line, len(lines)) - 1], " " * (exc.column - 1) + "^"]
    except (ConfigError, NotFoundError, ScimitarError) as exc:
        problem = str(exc)
    if request.headers.get("hx-request") == "true":
        return portal.render(
            request, "_try_result.html", session, outcome=outcome, problem=problem, caret=caret
        )
    return await _edit_page(
        request,
        session,
        app_id,
        kind,
        form.text("target") or None,
        form=form,
        outcome=outcome,
        problem=problem,
        caret=caret,
    )
