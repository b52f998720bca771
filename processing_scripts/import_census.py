"""Processing: Import census records (部件普查入库), generated from ``wanmi.workflow.census``."""

from __future__ import annotations

from ..workflow.census import IMPORT_CENSUS
from .workflow_adapter import algorithm_class

ImportCensus = algorithm_class(IMPORT_CENSUS, "ImportCensus")
