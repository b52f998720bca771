"""Processing: Locate component codes (部件编码定位), generated from ``wanmi.workflow.census``."""

from __future__ import annotations

from ..workflow.census import LOCATE_CODES
from .workflow_adapter import algorithm_class

LocateCodes = algorithm_class(LOCATE_CODES, "LocateCodes")
