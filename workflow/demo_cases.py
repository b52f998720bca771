"""Demo step 案卷: seeded SYNTHETIC cases over the sample grids, overlaid on the cells and counted.

Dongcheng: 60,000 synthetic cases over the regular grid, Q1 2025 (the evaluation step scores them).
Helsinki: synthetic cases at the census components of the census step (when it ran), exported as a case
file with Chinese headers plus a few broken records and imported back through the validating importer, so
the reject list shows what the checks catch. Every output is labelled synthetic (``case_metadata``).
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

SEED = 20250301
DONGCHENG_CASES = 60_000
HELSINKI_CASES = 3_000
START, END = "2025-01-01", "2025-04-01"


def _broken_export(cases: Any, path: Any) -> Any:
    """The Helsinki cases as a field export: Chinese headers, WGS 84 lon/lat, five deliberately bad rows."""
    from ..core.cases import CASE_FIELD_LABELS_ZH, TIME_FIELDS
    from ..layers.safe_tables import write_csv

    wgs = cases.to_crs("EPSG:4326")
    table = pd.DataFrame({CASE_FIELD_LABELS_ZH[c]: cases[c] for c in CASE_FIELD_LABELS_ZH})
    for c in TIME_FIELDS:
        table[CASE_FIELD_LABELS_ZH[c]] = cases[c].dt.strftime("%Y-%m-%d %H:%M").where(cases[c].notna(), "")
    table["经度"], table["纬度"] = wgs.geometry.x.round(7), wgs.geometry.y.round(7)
    bad = table.iloc[:5].copy()
    bad.iloc[0, table.columns.get_loc("案卷编号")] = table["案卷编号"].iloc[10]  # duplicate id
    bad.iloc[1, table.columns.get_loc("小类代码")] = "99999"  # unknown class
    bad.iloc[2, table.columns.get_loc("立案时间")] = "2024-12-31 08:00"  # registered before it was reported
    bad.iloc[3, table.columns.get_loc("经度")] = 24.5  # 20 km west of the demo jurisdiction
    bad.iloc[4, table.columns.get_loc("经度")], bad.iloc[4, table.columns.get_loc("纬度")] = None, None
    bad.iloc[4, table.columns.get_loc("部件编码")] = None  # neither location nor component
    bad["案卷编号"] = [table["案卷编号"].iloc[10]] + [f"BAD{k}" for k in range(1, 5)]
    write_csv(pd.concat([table, bad], ignore_index=True), path)
    return path


def step_cases(ctx: Any) -> None:
    """案卷: synthetic cases over Dongcheng (→ evaluation) and at Helsinki's census components; overlay on
    the cells, counts per cell/community by class and stage; a validating import with its reject list."""
    from ..core.cases import case_counts, counts_on_cells, overlay_cases, synthetic_cases
    from ..layers.case_store import import_cases, write_cases

    t0 = time.perf_counter()
    cells = ctx.data["dongcheng_cells"]
    raw = synthetic_cases(ctx.data.get("dongcheng_components"), cells, DONGCHENG_CASES, START, END, seed=SEED)
    cases = overlay_cases(raw, cells)
    cases.attrs.update(raw.attrs)
    by_cell = case_counts(cases, by="cell_code", by_state=True)
    by_comm = case_counts(cases, by="community_code", by_state=True)
    path = write_cases(ctx.out_dir / "dongcheng_cases.gpkg", cases, extra_layers={
        "case_counts_cell": counts_on_cells(by_cell, cells, "cell_code"),
        "case_counts_community": counts_on_cells(by_comm, cells, "community_code"),
    })
    ctx.outputs["Dongcheng synthetic cases + counts (案卷)"] = path
    ctx.data.update(cases=cases, case_cells=cells)
    states = cases["state"].value_counts()
    ctx.say(f"[cases] Dongcheng: {len(cases):,} SYNTHETIC cases {START}…{END} (seed {SEED}) on {len(by_cell)} "
            f"cells / {len(by_comm)} communities; " + ", ".join(f"{s} {int(n):,}" for s, n in states.items())
            + f" ({time.perf_counter() - t0:.1f} s) → {path}")

    t0 = time.perf_counter()
    h_cells = ctx.data["helsinki_cells"]
    components = ctx.data.get("components")
    h_raw = synthetic_cases(components, h_cells, HELSINKI_CASES, START, END, seed=SEED + 1)
    export = _broken_export(h_raw, ctx.out_dir / "helsinki_cases_export.csv")
    store = ctx.out_dir / "helsinki_cases.gpkg"
    store.unlink(missing_ok=True)
    rejects = ctx.out_dir / "helsinki_cases_rejects.csv"
    result = import_cases(export, store, components=components, jurisdiction=ctx.data["helsinki_communities"],
                          rejects=rejects, metadata={"synthetic": True, "data_source": h_raw.attrs["data_source"]})
    ctx.outputs["Helsinki synthetic case export (CSV, 中文表头)"] = export
    ctx.outputs["Helsinki case store (imported)"] = store
    ctx.outputs["Helsinki case import rejects"] = rejects
    on_comp = int(h_raw["component_code"].notna().sum())
    ctx.say(f"[cases] Helsinki: {len(h_raw):,} SYNTHETIC cases ({on_comp:,} at census components) exported and "
            f"re-imported: {result.n_written:,} stored, {result.n_rejected} rejected ("
            + ", ".join(f"{k} {n}" for k, n in result.report.summary().items())
            + f") ({time.perf_counter() - t0:.1f} s) → {store}")
