"""Processing: Partition jurisdiction into unit grid (万米单元网格划分), generated from ``wanmi.workflow.partition``."""

from __future__ import annotations

import re

from ..core.errors import InputError
from ..workflow.partition import PARTITION, refuse_grid_with_history
from .workflow_adapter import algorithm_class


def _gpkg_destination(destination: str) -> tuple[str, str] | None:
    """(file, layer) a sink destination writes into a GeoPackage: the layer of an ``ogr:`` URI, else
    unit_cells (a plain path replaces the whole file, the grid layer with it); None for anything else."""
    match = re.match(r"^ogr:dbname='(?P<path>[^']*)'\s+table=\"(?P<table>[^\"]*)\"", destination)
    path, layer = (match["path"], match["table"]) if match else (destination.split("|")[0], "unit_cells")
    return (path, layer) if path.lower().endswith(".gpkg") else None


class PartitionJurisdiction(algorithm_class(PARTITION, "PartitionJurisdiction")):
    """The generated algorithm, refusing (as the command line does) to replace a grid that keeps its history:
    the check needs the sink's destination, which only Processing knows before the run."""

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        target = _gpkg_destination(self.parameterAsOutputLayer(parameters, "OUTPUT", context) or "")
        if target is not None:
            try:
                refuse_grid_with_history(*target)
            except InputError as exc:
                return False, str(exc)
        return super().checkParameterValues(parameters, context)
