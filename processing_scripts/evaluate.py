"""Processing: Compute evaluation scores (综合评价), generated from ``wanmi.workflow.evaluate``."""

from __future__ import annotations

from ..workflow.evaluate import EVALUATE
from .workflow_adapter import algorithm_class

ComputeEvaluationScores = algorithm_class(EVALUATE, "ComputeEvaluationScores")
