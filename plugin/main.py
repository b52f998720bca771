"""The Wanmi QGIS plugin: registers the Processing provider and the desktop menu/toolbar."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .i18n import install_translator, remove_translator, tr

PLUGIN_DIR = Path(__file__).resolve().parent.parent
ICON = PLUGIN_DIR / "icons" / "wanmi.svg"


class WanmiPlugin:
    """Plugin object created by :func:`wanmi.classFactory`.

    ``initProcessing`` is separate from ``initGui`` because ``qgis_process`` and other headless hosts call
    only ``initProcessing``.
    """

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider = None
        self.actions: list[QAction] = []
        self.menu_name = "Wanmi 万米网格"
        self.toolbar = None
        self.translator = install_translator()

    # --- Processing ------------------------------------------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 (QGIS API name)
        """Register the ``wanmi`` Processing provider (idempotent)."""
        if self.provider is not None:
            return
        from ..processing_scripts.provider import WanmiProvider

        self.provider = WanmiProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    # --- Desktop ---------------------------------------------------------------------------------------------
    def initGui(self) -> None:  # noqa: N802 (QGIS API name)
        """Create the menu and toolbar; every action opens a Processing algorithm dialog."""
        self.initProcessing()
        if self.iface is None:
            return
        self.toolbar = self.iface.addToolBar(self.menu_name)
        self.toolbar.setObjectName("WanmiToolbar")
        for alg_id, text in self.provider.menu_entries() if self.provider else []:
            self._add_action(text, lambda _=False, a=alg_id: self.open_algorithm(a))

    def _add_action(self, text: str, slot) -> QAction:
        action = QAction(QIcon(str(ICON)), text, self.iface.mainWindow())
        action.triggered.connect(slot)
        self.iface.addPluginToMenu(self.menu_name, action)
        self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def open_algorithm(self, algorithm_id: str) -> None:
        """Open the Processing dialog of ``algorithm_id`` (runs as a task: the GUI never blocks)."""
        import processing

        processing.execAlgorithmDialog(algorithm_id, {})

    def unload(self) -> None:
        """Remove everything ``initGui``/``initProcessing`` added."""
        if self.iface is not None:
            for action in self.actions:
                self.iface.removePluginMenu(self.menu_name, action)
                self.iface.removeToolBarIcon(action)
                action.deleteLater()
            if self.toolbar is not None:
                self.toolbar.deleteLater()
        self.actions.clear()
        self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator(self.translator)
        self.translator = None


__all__ = ["WanmiPlugin", "tr"]
