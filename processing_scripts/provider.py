"""The ``wanmi`` Processing provider (toolbox, models, batch and ``qgis_process``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..workflow import CAPABILITIES
from .base import tr
from .dependencies import missing

ICON = Path(__file__).resolve().parent.parent / "icons" / "wanmi.svg"

#: the algorithms, in workflow order (the desktop menu and the dock follow it): every capability of the workflow
#: declarations offered in Processing. The Python packages each one needs are declared with it
#: (``Capability.requires``): an algorithm whose packages are missing is not registered (the log says which).
ALGORITHMS: tuple[str, ...] = tuple(c.name for c in CAPABILITIES.values() if "processing" in c.fronts)
MENU = ALGORITHMS


@cache
def algorithm_classes() -> dict[str, type]:
    """name → the Processing algorithm class generated from its declaration (created once per process)."""
    from .workflow_adapter import algorithm_class

    return {name: algorithm_class(CAPABILITIES[name], "".join(w.title() for w in name.split("_")))
            for name in ALGORITHMS}


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

        The declarations import no engine (their runs do), and the packages are located with ``find_spec``
        (:mod:`.dependencies`), so nothing of the engine is loaded here.
        """
        self.load_errors.clear()
        self.missing.clear()
        if self.blocked:
            self.load_errors["abi"] = self.blocked
            return
        switched_off: dict[tuple[str, ...], list[str]] = {}
        for name, cls in algorithm_classes().items():
            algorithm = cls()
            lacking = missing(name)
            if lacking:
                self.missing[name] = lacking
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
