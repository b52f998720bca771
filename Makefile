# Wanmi — two commands on a fresh Debian machine:  make demo   and   make test
# Everything else (system packages, virtual environment, pip packages) is installed on demand.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.wanmi-installed
SYSTEM_STAMP := $(VENV)/.wanmi-system
DEMO_OUT ?= demo_output
export QT_QPA_PLATFORM ?= offscreen
export XDG_RUNTIME_DIR ?= /tmp/runtime-$(shell id -u)

.PHONY: env system demo test test-core lint package bench clean translations

## system packages from Debian (QGIS, PostGIS, fonts, Qt tools) — only what is missing
system:
	@bash scripts/install_system.sh

$(SYSTEM_STAMP): scripts/install_system.sh
	@bash scripts/install_system.sh
	@mkdir -p $(VENV) && touch $@

## virtual environment on Debian's python3 (sees PyQGIS) + pip packages (shapely 2, geopandas, …).
## shapely, pyproj and pyogrio are built from source on the system GEOS/PROJ/GDAL (the ones QGIS loads):
## a wheel's own copy of those libraries crashes QGIS (README "Inside QGIS"); plugin/abi.py checks it.
ABI_SOURCE_BUILDS := shapely,pyproj,pyogrio
$(STAMP): pyproject.toml $(SYSTEM_STAMP) plugin/abi.py
	@test -x $(PY) || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	@echo /usr/share/qgis/python/plugins > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/qgis-plugins.pth
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip uninstall -q -y fiona rtree psycopg-binary $$($(PY) plugin/abi.py --bundled) 2>/dev/null || true
	$(PY) plugin/abi.py --constraints > $(VENV)/abi-constraints.txt
	@# pyproj 3.6 (the newest for Debian 12's PROJ 9.1) builds only with Cython 3.0; geopandas needs pyproj >= 3.5
	$(PY) -m pip install -q 'cython>=3.0,<3.1' 'setuptools>=64' wheel 'numpy>=1.22,<2'
	$(PY) -m pip install -q --no-cache-dir --no-build-isolation --no-binary pyproj -c $(VENV)/abi-constraints.txt 'pyproj>=3.5'
	$(PY) -m pip install -q --no-binary $(ABI_SOURCE_BUILDS) -c $(VENV)/abi-constraints.txt -e '.[dev,postgis,dask]'
	$(PY) plugin/abi.py --check
	@touch $@

env: $(STAMP)

## run the main job on the bundled sample data and print where the outputs are
demo: env
	$(VENV)/bin/wanmi demo --out $(DEMO_OUT)

## the whole test suite (pure core, GeoPackage/PostGIS stores, real headless QGIS)
test: env
	@mkdir -p -m 0700 $(XDG_RUNTIME_DIR)
	WANMI_FORBID_SKIPS=1 $(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

test-core: env
	$(PY) -m pytest tests/core

lint: env
	$(VENV)/bin/ruff check .

## dist/wanmi.zip — top folder wanmi/, translations compiled
package: env
	$(PY) scripts/package.py --out dist/wanmi.zip

translations:
	$(PY) scripts/package.py --translations-only

bench: env
	$(PY) -m benchmarks

clean:
	rm -rf dist build $(DEMO_OUT) *.egg-info
