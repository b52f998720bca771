"""The per-algorithm package table of the Processing provider, without QGIS (processing_scripts/dependencies.py)."""

from __future__ import annotations

import importlib.util

import pytest

from wanmi.processing_scripts import dependencies


def test_every_algorithm_needs_the_engine_and_only_two_need_more():
    assert all(packages[:3] == dependencies.ENGINE for packages in dependencies.REQUIRES.values())
    extra = {name: packages[3:] for name, packages in dependencies.REQUIRES.items() if packages[3:]}
    assert extra == {"render_map": ("matplotlib", "mapclassify"), "responsibility": ("scipy",)}
    assert not set(dependencies.ABI_CHECKED) & {p for ps in dependencies.REQUIRES.values() for p in ps}


def test_a_package_is_located_not_imported():
    assert dependencies.installed("json")
    assert not dependencies.installed("wanmi_no_such_package")
    assert dependencies.missing("responsibility") == ()
    assert dependencies.missing("no_such_algorithm") == ()


@pytest.mark.parametrize("error", [ModuleNotFoundError("blocked"), ValueError("__spec__ is None")])
def test_a_refused_or_broken_package_counts_as_missing(monkeypatch, error):
    real = importlib.util.find_spec

    def find_spec(name, *args):
        if name in {"scipy", "pandas"}:
            raise error
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert dependencies.missing("responsibility") == ("pandas", "scipy")  # declared order
    assert dependencies.missing("render_map") == ("pandas",)
