"""The ``wanmi`` Processing provider (toolbox, models, batch and ``qgis_process``)."""

from __future__ import annotations

import importlib
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

ICON = Path(__file__).resolve().parent.parent / "icons" / "wanmi.svg"

# module name → algorithm class name; one module per algorithm, loaded lazily so that a missing optional
# dependency disables only the algorithms that need it.
ALGORITHMS: dict[str, str] = {
    "convert_coordinates": "ConvertWebMapCoordinates",
    "partition": "PartitionJurisdiction",
    "renumber": "RenumberGrid",
    "import_census": "ImportCensus",
    "validate_census": "ValidateCensus",
    "assign_components": "AssignComponents",
    "locate_codes": "LocateCodes",
    "import_cases": "ImportCases",
    "overlay_cases": "OverlayCases",
    "evaluate": "ComputeEvaluationScores",
    "render_map": "RenderScoreMap",
    "responsibility": "BuildResponsibilityGrids",
    "audit": "AuditBoundaries",
}

# Desktop menu order (algorithm name, menu text): the workflow Grid → Census → Cases → Evaluation → Audit.
MENU: tuple[str, ...] = ("partition", "renumber", "convert_coordinates", "import_census", "validate_census",
                         "assign_components", "locate_codes", "import_cases", "overlay_cases", "evaluate",
                         "render_map", "responsibility", "audit")


class WanmiProvider(QgsProcessingProvider):
    """Provider id ``wanmi``: algorithm ids are ``wanmi:<name>``."""

    def __init__(self, blocked: str | None = None) -> None:
        super().__init__()
        self.load_errors: dict[str, str] = {}
        #: why no algorithm may run in this process (the ABI check failed), or None
        self.blocked = blocked

    def id(self) -> str:
        return "wanmi"

    def name(self) -> str:
        return "Wanmi 万米网格"

    def longName(self) -> str:  # noqa: N802 (QGIS API)
        from .. import __version__

        return f"Wanmi 万米网格 {__version__}"

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API)
        return str(ICON)

    def loadAlgorithms(self) -> None:  # noqa: N802 (QGIS API)
        self.load_errors.clear()
        if self.blocked:
            self.load_errors["abi"] = self.blocked
            return
        for module_name, class_name in ALGORITHMS.items():
            try:
                module = importlib.import_module(f"{__package__}.{module_name}")
            except ImportError as exc:  # a dependency (shapely>=2, geopandas …) is missing
                self.load_errors[module_name] = str(exc)
                QgsMessageLog.logMessage(
                    f"Wanmi: algorithm '{module_name}' unavailable: {exc}. "
                    "Install the Python packages listed in the Wanmi README (pip install shapely geopandas ...).",
                    "Wanmi",
                    Qgis.Warning,
                )
                continue
            self.addAlgorithm(getattr(module, class_name)())

    def menu_entries(self) -> list[tuple[str, str]]:
        """(algorithm id, display name) for the desktop menu, in workflow order."""
        entries = []
        for name in MENU:
            alg = self.algorithm(name)
            if alg is not None:
                entries.append((alg.id(), alg.displayName()))
        return entries
