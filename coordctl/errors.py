"""The exceptions the library raises; each carries the exit code the CLI uses."""

from __future__ import annotations


class CoordctlError(Exception):
    """A problem the user can fix; the message says how. Exit code 2: it could not run."""

    exit_code = 2


class WorkspaceNotFound(CoordctlError):
    """No ``coordctl.yaml`` in the given directory or above it."""


class UnknownDocument(CoordctlError):
    """A ``KIND/ID`` or id given on the command line names no document."""


class OutputError(CoordctlError):
    """An output file or folder cannot be written."""


class GitNotInstalled(CoordctlError):
    """The ``git`` program is not installed (or not on PATH), so no repository can be made."""
