"""Wanmi 万米网格 — QGIS plugin and Python engine for China's digital urban management.

This file is both the QGIS plugin entry point and the root of the Python package ``wanmi``. It must stay
importable without QGIS: ``classFactory`` imports the plugin class lazily, when QGIS asks for it.
"""

from __future__ import annotations

__version__ = "0.1.2"


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Create the plugin instance for QGIS (called by QGIS with its ``QgisInterface``)."""
    from .plugin.main import WanmiPlugin

    return WanmiPlugin(iface)
