"""Figures (maps and charts drawn by :mod:`wanmi.core.render`) written to PNG, PDF or SVG files.

The engine draws; this module writes: each file goes to a temporary name next to its target (so a killed run
never leaves half an image under the real name, and :func:`~wanmi.layers.files.clean_orphans` finds the
leftovers) and is renamed over the target when complete.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .files import temp_file

#: the image formats a figure can be saved in (by the target's suffix)
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def figure_targets(path: str | Path, pdf: bool = False) -> list[Path]:
    """The files :func:`save_figure` writes for ``path``: PNG when the suffix is none of
    :data:`FIGURE_SUFFIXES`, plus the same name with ``.pdf`` when ``pdf`` asks for it."""
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        path = path.with_suffix(".png")
    return [path] + ([path.with_suffix(".pdf")] if pdf and path.suffix.lower() != ".pdf" else [])


def save_figure(fig: Any, path: str | Path, pdf: bool = False, dpi: int = 200) -> list[Path]:
    """Write ``fig`` to ``path`` (format from its suffix, PNG by default) and, with ``pdf``, to the same name
    with ``.pdf``; each atomically (temporary file, then rename). Returns the written paths."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..core.render import rc_params

    FigureCanvasAgg(fig)
    written = []
    with mpl.rc_context(rc_params()):
        for target in figure_targets(path, pdf):
            with temp_file(target) as tmp:
                fig.savefig(tmp, dpi=dpi, format=target.suffix.lstrip(".").lower())
                os.replace(tmp, target)
            written.append(target)
    return written
