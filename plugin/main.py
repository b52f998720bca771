"""The Wanmi QGIS plugin: Processing provider, menu/toolbar, workflow dock, cursor read-out, code locator."""

from __future__ import annotations

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtWidgets import QAction

from .i18n import install_translator, remove_translator, tr
from .icons import icon


class WanmiPlugin:
    """Plugin object created by :func:`wanmi.classFactory`.

    ``initProcessing`` is separate from ``initGui`` because ``qgis_process`` and other headless hosts call
    only ``initProcessing``. Everything ``initGui`` adds (actions, toolbar, dock, status-bar label, locator
    filter, project watchers) ``unload`` removes again; the translator goes too.
    """

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider = None
        self.actions: list[QAction] = []
        self.menu_name = "Wanmi 万米网格"
        self.toolbar = None
        self.dock = None
        self.dock_action: QAction | None = None
        self.readout = None
        self.code_store = None
        self.locator_filter = None
        self.watcher = None
        self.sample = None
        self.blocked: str | None = None  # why the engine must not run in this QGIS (ABI check), or None
        self.translator = install_translator()

    # --- Processing ------------------------------------------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 (QGIS API name)
        """Register the ``wanmi`` Processing provider (idempotent).

        First the ABI check (:mod:`.abi`): when shapely/pyproj/pyogrio would bring a second GEOS/PROJ/GDAL
        into QGIS, the provider registers no algorithm (the engine is never loaded) and the log says, in the
        user's language, what to install instead.
        """
        if self.provider is not None:
            return
        from ..processing_scripts.provider import WanmiProvider
        from .abi import check_qgis

        report = check_qgis()
        self.blocked = None if report.ok else abi_message(report)
        if self.blocked:
            QgsMessageLog.logMessage(self.blocked, "Wanmi", Qgis.Critical)
        self.provider = WanmiProvider(blocked=self.blocked)
        QgsApplication.processingRegistry().addProvider(self.provider)

    # --- Desktop ---------------------------------------------------------------------------------------------
    def initGui(self) -> None:  # noqa: N802 (QGIS API name)
        """Menu, toolbar, dock, status-bar read-out and locator filter; analysis runs as Processing tasks."""
        self.initProcessing()
        if self.iface is None:
            return
        if self.blocked:
            self._init_blocked_gui()
            return
        from .dock import DOCK_AREA, WanmiDock, step_of
        from .locator import CodeLocatorFilter, CodeStore
        from .readout import CellReadout
        from .sample import SampleProject
        from .snapshots import ProjectWatcher

        self.toolbar = self.iface.addToolBar(self.menu_name)
        self.toolbar.setObjectName("WanmiToolbar")

        self.dock = WanmiDock(self.provider, load_sample=self.load_sample, parent=self.iface.mainWindow())
        self.iface.addDockWidget(DOCK_AREA, self.dock)
        self.dock_action = self._add_action(tr("Wanmi workflow panel"), self.dock.setUserVisible, toolbar=True)
        self.dock_action.setCheckable(True)
        self.dock_action.setChecked(self.dock.isUserVisible())
        self.dock.visibilityChanged.connect(self.dock_action.setChecked)
        self._add_action(tr("Load sample project"), lambda _=False: self.load_sample(), toolbar=False)
        registry = QgsApplication.processingRegistry()
        for alg_id, text in self.provider.menu_entries() if self.provider else []:
            alg = registry.algorithmById(alg_id)
            self._add_action(text, lambda _=False, a=alg_id: self.open_algorithm(a), toolbar=False,
                             icon_name=f"step_{step_of(alg.groupId())}" if alg is not None else "wanmi")

        self.watcher = ProjectWatcher()
        self.watcher.changed.connect(self.dock.update_layers)
        self.dock.update_layers()
        self.readout = CellReadout(self.iface, watcher=self.watcher)
        self.code_store = CodeStore(watcher=self.watcher)
        self.locator_filter = CodeLocatorFilter(self.code_store, self.iface)
        self.iface.registerLocatorFilter(self.locator_filter)
        self.sample = SampleProject(self.iface)
        self.sample.loaded.connect(self._on_sample_loaded)

    def _init_blocked_gui(self) -> None:
        """Only the dock with the reason and the message bar: nothing that would load the engine."""
        from .dock import DOCK_AREA, WanmiDock

        self.iface.messageBar().pushMessage(tr("Wanmi"), self.blocked, Qgis.Critical, 0)
        self.toolbar = self.iface.addToolBar(self.menu_name)
        self.toolbar.setObjectName("WanmiToolbar")
        self.dock = WanmiDock(self.provider, load_sample=None, parent=self.iface.mainWindow())
        self.dock.set_status(self.blocked)
        self.iface.addDockWidget(DOCK_AREA, self.dock)
        self.dock_action = self._add_action(tr("Wanmi workflow panel"), self.dock.setUserVisible, toolbar=True)

    def _add_action(self, text: str, slot, toolbar: bool = True, icon_name: str = "wanmi") -> QAction:
        action = QAction(icon(icon_name), text, self.iface.mainWindow())
        action.triggered.connect(slot)
        self.iface.addPluginToMenu(self.menu_name, action)
        if toolbar:
            self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def open_algorithm(self, algorithm_id: str) -> None:
        """Open the Processing dialog of ``algorithm_id`` with layers of the project as defaults."""
        from .dock import open_algorithm_dialog

        open_algorithm_dialog(algorithm_id)

    def load_sample(self) -> None:
        """Open the Dongcheng sample, styled; the unit grid follows when its background task is done."""
        if self.sample is None:
            return
        if self.dock is not None:
            self.dock.set_status(tr("Loading the sample project…"))
        self.sample.load()

    def _on_sample_loaded(self, layer) -> None:
        if self.dock is not None:
            self.dock.set_status(tr("Sample project loaded: {count} unit cells.").format(
                count=layer.featureCount()) if layer is not None else tr("The sample unit grid is not available."))

    def unload(self) -> None:
        """Remove everything ``initGui``/``initProcessing`` added."""
        if self.iface is not None:
            if self.sample is not None:
                self.sample.cancel()
            if self.locator_filter is not None:
                self.iface.deregisterLocatorFilter(self.locator_filter)  # deletes the filter
            if self.code_store is not None:
                self.code_store.close()
            if self.readout is not None:
                self.readout.unload()
            if self.watcher is not None:
                self.watcher.close()
            for action in self.actions:
                self.iface.removePluginMenu(self.menu_name, action)
                self.iface.removeToolBarIcon(action)
                action.deleteLater()
            if self.dock is not None:
                self.dock.unload()
                self.iface.removeDockWidget(self.dock)
                self.dock.setParent(None)
                self.dock.deleteLater()
            if self.toolbar is not None:
                self.toolbar.deleteLater()
        self.actions.clear()
        self.toolbar = self.dock = self.dock_action = None
        self.readout = self.code_store = self.locator_filter = self.watcher = self.sample = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator(self.translator)
        self.translator = None


def abi_message(report) -> str:
    """What is wrong and what to install, in the user's language (one paragraph for the bar and the log)."""
    reasons = []
    for p in report.problems:
        if p.reason == "version":
            reasons.append(tr("{binding} uses {family} {found}, QGIS uses {family} {host}").format(
                binding=p.binding, family=p.family, found=p.found, host=p.host))
        elif p.reason == "copy":
            reasons.append(tr("{binding} carries its own copy of {family} (a pip wheel)").format(
                binding=p.binding, family=p.family))
        elif p.reason == "missing":
            reasons.append(tr("{binding} is not installed").format(binding=p.binding))
        else:
            reasons.append(tr("{binding} could not be checked").format(binding=p.binding))
    return tr("Wanmi's tools are switched off so that QGIS cannot crash: {reasons}. Install shapely, pyproj and "
              "pyogrio built on the GEOS, PROJ and GDAL of this QGIS — Debian/Ubuntu: run 'make env' in the "
              "Wanmi folder (or apt install python3-shapely python3-pyproj python3-pyogrio where they are new "
              "enough); Windows: the OSGeo4W installer's python3-shapely, python3-pyproj, python3-pyogrio and "
              "python3-geopandas, not pip. See the README section \"Inside QGIS\".").format(
        reasons="; ".join(reasons))


__all__ = ["WanmiPlugin", "abi_message", "tr"]
