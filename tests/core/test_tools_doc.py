"""``docs/tools.md`` (the page every Processing help button opens) is generated from the workflow declarations
and current: each tool has its anchor and each parameter its command-line and Processing spelling."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from wanmi.workflow import CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("wanmi_tools_doc", ROOT / "scripts" / "tools_doc.py")
tools_doc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tools_doc)


def test_tools_reference_is_current():
    assert (ROOT / "docs" / "tools.md").read_text(encoding="utf-8") == tools_doc.render(), \
        "docs/tools.md is stale: run python scripts/tools_doc.py"


def test_every_tool_and_parameter_is_in_the_reference():
    text = tools_doc.render()
    for capability in CAPABILITIES.values():
        assert f'<a id="{capability.name.replace("_", "-")}"></a>' in text
        if "cli" in capability.fronts:
            assert f"`wanmi {capability.cli_command}`" in text
        for p in capability.params:
            assert f"`{p.processing}`" in text or f"`{p.cli}`" in text, (capability.name, p.name)
