"""Exceptions raised by the Wanmi engine.

Every error that reaches a user names the record (feature id, code, row) and what is wrong with it.
"""

from __future__ import annotations


class WanmiError(Exception):
    """Base class of all engine errors."""


class InputError(WanmiError, ValueError):
    """Bad input data: the message names the record and the problem."""


class GeographicCRSError(InputError):
    """Area or distance work was asked for in a geographic (degree) CRS."""


class CodeError(InputError):
    """A code does not match its scheme; ``segment`` names the offending segment."""

    def __init__(self, message: str, code: str | None = None, segment: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.segment = segment


class StoreBusyError(WanmiError):
    """A store stayed locked by another writer past the busy timeout; nothing was changed."""
