"""The procedures behind the commands: wiring, the sync, checks, map, audit, the results log and notifications."""
