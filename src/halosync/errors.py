"""Failures that end a command, each carrying its documented exit code (docs/commands.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code halosync ends with. Several meanings share 1 and 2: each has its own name (an alias)."""

    OK = 0
    ROWS_FAILED = 1  # run: a row failed (or a held row beside it); a generic failure of a command
    CHECKS_FAILED = 1  # check-permissions: a check failed
    FINDINGS = 1  # audit: findings left to act on, or a fix that failed
    DECISIONS_NOT_OK = 1  # approve: a decision was stale or failed
    NOT_SAVED = 1  # map: the choices could not be saved over the config (they were kept elsewhere)
    CONFIG = 2
    USAGE = 2  # a wrong option or answer on the command line
    AUTH = 3
    LOCKED = 4
    UNREACHABLE = 5
    HELD = 6
    INTERNAL = 70
    LOG_UNWRITABLE = 74
    SIGINT = 130
    SIGTERM = 143


class HalosyncError(Exception):
    """Base class: `str(err)` is a complete message fit for the user (no secrets)."""

    exit_code: ExitCode = ExitCode.ROWS_FAILED


class ConfigError(HalosyncError):
    exit_code = ExitCode.CONFIG


class LockedError(HalosyncError):
    exit_code = ExitCode.LOCKED


class ServiceError(HalosyncError):
    """An HTTP exchange with Huntress or Halo failed.

    `status` is the HTTP status (None for a connection failure or timeout);
    `ambiguous` is true when the request may have been carried out anyway
    (a 5xx or a dropped connection), which matters for creates.
    """

    def __init__(self, service: str, message: str, status: int | None = None, *, ambiguous: bool = False):
        super().__init__(message)
        self.service = service
        self.status = status
        self.ambiguous = ambiguous


class AuthError(ServiceError):
    """401/403: wrong credentials or missing permission."""

    exit_code = ExitCode.AUTH


class UnreachableError(ServiceError):
    """The service could not be reached, or kept failing after every retry."""

    exit_code = ExitCode.UNREACHABLE


class LogWriteError(HalosyncError):
    """The results log could not take some records (disk full, I/O error); `unsaved` holds them as JSON
    lines, for whoever reports the error to print instead of losing them."""

    exit_code = ExitCode.LOG_UNWRITABLE

    def __init__(self, message: str, unsaved: list[str]):
        super().__init__(message)
        self.unsaved = unsaved
