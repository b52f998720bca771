"""The compiled zh_CN translation is found before the two-letter fallback and translates algorithms."""

from __future__ import annotations

import importlib.util

from qgis.core import QgsApplication

from .conftest import ROOT

spec = importlib.util.spec_from_file_location("wanmi_package_script", ROOT / "scripts" / "package.py")
package = importlib.util.module_from_spec(spec)
spec.loader.exec_module(package)


def test_locale_order_prefers_full_locale(tmp_path):
    from wanmi.plugin.i18n import candidate_files

    assert [p.name for p in candidate_files("zh_CN", tmp_path)] == ["wanmi_zh_CN.qm", "wanmi_zh.qm"]
    assert [p.name for p in candidate_files("zh", tmp_path)] == ["wanmi_zh.qm"]


def test_zh_cn_translation_loads_and_translates_algorithm_names(qgis_app, tmp_path):
    from wanmi.plugin.i18n import install_translator, remove_translator
    from wanmi.processing_scripts.provider import algorithm_classes

    PartitionJurisdiction = algorithm_classes()["partition"]  # noqa: N806 (a class)

    package.compile_translations(tmp_path)
    # a decoy two-letter file must not win over zh_CN
    (tmp_path / "wanmi_zh.qm").write_bytes(b"")
    translator = install_translator("zh_CN", tmp_path)
    try:
        assert translator is not None
        alg = PartitionJurisdiction()
        assert alg.displayName() == "辖区划分单元网格"
        assert alg.group() == "网格"
    finally:
        remove_translator(translator)
    assert PartitionJurisdiction().displayName() == "Partition jurisdiction into unit grid"
    assert QgsApplication.instance() is not None
