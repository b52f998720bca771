"""Import census into PostGIS from Processing with a QGIS authentication configuration; the password is never
returned, logged or shown.

The PostgreSQL + PostGIS server and its password-checked role come from tests/layers/conftest.py (loaded here
by path: the two test folders have separate conftests).
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsVectorLayer,
)

_spec = importlib.util.spec_from_file_location(
    "wanmi_layers_conftest", Path(__file__).resolve().parents[1] / "layers" / "conftest.py")
_layers = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_layers)
postgres_dsn, pg_schema, secret_role = _layers.postgres_dsn, _layers.pg_schema, _layers.secret_role

pytestmark = pytest.mark.postgis

MASTER = "wanmi-tests-master-password"  # of the throw-away .qgis-settings auth database
CODES = ["011801000001", "011801000002", "011801000003", "040201000001", "991801000009"]


class RecordingFeedback(QgsProcessingFeedback):
    """Every text the algorithm reports."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def setProgressText(self, text):  # noqa: N802
        self.texts.append(text)

    def pushInfo(self, info):  # noqa: N802
        self.texts.append(info)

    def pushWarning(self, warning):  # noqa: N802
        self.texts.append(warning)

    def reportError(self, error, fatalError=False):  # noqa: N802, N803
        self.texts.append(error)

    def pushDebugInfo(self, info):  # noqa: N802
        self.texts.append(info)

    def pushCommandInfo(self, info):  # noqa: N802
        self.texts.append(info)

    def pushConsoleInfo(self, info):  # noqa: N802
        self.texts.append(info)


def _survey(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "dept_code", "dept_name", "status", "initial_date", "cell_code", "lon", "lat"])
        for i, code in enumerate(CODES):
            writer.writerow([code, "部件", "D01", "城管委", "完好", "2024-03-01", "110101001001001",
                             f"{116.3975 + 0.0001 * i:.7f}", "39.9087000"])
    return path


def _store_authcfg(user: str, password: str) -> str:
    manager = QgsApplication.authManager()
    assert manager.setMasterPassword(MASTER, True), "the test profile's auth database has another master password"
    config = QgsAuthMethodConfig()
    config.setName("wanmi test census")
    config.setMethod("Basic")
    config.setConfig("username", user)
    config.setConfig("password", password)
    ok, config = manager.storeAuthenticationConfig(config)
    assert ok
    return config.id()


@pytest.fixture
def authcfg(qgis_app, secret_role):
    """A Basic authentication configuration with the role's user name and password."""
    config_id = _store_authcfg(secret_role.user, secret_role.password)
    yield config_id
    QgsApplication.authManager().removeAuthenticationConfig(config_id)


@pytest.fixture
def logged(qgis_app):
    """Messages QGIS logs (the Log Messages panel) while the test runs."""
    texts: list[str] = []

    def keep(message, tag, level):
        texts.append(f"{tag}: {message}")

    log = QgsApplication.messageLog()
    log.messageReceived.connect(keep)
    yield texts
    log.messageReceived.disconnect(keep)


def _params(tmp_path: Path, **extra) -> dict:
    return {"INPUT": str(_survey(tmp_path / "survey.csv")), "COORDS": 0, "X_FIELD": "lon", "Y_FIELD": "lat",
            "SCHEME": 0, "STORE": str(tmp_path / "unused.gpkg"), "REJECTS": str(tmp_path / "rejects.csv"), **extra}


def test_import_census_into_postgis_with_an_authcfg(provider, authcfg, secret_role, pg_schema, logged, tmp_path):
    import processing

    feedback = RecordingFeedback()
    out = processing.run("wanmi:import_census", _params(
        tmp_path, POSTGIS=secret_role.dsn_without_password, PG_SCHEMA=pg_schema, PG_AUTHCFG=authcfg),
        feedback=feedback)
    assert (out["INSERTED"], out["REJECTED"]) == (4, 1)
    assert f"authcfg={authcfg}" in out["COMPONENTS"] and out["STORE"] == ""
    layer = QgsVectorLayer(out["COMPONENTS"], "census", "postgres")  # QGIS fills in the password itself
    assert layer.isValid() and layer.featureCount() == 4
    secret = secret_role.password
    assert secret not in repr(out) and not [t for t in feedback.texts + logged if secret in t]
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or secret.encode() not in path.read_bytes(), path


def test_without_the_authcfg_the_server_refuses_and_says_so(provider, secret_role, pg_schema, tmp_path,
                                                            monkeypatch):
    import processing

    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(QgsProcessingException, match=r"no password supplied|password authentication failed"):
        processing.run("wanmi:import_census", _params(
            tmp_path, POSTGIS=secret_role.dsn_without_password, PG_SCHEMA=pg_schema), feedback=RecordingFeedback())


@pytest.mark.parametrize("kind", ["dsn", "uri"])
def test_a_connection_string_with_a_password_is_refused_before_it_is_logged(provider, secret_role, pg_schema,
                                                                           logged, tmp_path, kind):
    import processing

    feedback = RecordingFeedback()
    with pytest.raises(QgsProcessingException, match="contains a password") as info:
        processing.run("wanmi:import_census", _params(
            tmp_path, POSTGIS=getattr(secret_role, kind), PG_SCHEMA=pg_schema), feedback=feedback)
    secret = secret_role.password
    assert secret not in str(info.value) and not [t for t in feedback.texts + logged if secret in t]
    assert not (tmp_path / "rejects.csv").exists()


def test_a_wrong_authcfg_password_is_not_shown_either(provider, qgis_app, secret_role, pg_schema, logged, tmp_path):
    import processing

    wrong = "Wr0ng 'quoted' \\ pw"  # blanks, quotes and a backslash: quoted by the auth manager
    config_id = _store_authcfg(secret_role.user, wrong)
    feedback = RecordingFeedback()
    try:
        with pytest.raises(QgsProcessingException, match="password authentication failed") as info:
            processing.run("wanmi:import_census", _params(
                tmp_path, POSTGIS=secret_role.dsn_without_password, PG_SCHEMA=pg_schema, PG_AUTHCFG=config_id),
                feedback=feedback)
    finally:
        QgsApplication.authManager().removeAuthenticationConfig(config_id)
    assert "password=***" in str(info.value)
    for text in [str(info.value), *feedback.texts, *logged]:
        assert "Wr0ng" not in text and "quoted" not in text, text
