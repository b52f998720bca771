"""Processing provider ``wanmi`` and its algorithms: thin adapters from QGIS layers to ``wanmi.core``."""
