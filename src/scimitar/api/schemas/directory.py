"""Directory users and groups as the admin API reads and writes them.

The attribute fields are built from the directory's catalogue (``USER_ATTRIBUTES``,
``GROUP_ATTRIBUTES``), so the OpenAPI document lists every attribute with its type and length.
Users also take ``extension_<name>`` attributes, which the document allows as extra fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from scimitar.directory.model import (
    GROUP_ATTRIBUTES,
    USER_ATTRIBUTES,
    AttributeSpec,
    AttributeType,
)

__all__ = [
    "ChangePage",
    "DeletedObject",
    "DirectoryChange",
    "DirectoryExport",
    "GeneratedDirectory",
    "GroupCreate",
    "GroupDocument",
    "GroupPage",
    "GroupWrite",
    "ImportReport",
    "MemberList",
    "MemberRef",
    "PurgeResult",
    "UserCreate",
    "UserDocument",
    "UserPage",
    "UserWrite",
]


def _field_type(spec: AttributeSpec) -> Any:
    if spec.type is AttributeType.BOOLEAN:
        return bool | None
    if spec.type is AttributeType.STRINGS:
        return list[str] | None
    return str | None


def _field(spec: AttributeSpec) -> Any:
    kind = {
        AttributeType.REFERENCE: "the manager's objectId",
        AttributeType.STRINGS: f"a list of texts of at most {spec.max_length} characters each",
        AttributeType.BOOLEAN: "true or false",
    }.get(spec.type, f"at most {spec.max_length} characters")
    return (_field_type(spec), Field(default=None, description=f"Entra {spec.name}: {kind}."))


def _attribute_model(
    name: str, catalogue: Any, doc: str, *, extra: str, fields: dict[str, Any]
) -> type[BaseModel]:
    attributes = {spec.name: _field(spec) for spec in catalogue.values()}
    attributes.update(fields)
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra=extra),  # type: ignore[typeddict-item]
        __doc__=doc,
        **attributes,
    )
    return model


_USER_WRITE_DOC = (
    "User attributes to create or change (Entra names). null clears an attribute; on create "
    "userPrincipalName is required and objectId may be given. Users also take "
    "extension_<name> attributes (text)."
)
UserWrite = _attribute_model(
    "UserWrite",
    USER_ATTRIBUTES,
    _USER_WRITE_DOC,
    extra="allow",
    fields={"objectId": (str | None, Field(default=None, description="On create: a GUID."))},
)
UserCreate = _attribute_model(
    "UserCreate",
    USER_ATTRIBUTES,
    _USER_WRITE_DOC,
    extra="allow",
    fields={
        "userPrincipalName": (str, Field(max_length=113, description="alias@domain, unique.")),
        "objectId": (str | None, Field(default=None, description="A GUID; made if left out.")),
    },
)
UserDocument = _attribute_model(
    "UserDocument",
    USER_ATTRIBUTES,
    "A directory user: every catalogue attribute (null when empty) and extension attributes.",
    extra="allow",
    fields={
        "objectId": (str, Field(description="The stable GUID.")),
        "isSoftDeleted": (bool, Field(description="Deleted or disabled.")),
        "deletedDateTime": (str | None, Field(description="When it was soft-deleted.")),
    },
)
GroupWrite = _attribute_model(
    "GroupWrite",
    GROUP_ATTRIBUTES,
    "Group attributes to create or change; on create displayName is required.",
    extra="forbid",
    fields={"objectId": (str | None, Field(default=None, description="On create: a GUID."))},
)


class MemberRef(BaseModel):
    """A direct member of a group."""

    objectId: str
    objectType: str = Field(description="user or group")


GroupCreate = _attribute_model(
    "GroupCreate",
    GROUP_ATTRIBUTES,
    "A group to create; displayName is required.",
    extra="forbid",
    fields={
        "displayName": (str, Field(max_length=256, description="The group's name.")),
        "objectId": (str | None, Field(default=None, description="A GUID; made if left out.")),
    },
)
GroupDocument = _attribute_model(
    "GroupDocument",
    GROUP_ATTRIBUTES,
    "A directory group with its direct members (nested groups are listed, never expanded).",
    extra="forbid",
    fields={
        "objectId": (str, Field(description="The stable GUID.")),
        "members": (list[MemberRef], Field(description="Direct members.")),
        "isSoftDeleted": (bool, Field(description="In the recycle bin.")),
        "deletedDateTime": (str | None, Field(description="When it was soft-deleted.")),
        "added": (int | None, Field(default=None, description="Members just added.")),
        "removed": (int | None, Field(default=None, description="Members just removed.")),
    },
)


class UserPage(BaseModel):
    """One page of users."""

    items: list[UserDocument]  # type: ignore[valid-type]
    nextAfter: int | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


class GroupPage(BaseModel):
    """One page of groups."""

    items: list[GroupDocument]  # type: ignore[valid-type]
    nextAfter: int | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


class MemberList(BaseModel):
    """Members to add: users (objectId or userPrincipalName) or groups (objectId or name)."""

    members: list[str] = Field(min_length=1, max_length=1000)


class DeletedObject(BaseModel):
    """What a delete removed."""

    model_config = ConfigDict(extra="allow")

    objectId: str
    deleted: str = Field(description="soft (restorable) or hard")


class ImportProblemModel(BaseModel):
    """One problem of an import file."""

    line: int
    field: str | None
    message: str


class ImportReport(BaseModel):
    """What an import or generation wrote."""

    users_created: int
    users_updated: int
    users_unchanged: int
    groups_created: int
    groups_updated: int
    groups_unchanged: int
    members_added: int
    problems: list[ImportProblemModel] = Field(description="Rows left out (with partial).")


GeneratedDirectory = ImportReport


class DirectoryExport(BaseModel):
    """The live directory in the JSON import format (import reads it back unchanged)."""

    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]


class DirectoryChange(BaseModel):
    """One entry of the change feed."""

    seq: int
    kind: str
    objectType: str
    objectId: str
    attributes: list[str] | None = None
    memberId: str | None = None
    memberType: str | None = None
    changedAt: str | None = None


class ChangePage(BaseModel):
    """Changes after a watermark, oldest first."""

    changes: list[DirectoryChange]
    watermark: int
    hasMore: bool


class PurgeResult(BaseModel):
    """How many soft-deleted objects a purge removed for good."""

    users: int
    groups: int
