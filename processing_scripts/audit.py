"""Processing: Audit grid and responsibility boundaries (边界审计), generated from ``wanmi.workflow.audit``."""

from __future__ import annotations

from ..workflow.audit import AUDIT
from .workflow_adapter import algorithm_class

AuditBoundaries = algorithm_class(AUDIT, "AuditBoundaries")
