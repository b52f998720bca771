"""Is it safe to run the engine inside this QGIS process? (GEOS / PROJ / GDAL ABI check)

QGIS has its own GEOS, PROJ and GDAL loaded before any plugin runs. A pip wheel of shapely, pyproj or
pyogrio carries a second copy of the same library (``shapely.libs/libgeos-….so``): on Linux its symbols are
resolved against the copy QGIS loaded first, so a wheel built on GEOS 3.14 calls into QGIS's GEOS 3.11 and
crashes the whole desktop (seen: SIGSEGV in ``shapely.intersects_xy`` and ``pyproj.CRS``, "double free" at
``qgis_process`` exit). The engine is safe in QGIS only when each binding uses the very library QGIS uses.

The evidence is gathered without importing the bindings into the host: :func:`probe` runs in a child
interpreter with the host's ``sys.path`` and reports, per binding, its version, the library version it was
built on, whether it carries a bundled copy, and (Linux) the library files it mapped. :func:`assess` compares
that with the host's own versions and mapped files. This module has no QGIS import at module level and no
relative imports, so ``python plugin/abi.py`` also works from the Makefile (``make env`` checks the venv).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: binding → (library family, how much of the version must agree)
BINDINGS: dict[str, tuple[str, int]] = {"shapely": ("GEOS", 3), "pyproj": ("PROJ", 2), "pyogrio": ("GDAL", 2)}
#: mapped file name → library family (Linux ``/proc/self/maps``)
_LIB_RE = {"GEOS": re.compile(r"libgeos(_c)?[-.]"), "PROJ": re.compile(r"libproj[-.]"),
           "GDAL": re.compile(r"libgdal[-.]")}


@dataclass
class Problem:
    """One binding that must not run in the host process."""

    binding: str
    family: str
    found: str  #: library version the binding uses ("" when unknown)
    host: str  #: library version the host uses
    reason: str  #: "version" (known to crash), "copy" (a second copy of the library), "missing", "probe"


@dataclass
class Report:
    """Outcome of :func:`assess`: ``ok`` when every binding shares the host's libraries."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _version(text: str, parts: int) -> str:
    numbers = re.findall(r"\d+", str(text))[:parts]
    return ".".join(numbers)


def bundled_copies(binding: str) -> list[str]:
    """Library files a wheel of ``binding`` carries (``<name>.libs``, ``.dylibs``), found without importing it."""
    spec = importlib.util.find_spec(binding)
    if spec is None or not spec.submodule_search_locations:
        return []
    package = Path(next(iter(spec.submodule_search_locations)))
    dirs = [*package.parent.glob(f"{binding}.libs"), *package.parent.glob(f"{binding.capitalize()}.libs"),
            package / ".dylibs"]
    return sorted(str(f) for d in dirs if d.is_dir() for f in d.iterdir())


def mapped_libraries() -> dict[str, list[str]]:
    """Real paths of the GEOS/PROJ/GDAL files mapped into this process, by family (Linux only; else empty)."""
    found: dict[str, set[str]] = {family: set() for family in _LIB_RE}
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return {}
    for line in maps.read_text(errors="replace").splitlines():
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        for family, pattern in _LIB_RE.items():
            if path.startswith("/") and pattern.search(Path(path).name):
                found[family].add(os.path.realpath(path))
    return {family: sorted(paths) for family, paths in found.items()}


def _binding_version(binding: str) -> tuple[str, str]:
    """(binding version, version of the library it uses); imports the binding."""
    module = __import__(binding)
    if binding == "shapely":
        return module.__version__, module.geos_version_string
    if binding == "pyproj":
        return module.__version__, module.proj_version_str
    return module.__version__, module.__gdal_version_string__


def probe() -> dict:
    """What each binding uses, seen from *this* interpreter (meant for a child process)."""
    result: dict = {}
    for binding in BINDINGS:
        if importlib.util.find_spec(binding) is None:
            result[binding] = {"installed": False}
            continue
        entry = {"installed": True, "bundled": bundled_copies(binding)}
        try:
            entry["version"], entry["library"] = _binding_version(binding)
        except Exception as exc:  # a broken build: report it rather than die
            entry["error"] = f"{type(exc).__name__}: {exc}"
        result[binding] = entry
    result["mapped"] = mapped_libraries()
    return result


def _python() -> str:
    """The interpreter of this host (inside QGIS ``sys.executable`` is QGIS itself)."""
    base = Path(sys.exec_prefix)
    names = [base / "python.exe", base / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}",
             base / "bin" / "python3", Path(sys.executable)]
    for candidate in names:
        if candidate.is_file() and "python" in candidate.name.lower():
            return str(candidate)
    return sys.executable


def probe_in_child(timeout: float = 60.0) -> dict:
    """:func:`probe` in a child interpreter with this process's ``sys.path`` (the host never loads a binding)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), PYTHONNOUSERSITE="1")
    proc = subprocess.run([_python(), str(Path(__file__).resolve()), "--json"], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-2000:] or f"exit status {proc.returncode}")
    return json.loads(proc.stdout)


def assess(found: dict, host_versions: dict[str, str], host_mapped: dict[str, list[str]]) -> Report:
    """Problems of ``found`` (:func:`probe`) against the host's library versions and mapped files."""
    report = Report()
    for binding, (family, parts) in BINDINGS.items():
        entry = found.get(binding, {})
        host = _version(host_versions.get(family, ""), parts)
        if not entry.get("installed"):
            report.problems.append(Problem(binding, family, "", host, "missing"))
            continue
        if "error" in entry:
            report.problems.append(Problem(binding, family, "", host, "probe"))
            continue
        version = _version(entry["library"], parts)
        child = set(found.get("mapped", {}).get(family, []))
        ours = set(host_mapped.get(family, []))
        if host and version != host:
            report.problems.append(Problem(binding, family, version, host, "version"))
        elif (child and ours and child - ours) or (entry["bundled"] and not ours):
            report.problems.append(Problem(binding, family, version, host, "copy"))
    return report


def qgis_versions() -> dict[str, str]:
    """GEOS, PROJ and GDAL versions of the running QGIS (imports qgis and osgeo)."""
    from osgeo import gdal
    from qgis.core import Qgis, QgsProjUtils

    return {"GEOS": Qgis.geosVersion(),
            "PROJ": f"{QgsProjUtils.projVersionMajor()}.{QgsProjUtils.projVersionMinor()}",
            "GDAL": gdal.__version__}


def check_qgis() -> Report:
    """The load-time check inside QGIS: never imports shapely/pyproj/pyogrio into the QGIS process."""
    host = qgis_versions()
    try:
        found = probe_in_child()
    except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired):  # no interpreter, crash, garbage
        return Report([Problem(b, f, "", _version(host.get(f, ""), n), "probe") for b, (f, n) in BINDINGS.items()])
    return assess(found, host, mapped_libraries())


def system_versions() -> dict[str, str]:
    """GEOS/PROJ/GDAL of the system libraries QGIS links (Debian: ``geos-config``/``pkg-config``)."""
    versions = {}
    commands = {"GEOS": ["geos-config", "--version"], "PROJ": ["pkg-config", "--modversion", "proj"],
                "GDAL": ["pkg-config", "--modversion", "gdal"]}
    for family, cmd in commands.items():
        try:
            versions[family] = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            continue
    return versions


def pip_constraints(system: dict[str, str]) -> list[str]:
    """Versions of the bindings that build on the system libraries (pyproj 3.7 needs PROJ ≥ 9.2)."""
    proj = tuple(int(n) for n in re.findall(r"\d+", system.get("PROJ", "99"))[:2])
    return ["pyproj<3.7"] if proj < (9, 2) else []


def main(argv: list[str] | None = None) -> int:
    """``--json``: print :func:`probe`; ``--bundled``: the bindings installed as wheels with their own
    libraries; ``--constraints``: pip constraints for building on the system libraries; ``--check`` (default):
    exit 1 unless every binding uses the system GEOS/PROJ/GDAL."""
    args = sys.argv[1:] if argv is None else argv
    if "--json" in args:
        print(json.dumps(probe()))
        return 0
    if "--bundled" in args:
        print(" ".join(b for b in BINDINGS if importlib.util.find_spec(b) and bundled_copies(b)))
        return 0
    if "--constraints" in args:
        print("\n".join(pip_constraints(system_versions())))
        return 0
    found = probe()
    report = assess(found, system_versions(), {})
    for p in report.problems:
        what = {"version": f"built on {p.family} {p.found}, the system (QGIS) has {p.host}",
                "copy": f"carries its own {p.family} ({', '.join(found[p.binding]['bundled'][:2])})",
                "missing": "is not installed", "probe": f"cannot be imported: {found[p.binding].get('error')}"}
        print(f"ABI check: {p.binding} {what[p.reason]}", file=sys.stderr)
    if report.ok:
        print("ABI check: shapely, pyproj and pyogrio use the system GEOS, PROJ and GDAL (safe inside QGIS)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
