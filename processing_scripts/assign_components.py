"""Processing: Assign components to cells (部件归属单元网格), generated from ``wanmi.workflow.census``."""

from __future__ import annotations

from ..workflow.census import ASSIGN_COMPONENTS
from .workflow_adapter import algorithm_class

AssignComponents = algorithm_class(ASSIGN_COMPONENTS, "AssignComponents")
