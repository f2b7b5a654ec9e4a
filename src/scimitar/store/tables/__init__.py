"""Every table Scimitar stores, one module per part; importing this registers them all."""

from scimitar.store.tables import (
    admin,
    apps,
    audit,
    directory,
    engine,
    notify,
    resilience,
    security,
    target,
)
from scimitar.store.tables.base import Base

__all__ = [
    "Base",
    "admin",
    "apps",
    "audit",
    "directory",
    "engine",
    "notify",
    "resilience",
    "security",
    "target",
]
