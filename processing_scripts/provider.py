"""The ``wanmi`` Processing provider (toolbox, models, batch and ``qgis_process``)."""

from __future__ import annotations

import importlib
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .base import tr
from .dependencies import missing

ICON = Path(__file__).resolve().parent.parent / "icons" / "wanmi.svg"

# module name → algorithm class name; one module per algorithm. The Python packages each one needs are declared
# in dependencies.REQUIRES: an algorithm whose packages are missing is not registered (the log says which).
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
        #: algorithm name → why it is not registered (the ABI check's reason under "abi")
        self.load_errors: dict[str, str] = {}
        #: algorithm name → the required Python packages that are not installed
        self.missing: dict[str, tuple[str, ...]] = {}
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
        """Register every algorithm whose Python packages are installed; log the others, grouped by package.

        The algorithm modules import only QGIS and pure-Python parts of ``core`` at module level, and the
        packages are located with ``find_spec`` (:mod:`.dependencies`), so nothing of the engine is loaded here.
        """
        self.load_errors.clear()
        self.missing.clear()
        if self.blocked:
            self.load_errors["abi"] = self.blocked
            return
        switched_off: dict[tuple[str, ...], list[str]] = {}
        for module_name, class_name in ALGORITHMS.items():
            try:
                module = importlib.import_module(f"{__package__}.{module_name}")
            except ImportError as exc:  # a broken installation: the modules import no third-party package
                self.load_errors[module_name] = str(exc)
                QgsMessageLog.logMessage(tr("Wanmi: the tool '{name}' could not be loaded: {error}").format(
                    name=module_name, error=exc), "Wanmi", Qgis.Warning)
                continue
            algorithm = getattr(module, class_name)()
            lacking = missing(module_name)
            if lacking:
                self.missing[module_name] = lacking
                switched_off.setdefault(lacking, []).append(algorithm.displayName())
                continue
            self.addAlgorithm(algorithm)
        for packages, tools in switched_off.items():
            message = missing_message(packages, tools)
            for module_name, lacking in self.missing.items():
                if lacking == packages:
                    self.load_errors[module_name] = message
            QgsMessageLog.logMessage(message, "Wanmi", Qgis.Warning)

    def menu_entries(self) -> list[tuple[str, str]]:
        """(algorithm id, display name) for the desktop menu, in workflow order."""
        entries = []
        for name in MENU:
            alg = self.algorithm(name)
            if alg is not None:
                entries.append((alg.id(), alg.displayName()))
        return entries


def missing_message(packages: tuple[str, ...], tools: list[str]) -> str:
    """Which packages are missing, which tools that switches off and how to install them (user's language)."""
    names = ", ".join(packages)
    return tr("Wanmi: missing Python package {packages}; these tools are switched off: {tools}. Install it and "
              "restart QGIS (Debian/Ubuntu: apt install {system}; Windows: {system} in the OSGeo4W installer; "
              "elsewhere: pip install {pip}).").format(
        packages=names, tools="; ".join(tools), system=" ".join(f"python3-{p}" for p in packages),
        pip=" ".join(packages))
