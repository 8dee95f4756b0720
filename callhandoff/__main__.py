"""`python -m callhandoff ...` runs the `callhandoff` command."""

from callhandoff.cli.launch import main

main()
