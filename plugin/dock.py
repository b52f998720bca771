"""The "Wanmi 万米网格" dock: the workflow Grid → Census → Cases → Evaluation → Audit, one step per box.

Each step lists the provider's algorithms of that step (by group id, in the provider's ``MENU`` order: both
come from the workflow declarations, ``wanmi.workflow``), so a tool declared later appears without touching
the dock and missing ones leave the step disabled. A button
opens the algorithm's Processing dialog (``processing.execAlgorithmDialog``: the run goes through a
Processing task with progress and cancel, never blocking the GUI) pre-filled with the current project's
layers chosen by their schema (see :mod:`wanmi.plugin.schema`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterVectorLayer,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..workflow.base import STEPS
from .i18n import tr
from .icons import icon
from .schema import layers_with_role, project_layers, role_for_parameter

# The workflow steps, in order: the steps of the workflow declarations (``wanmi.workflow.base.STEPS``), which
# are also the Processing group ids. Titles and hints are in step_texts() so they are translated when the dock
# is built, not when this module is imported.
WORKFLOW: tuple[str, ...] = STEPS


def step_texts() -> dict[str, tuple[str, str]]:
    """Step key → (translated title, translated one-line hint)."""
    return {
        "grid": (tr("1 · Grid"), tr("Partition communities into unit cells with stable 15-digit codes.")),
        "census": (tr("2 · Census"), tr("Check, code and geocode city components to their unit cells.")),
        "cases": (tr("3 · Cases"), tr("Overlay cases on cells, communities, streets and departments.")),
        "evaluation": (tr("4 · Evaluation"), tr("Compute indicators and grade scores as colour maps.")),
        "audit": (tr("5 · Audit"), tr("Find gaps, overlaps and blind spots in responsibility grids.")),
    }


def step_of(group_id: str) -> str:
    """The workflow step key of a Processing group id (``"other"`` when it is not a step)."""
    return group_id if group_id in WORKFLOW else "other"


def step_algorithms(provider) -> dict[str, list[QgsProcessingAlgorithm]]:
    """Step key → the provider's algorithms of that step, in ``MENU`` order then by name; plus ``"other"``
    for algorithms whose group is not a workflow step."""
    from ..processing_scripts.provider import MENU

    order = {name: i for i, name in enumerate(MENU)}
    steps: dict[str, list[QgsProcessingAlgorithm]] = {key: [] for key in WORKFLOW}
    steps["other"] = []
    algorithms = provider.algorithms() if provider is not None else []
    for alg in sorted(algorithms, key=lambda a: (order.get(a.name(), len(order)), a.name())):
        steps[step_of(alg.groupId())].append(alg)
    return steps


def _accepts(parameter, layer) -> bool:
    """Whether ``layer``'s geometry type is one of the source parameter's data types."""
    types = set(parameter.dataTypes()) if hasattr(parameter, "dataTypes") else set()
    if not types or types & {QgsProcessing.TypeMapLayer, QgsProcessing.TypeVector}:
        return True
    geometry = layer.geometryType()
    wanted = {
        QgsWkbTypes.PointGeometry: QgsProcessing.TypeVectorPoint,
        QgsWkbTypes.LineGeometry: QgsProcessing.TypeVectorLine,
        QgsWkbTypes.PolygonGeometry: QgsProcessing.TypeVectorPolygon,
    }.get(geometry)
    return wanted in types or (QgsProcessing.TypeVectorAnyGeometry in types and geometry != QgsWkbTypes.NullGeometry)


def needs_lonlat(parameter) -> bool:
    """Whether a source parameter takes longitude/latitude layers only (metadata ``wanmi.geographic``)."""
    return bool((parameter.metadata().get("wanmi") or {}).get("geographic", False))


def default_parameters(alg: QgsProcessingAlgorithm, project: QgsProject | None = None) -> dict[str, str]:
    """Source parameters of ``alg`` → id of the project layer whose schema fits what the parameter asks for.

    A parameter that takes longitude/latitude only gets the top layer in longitude/latitude when its role
    cannot be told. Parameters whose role cannot be told, or for which the project has no fitting layer, are
    left out (the dialog then shows its own default)."""
    params: dict[str, str] = {}
    for parameter in alg.parameterDefinitions():
        if not isinstance(parameter, (QgsProcessingParameterFeatureSource, QgsProcessingParameterVectorLayer)):
            continue
        role = role_for_parameter(parameter.name(), parameter.description())
        if role is None and not needs_lonlat(parameter):
            continue
        # a lon/lat-only parameter of no particular role (a web-map layer to convert): the top lon/lat layer
        candidates = layers_with_role(role, project) if role is not None else [
            layer for layer in project_layers(project) if isinstance(layer, QgsVectorLayer) and layer.isSpatial()]
        for layer in candidates:
            if _accepts(parameter, layer) and (layer.crs().isGeographic() or not needs_lonlat(parameter)):
                params[parameter.name()] = layer.id()
                break
    return params


def open_algorithm_dialog(algorithm_id: str, project: QgsProject | None = None) -> None:
    """Open the Processing dialog of ``algorithm_id`` with defaults from the project (non-blocking run)."""
    import processing
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    if alg is None:
        return
    dialog = processing.createAlgorithmDialog(algorithm_id, default_parameters(alg, project))
    if dialog is None:
        return
    offer_only_geographic_layers(dialog, alg, project)
    dialog.show()
    dialog.exec_()  # modal, as processing.execAlgorithmDialog; the run itself is a background task
    dialog.close()


def offer_only_geographic_layers(dialog, alg: QgsProcessingAlgorithm, project: QgsProject | None = None) -> None:
    """Source parameters that need longitude/latitude (metadata ``wanmi.geographic``) list no projected layer,
    so a layer in metres is never pre-filled (QGIS would otherwise pick the first layer of the project)."""
    from qgis.gui import QgsMapLayerComboBox
    from qgis.PyQt import sip

    project = project or QgsProject.instance()
    projected = [layer for layer in project.mapLayers().values()
                 if layer.crs().isValid() and not layer.crs().isGeographic()]
    wrappers = getattr(dialog.mainWidget(), "wrappers", {})
    for parameter in alg.parameterDefinitions():
        if not needs_lonlat(parameter) or parameter.name() not in wrappers:
            continue
        widget = wrappers[parameter.name()].wrappedWidget()
        for child in widget.findChildren(QWidget) if widget is not None else []:
            if child.metaObject().className() == "QgsMapLayerComboBox":  # wrapped as a plain QComboBox
                sip.cast(child, QgsMapLayerComboBox).setExceptedLayerList(projected)


class WanmiDock(QgsDockWidget):
    """Dock widget with one box per workflow step and the sample-project button."""

    def __init__(self, provider, load_sample: Callable[[], None] | None = None,
                 open_dialog: Callable[[str], None] = open_algorithm_dialog, parent=None) -> None:
        super().__init__(tr("Wanmi 万米网格"), parent)
        self.setObjectName("WanmiDock")
        self.provider = provider
        self.open_dialog = open_dialog
        self.load_sample = load_sample
        self.buttons: dict[str, QPushButton] = {}
        self.step_boxes: dict[str, QGroupBox] = {}
        self.status = QLabel()
        self.status.setObjectName("WanmiDockStatus")
        self.status.setWordWrap(True)
        self.layers_label = QLabel()
        self.layers_label.setObjectName("WanmiDockLayers")
        self.layers_label.setWordWrap(True)
        self.layers_label.setToolTip(tr("Layers are recognised by their fields: unit cells have code and "
                                        "community_code, census layers code, class_code and status, case layers "
                                        "case_id, communities community_code without seq."))
        self._body: QWidget | None = None
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        self.setWidget(scroll)
        self.scroll = scroll
        self.rebuild()
        if provider is not None and hasattr(provider, "algorithmsLoaded"):
            provider.algorithmsLoaded.connect(self.rebuild)

    def rebuild(self) -> None:
        """(Re)build the step boxes from the provider's current algorithms."""
        self.buttons.clear()
        self.step_boxes.clear()
        body = QWidget()
        body.setObjectName("WanmiDockBody")
        layout = QVBoxLayout(body)
        intro = QLabel(tr("Digital urban management workflow: run the steps from top to bottom. "
                          "Each button opens a Processing tool filled in with the layers of this project."))
        intro.setObjectName("WanmiDockIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        sample = QPushButton(icon("wanmi"), tr("Load sample project"))
        sample.setObjectName("WanmiLoadSample")
        sample.setToolTip(tr("Open the bundled Dongcheng (Beijing) sample data, styled, with its unit grid"))
        sample.setEnabled(self.load_sample is not None)
        if self.load_sample is not None:
            sample.clicked.connect(lambda _=False: self.load_sample())
        layout.addWidget(sample)
        self.sample_button = sample
        self.status.setParent(None)
        layout.addWidget(self.status)
        self.layers_label.setParent(None)
        layout.addWidget(self.layers_label)
        texts = step_texts()
        steps = step_algorithms(self.provider)
        for key in WORKFLOW:
            title, hint = texts[key]
            layout.addWidget(self._step_box(key, title, hint, steps[key]))
        if steps["other"]:
            layout.addWidget(self._step_box("other", tr("More tools"), "", steps["other"]))
        layout.addStretch(1)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(body)
        if old is not None:
            old.deleteLater()
        self._body = body

    def _step_box(self, key: str, title: str, hint: str, algorithms) -> QGroupBox:
        box = QGroupBox(title)
        box.setObjectName(f"WanmiStep_{key}")
        inner = QVBoxLayout(box)
        if hint:
            label = QLabel(hint)
            label.setWordWrap(True)
            label.setObjectName(f"WanmiStepHint_{key}")
            inner.addWidget(label)
        for alg in algorithms:
            button = QPushButton(icon(f"step_{key}"), alg.displayName())
            button.setObjectName(f"WanmiAlg_{alg.name()}")
            button.setToolTip(alg.shortDescription() or alg.displayName())
            button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            button.setStyleSheet("text-align: left; padding: 3px 6px;")
            alg_id = alg.id()
            button.clicked.connect(lambda _=False, a=alg_id: self.open_dialog(a))
            inner.addWidget(button)
            self.buttons[alg_id] = button
        if not algorithms:
            missing = QLabel(tr("Not available in this version."))
            missing.setEnabled(False)
            inner.addWidget(missing)
            box.setEnabled(False)
        self.step_boxes[key] = box
        return box

    def labels(self) -> list[str]:
        """Every visible text of the dock (title, boxes, labels, buttons): for tests and screenshots."""
        texts = [self.windowTitle()]
        body = self._body
        if body is not None:
            texts += [box.title() for box in body.findChildren(QGroupBox)]
            texts += [label.text() for label in body.findChildren(QLabel) if label.text()]
            texts += [button.text() for button in body.findChildren(QPushButton)]
        return texts

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def update_layers(self, project: QgsProject | None = None) -> None:
        """Show which project layers the buttons will use (top-most layer of each role)."""
        none = "—"
        names = {}
        for role in ("cells", "census", "cases", "communities"):
            found = layers_with_role(role, project)
            names[role] = found[0].name() if found else none
        self.layers_label.setText(tr("Project layers — unit cells: {cells}; census: {census}; cases: {cases}; "
                                     "communities: {communities}").format(**names))

    def unload(self) -> None:
        if self.provider is not None and hasattr(self.provider, "algorithmsLoaded"):
            with contextlib.suppress(TypeError, RuntimeError):
                self.provider.algorithmsLoaded.disconnect(self.rebuild)


DOCK_AREA = Qt.RightDockWidgetArea
