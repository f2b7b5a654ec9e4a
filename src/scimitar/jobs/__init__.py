"""Running cycles: the in-process scheduler of ``scimitar serve``."""
