"""Admin API schemas (pydantic): request bodies and responses, separate from tables and SCIM."""
