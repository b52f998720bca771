"""Wanmi pure engine (万米 core).

Shapely 2 / numpy / geopandas / pyproj only: nothing in this package may import ``qgis`` or ``PyQt``
(``tests/core/test_architecture.py`` enforces it), so every analysis runs the same from the CLI, from
Processing and from plain Python.
"""
