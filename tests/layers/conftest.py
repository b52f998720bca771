"""Fixtures for the census layer tests: one throw-away PostgreSQL + PostGIS cluster per test session.

The cluster is created with the Debian binaries (``initdb``/``pg_ctl`` of the newest
``/usr/lib/postgresql/<version>/bin``, or the ones on PATH) in a temporary directory, listens on a free
loopback port and on a unix socket in that directory, and runs with fsync off. PostgreSQL refuses to run as
root, so as root the server runs as the ``postgres`` system user (the directory is chowned to it). The
system cluster is never touched. Tests that need PostGIS are skipped only when the binaries are absent;
any other failure (no PostGIS extension, server does not start) is an error.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DB_NAME = "wanmi_test"


def _postgres_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], as_postgres: bool, log: Path | None = None) -> None:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        extra = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}\n{extra}")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """libpq DSN of a database with PostGIS in a private cluster started for this test session."""
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    import psycopg  # a missing driver is a failure, not a skip: it is a declared dependency

    as_postgres = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="wanmi-pg-"))
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    data, log = base / "data", base / "server.log"
    port = _free_port()
    started = False
    try:
        _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "-N"], as_postgres)
        options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options,
              "start"], as_postgres, log)
        started = True
        admin = f"host={base} port={port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        dsn = f"host={base} port={port} user=postgres dbname={DB_NAME}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield dsn
    finally:
        if started:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], as_postgres)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_schema(postgres_dsn: str) -> Iterator[str]:
    """A fresh schema name for one test; dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@dataclass(frozen=True)
class SecretRole:
    """A login role that must give its password (scram-sha-256 on 127.0.0.1), for the secrets tests."""

    user: str
    password: str
    host: str
    port: int
    dbname: str

    @property
    def dsn(self) -> str:
        """Keyword DSN with the password in it."""
        return f"host={self.host} port={self.port} dbname={self.dbname} user={self.user} password={self.password}"

    @property
    def uri(self) -> str:
        """URI with the password in it."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    @property
    def dsn_without_password(self) -> str:
        return f"host={self.host} port={self.port} dbname={self.dbname} user={self.user}"


@pytest.fixture(scope="session")
def secret_role(postgres_dsn: str) -> SecretRole:
    """A role with a distinctive password that the server checks (a pg_hba.conf line put before the trust
    lines, for this role only): connecting without the password fails, so a test that connects proves the
    password came through the DSN, ``.pgpass``, a service file or ``PGPASSWORD``."""
    import psycopg

    role = SecretRole(user="wanmi_secret_role", password=f"Wm9-{uuid.uuid4().hex[:16]}-pw",
                      host="127.0.0.1", port=int(re.search(r"port=(\d+)", postgres_dsn).group(1)),
                      dbname=DB_NAME)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role.user} LOGIN PASSWORD '{role.password}'")
        conn.execute(f"GRANT CREATE ON DATABASE {DB_NAME} TO {role.user}")
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        hba.write_text(f"host all {role.user} 127.0.0.1/32 scram-sha-256\n"
                       f"local all {role.user} scram-sha-256\n" + hba.read_text())
        conn.execute("SELECT pg_reload_conf()")
    return role
