"""Every table Scimitar stores, one module per part; importing this registers them all."""

# Registers the identity-source tables with the metadata (they live with their part).
import scimitar.sources.model  # noqa: F401
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
    workers,
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
    "workers",
]
