"""Icons by file path (图标).

``resources.qrc`` lists the same files for Qt5 builds (``pyrcc5 -o resources_rc.py resources.qrc``, output not
committed), but the plugin never imports compiled resources: Qt6 has no pyrcc, and a path works everywhere.
The .qrc carries no XML comments because pyrcc5 then reports "No resources in resource description".
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtGui import QIcon

ICONS_DIR = Path(__file__).resolve().parent.parent / "icons"
PLUGIN_ICON = ICONS_DIR / "wanmi.svg"


def icon_path(name: str = "wanmi") -> Path:
    """``icons/<name>.svg`` (e.g. ``step_grid``); falls back to the plugin icon for unknown names."""
    path = ICONS_DIR / f"{name}.svg"
    return path if path.exists() else PLUGIN_ICON


def icon(name: str = "wanmi") -> QIcon:
    return QIcon(str(icon_path(name)))
