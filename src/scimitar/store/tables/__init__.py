"""Every table Scimitar stores, one module per part; importing this registers them all."""

from scimitar.store.tables import apps, directory, engine, target
from scimitar.store.tables.base import Base

__all__ = ["Base", "apps", "directory", "engine", "target"]
