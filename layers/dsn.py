"""PostgreSQL connection strings: recognise, check and show them without their password.

A connection string is a URI (``postgresql://user@host/db``) or libpq ``keyword=value`` words
(``host=db.example dbname=gis user=wanmi``). Passwords are best left out of it: libpq itself reads them from
``PGPASSFILE``/``~/.pgpass``, a service file entry (``service=…``/``PGSERVICE``) or ``PGPASSWORD``. When a
string does carry one, :func:`redact` is the one way every part of Wanmi shows it
(``postgresql://user:***@host/db``, ``password=***``).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..core.errors import InputError

__all__ = ["InvalidConnectionError", "check_dsn", "is_dsn", "parse_dsn", "redact", "scrub", "shown"]

URI_PREFIXES = ("postgresql://", "postgres://")
MASK = "***"
_SECRET_KEYS = r"(?:ssl)?password"
# keyword form: password=value, password = 'quoted \' value' (an unterminated quote runs to the end)
_KEYWORD_SECRET = re.compile(rf"(?i)(?<![?&])\b({_SECRET_KEYS})\s*=\s*(?:'(?:[^'\\]|\\.)*'?|[^\s']*)")
# URI form: scheme://user:password@host… (the password may hold anything but blanks; the last @ ends it)
_URI_USERINFO = re.compile(r"(?i)\b(postgres(?:ql)?://[^\s:@/?#]*):\S*@")
# URI query: ?password=value&…
_URI_SECRET = re.compile(rf"(?i)([?&]{_SECRET_KEYS})=[^&#\s]*")
_KEYWORD_START = re.compile(r"^\s*[A-Za-z_]+\s*=")


class InvalidConnectionError(InputError):
    """A PostgreSQL connection string that libpq cannot use (the message never shows its password)."""


def is_dsn(text: str) -> bool:
    """True when ``text`` is meant as a PostgreSQL connection string: a ``postgresql://``/``postgres://`` URI
    or libpq ``keyword=value`` words. Anything else is a file path (write ``./a=b.gpkg`` for a file whose
    name starts with ``word=``)."""
    text = str(text)
    return text.strip().lower().startswith(URI_PREFIXES) or bool(_KEYWORD_START.match(text))


def redact(text: str) -> str:
    """``text`` with the password of every connection string in it replaced by ``***``."""
    text = _URI_USERINFO.sub(rf"\1:{MASK}@", str(text))
    text = _URI_SECRET.sub(rf"\1={MASK}", text)
    return _KEYWORD_SECRET.sub(rf"\1={MASK}", text)


def shown(target: Any) -> str:
    """How a store target (connection string or path) is shown to users: connection strings redacted."""
    text = str(target)
    return redact(text) if is_dsn(text) else text


def _secrets(dsn: str) -> list[str]:
    """The password values written in ``dsn`` (parsed and raw spellings), longest first."""
    found: set[str] = set()
    for match in re.finditer(rf"(?i)\b{_SECRET_KEYS}\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s'&#]*)", dsn):
        found.update({match.group(1), match.group(1).strip("'")})
    for match in re.finditer(r"(?i)\bpostgres(?:ql)?://[^\s:@/?#]*:(\S*)@", dsn):
        found.add(match.group(1))
    try:
        parsed = _conninfo_to_dict(dsn)
    except Exception:  # unparseable: the raw spellings above are all there is
        parsed = {}
    found.update(str(parsed[key]) for key in ("password", "sslpassword") if parsed.get(key))
    return sorted((s for s in found if s), key=len, reverse=True)


def scrub(message: str, dsn: str) -> str:
    """``message`` (e.g. a driver error about ``dsn``) redacted, and without any password value of ``dsn``."""
    text = redact(str(message))
    for secret in _secrets(str(dsn)):
        text = text.replace(secret, MASK)
    return text


def _conninfo_to_dict(dsn: str) -> dict[str, Any]:
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("PostgreSQL connections need psycopg 3 (on the system libpq): pip install psycopg") from exc
    return conninfo_to_dict(dsn)


def _keywords() -> set[str]:
    from psycopg import pq

    return {opt.keyword.decode() for opt in pq.Conninfo.get_defaults()}


def _safe_reason(reason: str, dsn: str) -> str:
    """libpq's parse error with quoted fragments kept only when they are keywords the string names."""
    known = _keywords()

    def keep(match: re.Match) -> str:
        word = match.group(1)
        named = re.search(rf"(?:^|\s){re.escape(word)}\s*=", dsn) is not None
        harmless = word in known or not re.search(r"\w", word) or (named and re.fullmatch(r"\w+", word))
        return match.group(0) if harmless else '"…"'

    return scrub(re.sub(r'"([^"]*)"', keep, reason.strip()), dsn)


def canonical(dsn: str) -> str:
    """``dsn`` with a URI scheme in lower case (``POSTGRESQL://…`` → ``postgresql://…``): libpq reads only the
    lower-case spelling, and users type either."""
    text = str(dsn)
    stripped = text.lstrip()
    for prefix in URI_PREFIXES:
        if stripped.lower().startswith(prefix):
            return prefix + stripped[len(prefix):]
    return text


def parse_dsn(dsn: str) -> dict[str, Any]:
    """libpq's reading of ``dsn`` (keyword → value); :class:`InvalidConnectionError` when it has none."""
    dsn = canonical(dsn)
    try:
        return _conninfo_to_dict(dsn)
    except InputError:
        raise
    except Exception as exc:  # psycopg.ProgrammingError: libpq's PQconninfoParse message
        raise InvalidConnectionError(
            f"cannot read the PostgreSQL connection string: {_safe_reason(str(exc), dsn)} (expected "
            f"postgresql://user@host/dbname or 'host=… dbname=… user=…'; a GeoPackage path must not start "
            f"with 'word=')") from None


def check_dsn(dsn: str) -> dict[str, Any]:
    """:func:`parse_dsn`, and refuse a string that names no database (no ``dbname``, no ``service``, and
    neither ``PGDATABASE`` nor ``PGSERVICE`` set): libpq would silently use the user name."""
    params = parse_dsn(dsn)
    if not (params.get("dbname") or params.get("service") or os.environ.get("PGDATABASE")
            or os.environ.get("PGSERVICE")):
        raise InvalidConnectionError(
            f"the PostgreSQL connection string {redact(dsn)!r} names no database: add dbname=… "
            f"(postgresql://user@host/dbname) or a service=… from pg_service.conf")
    return params
