"""Partition a jurisdiction into coded unit cells (万米单元网格划分): one declaration for every front end.

Also: the district/street/community code field parameters of a jurisdiction layer (:func:`code_field_params`,
:func:`code_columns`) and the refusal to write a new grid over one that keeps its history
(:func:`refuse_grid_with_history`, the unit cells' output guard).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.enums import CELL_SCHEME_NAMES, DEFAULT_CELL_SCHEME, PARTITION_METHODS
from ..core.errors import InputError
from ..core.feedback import Feedback
from .base import Capability, Output, Param, Result, layer_name

#: the engine's code columns of a jurisdiction layer, in the order of :func:`code_field_params`
CODE_FIELDS = ("district_code", "street_code", "community_code")
#: cell code schemes: values and labels in Processing's option order
SCHEME_LABELS = ("15 digits (GB/T 30428.1, DB11/T 2157)", "14 digits (CJ/T 213)")


def code_field_params(parent: str) -> tuple[Param, ...]:
    """The district/street/community code field choices of the jurisdiction layer ``parent`` (run keywords
    ``district_field``, ``street_field``, ``community_field``; read with :func:`code_columns`)."""
    return (
        Param("district_field", "field", "District code field (6 digits)", processing="DISTRICT_FIELD",
              cli="--district-field", parent=parent, default="district_code", optional=True,
              help="The field holding the 6-digit district (county) code (default district_code)."),
        Param("street_field", "field", "Street code field (3 or 9 digits)", processing="STREET_FIELD",
              cli="--street-field", parent=parent, default="street_code", optional=True,
              help="The field holding the street (township) code: 3 digits, or 9 with the district's "
                   "(default street_code)."),
        Param("community_field", "field", "Community code field (3 or 12 digits)", processing="COMMUNITY_FIELD",
              cli="--community-field", parent=parent, default="community_code", optional=True,
              help="The field holding the community code: 3 digits, or 12 with the district's and street's "
                   "(default community_code)."),
    )


def code_columns(frame: Any, district_field: str | None, street_field: str | None,
                 community_field: str | None) -> Any:
    """``frame`` with the user's chosen code fields renamed to the engine's district_code/street_code/
    community_code; a chosen field the layer lacks is refused (a misspelt name must not fall back silently)."""
    renames = {}
    for field, target in zip((district_field, street_field, community_field), CODE_FIELDS):
        if not field or field == target:
            continue
        if field not in frame.columns:
            raise InputError(f"{layer_name(frame)}: no field {field!r} (chosen for {target}); "
                             f"fields: {', '.join(str(c) for c in frame.columns if c != 'geometry')}")
        renames[field] = target
    # an existing column of a target name gives way, unless it is itself renamed (a swap keeps both)
    replaced = [target for target in renames.values() if target in frame.columns and target not in renames]
    return frame.drop(columns=replaced).rename(columns=renames) if renames else frame


def refuse_grid_with_history(path: str | Path, layer: str = "unit_cells") -> None:
    """Refuse to write a new grid over ``layer`` of the GeoPackage ``path`` when it holds a grid with history.

    A renumbered grid keeps its retired cells (``valid_to`` set): partitioning over it would drop that history
    and number from 001 again, re-issuing retired codes. Redraws go through ``wanmi renumber``."""
    import pyogrio

    path = Path(path)
    if not path.is_file():
        return
    try:
        names = {str(n) for n in pyogrio.list_layers(path)[:, 0]}
    except Exception:  # not a vector file: the writer replaces or refuses it
        return
    if layer not in names or "valid_to" not in pyogrio.read_info(path, layer=layer)["fields"]:
        return
    table = pyogrio.read_dataframe(path, layer=layer, columns=["valid_to"], read_geometry=False)
    if table["valid_to"].notna().any():
        raise InputError(f"{path}: layer {layer} holds a grid with history (retired cells with valid_to); "
                         f"partitioning over it would re-issue retired codes. Write the new grid to another "
                         f"file and carry the codes over with: wanmi renumber NEW.gpkg {path} --out RESULT.gpkg")


def _summary_lines(cells: Any) -> list[str]:
    from ..core.grid import summarize

    return [f"  {key:>22}: {value:,.2f}" if isinstance(value, float) else f"  {key:>22}: {value}"
            for key, value in summarize(cells).items()]


def run(jurisdiction: Any, district_field: str | None, street_field: str | None, community_field: str | None,
        method: str, roads: Any, target_area: float, sliver_ratio: float, crs: str | None, scheme: str,
        valid_from: str | None, feedback: Feedback | None = None) -> Result:
    """The unit cells of ``jurisdiction`` (its code fields renamed as chosen), the input problems as warnings
    and a table, the oversize cells, and the size/shape summary."""
    from ..core.grid import partition

    frame = code_columns(jurisdiction, district_field, street_field, community_field)
    result = partition(frame, method=method, target_area=target_area, sliver_ratio=sliver_ratio, roads=roads,
                       crs=crs or None, code_scheme=scheme, valid_from=valid_from or None, feedback=feedback)
    cells = result.cells
    epsg = result.crs.to_epsg(min_confidence=70)
    headline = f"{len(cells)} unit cells in {f'EPSG:{epsg}' if epsg else result.crs.name}"
    return Result(
        {"cells": cells, "problems": result.problems if len(result.problems) else None,
         "oversize": result.oversize if len(result.oversize) else None},
        "\n".join([*_summary_lines(cells), headline]),
        {"CELL_COUNT": len(cells)},
        warnings=tuple(f"{row.feature}: {row.problem} ({row.action})" for row in result.problems.itertuples()),
    )


PARTITION = Capability(
    name="partition",
    title="Partition jurisdiction into unit grid",
    summary="partition a jurisdiction into coded unit cells (万米单元网格)",
    help=(
        "Partitions community polygons (or one district polygon) into unit cells of about the target area "
        "(万米单元网格). Cells never cross a community boundary and cover the jurisdiction exactly.\n"
        "Regular: a lattice of squares anchored to the CRS origin, clipped to each community; cells smaller "
        "than the sliver ratio × target area are merged into the same-community neighbour with the longest "
        "shared border.\nStreet-block: communities are split along the road/river lines, small blocks merged "
        "and large blocks subdivided into compact parts of near-equal area.\n"
        "Codes: 15 digits = district(6) + street(3) + community(3) + sequence(3), numbered west→east then "
        "north→south within each community (14-digit CJ/T 213 preset available). Areas are computed in a "
        "metric CRS chosen automatically (CGCS2000 3-degree Gauss–Krüger in China) unless one is given."
    ),
    step="grid",
    params=(
        Param("jurisdiction", "vector", "Jurisdiction (communities or one district)", processing="INPUT",
              cli="jurisdiction", geometry="polygon", preferred_layer="communities",
              help="Community polygons with district/street/community codes, or one district polygon."),
        *code_field_params("jurisdiction"),
        Param("method", "enum", "Method", processing="METHOD", cli="--method", choices=PARTITION_METHODS,
              choice_labels=("Regular lattice", "Street blocks (follow roads)"), default=PARTITION_METHODS[0],
              help="Regular: squares of the target area clipped to the communities. Street blocks: the "
                   "communities split along the road and river lines."),
        Param("roads", "vector", "Road and river lines (street-block method)", processing="ROADS", cli="--roads",
              geometry="line", optional=True, preferred_layer="roads",
              help="Road and river centre lines that bound the street blocks (needed by the street-block "
                   "method)."),
        Param("target_area", "number", "Target cell area (m²)", processing="TARGET_AREA", cli="--target-area",
              default=10_000.0, minimum=1.0, help="The area each cell should have, in m² (default 10000: 万米)."),
        Param("sliver_ratio", "number", "Sliver threshold (share of target area)", processing="SLIVER_RATIO",
              cli="--sliver-ratio", default=0.3, minimum=0.0, maximum=1.0, advanced=True,
              help="Cells smaller than this share of the target area are merged into a neighbour in the same "
                   "community (default 0.3)."),
        Param("crs", "crs", "Metric CRS (empty: automatic)", processing="CRS", cli="--crs", optional=True,
              advanced=True, help="The metric CRS to work in (default: chosen automatically, e.g. EPSG:4548, "
                                  "CGCS2000 3-degree Gauss–Krüger)."),
        Param("scheme", "enum", "Cell code scheme", processing="SCHEME", cli="--scheme", choices=CELL_SCHEME_NAMES,
              choice_labels=SCHEME_LABELS, default=DEFAULT_CELL_SCHEME,
              help="The cell code layout: 15 digits (GB/T 30428.1, DB11/T 2157) or 14 digits (CJ/T 213)."),
        Param("valid_from", "string", "Valid from (YYYY-MM-DD, empty: today)", processing="VALID_FROM",
              cli="--valid-from", optional=True, help="The date the cells take effect (YYYY-MM-DD; default today)."),
    ),
    outputs=(
        Output("cells", "Unit cells", layer="unit_cells", style="unit_cells.qml", geometry="polygon",
               guard=refuse_grid_with_history),
        Output("problems", "Partition problems", layer="partition_problems", processing="PROBLEMS", table=True,
               optional=True),
        Output("oversize", "Oversize cells", layer="oversize_cells", processing="OVERSIZE", table=True,
               optional=True),
    ),
    numbers=(("CELL_COUNT", "Number of unit cells"),),
    tags=("单元网格", "万米单元网格", "网格划分", "辖区", "社区", "unit grid", "partition", "GB/T 30428.1"),
    run=run,
)
