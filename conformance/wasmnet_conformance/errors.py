"""Errors that stop a run with exit status 2 instead of reporting a case result.

A target that misbehaves fails cases; these are for problems on the suite's side of the line:
bad options, unreadable vectors or expectation files, a target that cannot be started at all.
Every part raises subclasses of :class:`SuiteError`, so the CLI handles them in one place.
"""

from __future__ import annotations


class SuiteError(Exception):
    """Bad options or an unusable environment: the run cannot be judged (exit status 2)."""


class UsageError(SuiteError):
    """The command line asks for something impossible or contradictory."""
