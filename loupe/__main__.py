"""`python -m loupe` runs the CLI."""

from loupe.cli import main

main()
