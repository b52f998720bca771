"""The Python packages each Processing algorithm needs, declared once and checked without importing them.

The provider (:mod:`.provider`) registers an algorithm only when every package its declaration requires
(:data:`REQUIRES`, from ``Capability.requires``) is installed, and logs which one is missing otherwise. The
check uses :func:`importlib.util.find_spec`, which locates a top-level package without executing it, so QGIS
never loads the compiled engine at start-up.

shapely, pyproj and pyogrio are not listed: the ABI check (``plugin/abi.py``) already switches the whole
provider off when any of them is missing or would bring a second GEOS/PROJ/GDAL into QGIS.
:data:`OPTIONAL` packages are imported only for one kind of input; the run itself says what to install when
that input is used, so they do not keep an algorithm from registering.

``tests/core/test_architecture.py`` checks this table against the imports each capability's module reaches, so a
new third-party import in ``core``/``layers`` cannot slip past the guard. This module imports no QGIS.
"""

from __future__ import annotations

import importlib.util

from ..workflow import CAPABILITIES
from ..workflow.base import ENGINE  # noqa: F401 (re-exported: what every algorithm needs)

#: algorithm name → packages that every run imports, as each capability declares them (``Capability.requires``)
REQUIRES: dict[str, tuple[str, ...]] = {c.name: c.requires for c in CAPABILITIES.values() if "processing" in c.fronts}

#: package imported only for one kind of input → that input (the run reports it when it is missing)
OPTIONAL: dict[str, str] = {
    "psycopg": "PostGIS census and case stores (pip install 'wanmi[postgis]')",
    "openpyxl": "XLSX tables",
    "tomli": "TOML weight files on Python < 3.11 (3.11 has tomllib)",
}

#: checked by ``plugin/abi.py`` for the whole provider (``abi.BINDINGS``)
ABI_CHECKED: tuple[str, ...] = ("shapely", "pyproj", "pyogrio")


def installed(package: str) -> bool:
    """True when the top-level ``package`` can be imported; it is located, not imported."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # an import hook refused it, or a half-removed package
        return False


def missing(algorithm: str) -> tuple[str, ...]:
    """The packages :data:`REQUIRES` lists for ``algorithm`` that are not installed, in declared order."""
    return tuple(package for package in REQUIRES.get(algorithm, ()) if not installed(package))
