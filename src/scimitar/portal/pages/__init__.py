"""The portal's pages, one module per area (directory, apps, provisioning, mappings, activity)."""
