"""Allow `python -m halosync`."""

from halosync.cli import main

main()
