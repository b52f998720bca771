"""The plugin inside real QGIS: classFactory, initGui/unload symmetry, the Processing provider."""

from __future__ import annotations

import gc

from qgis.core import QgsApplication

import wanmi


def _wanmi_provider():
    return QgsApplication.processingRegistry().providerById("wanmi")


def test_class_factory_init_gui_unload_leaves_nothing(qgis_app, recording_iface):
    assert _wanmi_provider() is None
    plugin = wanmi.classFactory(recording_iface)
    plugin.initGui()

    provider = _wanmi_provider()
    assert provider is not None, "initGui must register the wanmi provider"
    assert provider.name().startswith("Wanmi")
    assert recording_iface.menu_actions, "the Wanmi menu has entries"
    assert {name for name, _ in recording_iface.menu_actions} == {"Wanmi 万米网格"}
    # every menu entry opens an existing algorithm
    for alg_id, _text in provider.menu_entries():
        assert QgsApplication.processingRegistry().algorithmById(alg_id) is not None

    plugin.unload()
    gc.collect()
    assert recording_iface.menu_actions == []
    assert recording_iface.toolbar_actions == []
    assert recording_iface.docks == []
    assert _wanmi_provider() is None
    assert plugin.actions == [] and plugin.translator is None


def test_init_processing_without_gui_registers_provider(qgis_app):
    """Headless hosts (qgis_process) call initProcessing only, with iface None."""
    plugin = wanmi.classFactory(None)
    plugin.initProcessing()
    plugin.initProcessing()  # idempotent
    try:
        provider = _wanmi_provider()
        assert provider is not None
        assert provider.id() == "wanmi"
        assert provider.load_errors == {}, provider.load_errors
        ids = {alg.id() for alg in provider.algorithms()}
        assert "wanmi:partition" in ids
        assert all(alg_id.startswith("wanmi:") for alg_id in ids)
    finally:
        plugin.unload()
    assert _wanmi_provider() is None
