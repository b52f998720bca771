"""Build the installable QGIS plugin zip ``dist/wanmi.zip`` (top folder ``wanmi/``).

The repository root is the plugin folder, so the zip is the tracked source tree minus development-only
folders, plus the compiled ``.qm`` translations (``lrelease`` from Debian's qttools5-dev-tools).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "wanmi"
#: Root files (the package entry) and folders.
INCLUDE = [
    ":(glob)*.py", "metadata.txt", "resources.qrc", "README.md", "LICENSE",
    "cli", "core", "layers", "workflow", "processing_scripts", "plugin", "icons", "i18n", "docs",
]
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".pro"}


def compile_translations(out_dir: Path) -> list[Path]:
    """``lrelease`` every ``i18n/*.ts`` into ``out_dir``; fail loudly if lrelease is missing."""
    lrelease = shutil.which("lrelease") or "/usr/lib/qt5/bin/lrelease"
    if not Path(lrelease).exists():
        sys.exit("package: lrelease not found (apt-get install qttools5-dev-tools, or run `make system`)")
    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for ts in sorted((ROOT / "i18n").glob("*.ts")):
        qm = out_dir / (ts.stem + ".qm")
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
        built.append(qm)
    return built


def tracked_files() -> list[Path]:
    """Files to ship: tracked by git when this is a checkout, else everything under INCLUDE."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", *INCLUDE],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.decode()
        files = [ROOT / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = [*ROOT.glob("*.py")]
        files += [p for name in INCLUDE[1:] for p in ([ROOT / name] if (ROOT / name).is_file()
                                                      else (ROOT / name).rglob("*"))]
    return sorted(
        p for p in files
        if p.is_file() and not (set(p.relative_to(ROOT).parts) & SKIP_PARTS) and p.suffix not in SKIP_SUFFIXES
    )


def build(out: Path) -> Path:
    """Write the zip atomically (temporary file, then rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        qms = compile_translations(Path(tmp) / "i18n")
        partial = out.with_suffix(".zip.part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in tracked_files():
                zf.write(path, f"{SLUG}/{path.relative_to(ROOT).as_posix()}")
            for qm in qms:
                zf.write(qm, f"{SLUG}/i18n/{qm.name}")
        partial.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / f"{SLUG}.zip")
    parser.add_argument("--translations-only", action="store_true",
                        help="compile i18n/*.ts into i18n/*.qm in the checkout (for running from source)")
    args = parser.parse_args(argv)
    if args.translations_only:
        for qm in compile_translations(ROOT / "i18n"):
            print(qm)
        return 0
    print(build(args.out.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
