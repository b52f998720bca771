"""Component census stores with one API: :class:`GeoPackageStore` (embedded default) and
:class:`PostgisStore` (teams). See :class:`CensusStore` for the operations."""

from .base import CensusStore, CensusStoreError, ImportResult
from .geopackage import GeoPackageStore
from .postgis import PostgisStore

__all__ = ["CensusStore", "CensusStoreError", "GeoPackageStore", "ImportResult", "PostgisStore"]
