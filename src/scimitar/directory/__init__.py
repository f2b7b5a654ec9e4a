"""The source directory: users, groups, memberships, a change feed, import and a generator."""

from scimitar.directory.model import Group, Member, Membership, ObjectType, User

__all__ = ["Group", "Member", "Membership", "ObjectType", "User"]
