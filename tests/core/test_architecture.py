"""Architecture rules: the engine is pure, and ``import wanmi`` never needs QGIS."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "processing")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_qgis_or_qt():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] in FORBIDDEN)
        for path in (ROOT / "core").rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"core/ must not import QGIS/Qt: {offenders}"


def test_core_does_not_import_other_layers():
    """Dependencies point one way: core ← layers ← {processing_scripts, plugin, cli}."""
    bad = {}
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and (node.module or "").split(".")[0] in {
                "layers", "plugin", "processing_scripts", "cli"
            }:
                bad.setdefault(str(path.relative_to(ROOT)), []).append(node.module)
    assert not bad, bad


BLOCK_QT = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {forbidden!r}:
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
import wanmi, wanmi.core, wanmi.cli
import pkgutil, importlib
for mod in pkgutil.walk_packages(wanmi.core.__path__, 'wanmi.core.'):
    importlib.import_module(mod.name)
assert callable(wanmi.classFactory)
print('ok', len(sys.modules))
"""


def test_package_and_core_import_without_qgis():
    """Run in a fresh interpreter where every qgis/Qt import raises ImportError."""
    code = BLOCK_QT.format(forbidden=set(FORBIDDEN))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
