"""Every text the desktop plugin shows goes through ``tr()`` (so the zh_CN translation can reach it).

Static check on the source of ``plugin/``: widget constructors and text setters must not get a bare string
literal. The brand name in the menu title and the message-bar title "Wanmi" are the only allowed literals.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugin"

# callables whose first positional argument is shown to the user
TEXT_FIRST = {"QLabel", "QPushButton", "QGroupBox", "QAction", "QCheckBox", "QToolButton", "QMenu",
              "setText", "setToolTip", "setWindowTitle", "setTitle", "setPlaceholderText", "setStatusTip",
              "setDescription", "insertGroup", "addGroup", "set_status", "_add_action", "_message"}
# callables whose second positional argument is shown (pushMessage(title, text, ...))
TEXT_SECOND = {"pushMessage", "QgsVectorLayer"}
ALLOWED = {"Wanmi", "Wanmi 万米网格", "ogr", "memory"}


def _name(func: ast.AST) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "<f-string>"
    return None


def find_untranslated(source: str) -> list[tuple[int, str]]:
    """(line, text) of user-visible string literals not wrapped in tr()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        position = 0 if name in TEXT_FIRST else 1 if name in TEXT_SECOND else None
        if position is None or len(node.args) <= position:
            continue
        arg = node.args[position]
        if name == "QgsVectorLayer":  # QgsVectorLayer(uri, name, provider): the layer name is shown
            arg = node.args[1]
        text = _literal_text(arg)
        if text is not None and text not in ALLOWED:
            found.append((node.lineno, text))
    return found


def test_the_checker_catches_bare_literals():
    bad = 'QLabel("Hello")\nbutton.setToolTip("Tip")\niface.messageBar().pushMessage("Wanmi", "Done")\n'
    good = 'QLabel(tr("Hello"))\nbutton.setToolTip(tr("Tip"))\nbar.pushMessage("Wanmi", tr("Done"))\nQLabel()\n'
    assert [text for _line, text in find_untranslated(bad)] == ["Hello", "Tip", "Done"]
    assert find_untranslated(good) == []


def test_plugin_shows_no_untranslated_text():
    problems = {}
    for path in sorted(PLUGIN.glob("*.py")):
        found = find_untranslated(path.read_text(encoding="utf-8"))
        if found:
            problems[path.name] = found
    assert problems == {}
