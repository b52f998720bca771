"""Processing: Render score map (评价专题图), generated from ``wanmi.workflow.render``."""

from __future__ import annotations

from ..workflow.render import RENDER
from .workflow_adapter import algorithm_class

RenderScoreMap = algorithm_class(RENDER, "RenderScoreMap")
