"""The ``scimitar`` command line."""
