"""Hand-written ``wanmi`` sub-commands that have not yet moved onto a workflow declaration (issue 14)."""

from __future__ import annotations


def add_parsers(sub) -> None:
    """The hand-written sub-commands."""
