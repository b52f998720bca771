"""The workflow layer: each capability declared once (:mod:`.base`) and exposed by the CLI and Processing.

Capabilities move here from the hand-written front ends one at a time (issue 14); :data:`CAPABILITIES` lists
those that have, in workflow order.
"""

from __future__ import annotations

from .audit import AUDIT
from .base import Capability, Output, Param, Result, expected_failure
from .convert import CONVERT
from .partition import PARTITION
from .renumber import RENUMBER
from .responsibility import RESPONSIBILITY

#: name → capability, in workflow order
CAPABILITIES: dict[str, Capability] = {c.name: c for c in (PARTITION, RENUMBER, CONVERT, RESPONSIBILITY, AUDIT)}

__all__ = ["CAPABILITIES", "Capability", "Output", "Param", "Result", "expected_failure"]
