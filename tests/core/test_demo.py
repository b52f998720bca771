"""``make demo`` end to end: every step runs on the bundled sample data and writes outputs that open."""

from __future__ import annotations

import pyogrio

from wanmi.workflow.demo import STEPS, run_demo


def test_demo_writes_every_output(tmp_path):
    outputs = run_demo(tmp_path / "demo", quiet=True)
    assert len(outputs) >= len(STEPS)
    for label, path in outputs.items():
        assert path.exists() and path.stat().st_size > 0, label
        if path.suffix == ".gpkg":
            assert len(pyogrio.list_layers(path)) >= 1, label
