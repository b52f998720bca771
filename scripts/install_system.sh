#!/usr/bin/env bash
# Install the Debian packages Wanmi needs, only those missing (idempotent; root or sudo).
#   QGIS 3.22 (PyQGIS, qgis_process), Xvfb, PostgreSQL 15 + PostGIS 3, CJK fonts for Chinese map labels,
#   Qt linguist tools (pylupdate5/lrelease) for the zh_CN translation, Debian's python3-venv, and the headers
#   and compiler to build shapely/pyogrio on the GEOS/PROJ/GDAL that QGIS itself loads (see README).
set -euo pipefail
PACKAGES=(
  python3-qgis qgis qgis-providers xvfb python3-venv python3-pip
  postgresql postgresql-15-postgis-3
  fonts-noto-cjk
  qttools5-dev-tools pyqt5-dev-tools
  zip unzip sqlite3
  libgeos-dev libproj-dev libgdal-dev python3-dev build-essential pkg-config python3-pyproj python3-gdal
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install_system: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
