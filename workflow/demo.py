"""``make demo`` / ``wanmi demo``: the Wanmi workflow on the bundled sample data, end to end.

Each step calls the same engine functions as the CLI and the Processing algorithms and writes a
GeoPackage (or a map) that opens styled in QGIS. Steps run in the order of :data:`STEPS`; each takes the
shared :class:`DemoContext` (output folder, results of earlier steps) and records its outputs in it.
:data:`DEMO` declares the ``wanmi demo`` command (command line only). The declaration loads no engine: the
steps import it when they run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback, ensure
from ..layers import SAMPLE_DIR, STYLES_DIR
from .base import Capability, Param, Result

DONGCHENG = SAMPLE_DIR / "dongcheng.gpkg"
HELSINKI = SAMPLE_DIR / "helsinki.gpkg"
CELL_STYLE = {"unit_cells": STYLES_DIR / "unit_cells.qml"}


@dataclass
class DemoContext:
    """What the demo steps share: the output folder, intermediate results, and the outputs to print."""

    out_dir: Path
    quiet: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    log: Callable[[str], None] | None = None  #: where the step messages go (default stderr)

    def say(self, message: str) -> None:
        if self.quiet:
            return
        if self.log is not None:
            self.log(message)
        else:
            print(message, file=sys.stderr, flush=True)


def step_grid(ctx: DemoContext) -> None:
    """Unit grids: Dongcheng (regular lattice inside 169 communities) and Helsinki (street blocks)."""
    import geopandas as gpd

    from ..core.grid import partition, summarize
    from ..layers.gpkg import write_gpkg

    t0 = time.perf_counter()
    communities = gpd.read_file(DONGCHENG, layer="communities", engine="pyogrio")
    result = partition(communities, method="regular", target_area=10_000.0)
    path = write_gpkg(ctx.out_dir / "dongcheng_cells.gpkg",
                      {"unit_cells": result.cells, "communities": communities}, styles=CELL_STYLE)
    ctx.outputs["Dongcheng unit cells (regular)"] = path
    ctx.data.update(dongcheng_cells=result.cells, dongcheng_communities=communities)
    s = summarize(result.cells)
    ctx.say(f"[grid] Dongcheng: {s['count']} cells, mean {s['area_mean']:.0f} m² "
            f"({time.perf_counter() - t0:.1f} s) → {path}")

    t0 = time.perf_counter()
    h_comm = gpd.read_file(HELSINKI, layer="communities", engine="pyogrio")
    roads = gpd.read_file(HELSINKI, layer="roads", engine="pyogrio")
    result = partition(h_comm, method="street-block", roads=roads, target_area=10_000.0)
    path = write_gpkg(ctx.out_dir / "helsinki_cells.gpkg",
                      {"unit_cells": result.cells, "roads": roads, "communities": h_comm}, styles=CELL_STYLE)
    ctx.outputs["Helsinki unit cells (street blocks)"] = path
    ctx.data.update(helsinki_cells=result.cells, helsinki_communities=h_comm, helsinki_roads=roads)
    s = summarize(result.cells)
    ctx.say(f"[grid] Helsinki: {s['count']} cells, mean {s['area_mean']:.0f} m² "
            f"({time.perf_counter() - t0:.1f} s) → {path}")


def step_census(ctx: DemoContext) -> None:
    """Census: Helsinki's real OSM lamps, trees, manholes … coded as components (codes allocated per class
    and street), checked against the street-block cells; code → place lookup of one component."""
    from ..core.placement import consistency_report, locate_codes
    from ..layers.safe_tables import write_csv
    from ..layers.sample_census import build_sample_census

    t0 = time.perf_counter()
    path = ctx.out_dir / "helsinki_census.gpkg"
    store, result = build_sample_census(path, ctx.data["helsinki_cells"])
    ctx.outputs["Helsinki component census (部件普查)"] = path
    if result.n_rejected:
        ctx.outputs["Census records rejected on import"] = result.write_rejects(ctx.out_dir / "census_rejects.csv")
    components = store.read()
    report = consistency_report(components, ctx.data["helsinki_cells"], store.scheme)
    ctx.outputs["Code/location disagreements"] = ctx.out_dir / "census_consistency.csv"
    write_csv(report, ctx.outputs["Code/location disagreements"])
    ctx.data.update(components=components, census_path=path)
    first = locate_codes([components["code"].iloc[0]], components, store.scheme).iloc[0]
    ctx.say(f"[census] Helsinki: {result.n_inserted} components coded, {result.n_rejected} rejected "
            f"(same class within 0.5 m), {len(report)} code/location disagreements "
            f"({time.perf_counter() - t0:.1f} s) → {path}\n"
            f"         e.g. {first['code']} = {first['class_name']} [{first['status']}] in cell {first['cell_code']} "
            f"at {first['lon']:.6f}, {first['lat']:.6f}")


def _demo_components(ctx: DemoContext) -> tuple[Any, str]:
    """The census components of an earlier step, else Helsinki's OSM points as component-like points."""
    import geopandas as gpd

    comps = ctx.data.get("components")
    if comps is None:
        return gpd.read_file(HELSINKI, layer="points", engine="pyogrio"), "default12"
    length = int(comps["code"].astype(str).str.len().mode().iloc[0]) if "code" in comps.columns else 12
    return comps, {16: "cjt214-16", 17: "gbt47678-17"}.get(length, "default12")


def step_responsibility_audit(ctx: DemoContext) -> None:
    """Responsibility grids (责任网格) and the boundary audit (边界审计): Dongcheng split into supervisor areas
    of the practice size (≈ 12 cells, 180,000 m²) inside each street, Helsinki into 10 areas balanced by
    components and area; both audited against their communities (with the census for Helsinki) and the
    reports written as Markdown, HTML and CSV."""
    from ..core.audit import audit
    from ..core.responsibility import build_responsibility
    from ..layers.audit_report import write_audit_gpkg, write_audit_report
    from ..layers.gpkg import write_gpkg

    styles = {"responsibility_areas": STYLES_DIR / "responsibility_areas.qml", **CELL_STYLE}
    t0 = time.perf_counter()
    cells, communities = ctx.data["dongcheng_cells"], ctx.data["dongcheng_communities"]
    resp = build_responsibility(cells, None, weight="area")
    areas = resp.areas.copy()
    areas["responsible"] = [f"监督员 {k + 1:03d}" for k in range(len(areas))]
    path = write_gpkg(ctx.out_dir / "dongcheng_responsibility.gpkg",
                      {"responsibility_areas": areas, "unit_cells": resp.cells}, styles=styles)
    ctx.outputs["Dongcheng responsibility areas (责任网格)"] = path
    s = resp.summary
    ctx.say(f"[responsibility] Dongcheng: {s['areas']} areas of {s['cells_per_area']:.1f} cells / "
            f"{s['area_m2_per_area']:,.0f} m², workload max/mean {s['max_mean']:.3f}, compactness mean "
            f"{s['compactness_mean']:.2f} ({time.perf_counter() - t0:.1f} s) → {path}")
    t0 = time.perf_counter()
    result = audit(cells, communities, areas=areas, jurisdiction_name="北京市东城区 Dongcheng (sample)")
    gpkg = write_audit_gpkg(result, ctx.out_dir / "dongcheng_audit.gpkg")
    files = write_audit_report(result, ctx.out_dir / "dongcheng_audit.md")
    ctx.outputs["Dongcheng audit (边界审计)"] = gpkg
    ctx.outputs["Dongcheng audit report"] = files["html"]
    ctx.say(f"[audit] Dongcheng: {result.errors} errors, {result.warnings} warnings "
            f"({time.perf_counter() - t0:.1f} s) → {files['md']}")

    t0 = time.perf_counter()
    h_cells, h_comm = ctx.data["helsinki_cells"], ctx.data["helsinki_communities"]
    components, scheme = _demo_components(ctx)
    resp = build_responsibility(h_cells, 10, weight="mix", components=components)
    areas = resp.areas.copy()
    areas["responsible"] = [f"Supervisor {k + 1:02d}" for k in range(len(areas))]
    path = write_gpkg(ctx.out_dir / "helsinki_responsibility.gpkg",
                      {"responsibility_areas": areas, "unit_cells": resp.cells}, styles=styles)
    ctx.outputs["Helsinki responsibility areas (责任网格)"] = path
    result = audit(h_cells, h_comm, areas=areas, components=components, component_scheme=scheme,
                   jurisdiction_name="Helsinki (sample, synthetic communities)")
    gpkg = write_audit_gpkg(result, ctx.out_dir / "helsinki_audit.gpkg")
    files = write_audit_report(result, ctx.out_dir / "helsinki_audit.md")
    ctx.outputs["Helsinki audit (边界审计)"] = gpkg
    ctx.outputs["Helsinki audit report"] = files["html"]
    found = ", ".join(f"{r.type} × {r.count}" for r in result.summary.itertuples()) or "no problems"
    ctx.say(f"[audit] Helsinki: 10 areas balanced by components + area (max/mean "
            f"{resp.summary['max_mean']:.3f}); audit with {len(components)} components: {found} "
            f"({time.perf_counter() - t0:.1f} s) → {files['md']}")


def step_cases(ctx: DemoContext) -> None:
    """案卷: synthetic cases over the sample grids (:mod:`.demo_cases`, which loads the engine when it runs)."""
    from .demo_cases import step_cases as cases_step

    cases_step(ctx)


def step_evaluation(ctx: DemoContext) -> None:
    """综合评价: scores and maps of the cases (:mod:`.demo_evaluation`, loaded when it runs)."""
    from .demo_evaluation import step_evaluation as evaluation_step

    evaluation_step(ctx)


# Steps in workflow order: Grid → Census → Cases → Evaluation → Audit (→ batch). Each later issue adds its
# step function above and its name here.
STEPS: list[Callable[[DemoContext], None]] = [
    step_grid,
    step_census,
    step_cases,
    step_evaluation,
    step_responsibility_audit,
]


def run_demo(out_dir: Path, quiet: bool = False, feedback: Feedback | None = None) -> dict[str, Path]:
    """Run every demo step into ``out_dir``; return {what: path}. With ``feedback`` the step messages go to
    its log and the progress follows the steps."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(out_dir=out_dir, quiet=quiet, log=feedback.info if feedback is not None else None)
    fb = ensure(feedback)
    for k, step in enumerate(STEPS, 1):
        step(ctx)
        fb.step(k, len(STEPS))
    return ctx.outputs


def run(out: str, feedback: Feedback | None = None) -> Result:
    """``wanmi demo``: every step into the folder ``out``; the message lists what was written."""
    outputs = run_demo(Path(out), feedback=feedback)
    lines = [f"  {label:<40} {path}" for label, path in outputs.items()]
    return Result({}, "\n".join(["", "Wanmi demo finished. Outputs:", *lines]), {"OUTPUTS": len(outputs)})


DEMO = Capability(
    name="demo",
    title="Run the Wanmi demo on the bundled sample data",
    summary="run the whole workflow on the bundled sample data",
    help=(
        "Runs the whole workflow on the bundled sample data — unit grids of Dongcheng (regular) and Helsinki "
        "(street blocks), the Helsinki component census, synthetic cases, the evaluation with its maps, "
        "responsibility areas and the boundary audit — and writes every result, styled, into one folder. "
        "Command line only: it writes a folder of many files (make demo)."
    ),
    step="grid",
    fronts=("cli",),  # a walk-through writing a folder of many files (make demo), not a tool for a QGIS layer
    params=(
        Param("out", "folder", "Output folder", processing="OUTPUT_FOLDER", cli="--out", default="demo_output",
              help="folder the demo writes its GeoPackages, maps and reports into (default demo_output)"),
    ),
    outputs=(),
    numbers=(("OUTPUTS", "Outputs written"),),
    tags=("演示", "示例数据", "万米单元网格", "部件普查", "案卷", "综合评价"),
    run=run,
)
