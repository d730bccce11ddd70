"""DATABASE_URL: PostgreSQL gets prepared statements, a lock timeout and Django's health-check
default unless the URL says otherwise."""

from lehuo.settings import database_from_url


def test_postgres_defaults():
    db = database_from_url("postgres://u:p@db.example:5433/lehuo")
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == ("lehuo", "u", "db.example", "5433")
    assert db["OPTIONS"]["server_side_binding"] is True
    assert db["OPTIONS"]["prepare_threshold"] == 5
    assert db["OPTIONS"]["options"] == "-c lock_timeout=5000"
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is False


def test_postgres_overrides_for_pgbouncer_and_health_checks():
    db = database_from_url("postgres://u@h/lehuo?prepare_threshold=off&server_side_binding=0"
                           "&conn_health_checks=1&conn_max_age=0&options=-c%20lock_timeout%3D1000")
    assert db["OPTIONS"]["prepare_threshold"] is None
    assert db["OPTIONS"]["server_side_binding"] is False
    assert db["OPTIONS"]["options"] == "-c lock_timeout=1000"
    assert db["CONN_HEALTH_CHECKS"] is True and db["CONN_MAX_AGE"] == 0
    assert "conn_health_checks" not in db["OPTIONS"]


def test_lock_timeout_from_environment(monkeypatch):
    monkeypatch.setenv("LEHUO_DB_LOCK_TIMEOUT_MS", "250")
    assert database_from_url("postgres://u@h/lehuo")["OPTIONS"]["options"] == "-c lock_timeout=250"


def test_sqlite_url():
    db = database_from_url("sqlite:///var/x.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3" and db["NAME"] == "var/x.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
