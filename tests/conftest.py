"""Suite-wide settings: headless Qt and a private runtime dir, before QGIS is imported by pytest-qgis."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
_runtime.mkdir(mode=0o700, exist_ok=True)
os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime))

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "layers" / "sample"
