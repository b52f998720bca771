"""Processing: Validate census records (部件普查数据检查), generated from ``wanmi.workflow.census``."""

from __future__ import annotations

from ..workflow.census import VALIDATE_CENSUS
from .workflow_adapter import algorithm_class

ValidateCensus = algorithm_class(VALIDATE_CENSUS, "ValidateCensus")
