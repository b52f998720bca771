"""Component census stores (部件普查库): one API over a GeoPackage file or a PostGIS schema.

    store = GeoPackageStore("project.gpkg").create("gbt47678-17")     # or PostgisStore(dsn, schema="wanmi")
    result = store.import_components(read_components("census.xlsx"), jurisdiction=district)
    result.write_rejects("rejects.csv")
    store.set_status("11010101037000001", "破损", "2025-03-01", note="灯罩缺失")

The implementation lives in :mod:`wanmi.layers.stores`; this module is the stable import path.
"""

from .dsn import is_dsn
from .stores import CensusStore, CensusStoreError, GeoPackageStore, ImportResult, PostgisStore

__all__ = ["CensusStore", "CensusStoreError", "GeoPackageStore", "ImportResult", "PostgisStore"]


def open_store(target: str, schema: str = "wanmi") -> CensusStore:
    """The census store named by ``target``: a PostgreSQL connection string (``postgresql://…`` or libpq
    ``key=value`` words such as ``service=census``, stored in ``schema``) or a GeoPackage path.

    A connection string is never taken for a file name: one libpq cannot read, or that names no database,
    is refused (:class:`~wanmi.layers.dsn.InvalidConnectionError`, without its password). Passwords are
    best left to libpq: ``PGPASSFILE``/``~/.pgpass``, ``service=…``/``PGSERVICE`` or ``PGPASSWORD``.
    """
    text = str(target)
    if is_dsn(text):
        return PostgisStore(text, schema=schema)
    return GeoPackageStore(text)


__all__ += ["open_store"]
