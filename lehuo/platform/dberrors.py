"""Which database errors are a passing failure of the connection (answer 503, "try again": the
transaction rolled back, a retry is safe) and which are bugs (answer 500, logged with the
traceback). Only the first kind may be hidden behind "busy": a missing column on SQLite is an
``OperationalError`` too, and must reach the log."""

from django.db import InterfaceError, OperationalError

# SQLSTATE codes of PostgreSQL that a retry can cure: class 08 (connection exception), and
# serialization failure, deadlock, lock not available, statement timeout, shutdown, too many
# connections.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "53300"}
# What psycopg and sqlite3 say when the connection itself fails (no SQLSTATE then).
TRANSIENT_MESSAGES = (
    "server closed the connection", "connection refused", "could not connect", "terminating connection",
    "connection is closed", "connection is lost", "connection already closed", "consuming input failed",
    "database is locked", "database table is locked", "unable to open database file", "disk i/o error",
    "lock timeout", "deadlock detected", "could not serialize access",
    # A new connection during a restart: psycopg reports the server's FATAL without a SQLSTATE.
    "the database system is starting up", "the database system is shutting down",
    "the database system is in recovery mode",
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in TRANSIENT_SQLSTATES
    message = str(exc).lower()
    return any(text in message for text in TRANSIENT_MESSAGES)
