"""Recognise Wanmi layers in a QGIS project by their schema (字段结构), not by their names.

The dock, the cursor read-out and the locator all need "the unit-cell layer", "the census layer", … of the
current project. Users rename layers freely, so a layer's role is decided by its geometry type and fields:

* ``cells`` 单元网格: polygons with ``code`` and ``community_code``;
* ``census`` 部件普查: features with ``code``, ``class_code`` and ``status`` (not a list of records with
  ``problems``, which validation and rejects write);
* ``cases`` 案卷: any layer with ``case_id``;
* ``communities`` 社区: polygons with ``community_code`` but no ``seq`` (cells carry a sequence number);
* ``streets`` 街道: polygons with ``street_code`` but no ``community_code`` (and not responsibility areas);
* ``areas`` 责任网格: polygons with ``area_code`` and ``workload`` (an output of ``wanmi:responsibility``);
* ``scores`` 评价结果: polygons with ``score`` and ``grade`` (an evaluation output; may also be ``cells``);
* ``roads`` 道路: line layers.
"""

from __future__ import annotations

from collections.abc import Iterable

from qgis.core import QgsMapLayer, QgsProject, QgsVectorLayer, QgsWkbTypes

ROLES = ("cells", "census", "cases", "communities", "streets", "areas", "scores", "roads")


def field_names(layer: QgsVectorLayer) -> set[str]:
    """Lower-case field names of ``layer``."""
    return {name.lower() for name in layer.fields().names()}


def layer_roles(layer: QgsMapLayer) -> set[str]:
    """Every role (see module docstring) that ``layer``'s schema fits; empty for non-vector layers."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        return set()
    names = field_names(layer)
    geometry = layer.geometryType()
    polygon = geometry == QgsWkbTypes.PolygonGeometry
    roles = set()
    if polygon and {"code", "community_code"} <= names:
        roles.add("cells")
    if geometry != QgsWkbTypes.NullGeometry and {"code", "class_code", "status"} <= names and "cells" not in roles \
            and "problems" not in names:
        roles.add("census")
    if "case_id" in names:
        roles.add("cases")
    if polygon and "community_code" in names and "seq" not in names and "cells" not in roles:
        roles.add("communities")
    if polygon and {"area_code", "workload"} <= names:
        roles.add("areas")
    if polygon and "street_code" in names and "community_code" not in names and "areas" not in roles:
        roles.add("streets")
    if polygon and {"score", "grade"} <= names:
        roles.add("scores")
    if geometry == QgsWkbTypes.LineGeometry and not roles:
        roles.add("roads")
    return roles


def project_layers(project: QgsProject | None = None) -> list[QgsMapLayer]:
    """The project's layers in layer-tree order (top first), then any layer not in the tree."""
    project = project or QgsProject.instance()
    ordered = list(project.layerTreeRoot().layerOrder())
    seen = {layer.id() for layer in ordered}
    ordered.extend(layer for layer in project.mapLayers().values() if layer.id() not in seen)
    return ordered


def layers_with_role(role: str, project: QgsProject | None = None,
                     layers: Iterable[QgsMapLayer] | None = None) -> list[QgsVectorLayer]:
    """Layers of the project (or of ``layers``) whose schema fits ``role``, top of the layer tree first."""
    if role not in ROLES:
        raise ValueError(f"unknown layer role {role!r}; known: {ROLES}")
    candidates = project_layers(project) if layers is None else list(layers)
    return [layer for layer in candidates if role in layer_roles(layer)]


def first_layer(role: str, project: QgsProject | None = None) -> QgsVectorLayer | None:
    """The top-most layer fitting ``role``, or None."""
    found = layers_with_role(role, project)
    return found[0] if found else None


# --- Processing parameters → roles --------------------------------------------------------------------------
# Keywords looked up in a parameter's name (canonical English, e.g. CELLS) and then its description (which may
# already be translated, hence the Chinese keywords). First matching role wins, so the specific ones come first.
PARAMETER_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scores", ("score", "评价结果", "得分", "综合指标")),
    ("cases", ("case", "案卷", "案件")),
    ("census", ("component", "census", "部件", "普查")),
    ("roads", ("road", "river", "道路", "河流")),
    ("areas", ("areas", "responsibility", "责任")),
    ("streets", ("street_layer", "streets")),
    ("communities", ("communit", "jurisdiction", "社区", "辖区")),
    ("cells", ("cell", "grid", "网格")),
)


def role_for_parameter(name: str, description: str = "") -> str | None:
    """The layer role a Processing source parameter asks for, from its name, else its description."""
    for text in (name.lower(), description.lower()):
        for role, keywords in PARAMETER_KEYWORDS:
            if any(keyword in text for keyword in keywords):
                return role
    return None
