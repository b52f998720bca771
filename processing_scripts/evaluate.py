"""Processing: Compute evaluation scores (综合评价), generated from ``wanmi.workflow.evaluate``."""

from __future__ import annotations

from dataclasses import replace

from ..workflow.evaluate import EVALUATE
from .workflow_adapter import algorithm_class


class ComputeEvaluationScores(algorithm_class(EVALUATE, "ComputeEvaluationScores")):
    """The generated algorithm, except that a table (departments, supervisors: no geometry) gets no grade style:
    a QML renderer draws geometries, and the loaded table should carry no post-processor."""

    def _sink(self, parameters, context, feedback, out, frame, fallback) -> str:
        if getattr(frame, "_geometry_column_name", None) is None:
            out = replace(out, style="")
        return super()._sink(parameters, context, feedback, out, frame, fallback)

