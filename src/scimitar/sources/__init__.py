"""Identity sources: LDAP/Active Directory, inbound API and file feeds into the directory.

A source's reader yields :class:`~scimitar.sources.reader.SourceRecord` values; the sync
(``scimitar.sources.sync``) maps them through the source's inbound mappings and scoping,
matches and links them to directory objects, applies attribute precedence across sources and
the deletion rule, and writes through the directory's write path so the change feed carries
every change to the apps.
"""
