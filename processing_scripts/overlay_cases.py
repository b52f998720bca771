"""Processing: Overlay cases on grid (案卷叠加网格), generated from ``wanmi.workflow.cases``."""

from __future__ import annotations

from ..workflow.cases import OVERLAY_CASES
from .workflow_adapter import algorithm_class

OverlayCases = algorithm_class(OVERLAY_CASES, "OverlayCases")
