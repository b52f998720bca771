"""QGIS desktop glue for Wanmi (no analysis lives here; every step is a Processing algorithm).

* :mod:`.main` — the plugin object: provider, menu/toolbar, and wiring of everything below; ``unload``.
* :mod:`.dock` — the workflow dock (Grid → Census → Cases → Evaluation → Audit), defaults by layer schema.
* :mod:`.readout` — status-bar read-out of the unit cell, community and street under the cursor.
* :mod:`.locator` — locator filter for cell and component codes.
* :mod:`.sample` — "Load sample project" (Dongcheng, styled, grid built by ``wanmi:partition`` in a task).
* :mod:`.schema` — which project layer is cells / census / cases / communities, by fields.
* :mod:`.snapshots` — read-only indexes built in background tasks, for the read-out and the locator.
* :mod:`.i18n`, :mod:`.icons` — translator (zh_CN before zh) and icons by path.
"""
