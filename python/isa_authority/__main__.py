"""``python -m isa_authority ...`` runs the ``isa-authority`` command."""

from ._cli import main

main()
