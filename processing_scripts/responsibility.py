"""Processing: Build responsibility grids (责任网格), generated from ``wanmi.workflow.responsibility``."""

from __future__ import annotations

from ..workflow.responsibility import RESPONSIBILITY
from .workflow_adapter import algorithm_class

BuildResponsibilityGrids = algorithm_class(RESPONSIBILITY, "BuildResponsibilityGrids")
