"""Renumber a redrawn unit grid with the stable codes of the previous one (编码继承): one declaration for every
front end."""

from __future__ import annotations

from typing import Any

from ..core.enums import CELL_SCHEME_NAMES, DEFAULT_CELL_SCHEME
from ..core.errors import InputError
from ..core.feedback import Feedback
from .base import Capability, Output, Param, Result, layer_name
from .partition import SCHEME_LABELS


def _cells(frame: Any) -> Any:
    """A grid layer as the engine takes it: a GeoPackage's feature ids are no cell attribute (the output mixes
    rows of both layers, so a ``fid`` column would clash)."""
    return frame.drop(columns="fid", errors="ignore")


def run(new: Any, old: Any, iou: float, scheme: str, valid_from: str | None,
        feedback: Feedback | None = None) -> Result:
    """The history grid (current cells with inherited or fresh codes, then every closed row) and the change
    log of ``new`` renumbered against ``old``."""
    from ..core.renumber import renumber

    if "code" not in old.columns:
        raise InputError(f"{layer_name(old)}: the previous grid has no 'code' field; it must be a coded unit "
                         f"grid (the unit_cells layer of wanmi partition or renumber)")
    result = renumber(_cells(new), _cells(old), iou_threshold=iou, code_scheme=scheme,
                      valid_from=valid_from or None, feedback=feedback)
    counts = result.changelog["change"].value_counts().to_dict()
    message = (f"{len(result.cells)} current cells, {len(result.retired)} closed rows (retired codes and old "
               f"versions, valid_to set: the code history) and the change log: {counts}")
    return Result({"cells": result.history, "changelog": result.changelog}, message,
                  {"CELL_COUNT": len(result.cells), "CLOSED_COUNT": len(result.retired)})


RENUMBER = Capability(
    name="renumber",
    title="Renumber unit grid (stable codes)",
    summary="carry stable codes from an old grid to a redrawn one",
    help=(
        "Gives a redrawn grid the codes of the previous one wherever a new cell overlaps one old cell with an "
        "intersection-over-union of at least the threshold (default 0.9) in the same community. Other cells "
        "get fresh sequence numbers, never reusing any code of the previous grid (current or retired). The "
        "output keeps the whole history: retired cells and old versions of moved cells stay with valid_to set "
        "to the renumber date, so the next renumber never issues their codes again and an audit as of an "
        "earlier day sees the grid of that day. The change log lists kept, split, merged, new and retired codes."
    ),
    step="grid",
    params=(
        Param("new", "vector", "Redrawn grid", processing="NEW", cli="new", geometry="polygon",
              layer_option="--new-layer", preferred_layer="unit_cells",
              help="The redrawn grid with district/street/community codes (e.g. a new wanmi partition)."),
        Param("old", "vector", "Previous grid (with codes)", processing="OLD", cli="old", geometry="polygon",
              layer_option="--old-layer", preferred_layer="unit_cells",
              help="The previous grid with its codes and its history (retired rows with valid_to), whose codes "
                   "are carried over and never issued again."),
        Param("iou", "number", "Minimum IoU to keep a code", processing="IOU", cli="--iou", default=0.9,
              minimum=0.5, maximum=1.0,
              help="A new cell keeps an old code when their intersection over union is at least this "
                   "(0.5–1, default 0.9)."),
        Param("scheme", "enum", "Cell code scheme", processing="SCHEME", cli="--scheme", choices=CELL_SCHEME_NAMES,
              choice_labels=SCHEME_LABELS, default=DEFAULT_CELL_SCHEME,
              help="The cell code layout: 15 digits (GB/T 30428.1, DB11/T 2157) or 14 digits (CJ/T 213)."),
        Param("valid_from", "string", "Valid from (YYYY-MM-DD, empty: today)", processing="VALID_FROM",
              cli="--valid-from", optional=True,
              help="The renumber date: new codes start and retired ones end on it (YYYY-MM-DD; default today)."),
    ),
    outputs=(
        Output("cells", "Renumbered unit cells", layer="unit_cells", style="unit_cells.qml", geometry="polygon"),
        Output("changelog", "Change log", layer="changelog", processing="CHANGELOG", table=True),
    ),
    numbers=(("CELL_COUNT", "Number of current cells"), ("CLOSED_COUNT", "Number of closed rows (history)")),
    tags=("单元网格", "编码", "编码继承", "重新编号", "网格调整", "unit grid", "renumber", "stable codes"),
    run=run,
)
