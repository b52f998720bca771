"""Responsibility areas (责任网格): N balanced, contiguous areas of whole unit cells, declared once for every front
end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback
from .base import ENGINE, Capability, Output, Param, Result, layer_name

#: workload measures (``wanmi.core.responsibility.WEIGHTS``, not imported here: the declaration loads no engine);
#: Processing stores the index, so the order is part of the interface
WEIGHTS = ("area", "components", "cases", "cells", "mix")


def parse_mix(text: str | None) -> dict[str, float] | None:
    """The weights of the ``mix`` workload from ``area=1,components=2`` (a bare name weighs 1)."""
    if not text:
        return None
    out = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = float(value) if value.strip() else 1.0
        except ValueError as exc:
            raise InputError(f"mix weights {text!r}: {item.strip()!r} is not name=number") from exc
    return out


def parties(text: str) -> list[str]:
    """Responsible parties from a comma-separated list or a text file with one per line."""
    path = Path(text)
    items = path.read_text(encoding="utf-8").splitlines() if path.is_file() else text.split(",")
    return [p.strip() for p in items if p.strip()]


def run(cells: Any, n: int, weight: str, weight_field: str | None, workload: str | None, mix: str | None,
        components: Any, cases: Any, allow_cross_street: bool, tolerance: float, responsible: str | None,
        feedback: Feedback | None = None) -> Result:
    """Group ``cells`` into ``n`` areas (0: the practice reference) balanced by the workload: ``weight_field``
    (a numeric cell field) before ``workload`` (the command line's ``--weight``: a measure or a field) before
    ``weight`` (the Processing choice). ``responsible`` names the parties in area-code order, one per area."""
    from ..core.responsibility import build_responsibility

    measure = weight_field or workload or weight
    if weight_field and weight_field not in cells.columns:
        raise InputError(f"{layer_name(cells)}: no field {weight_field!r} for the workload")
    names = parties(responsible) if responsible else None
    result = build_responsibility(cells, n or None, weight=measure, components=components, cases=cases,
                                  mix=parse_mix(mix), allow_cross_street=allow_cross_street, tolerance=tolerance,
                                  feedback=feedback)
    areas = result.areas
    if names is not None:
        if len(names) != len(areas):
            raise InputError(f"the responsible parties name {len(names)} parties for {len(areas)} areas; "
                             "give one per area, in area-code order. Nothing was written.")
        areas["responsible"] = names  # areas come in area-code order
    s = result.summary
    message = (f"{s['areas']} responsibility areas; workload max/mean {s['max_mean']:.3f}, min/mean "
               f"{s['min_mean']:.3f}; compactness mean {s['compactness_mean']:.3f}; practice reference suggests "
               f"{result.suggested_n} areas")
    return Result({"areas": areas, "cells": result.cells, "allocation": result.allocation}, message,
                  {"AREA_COUNT": len(areas), "MAX_MEAN": s["max_mean"], "COMPACTNESS_MEAN": s["compactness_mean"]})


RESPONSIBILITY = Capability(
    requires=(*ENGINE, "scipy"),
    name="responsibility",
    title="Build responsibility grids",
    summary="group unit cells into N balanced responsibility areas (责任网格)",
    help=(
        "Groups unit cells into N responsibility areas (责任网格) for supervisors or departments: every area is "
        "contiguous (whole cells joined by shared borders), compact, and the areas are balanced by the chosen "
        "workload — cell area, number of components, number of cases, number of cells, or a mix of these "
        "(each measure divided by its mean per cell), or a numeric cell field. Areas stay inside one street "
        "unless crossing is allowed; N is then shared among the streets in proportion to their workload "
        "(D'Hondt rule). Method: recursive bisection of the cell graph, then boundary cells are moved between "
        "neighbouring areas while that improves the balance and keeps each area connected.\n"
        "N = 0 takes the practice reference of about 12 cells, 180,000 m² and 1,400 components per supervisor. "
        "The log reports the largest and smallest workload against the mean (max/mean) and the compactness "
        "(Polsby–Popper 4πA/P²) of the areas."
    ),
    step="audit",
    params=(
        Param("cells", "vector", "Unit cells", processing="INPUT", cli="cells", geometry="polygon",
              preferred_layer="unit_cells",
              help="The unit cells to group (e.g. the output of the partition), with street_code to keep areas "
                   "inside streets."),
        Param("n", "integer", "Number of areas (0: from the practice reference)", processing="N", cli="--n",
              default=0, minimum=0,
              help="How many areas to make; 0 follows the practice reference (one supervisor ≈ 12 cells, "
                   "180,000 m², 1,400 components)."),
        Param("weight", "enum", "Workload", processing="WEIGHT", cli="--weight", front="processing",
              choices=WEIGHTS, default="area",
              choice_labels=("Area", "Components", "Cases", "Cells", "Mix (area, components, cases)"),
              help="What the areas are balanced by: cell area, components or cases counted per cell, the number "
                   "of cells, or a mix of these (each measure divided by its mean per cell)."),
        Param("weight_field", "field", "Workload field (overrides the workload choice)", processing="WEIGHT_FIELD",
              cli="--weight-field", parent="cells", optional=True, front="processing",
              help="A numeric cell field whose values are the workload; it takes the place of the workload choice."),
        Param("workload", "string", "Workload", processing="WEIGHT", cli="--weight", front="cli", optional=True,
              help="area, components, cases, cells, mix, or the name of a numeric cell field (default area)."),
        Param("mix", "string", "Mix weights", processing="MIX", cli="--mix", optional=True, advanced=True,
              help="Weights of the mix workload, e.g. area=1,components=2 (each measure is first divided by its "
                   "mean per cell); empty: area, components and cases count alike."),
        Param("components", "vector", "Components (points)", processing="COMPONENTS", cli="--components",
              geometry="point", optional=True, preferred_layer="components",
              help="Component points, counted per cell for the components and mix workloads."),
        Param("cases", "vector", "Cases (points)", processing="CASES", cli="--cases", geometry="point",
              optional=True, preferred_layer="cases",
              help="Case points, counted per cell for the cases and mix workloads."),
        Param("allow_cross_street", "bool", "Allow areas to cross street boundaries", processing="ALLOW_CROSS_STREET",
              cli="--allow-cross-street", default=False,
              help="Let areas span street boundaries; by default every area stays inside one street."),
        Param("tolerance", "number", "Balance tolerance (share of the mean workload)", processing="TOLERANCE",
              cli="--tolerance", default=0.02, minimum=0.0, maximum=0.5, advanced=True,
              help="Refinement stops once every area's workload is within this share of the mean (0.02 = 2%)."),
        Param("responsible", "string", "Responsible parties", processing="RESPONSIBLE", cli="--responsible",
              optional=True,
              help="The responsible parties in area-code order, one per area: a comma-separated list or a text "
                   "file with one per line (empty: left to be filled in; the audit reports areas without one)."),
    ),
    outputs=(
        Output("areas", "Responsibility areas", layer="responsibility_areas", style="responsibility_areas.qml",
               geometry="polygon"),
        Output("cells", "Unit cells with their area", layer="unit_cells", processing="CELLS_OUTPUT",
               style="unit_cells.qml", optional=True, geometry="polygon"),
        Output("allocation", "Areas per street", layer="allocation", processing="ALLOCATION", table=True,
               optional=True),
    ),
    numbers=(("AREA_COUNT", "Number of areas"), ("MAX_MEAN", "Largest workload / mean"),
             ("COMPACTNESS_MEAN", "Mean compactness")),
    tags=("责任网格", "监督员", "网格化管理", "工作量均衡", "responsibility", "supervisor", "workload", "balance"),
    run=run,
)
