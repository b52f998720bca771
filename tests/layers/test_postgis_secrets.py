"""PostgreSQL passwords are never shown, and reach libpq the ways it reads them itself.

The CLI runs connect as ``secret_role`` (tests/layers/conftest.py), whose password the server checks; every
stdout, stderr and file they write is searched for it.
"""

from __future__ import annotations

import os

import pytest

from wanmi.core.errors import InputError, WanmiError
from wanmi.layers.census_store import GeoPackageStore, PostgisStore, open_store
from wanmi.layers.dsn import InvalidConnectionError, is_dsn, redact, scrub, shown

from .pg_cli import assert_secret_absent, run_one, survey_csv

SECRET = "Pw-8c1f!x"


@pytest.mark.parametrize(("text", "expected"), [
    (f"postgresql://ann:{SECRET}@db.example:5432/gis", "postgresql://ann:***@db.example:5432/gis"),
    (f"postgres://ann:{SECRET}@db/gis?sslmode=require", "postgres://ann:***@db/gis?sslmode=require"),
    (f"postgresql://ann@db/gis?password={SECRET}&sslmode=require",
     "postgresql://ann@db/gis?password=***&sslmode=require"),
    (f"host=db dbname=gis user=ann password={SECRET}", "host=db dbname=gis user=ann password=***"),
    (f"host=db password = '{SECRET} with blanks\\'' dbname=gis", "host=db password=*** dbname=gis"),
    (f"host=db sslpassword={SECRET} dbname=gis", "host=db sslpassword=*** dbname=gis"),
    (f"error near PASSWORD={SECRET}", "error near PASSWORD=***"),
    ("postgresql://ann@db/gis", "postgresql://ann@db/gis"),
    ("service=census", "service=census"),
])
def test_redact(text, expected):
    assert redact(text) == expected
    assert SECRET not in redact(text)


def test_what_is_a_connection_string():
    for text in ("postgresql://db/gis", "POSTGRES://db/gis", "host=db dbname=gis", "service=census", " dbname = x"):
        assert is_dsn(text), text
    for text in ("census.gpkg", "/data/census.gpkg", "./a=b.gpkg", "C:\\data\\x.gpkg"):
        assert not is_dsn(text), text
    assert shown("census.gpkg") == "census.gpkg"
    assert shown(f"host=db dbname=gis password={SECRET}") == "host=db dbname=gis password=***"


def test_scrub_removes_the_password_value_anywhere():
    dsn = f"host=db dbname=gis password='{SECRET}'"
    assert scrub(f"the server said {SECRET} and {dsn}", dsn) == \
        "the server said *** and host=db dbname=gis password=***"


@pytest.mark.parametrize("dsn", [
    f"host=127.0.0.1 user=ann password={SECRET}",  # no dbname: libpq would quietly use the user name
    f"host=127.0.0.1 password={SECRET} dbname",  # libpq cannot read it
    f"host=127.0.0.1 {SECRET} dbname=gis",  # a password without its keyword
    f"host=127.0.0.1 password='{SECRET} dbname=gis",  # unterminated quote
    f"host=127.0.0.1 passwrd={SECRET} dbname=gis",  # unknown keyword
])
def test_unusable_connection_strings_are_refused_not_taken_for_files(dsn, tmp_path, monkeypatch):
    monkeypatch.delenv("PGDATABASE", raising=False)
    monkeypatch.delenv("PGSERVICE", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidConnectionError) as info:
        open_store(dsn)
    assert isinstance(info.value, InputError) and SECRET not in str(info.value)
    survey = survey_csv(tmp_path / "survey.csv", ["011801000001"], row=0)
    run = run_one("census", "import", str(survey), "--store", dsn, "--x", "lon", "--y", "lat", cwd=tmp_path)
    assert run.returncode == 2 and "connection string" in run.stderr and "Traceback" not in run.text, run.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.csv"]  # no GeoPackage named after anything
    assert_secret_absent(SECRET, [run], [tmp_path])


def test_a_service_or_pgdatabase_names_the_database(monkeypatch):
    monkeypatch.delenv("PGDATABASE", raising=False)
    monkeypatch.delenv("PGSERVICE", raising=False)
    assert isinstance(open_store("service=census"), PostgisStore)
    monkeypatch.setenv("PGDATABASE", "gis")
    assert isinstance(open_store("host=db user=ann"), PostgisStore)
    assert isinstance(open_store("census.gpkg"), GeoPackageStore)


def test_store_repr_and_connection_errors_hide_the_password(secret_role, pg_schema):
    store = PostgisStore(secret_role.uri, pg_schema)
    assert secret_role.password not in repr(store) and "***" in repr(store)
    wrong = PostgisStore(secret_role.dsn.replace(secret_role.password, secret_role.password[::-1]), pg_schema)
    with pytest.raises(WanmiError, match="cannot connect to the PostGIS census") as info:
        wrong.exists()
    assert secret_role.password[::-1] not in str(info.value) and "password authentication failed" in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_an_upper_case_uri_scheme_connects(secret_role, pg_schema):
    """Users type POSTGRESQL:// as well; libpq reads only the lower-case scheme (issue 15)."""
    prefix, _, rest = secret_role.uri.partition("://")
    store = PostgisStore(f"  {prefix.upper()}://{rest}", pg_schema)
    assert store.dsn.startswith("postgresql://") or store.dsn.startswith("postgres://")
    store.exists()  # connects: no "missing '='" from libpq


def _import(secret_role, dsn: str, schema: str, tmp_path, row: int, env: dict | None = None):
    survey = survey_csv(tmp_path / f"survey{row}.csv", [f"011801{100_000 * row:06d}", None, "bad"], row=row)
    return run_one("census", "import", str(survey), "--store", dsn, "--schema", schema, "--x", "lon", "--y", "lat",
                   "--allocate", "--rejects", str(tmp_path / f"rejects{row}.csv"), env=env)


def test_cli_never_shows_the_password_of_the_dsn(secret_role, postgres_dsn, pg_schema, tmp_path):
    runs = [_import(secret_role, secret_role.uri, pg_schema, tmp_path, 1),
            _import(secret_role, secret_role.dsn, pg_schema, tmp_path, 2)]
    for run in runs:
        assert run.returncode == 0 and "Traceback" not in run.text, run.text
    assert f"created census postgresql://{secret_role.user}:***@" in runs[0].stdout
    assert "password=***, 1 rejected" in runs[1].stdout
    locate = run_one("census", "locate", "011801000001", "nope", "--store", secret_role.dsn, "--schema", pg_schema)
    assert locate.returncode == 1 and "011801000001" in locate.stdout
    wrong = _import(secret_role, secret_role.uri.replace(secret_role.password, "Wrong-" + secret_role.password),
                    pg_schema, tmp_path, 3)
    assert wrong.returncode == 2 and "password authentication failed" in wrong.stderr
    assert "Traceback" not in wrong.text and "Wrong-" not in wrong.text
    assert PostgisStore(postgres_dsn, pg_schema).read()["code"].str.startswith("0118").sum() == 4
    assert_secret_absent(secret_role.password, [*runs, locate, wrong], [tmp_path])


def test_libpq_finds_the_password_in_pgpassfile_service_file_and_pgpassword(secret_role, pg_schema, tmp_path):
    r = secret_role
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{r.host}:{r.port}:{r.dbname}:{r.user}:{r.password}\n")
    os.chmod(pgpass, 0o600)  # libpq ignores a .pgpass others can read
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[wanmi_census]\nhost={r.host}\nport={r.port}\ndbname={r.dbname}\nuser={r.user}\n"
                        f"password={r.password}\n")
    clean = {"PGPASSWORD": "", "PGPASSFILE": str(tmp_path / "none"), "PGSERVICEFILE": str(tmp_path / "none")}
    ways = {  # store, environment
        "without": (r.dsn_without_password, {}),
        "pgpassfile": (r.dsn_without_password, {"PGPASSFILE": str(pgpass)}),
        "service": ("service=wanmi_census", {"PGSERVICEFILE": str(services)}),
        "PGSERVICE": ("postgresql://", {"PGSERVICEFILE": str(services), "PGSERVICE": "wanmi_census"}),
        "PGPASSWORD": (r.dsn_without_password, {"PGPASSWORD": r.password}),
    }
    runs = {how: _import(r, dsn, pg_schema, tmp_path, row, env={**clean, **env})
            for row, (how, (dsn, env)) in enumerate(ways.items(), start=1)}
    without = runs.pop("without")
    assert without.returncode == 2 and "Traceback" not in without.text  # the server does check the password
    assert "password" in without.stderr
    for how, run in runs.items():
        assert run.returncode == 0 and "1 rejected" in run.stdout and "Traceback" not in run.text, (how, run.text)
    assert_secret_absent(r.password, [without, *runs.values()], [p for p in tmp_path.iterdir() if p.is_dir()])
    for name in ("rejects2.csv", "rejects3.csv", "rejects4.csv", "rejects5.csv"):
        assert r.password not in (tmp_path / name).read_text(encoding="utf-8-sig")
