"""``python -m scimitar`` runs the ``scimitar`` command."""

from scimitar.cli.main import run

run()
