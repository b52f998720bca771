"""The workflow layer: each capability declared once (:mod:`.base`) and exposed by the CLI and Processing.

:data:`CAPABILITIES` lists every capability in workflow order: the order of the dock, the menu and the
``wanmi`` sub-commands.
"""

from __future__ import annotations

from .audit import AUDIT
from .base import Capability, Output, Param, Result, expected_failure
from .batch import BATCH
from .cases import IMPORT_CASES, OVERLAY_CASES, SYNTH_CASES
from .census import (
    ASSIGN_COMPONENTS,
    IMPORT_CENSUS,
    LOCATE_CODES,
    VALIDATE_CENSUS,
)
from .convert import CONVERT
from .demo import DEMO
from .evaluate import EVALUATE
from .partition import PARTITION
from .render import RENDER
from .renumber import RENUMBER
from .responsibility import RESPONSIBILITY

#: name → capability, in workflow order
CAPABILITIES: dict[str, Capability] = {c.name: c for c in (
    PARTITION, RENUMBER, CONVERT, IMPORT_CENSUS, VALIDATE_CENSUS, ASSIGN_COMPONENTS,
    LOCATE_CODES, IMPORT_CASES, OVERLAY_CASES, SYNTH_CASES, EVALUATE, RENDER, RESPONSIBILITY, AUDIT,
    BATCH, DEMO)}

__all__ = ["CAPABILITIES", "Capability", "Output", "Param", "Result", "expected_failure"]
