"""python -m plandesk: the same as the plandesk command."""

from plandesk.cli.main import main

main()
