"""QGIS desktop glue for Wanmi: menu, toolbar, translator. No analysis lives here."""
