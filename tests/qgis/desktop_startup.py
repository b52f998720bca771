"""Startup script for QGIS Desktop (``qgis --code``), used by ``test_desktop_xvfb.py``.

Runs inside a real QGIS Desktop with the packaged plugin installed in a fresh profile: loads the sample
project through the plugin's own action, shows the dock, waits for the unit grid (built by a Processing task)
and for the canvas to finish rendering, saves a screenshot and a JSON report, then quits QGIS.
Paths come from the environment: ``WANMI_REPORT`` (JSON) and ``WANMI_SCREENSHOT`` (PNG); with
``WANMI_INSTALL_ZIP`` the plugin is first installed from that zip by QGIS' plugin installer ("Install from ZIP").
"""

import json
import os
import sys
import time
import traceback

from qgis.core import Qgis, QgsApplication, QgsProcessingContext, QgsProject, QgsRectangle, QgsVectorLayer
from qgis.gui import QgsLocatorWidget
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication, QDockWidget, QLineEdit, QToolBar, QWidget
from qgis.utils import active_plugins, iface, plugins, unloadPlugin

REPORT = os.environ["WANMI_REPORT"]
# {"layers": [[uri, name], …], "fill": {algorithm name: {parameter: value}}, "rounds": 2}: after the sample is
# loaded, add the layers and run every dock button's dialog (Run, wait for the task) ``rounds`` times.
WALK = None
if os.environ.get("WANMI_WALKTHROUGH"):
    with open(os.environ["WANMI_WALKTHROUGH"], encoding="utf-8") as _fh:
        WALK = json.load(_fh)
RUN_TIMEOUT_S = 240
SCREENSHOT = os.environ["WANMI_SCREENSHOT"]
TIMEOUT_S = float(os.environ.get("WANMI_TIMEOUT", "150"))
START = time.monotonic()
state = {"errors": [], "log": []}


def _log(message, tag, level):
    if tag in ("Wanmi", "Python error", "Processing") or level >= Qgis.Warning:
        state["log"].append(f"[{tag}] {message}"[:400])


QgsApplication.messageLog().messageReceived.connect(_log)


def finish():
    try:
        plugin = plugins.get("wanmi")
        dock = getattr(plugin, "dock", None)
        window = iface.mainWindow()
        readout = getattr(plugin, "readout", None)
        if readout is not None and readout.index is not None:  # the cursor "at" the map centre
            readout.on_xy(iface.mapCanvas().extent().center())
        window.repaint()
        QApplication.processEvents()
        shot = QApplication.primaryScreen().grabWindow(int(window.winId()))
        if shot.isNull() or shot.width() < 100:
            shot = window.grab()
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        state["screenshot_saved"] = bool(shot.save(SCREENSHOT, "PNG"))
        state["screenshot_size"] = [shot.width(), shot.height()]
        state["dock_visible"] = bool(dock is not None and dock.isVisible() and dock.isUserVisible())
        state["dock_title"] = dock.windowTitle() if dock is not None else None
        state["dock_labels"] = dock.labels() if dock is not None else []
        state["dock_geometry"] = [dock.width(), dock.height()] if dock is not None else None
        cells = getattr(getattr(plugin, "sample", None), "cells", None)
        state["cells_count"] = cells.featureCount() if cells is not None else 0
        if cells is not None:
            renderer = cells.renderer()
            state["cells_renderer"] = renderer.type()
            symbol = renderer.symbol() if hasattr(renderer, "symbol") else None
            state["cells_outline"] = symbol.symbolLayer(0).strokeColor().name() if symbol is not None else None
            state["cells_labels"] = bool(cells.labelsEnabled())
            state["cells_source"] = cells.source()
        readout = getattr(plugin, "readout", None)
        if readout is not None and cells is not None:  # what the status bar says with the cursor at the centre
            readout.on_xy(iface.mapCanvas().extent().center())
            QApplication.processEvents()
            state["readout_text"] = readout.label.text()
            state["readout_visible"] = readout.label.isVisible()
        state["selected_at_finish"] = [f["code"] for f in cells.selectedFeatures()] if cells is not None else []
        state["layers"] = sorted(layer.name() for layer in QgsProject.instance().mapLayers().values())
        state["canvas_extent"] = iface.mapCanvas().extent().toString(0)
        state["menu_titles"] = [a.text() for a in iface.mainWindow().menuBar().actions()]
        bar_items = iface.messageBar().items()
        state["message_bar"] = [item.text() for item in bar_items]
    except Exception:
        state["errors"].append(traceback.format_exc())
    if plugins.get("wanmi") is None:
        write_report_and_quit()
        return
    if WALK and "walk" not in state:
        walkthrough()
        return
    unload_and_quit()


def unload_and_quit():
    state["before_unload"] = leftovers()
    try:
        unloadPlugin("wanmi")  # what the Plugin Manager does when the plugin is unticked
    except Exception:
        state["errors"].append(traceback.format_exc())
    QTimer.singleShot(800, after_unload)  # let deleteLater() run


def walkthrough():
    """Every dock button: open the dialog, fill what a user types (files), press Run, wait; all of it twice."""
    state["walk"] = []
    _watch_dialogs()
    for uri, name in WALK.get("layers", []):
        layer = QgsVectorLayer(uri, name, "ogr")
        if not layer.isValid():
            state["errors"].append(f"walkthrough layer not valid: {uri}")
        QgsProject.instance().addMapLayer(layer)
    dock = plugins["wanmi"].dock
    queue = [(r, alg_id) for r in range(WALK.get("rounds", 2)) for alg_id in list(dock.buttons)]
    QTimer.singleShot(500, lambda: next_run(queue))


def next_run(queue):
    if not queue:
        state["walk_layers"] = sorted(layer.name() for layer in QgsProject.instance().mapLayers().values())
        QTimer.singleShot(500, unload_and_quit)
        return
    round_, alg_id = queue.pop(0)
    record = {"round": round_, "alg": alg_id, "start": round(time.monotonic() - START, 1)}
    before = set(QgsProject.instance().mapLayers())
    QTimer.singleShot(800, lambda: drive_dialog(record, time.monotonic()))
    try:
        plugins["wanmi"].dock.buttons[alg_id].click()  # opens the modal dialog; returns once it is closed
    except Exception:
        record["exception"] = traceback.format_exc()
    added = [QgsProject.instance().mapLayer(i) for i in set(QgsProject.instance().mapLayers()) - before]
    record["added"] = [{"name": layer.name(), "style": layer.customProperty("wanmi/style"),
                        "features": layer.featureCount() if hasattr(layer, "featureCount") else None,
                        "geometry": layer.isSpatial()} for layer in added]
    state["walk"].append(record)
    QTimer.singleShot(300, lambda: next_run(queue))


DIALOGS = []  # every algorithm dialog the dock creates (processing.createAlgorithmDialog, watched below)


def _watch_dialogs():
    import processing

    create = processing.createAlgorithmDialog

    def created(*args, **kwargs):
        dialog = create(*args, **kwargs)
        DIALOGS.append(dialog)
        return dialog

    processing.createAlgorithmDialog = created


def drive_dialog(record, since):
    """Inside the dialog's own event loop: fill files, press Run, then wait for algorithmFinished."""
    dialog = DIALOGS[-1] if DIALOGS and not sip.isdeleted(DIALOGS[-1]) and DIALOGS[-1].isVisible() else None
    if dialog is None:
        if time.monotonic() - since < 15:
            QTimer.singleShot(300, lambda: drive_dialog(record, since))
            return
        record["problem"] = "no dialog"
        modal = QApplication.activeModalWidget()
        if modal is not None:
            modal.close()
        return
    try:
        name = record["alg"].split(":")[1]
        wrappers = dialog.mainWidget().wrappers
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        for param, value in WALK.get("fill", {}).get(name, {}).items():
            wrappers[param].setParameterValue(value.replace("{round}", str(record["round"])), context)
        dialog.algorithmFinished.connect(
            lambda ok, results: record.update(ok=bool(ok), log=_log_text(dialog),
                                              results={k: str(v)[:200] for k, v in results.items()}))
        dialog.runButton().click()
    except Exception:
        record["exception"] = traceback.format_exc()
        dialog.reject()
        return
    QTimer.singleShot(300, lambda: wait_dialog(dialog, record, time.monotonic()))


def _log_text(dialog):
    from qgis.PyQt.QtWidgets import QTextEdit

    texts = [w.toPlainText() for w in dialog.findChildren(QTextEdit)]
    return max(texts, key=len)[-1500:] if texts else ""


def wait_dialog(dialog, record, since):
    """Until the run ended: a successful run closes the dialog itself; a failed one leaves it open."""
    if sip.isdeleted(dialog) or not dialog.isVisible():
        return
    running = any(t.status() in (t.Queued, t.OnHold, t.Running) for t in QgsApplication.taskManager().tasks())
    waited = time.monotonic() - since
    if ("ok" in record and not running) or waited > RUN_TIMEOUT_S or ("ok" not in record and not running
                                                                      and waited > 10):
        record["seconds"] = round(time.monotonic() - since, 1)
        record["log"] = _log_text(dialog)
        record.setdefault("ok", False)
        dialog.reject()  # closes the dialog: the button's click() returns
        return
    QTimer.singleShot(300, lambda: wait_dialog(dialog, record, since))


def leftovers():
    """Everything of the plugin that can be seen in the running QGIS."""
    window = iface.mainWindow()
    locator = next((sip.cast(w, QgsLocatorWidget) for w in window.findChildren(QWidget)
                    if w.metaObject().className() == "QgsLocatorWidget"), None)
    return {
        "docks": [w.objectName() for w in window.findChildren(QDockWidget) if w.objectName().startswith("Wanmi")],
        "toolbars": [w.objectName() for w in window.findChildren(QToolBar) if w.objectName().startswith("Wanmi")],
        "plugin_menu": [a.text() for a in iface.pluginMenu().actions() if a.text().startswith("Wanmi")],
        "status_widgets": [w.objectName() for w in window.statusBar().findChildren(QWidget)
                           if w.objectName().startswith("Wanmi")],
        "locator_filters": [f.name() for f in locator.locator().filters()
                            if f.name().startswith("wanmi")] if locator is not None else None,
        "provider": QgsApplication.processingRegistry().providerById("wanmi") is not None,
        "translated": QApplication.translate("Wanmi", "Load sample project") != "Load sample project",
    }


def after_unload():
    state["after_unload"] = leftovers()
    write_report_and_quit()


def write_report_and_quit():
    state["elapsed_s"] = round(time.monotonic() - START, 1)
    with open(REPORT, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False, indent=1)
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, iface.actionExit().trigger)
    QTimer.singleShot(10_000, lambda: os._exit(0))  # if an exit dialog still blocks


def wait_for_grid():
    plugin = plugins.get("wanmi")
    sample = getattr(plugin, "sample", None)
    cells = getattr(sample, "cells", None)
    if cells is None and time.monotonic() - START < TIMEOUT_S:
        QTimer.singleShot(500, wait_for_grid)
        return
    state["grid_wait_s"] = round(time.monotonic() - START, 1)
    state["message_bar_at_load"] = [item.text() for item in iface.messageBar().items()]
    if cells is None:
        finish()
        return
    wait_for_snapshots(cells)


def wait_for_snapshots(cells):
    """The read-out index and the locator's code table are built by background tasks after layers change."""
    plugin = plugins.get("wanmi")
    ready = plugin.readout.index is not None and plugin.readout.index.layer_id == cells.id() \
        and len(plugin.code_store.table.codes) > 0
    if not ready and time.monotonic() - START < TIMEOUT_S:
        QTimer.singleShot(300, lambda: wait_for_snapshots(cells))
        return
    locate_with_the_locator_bar(cells)


def locate_with_the_locator_bar(cells):
    """Type a cell code into QGIS' own locator bar and press Enter: our filter must select and zoom to it."""
    plugin = plugins.get("wanmi")
    try:
        # findChild(QgsLocatorWidget) finds nothing in 3.22 (the app's instance is wrapped as a plain QWidget)
        widget = next(sip.cast(w, QgsLocatorWidget) for w in iface.mainWindow().findChildren(QWidget)
                      if w.metaObject().className() == "QgsLocatorWidget")
        state["locator_filters"] = sorted(f.name() for f in widget.locator().filters())
        index = plugin.readout.index
        hit = index.cell_at(cells.extent().center())
        code = hit[1].code if hit else next(iter(cells.getFeatures()))["code"]
        state["locator_code"] = code
        widget.search(code)
    except Exception:
        state["errors"].append(traceback.format_exc())
        show_for_screenshot(cells)
        return

    def press_enter():
        try:
            edit = next(w for w in widget.findChildren(QLineEdit) if w.isVisible())
            QTest.keyClick(edit, Qt.Key_Return)
        except Exception:
            state["errors"].append(traceback.format_exc())
        QTimer.singleShot(800, record)

    def record():
        selected = [f["code"] for f in cells.selectedFeatures()]
        state["locator_selected"] = selected
        box = cells.getFeature(cells.selectedFeatureIds()[0]).geometry().boundingBox() if selected else None
        extent = iface.mapCanvas().extent()
        state["locator_zoomed"] = bool(box is not None and extent.contains(box) and extent.width() < 1000)
        show_for_screenshot(cells)

    QTimer.singleShot(2500, press_enter)


def show_for_screenshot(cells):
    """Zoom to ~2 km around the district centre so single cells and their code labels show."""
    canvas = iface.mapCanvas()
    centre = cells.extent().center()
    half_w = 1000.0
    half_h = half_w * canvas.height() / max(canvas.width(), 1)
    canvas.setExtent(QgsRectangle(centre.x() - half_w, centre.y() - half_h, centre.x() + half_w, centre.y() + half_h))
    rendered = []
    canvas.mapCanvasRefreshed.connect(lambda: rendered.append(time.monotonic()))
    canvas.refresh()
    wait_for_render(time.monotonic(), rendered)


def wait_for_render(since, rendered):
    """Until a full render finished after the zoom, nothing is drawing, and things were quiet for 1.5 s."""
    canvas = iface.mapCanvas()
    now = time.monotonic()
    settled = rendered and not canvas.isDrawing() and now - rendered[-1] > 1.5 and now - since > 2.0
    if not settled and now - START < TIMEOUT_S:
        QTimer.singleShot(300, lambda: wait_for_render(since, rendered))
        return
    state["renders_before_screenshot"] = len(rendered)
    finish()


def start():
    try:
        state["python"] = sys.version.split()[0]
        state["qgis_version"] = Qgis.QGIS_VERSION
        state["locale"] = str(QgsApplication.locale())
        state["loaded_at_startup"] = "wanmi" in active_plugins
        zip_path = os.environ.get("WANMI_INSTALL_ZIP")
        if zip_path:  # Plugins ▸ Manage and Install ▸ Install from ZIP, the installer's own code path
            import pyplugin_installer

            pyplugin_installer.instance().installFromZipFile(zip_path)
            state["installed_from_zip"] = True
        state["active_plugins"] = list(active_plugins)
        plugin = plugins.get("wanmi")
        state["plugin_loaded"] = plugin is not None and "wanmi" in active_plugins
        state["plugin_file"] = sys.modules["wanmi"].__file__ if "wanmi" in sys.modules else None
        if plugin is None:
            finish()
            return
        state["provider_algorithms"] = sorted(
            alg.id() for alg in QgsApplication.processingRegistry().providerById("wanmi").algorithms())
        state["provider_load_errors"] = dict(plugin.provider.load_errors)
        window = iface.mainWindow()
        window.showMaximized()
        window.setGeometry(QApplication.primaryScreen().availableGeometry())  # no window manager in Xvfb
        plugin.dock.setUserVisible(True)
        plugin.dock.raise_()
        plugin.dock.sample_button.click()  # the dock's own "Load sample project" button
        wait_for_grid()
    except Exception:
        state["errors"].append(traceback.format_exc())
        finish()


QTimer.singleShot(1500, start)
