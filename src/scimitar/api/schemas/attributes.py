"""The target attribute list as the admin API shows and edits it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TargetAttributeCreate", "TargetAttributeDocument"]


class TargetAttributeDocument(BaseModel):
    """One attribute mappings can target (Graph ``attributeDefinition``)."""

    name: str = Field(description="The target path, e.g. urn:...:contoso:2.0:User:badge.")
    type: Literal["String", "Boolean", "Integer", "Reference", "DateTime", "Complex"]
    multiValued: bool
    required: bool
    referencedObject: str | None = Field(description="For a Reference: User or Group.")
    origin: Literal["template", "discovered", "custom"] = Field(
        description="The template, schema discovery, or an admin (only those can be removed)."
    )


class TargetAttributeCreate(BaseModel):
    """An attribute to add to the list."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=400,
        description="A target path: nickName, or urn:ietf:params:scim:schemas:extension:"
        "<Ext>:2.0:User:<attr> (the URN ends in the object type).",
    )
    type: str = Field(
        default="String",
        max_length=20,
        description="String, Boolean, Integer, DateTime or Reference (any case).",
    )
    multiValued: bool = False
    required: bool = False
    referencedObject: str | None = Field(
        default=None, max_length=20, description="For type Reference: User or Group."
    )
