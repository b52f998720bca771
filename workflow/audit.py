"""Boundary audit (边界审计) of unit cells and responsibility areas against the jurisdiction, declared once for every
front end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.enums import (
    CELL_SCHEME_NAMES,
    COMPONENT_SCHEME_NAMES,
    DEFAULT_CELL_SCHEME,
    DEFAULT_COMPONENT_SCHEME,
)
from ..core.errors import InputError
from ..core.feedback import Feedback
from .base import Capability, Output, Param, Result, layer_name
from .partition import code_columns, code_field_params


def _numbered(frame: Any) -> Any:
    """``frame`` with its rows numbered from 1 in reading order: the audit labels a feature without a code
    ``#<number>``, and the front ends index their frames differently (QGIS by feature id, files by row)."""
    return None if frame is None else frame.set_axis(range(1, len(frame) + 1), axis=0)


def _source_stem(frame: Any) -> str:
    """The file (or QGIS layer) name the jurisdiction was read from, without folder, layer and suffix."""
    name = str(frame.attrs.get("name") or "")
    return Path(name.split("|")[0]).stem if name else ""


def _split(result: Any) -> tuple[Any, Any]:
    """The problems as polygons (every polygonal geometry a MultiPolygon: one type per layer) and as points
    (components); None for points when there are none."""
    import numpy as np
    import shapely

    from ..layers.audit_report import as_multipolygon

    problems = result.problems
    geoms = np.asarray(problems.geometry.values, dtype=object)
    is_point = np.isin(shapely.get_type_id(geoms), [0, 4])
    polys = problems[~is_point].copy()
    pg = np.asarray(polys.geometry.values, dtype=object).copy()
    ok = ~shapely.is_missing(pg)
    pg[ok] = as_multipolygon(pg[ok])
    polys = polys.set_geometry(pg, crs=problems.crs).reset_index(drop=True)
    points = problems[is_point].reset_index(drop=True)
    return polys, (points if len(points) else None)


def run(cells: Any, jurisdiction: Any, district_field: str | None, street_field: str | None,
        community_field: str | None, components: Any, areas: Any, party_field: str | None, scheme: str,
        component_scheme: str, target_area: float, sliver_ratio: float, min_area: float, name: str | None,
        as_of: str | None, report: str | None, strict: bool, feedback: Feedback | None = None) -> Result:
    """Audit ``cells`` (and the optional ``components`` and responsibility ``areas``) against ``jurisdiction``;
    write the report (Markdown, HTML and CSV) when ``report`` is given. Exit status 1 under ``strict`` when
    errors are found."""
    from ..core.audit import audit
    from ..layers.audit_report import write_audit_report

    if areas is not None and party_field and party_field not in areas.columns and party_field != "responsible":
        raise InputError(f"{layer_name(areas)}: no field {party_field!r} for the responsible party")
    jurisdiction = code_columns(jurisdiction, district_field, street_field, community_field)
    cells, components, areas = _numbered(cells), _numbered(components), _numbered(areas)
    result = audit(cells, jurisdiction, components=components, areas=areas, cell_scheme=scheme,
                   component_scheme=component_scheme, target_area=target_area, sliver_ratio=sliver_ratio,
                   min_area=min_area, party_field=party_field or "responsible",
                   jurisdiction_name=name or _source_stem(jurisdiction), as_of=as_of or None, feedback=feedback)
    lines = [f"{row.severity}: {row.type} ({row.layer}) × {row.count}" for row in result.summary.itertuples()]
    values: dict[str, Any] = {"ERRORS": result.errors, "WARNINGS": result.warnings}
    if report:
        files = write_audit_report(result, report)
        values["REPORT"] = str(files["html"] if report.lower().endswith((".html", ".htm")) else files["md"])
        lines.append("report: " + ", ".join(str(p) for p in files.values()))
    lines.append(f"audit: {result.errors} errors, {result.warnings} warnings")
    polys, points = _split(result)
    return Result({"problems": polys, "points": points, "audit": result}, "\n".join(lines), values,
                  status=1 if strict and result.errors else 0)


def write(path: str, result: Result, names: list[str]) -> list[str]:
    """The command line's GeoPackage: the problem layers with their styles and the ``audit_summary`` table
    (:func:`wanmi.layers.audit_report.write_audit_gpkg`), under their fixed names."""
    from ..layers.audit_report import POINT_LAYER, POLYGON_LAYER, SUMMARY_LAYER, write_audit_gpkg

    if names[0] != POLYGON_LAYER:
        raise InputError(f"the audit writes its fixed layers ({POLYGON_LAYER}, {POINT_LAYER}, {SUMMARY_LAYER}); "
                         "--out-layer cannot rename them. Nothing was written.")
    write_audit_gpkg(result.frames["audit"], path)
    return [POLYGON_LAYER, *([POINT_LAYER] if result.frames["points"] is not None else []), SUMMARY_LAYER]


AUDIT = Capability(
    name="audit",
    title="Audit grid and responsibility boundaries",
    summary="audit cells/areas against the jurisdiction: gaps, overlaps, codes (边界审计)",
    help=(
        "Checks that every square metre of the jurisdiction has exactly one unit cell and one responsible party "
        "(no blind spots where grids meet, 不同类型网格交界的盲区). Unit cells: gaps and overlaps (with their "
        "geometry and area), parts outside the jurisdiction, invalid geometries, slivers, cells crossing a "
        "community boundary, malformed or duplicate codes, codes whose district/street/community segments "
        "disagree with the community the cell lies in. Components: outside every cell, cell_code or code "
        "segments disagreeing with the cell they lie in. Responsibility areas: gaps, overlaps, areas with no "
        "responsible party, areas covered by two parties, cells split between areas, areas crossing streets.\n"
        "Outputs: the problem polygons and the problem points (components), each with type, severity "
        "(error/warning), codes, area in m² and a sentence; and optionally a report to file (Markdown or HTML, "
        "with a CSV of the same table next to it). Cells and areas with valid_from/valid_to are audited as they "
        "stand on the given day (default today): retired and future features are left out."
    ),
    step="audit",
    params=(
        Param("cells", "vector", "Unit cells", processing="INPUT", cli="cells", geometry="polygon",
              preferred_layer="unit_cells", help="The unit cells to audit, with their codes."),
        Param("jurisdiction", "vector", "Jurisdiction (communities with codes)", processing="JURISDICTION",
              cli="--jurisdiction", geometry="polygon", preferred_layer="communities",
              help="Community polygons with their district, street and community codes: the area every cell "
                   "and area must cover exactly once."),
        *code_field_params("jurisdiction"),
        Param("components", "vector", "Components (points with code and cell_code)", processing="COMPONENTS",
              cli="--components", geometry="point", optional=True, preferred_layer="components",
              help="Component points with their code and cell_code: checked against the cell they lie in."),
        Param("areas", "vector", "Responsibility areas", processing="AREAS", cli="--areas", geometry="polygon",
              optional=True, preferred_layer="responsibility_areas",
              help="Responsibility areas with a responsible party field: gaps, overlaps, areas nobody or two "
                   "parties answer for, cells split between areas."),
        Param("party_field", "field", "Responsible party field", processing="PARTY_FIELD", cli="--party-field",
              parent="areas", default="responsible", optional=True,
              help="The field of the responsibility areas naming the responsible party."),
        Param("scheme", "enum", "Cell code scheme", processing="SCHEME", cli="--scheme", choices=CELL_SCHEME_NAMES,
              choice_labels=("15 digits (GB/T 30428.1, DB11/T 2157)", "14 digits (CJ/T 213)"),
              default=DEFAULT_CELL_SCHEME, help="The code scheme the cell codes are checked against."),
        Param("component_scheme", "enum", "Component code scheme", processing="COMPONENT_SCHEME",
              cli="--component-scheme", choices=COMPONENT_SCHEME_NAMES,
              choice_labels=("12 digits (district-local, street segment)", "16 digits (CJ/T 214)",
                             "17 digits (GB/T 47678.5)"),
              default=DEFAULT_COMPONENT_SCHEME, help="The code scheme the component codes are checked against."),
        Param("target_area", "number", "Target cell area (m²)", processing="TARGET_AREA", cli="--target-area",
              default=10_000.0, minimum=1.0, advanced=True,
              help="The intended cell area, against which slivers are measured."),
        Param("sliver_ratio", "number", "Sliver threshold (share of target area)", processing="SLIVER_RATIO",
              cli="--sliver-ratio", default=0.3, minimum=0.0, maximum=1.0, advanced=True,
              help="Cells smaller than this share of the target area are reported as slivers."),
        Param("min_area", "number", "Ignore pieces smaller than (m²)", processing="MIN_AREA", cli="--min-area",
              default=0.001, minimum=0.0, advanced=True,
              help="Gap, overlap and crossing pieces below this area are drawing noise and not reported."),
        Param("name", "string", "Jurisdiction name for the report", processing="JURISDICTION_NAME", cli="--name",
              optional=True,
              help="The jurisdiction's name in the report (default: the name of the jurisdiction's file or layer)."),
        Param("as_of", "string", "Audit as of (YYYY-MM-DD, empty: today)", processing="AS_OF", cli="--as-of",
              optional=True,
              help="Cells and areas are audited as valid on this day: retired and future ones are left out."),
        Param("report", "output_file", "Audit report", processing="REPORT", cli="--report", optional=True,
              file_filter="HTML files (*.html);;Markdown files (*.md)",
              help="Writes the report as Markdown, HTML and CSV next to each other (whatever the suffix)."),
        Param("strict", "bool", "Exit with status 1 when errors are found", processing="STRICT", cli="--strict",
              default=False, front="cli",
              help="For scripts and CI: the command fails (status 1) when the audit finds errors."),
    ),
    outputs=(
        Output("problems", "Audit problems", layer="audit_problems", style="audit_problems.qml",
               geometry="polygon"),
        Output("points", "Audit problem points (components)", layer="audit_points", processing="POINTS",
               style="audit_points.qml", optional=True, geometry="point"),
    ),
    numbers=(("ERRORS", "Errors"), ("WARNINGS", "Warnings")),
    tags=("边界审计", "网格审计", "盲区", "缝隙", "重叠", "责任主体", "audit", "gap", "overlap", "sliver"),
    write=write,
    run=run,
)
