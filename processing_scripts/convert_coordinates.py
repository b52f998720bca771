"""Processing: Convert web-map coordinates (GCJ-02 / BD-09 → WGS84), generated from ``wanmi.workflow.convert``."""

from __future__ import annotations

from ..workflow.convert import CONVERT
from .workflow_adapter import algorithm_class

ConvertWebMapCoordinates = algorithm_class(CONVERT, "ConvertWebMapCoordinates")
