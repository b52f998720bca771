"""The responsibility + audit demo step on its own (no census step before it: OSM points stand in)."""

from __future__ import annotations

import geopandas as gpd

from wanmi.workflow.demo import DemoContext, step_grid, step_responsibility_audit


def test_demo_step_without_census(tmp_path):
    ctx = DemoContext(out_dir=tmp_path, quiet=True)
    step_grid(ctx)
    step_responsibility_audit(ctx)
    areas = gpd.read_file(ctx.outputs["Dongcheng responsibility areas (责任网格)"], layer="responsibility_areas")
    assert areas["responsible"].notna().all() and areas["contiguous"].all()
    assert areas["n_cells"].sum() == len(ctx.data["dongcheng_cells"])
    assert "No problems found" in (tmp_path / "dongcheng_audit.md").read_text(encoding="utf-8")
    for key in ("Dongcheng audit report", "Helsinki audit report"):
        assert ctx.outputs[key].suffix == ".html" and ctx.outputs[key].with_suffix(".csv").exists()
