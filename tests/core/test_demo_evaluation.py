"""The evaluation demo step: scores GeoPackage and a coloured grade map of the grid from the cases step's data."""

from __future__ import annotations

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pyogrio

from wanmi.core.cases import overlay_cases, synthetic_cases
from wanmi.core.evaluation import load_weights
from wanmi.core.grid import partition
from wanmi.layers import SAMPLE_DIR
from wanmi.workflow.demo import STEPS, DemoContext, step_evaluation


def test_evaluation_step_ends_with_a_coloured_grade_map(tmp_path):
    communities = gpd.read_file(SAMPLE_DIR / "dongcheng.gpkg", layer="communities", engine="pyogrio").iloc[:6]
    cells = partition(communities).cells
    cases = overlay_cases(synthetic_cases(None, cells, 4000, "2025-01-01", "2025-04-01", seed=3), cells)
    ctx = DemoContext(out_dir=tmp_path, quiet=True, data={"cases": cases, "case_cells": cells})
    step_evaluation(ctx)
    gpkg = ctx.outputs["Dongcheng evaluation scores (综合评价)"]
    assert {"scores_cell", "scores_community", "scores_department"} <= {n for n, _ in pyogrio.list_layers(gpkg)}
    scores = ctx.data["scores_cell"]
    assert len(scores) == len(cells) and scores["period"].iloc[0] == "2025-03"
    png = ctx.outputs["Dongcheng grade map (PNG + PDF)"]
    assert png.with_suffix(".pdf").exists()
    img = (mpimg.imread(png)[:, :, :3] * 255).round().astype(int).reshape(-1, 3)
    colors = load_weights().grade_colors
    present = {g for g in scores["grade"]}
    assert len(present) >= 4
    pixels = {tuple(p) for p in np.unique(img, axis=0)}
    for g in present:
        assert tuple(int(colors[g][i:i + 2], 16) for i in (1, 3, 5)) in pixels, g
    assert STEPS.index(step_evaluation) > 0
