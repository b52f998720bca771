"""Processing: Import cases (案卷导入) into a GeoPackage case store, generated from ``wanmi.workflow.cases``."""

from __future__ import annotations

from ..workflow.cases import IMPORT_CASES
from .workflow_adapter import algorithm_class

ImportCases = algorithm_class(IMPORT_CASES, "ImportCases")
