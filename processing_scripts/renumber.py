"""Processing: Renumber unit grid (stable codes) after a redraw, generated from ``wanmi.workflow.renumber``."""

from __future__ import annotations

from ..workflow.renumber import RENUMBER
from .workflow_adapter import algorithm_class

RenumberGrid = algorithm_class(RENUMBER, "RenumberGrid")
