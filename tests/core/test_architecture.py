"""Architecture rules: the engine is pure, ``import wanmi`` never needs QGIS, every package keeps to its imports
(docs/design.md: core ← layers ← workflow ← {cli, processing_scripts, plugin}), core does no new file I/O, and the
Processing provider's dependency table covers what each algorithm imports."""

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


# --- The widened rules (issue 14): absolute and relative imports, every package of the house ----------------
QT = frozenset({"qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "processing", "sip"})
#: package → (the Wanmi packages it may import, None for any but the forbidden ones; the Wanmi packages it must
#: not import; may it import QGIS/Qt).
#: docs/design.md and issue 14: core ← layers ← workflow ← {cli, processing_scripts, plugin}.
RULES: dict[str, tuple[frozenset[str] | None, frozenset[str], bool]] = {
    "core": (frozenset({"core"}), frozenset(), False),
    "layers": (frozenset({"core", "layers"}), frozenset(), False),
    "workflow": (frozenset({"core", "layers", "workflow"}), frozenset(), False),
    "cli": (frozenset({"wanmi", "core", "layers", "workflow", "cli"}), frozenset(), False),
    "processing_scripts": (None, frozenset({"plugin"}), True),
    "plugin": (None, frozenset(), True),
}


def package_of(relpath: str) -> str | None:
    """The rule set that governs a file (``core/grid.py`` → ``core``; ``cli/census.py`` → ``cli``); None for the
    package entry (``__init__.py`` at the root: QGIS's ``classFactory``)."""
    parts = relpath.split("/")
    return parts[0] if len(parts) > 1 and parts[0] in RULES else None


def resolved_imports(source: str, relpath: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``source`` (a file at ``relpath`` under the package root),
    at any depth (imports inside functions count). Relative imports are resolved to ``wanmi.…``; for
    ``from X import name`` the module ``X.name`` is given when such a module file exists, else ``X``."""
    parts = ["wanmi", *relpath.split("/")]
    package = parts[:-1]  # for __init__.py too: its package is its folder
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            subs = [f"{module}.{a.name}" for a in node.names if _module_file(f"{module}.{a.name}") is not None]
            found.extend((node.lineno, name) for name in (subs or [module]))
    return found


def _module_file(module: str) -> Path | None:
    """The file of a ``wanmi.…`` module in this tree, or None."""
    if module != "wanmi" and not module.startswith("wanmi."):
        return None
    path = ROOT.joinpath(*module.split(".")[1:])
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file() and candidate.is_relative_to(ROOT):
            return candidate
    return None


def _target(module: str) -> str:
    """``wanmi.core.grid`` → ``core``; ``wanmi.cli.census`` → ``cli``; ``qgis.core`` → ``qgis``."""
    parts = module.split(".")
    if parts[0] != "wanmi":
        return parts[0]
    if len(parts) == 1:
        return "wanmi"
    return parts[1]


def import_violations(source: str, relpath: str) -> list[str]:
    """Imports of ``source`` (file ``relpath``) that break :data:`RULES`, as ``path:line imports module``."""
    package = package_of(relpath)
    if package is None:
        return []
    allowed, forbidden, qt_allowed = RULES[package]
    bad = []
    for line, module in resolved_imports(source, relpath):
        target = _target(module)
        internal = module.split(".")[0] == "wanmi"
        if (internal and ((allowed is not None and target not in allowed) or target in forbidden)) or (
                target in QT and not qt_allowed):
            bad.append(f"{relpath}:{line} imports {module}")
    return bad


def _python_files() -> list[Path]:
    skip = {".venv", "tests", "benchmarks", "scripts", "build", "dist", "test_artifacts", "wanmi.egg-info"}
    return sorted(p for p in ROOT.rglob("*.py") if not (set(p.relative_to(ROOT).parts) & skip))


def test_nothing_at_the_root_but_the_package_entry():
    """The repository root is the plugin folder: its only module is the package entry (``classFactory``); the
    command line is the ``cli/`` package and the demo a workflow (issue 14)."""
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["__init__.py"]


def test_every_package_keeps_to_its_imports():
    bad = [v for path in _python_files()
           for v in import_violations(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert not bad, "imports against the dependency rules (docs/design.md):\n" + "\n".join(bad)


def test_the_import_checker_catches_absolute_and_relative_imports():
    """The checker itself can fail: each of these lines breaks a rule."""
    cases = {
        "core/x.py": ["from wanmi.layers.gpkg import write_gpkg", "from ..layers import gpkg", "import wanmi.plugin",
                      "from ..plugin.main import WanmiPlugin", "import qgis.core", "from qgis.PyQt import QtCore",
                      "def f():\n    from ..processing_scripts import provider", "from .. import cli"],
        "layers/x.py": ["from ..processing_scripts.base import tr", "from wanmi.plugin import abi",
                        "from qgis.core import QgsVectorLayer", "from ..workflow import partition",
                        "from .. import demo", "from ..cli import main"],
        "workflow/x.py": ["from ..plugin import dock", "import qgis", "from wanmi.cli import main"],
        "processing_scripts/x.py": ["from ..plugin.i18n import tr", "import wanmi.plugin.abi"],
        "cli/cases.py": ["from ..processing_scripts import provider", "from ..plugin import main", "import qgis.core",
                         "from wanmi.processing_scripts.base import tr"],
        "cli/x.py": ["from ..plugin import abi", "from qgis.core import Qgis"],
    }
    for relpath, lines in cases.items():
        for line in lines:
            assert import_violations(line + "\n", relpath), (relpath, line)
    allowed = {
        "core/x.py": ["from .errors import InputError", "from wanmi.core import grid", "import numpy as np"],
        "layers/x.py": ["from ..core.errors import InputError", "from wanmi.core.codes import get_scheme"],
        "processing_scripts/x.py": ["from ..core.grid import partition", "from ..layers import gpkg",
                                    "from qgis.core import Qgis"],
        "plugin/x.py": ["from ..processing_scripts.provider import MENU", "from qgis.core import Qgis"],
        "cli/commands.py": ["from ..core.grid import partition", "from ..layers.gpkg import write_gpkg",
                            "from ..workflow import CAPABILITIES", "from .feedback import BarFeedback"],
    }
    for relpath, lines in allowed.items():
        for line in lines:
            assert not import_violations(line + "\n", relpath), (relpath, line)
    assert resolved_imports("from ..core.errors import InputError\n", "layers/stores/base.py") == [
        (1, "wanmi.layers.core.errors")]  # three dots are needed there: the checker resolves exactly
    assert resolved_imports("from ...core import grid\n", "layers/stores/base.py") == [(1, "wanmi.core.grid")]


# --- core does no file I/O (docs/design.md); the modules that still do are listed until issue 14 moves them out
IO_CALLS = frozenset({
    "open", "to_file", "to_csv", "to_parquet", "to_excel", "to_feather", "read_file", "read_csv", "read_parquet",
    "read_excel", "read_feather", "read_dataframe", "write_dataframe", "write_table", "read_text", "read_bytes",
    "write_text", "write_bytes", "savefig", "print_figure", "mkdir", "makedirs", "unlink", "rmdir", "rmtree",
    "iterdir", "glob", "rglob", "touch", "exists", "is_file", "is_dir", "listdir", "scandir", "tofile",
    "fromfile", "ParquetFile", "ParquetWriter",
})
#: module → its functions that all touch files (``shutil.copy``, ``tempfile.mkstemp`` …)
IO_MODULES = frozenset({"shutil", "tempfile", "sqlite3", "pickle", "pyogrio", "fiona"})
#: function names that are I/O only as ``module.name`` (``json.dump`` writes a file, ``dumps`` does not)
IO_QUALIFIED = frozenset({("os", "replace"), ("os", "rename"), ("os", "remove"), ("os", "fdopen"),
                          ("json", "dump"), ("json", "load"), ("np", "save"), ("np", "load"), ("np", "savez"),
                          ("np", "loadtxt"), ("np", "savetxt")})
#: Known offenders (issue 14: "core/ is not only the engine"; the I/O moves to layers/). Do not add to this list:
#: a new core module reads and writes through layers/, or takes and returns data.
CORE_IO_ALLOWED = {
    "core/codes.py": "reads its bundled class tables (core/data/*.csv) and user tables by path (issue 14)",
    "core/evaluation.py": "reads its bundled default config and user weight files (JSON/TOML) (issue 14)",
}


def file_io_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) of every call in ``source`` that reads or writes files (:data:`IO_CALLS` and friends)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in IO_CALLS:
            found.append((node.lineno, func.id))
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in IO_CALLS or owner in IO_MODULES or (owner, func.attr) in IO_QUALIFIED:
                found.append((node.lineno, f"{owner + '.' if owner else '.'}{func.attr}"))
    return found


def test_core_does_no_file_io_beyond_the_known_offenders():
    offenders = {}
    for path in sorted((ROOT / "core").rglob("*.py")):
        relpath = path.relative_to(ROOT).as_posix()
        calls = file_io_calls(path.read_text(encoding="utf-8"))
        if calls and relpath not in CORE_IO_ALLOWED:
            offenders[relpath] = calls
    assert not offenders, f"core/ must not read or write files (do it in layers/): {offenders}"
    stale = [p for p in CORE_IO_ALLOWED if not (ROOT / p).is_file()
             or not file_io_calls((ROOT / p).read_text(encoding="utf-8"))]
    assert not stale, f"no file I/O left in {stale}: take them off CORE_IO_ALLOWED"


def test_the_file_io_checker_finds_reads_and_writes():
    for line in ["open('x')", "Path(p).write_text('a')", "gdf.to_file(p)", "frame.to_csv(p)", "gpd.read_file(p)",
                 "json.dump(d, f)", "shutil.copy(a, b)", "os.replace(a, b)", "fig.savefig(p)", "pd.read_csv(p)",
                 "with path.open('w') as f: pass", "tempfile.mkstemp()", "np.save(p, a)"]:
        assert file_io_calls(line + "\n"), line
    for line in ["json.dumps(d)", "json.loads(s)", "s.replace('a', 'b')", "frame.rename(columns={})",
                 "shapely.from_wkb(b)", "frame.to_dict()", "np.asarray(a)"]:
        assert not file_io_calls(line + "\n"), line


# --- the provider's dependency table covers what each algorithm imports ----------------------------------------
def import_closure(module: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Third-party top-level packages that ``module`` (``wanmi.…``) can import, through every Wanmi module it
    imports, at any depth (lazy imports inside functions included): an over-approximation on purpose. The
    modules in ``skip`` are not followed."""
    seen: set[str] = set(skip)
    external: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        # parent packages (not the root ``wanmi``: its only import is the plugin, lazily, for QGIS)
        todo.extend(".".join(name.split(".")[:k]) for k in range(2, name.count(".") + 1))
        for _, imported in resolved_imports(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()):
            if imported.split(".")[0] == "wanmi":
                todo.append(imported)
            else:
                external.add(imported.split(".")[0])
    return external - set(sys.stdlib_module_names) - {"__future__"}


def test_each_algorithm_declares_the_packages_it_imports():
    from wanmi.processing_scripts import dependencies

    host = {"qgis", "osgeo"} | set(dependencies.ABI_CHECKED) | set(dependencies.OPTIONAL)
    problems = {}
    from wanmi.workflow import CAPABILITIES

    # the workflow package's __init__ only lists the declarations: following it would reach every capability
    for algorithm, declared in dependencies.REQUIRES.items():
        module = CAPABILITIES[algorithm].run.__module__
        reached = (import_closure(module, frozenset({"wanmi.workflow"}))
                   | import_closure("wanmi.processing_scripts.workflow_adapter", frozenset({"wanmi.workflow"}))) - host
        if reached != set(declared):
            problems[algorithm] = {"undeclared": sorted(reached - set(declared)),
                                   "declared but never imported": sorted(set(declared) - reached)}
    assert not problems, ("the declarations' requires (or dependencies.OPTIONAL, for a package only one kind "
                          f"of input needs) are out of step with the imports: {problems}")


def test_declarations_load_no_engine():
    """The Processing provider and the dock read the workflow declarations at QGIS start-up: importing them
    loads no compiled or heavy package (the missing-dependency guard and the ABI check run before any is)."""
    code = ("import sys, wanmi.workflow, wanmi.cli\n"
            "heavy = {'numpy', 'pandas', 'geopandas', 'shapely', 'pyproj', 'pyogrio', 'scipy', 'matplotlib',"
            " 'mapclassify', 'dask', 'psycopg', 'openpyxl'}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
