"""The outbound SCIM client: transport, auth, dialects, rate limits, error taxonomy, Bulk."""
