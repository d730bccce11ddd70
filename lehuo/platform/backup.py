"""Database-independent backup and restore: ``python -m lehuo backup|restore FILE``.

The file is gzip-compressed JSON lines:

1. a header ``{"format": "lehuo-backup", "version": 1, "migrations": [...], "tables": [...]}``
   naming every table in dependency order with its columns and row count;
2. per table, a line ``{"table": name}`` followed by one JSON array per row;
3. a trailer ``{"end": true, "rows": total}`` so a truncated file is refused.

Rows are read with plain SQL, not through the models: encrypted columns (ID numbers,
phones) are copied as ciphertext, so a backup never holds plaintext personal data and
restores only where the same ``LEHUO_FIELD_KEYS`` are configured. Values are written in a
canonical form (ISO dates, decimal strings, UTC datetimes) so a SQLite backup restores into
PostgreSQL and back: this is how an office moves to PostgreSQL.
"""

import base64
import datetime as dt
import gzip
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _

from lehuo.lib.labels import list_separator

FORMAT = "lehuo-backup"
VERSION = 1
BATCH = 1000
# Tables `migrate` fills by itself (post_migrate signals). A fresh database has rows in them,
# so restore replaces them with the backup's rows instead of refusing.
BOOTSTRAP_TABLES = ("auth_permission", "django_content_type")


class BackupError(Exception):
    """A backup file that cannot be restored here; the message says why."""


# --- which tables, in which order ---------------------------------------------------------

def backed_up_models(using: str = "default") -> list[type[models.Model]]:
    """Every concrete table of every installed app (m2m tables too), parents before children.

    A model whose table does not exist (its migration is not applied) holds no data and is
    left out; the migration state in the header keeps backup and database consistent.
    """
    existing = set(connections[using].introspection.table_names())
    found: dict[str, type[models.Model]] = {}
    for app_config in apps.get_app_configs():
        for model in app_config.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or meta.swapped or meta.db_table not in existing:
                continue
            found.setdefault(meta.db_table, model)
    by_model = {m: table for table, m in found.items()}
    ordered: list[type[models.Model]] = []
    state: dict[type[models.Model], str] = {}

    def visit(model):
        if state.get(model) == "done":
            return
        if state.get(model) == "visiting":  # a cycle: constraints are deferred, order is best effort
            return
        state[model] = "visiting"
        for field in model._meta.local_concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target is not model and target in by_model:
                visit(target)
        state[model] = "done"
        ordered.append(model)

    for table in sorted(found):
        visit(found[table])
    return ordered


def _value_field(field: models.Field) -> models.Field:
    """The field that decides a column's type: a foreign key has its target's type."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    return field


def _kind(field: models.Field) -> str:
    field = _value_field(field)
    if isinstance(field, models.JSONField):
        return "JSONField"
    return field.get_internal_type()


def table_columns(model) -> list[tuple[str, models.Field]]:
    return [(f.column, f) for f in model._meta.local_concrete_fields]


# --- canonical values ------------------------------------------------------------------------

def _to_json(value, kind: str):
    if value is None:
        return None
    if kind == "DateTimeField":
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if kind in ("DateField", "TimeField"):
        return value.isoformat()
    if kind == "DecimalField":
        return str(value)
    if kind == "UUIDField":
        return str(value)
    if kind == "DurationField":
        if isinstance(value, dt.timedelta):
            return value // dt.timedelta(microseconds=1)
        return int(value)
    if kind == "BinaryField":
        return base64.b64encode(bytes(value)).decode()
    if kind in ("BooleanField", "NullBooleanField"):
        return bool(value)
    if isinstance(value, Decimal):  # e.g. an integer column read back as numeric
        return int(value) if value == value.to_integral() else str(value)
    return value


def _to_db(value, field: models.Field, kind: str, connection):
    if value is None:
        return None
    ops = connection.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value(parse_datetime(value))
    if kind == "DateField":
        return ops.adapt_datefield_value(parse_date(value))
    if kind == "TimeField":
        return ops.adapt_timefield_value(parse_time(value))
    if kind == "DecimalField":
        target = _value_field(field)
        return ops.adapt_decimalfield_value(Decimal(value), target.max_digits, target.decimal_places)
    if kind == "UUIDField":
        u = uuid.UUID(value)
        return u if connection.features.has_native_uuid_field else u.hex
    if kind == "DurationField":
        if connection.features.has_native_duration_field:
            return dt.timedelta(microseconds=value)
        return value
    if kind == "BinaryField":
        return connection.Database.Binary(base64.b64decode(value))
    return value


# --- state of a database ----------------------------------------------------------------------

def migration_state(connection) -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def row_count(connection, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a model's table)
        return cursor.fetchone()[0]


def table_counts(using: str = "default") -> dict[str, int]:
    """Rows per backed-up table, in one query (a UNION ALL of counts: the bad-input and
    fuzzing suites take it before and after every refused request)."""
    connection = connections[using]
    tables = [m._meta.db_table for m in backed_up_models(using)]
    if not tables:
        return {}
    qn = connection.ops.quote_name
    # Table names come from model metadata, never from input; the name goes in as a parameter.
    sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {qn(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        counts = dict(cursor.fetchall())
    return {t: counts[t] for t in tables}


# --- backup -----------------------------------------------------------------------------------

def _rows(connection, model) -> Iterator[list]:
    cols = table_columns(model)
    qn = connection.ops.quote_name
    converters = []
    for _column, field in cols:
        col = _value_field(field).get_col(model._meta.db_table)
        converters.append([(conv, col) for conv in connection.ops.get_db_converters(col)])
    kinds = [_kind(f) for _c, f in cols]
    pk = model._meta.pk.column
    # Identifiers come from model metadata, never from input.
    sql = "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608
        ", ".join(qn(c) for c, _f in cols), qn(model._meta.db_table), qn(pk)
    )
    cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else connection.cursor()
    with cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            for raw in batch:
                out = []
                for value, convs, kind in zip(raw, converters, kinds, strict=True):
                    for conv, col in convs:
                        value = conv(value, col, connection)
                    out.append(_to_json(value, kind))
                yield out


def write_backup(path: str | os.PathLike, using: str = "default") -> dict:
    """Write every table to ``path`` (atomically: a temp file renamed at the end); returns the header."""
    connection = connections[using]
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".lehuo-backup-", dir=path.parent or ".")
    os.close(fd)
    try:
        outer = connection.in_atomic_block  # inside a caller's transaction (a test): it has begun
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql" and not outer:
                # One snapshot for every table: counts and rows agree even under writes.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            model_list = backed_up_models(using)
            tables = []
            for model in model_list:
                table = model._meta.db_table
                tables.append({
                    "table": table,
                    "model": model._meta.label,
                    "columns": [c for c, _f in table_columns(model)],
                    "rows": row_count(connection, table),
                })
            header = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
                "source_vendor": connection.vendor,
                "migrations": migration_state(connection),
                "tables": tables,
            }
            total = 0
            with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as fh:
                fh.write(_line(header))
                for model, info in zip(model_list, tables, strict=True):
                    fh.write(_line({"table": info["table"]}))
                    written = 0
                    for row in _rows(connection, model):
                        fh.write(_line(row))
                        written += 1
                    if written != info["rows"]:
                        raise BackupError(_("表 %(table)s 在备份过程中发生变化（%(before)s → %(after)s 行），请重试")
                                          % {"table": info["table"], "before": info["rows"], "after": written})
                    total += written
                fh.write(_line({"end": True, "rows": total}))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    header["total_rows"] = total
    return header


def _line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- restore ----------------------------------------------------------------------------------

def read_header(path: str | os.PathLike) -> dict:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            header = json.loads(fh.readline())
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(_("不是乐活备份文件（无法读取文件头）：%(error)s") % {"error": exc}) from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(_("不是乐活备份文件（文件头格式不符）"))
    if header.get("version") != VERSION:
        raise BackupError(_("备份文件格式版本 %(version)s 不受支持（本程序支持 %(supported)s）")
                          % {"version": header.get("version"), "supported": VERSION})
    return header


def check_restorable(header: dict, using: str = "default") -> None:
    """Refuse a file from another migration state, or a database that already holds data."""
    connection = connections[using]
    here = set(migration_state(connection))
    there = set(header["migrations"])
    if here != there:
        missing = sorted(there - here)
        extra = sorted(here - there)
        parts = []
        if missing:
            parts.append(_("备份中有而本数据库未应用的迁移：") + list_separator().join(missing[:8]) + ("……" if len(missing) > 8 else ""))
        if extra:
            parts.append(_("本数据库已应用而备份中没有的迁移：") + list_separator().join(extra[:8]) + ("……" if len(extra) > 8 else ""))
        raise BackupError(
            _("备份文件与本数据库的迁移状态不同，不能恢复。先把程序切换到与备份相同的版本并执行 migrate。\n")
            + "\n".join(parts)
        )
    known = {m._meta.db_table for m in backed_up_models(using)}
    unknown = [t["table"] for t in header["tables"] if t["table"] not in known]
    if unknown:
        raise BackupError(_("备份中有本程序不认识的表：") + list_separator().join(unknown))
    busy = [
        _("%(table)s（%(n)s 行）") % {"table": table, "n": n} for table in sorted(known - set(BOOTSTRAP_TABLES))
        if (n := row_count(connection, table))
    ]
    if busy:
        raise BackupError(
            _("目标数据库不是空的，恢复只能在刚执行过 migrate 的空数据库上进行。已有数据的表：")
            + list_separator().join(busy[:8]) + ("……" if len(busy) > 8 else "")
        )


def restore_backup(path: str | os.PathLike, using: str = "default") -> dict:
    """Load a backup into an empty migrated database, in one transaction. Returns the header."""
    header = read_header(path)
    connection = connections[using]
    check_restorable(header, using)
    model_by_table = {m._meta.db_table: m for m in backed_up_models(using)}
    qn = connection.ops.quote_name
    total = 0
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            for table in BOOTSTRAP_TABLES:  # children first: permissions reference content types
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608 (a constant)
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            fh.readline()
            expected = {t["table"]: t for t in header["tables"]}
            seen: set[str] = set()
            line = fh.readline()
            while line:
                marker = json.loads(line)
                if marker.get("end"):
                    if marker.get("rows") != total or seen != set(expected):
                        raise BackupError(_("备份文件不完整（结尾记录与内容不符）"))
                    break
                table = marker.get("table")
                if table not in expected or table in seen:
                    raise BackupError(_("备份文件损坏：意外的表 %(table)r") % {"table": table})
                seen.add(table)
                info = expected[table]
                model = model_by_table[table]
                fields = {f.column: f for f in model._meta.local_concrete_fields}
                missing_cols = [c for c in info["columns"] if c not in fields]
                if missing_cols:
                    raise BackupError(_("表 %(table)s 的列与本程序不符：%(columns)s")
                                      % {"table": table, "columns": list_separator().join(missing_cols)})
                cols = [(c, fields[c], _kind(fields[c])) for c in info["columns"]]
                # Table and columns were checked against the models above.
                sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                    qn(table), ", ".join(qn(c) for c, _f, _k in cols), ", ".join(["%s"] * len(cols))
                )
                count = 0
                batch: list[list] = []
                line = fh.readline()
                while line and line.startswith("["):
                    row = json.loads(line)
                    batch.append([_to_db(v, f, k, connection) for v, (_c, f, k) in zip(row, cols, strict=True)])
                    if len(batch) >= BATCH:
                        _insert(connection, sql, batch)
                        count += len(batch)
                        batch = []
                    line = fh.readline()
                if batch:
                    _insert(connection, sql, batch)
                    count += len(batch)
                if count != info["rows"]:
                    raise BackupError(_("备份文件不完整：表 %(table)s 应有 %(expected)s 行，实际 %(found)s 行")
                                      % {"table": table, "expected": info["rows"], "found": count})
                total += count
            else:
                raise BackupError(_("备份文件不完整（缺少结尾记录），可能在写入时中断"))
        reset_sequences(using)
    ContentType.objects.clear_cache()
    header["total_rows"] = total
    return header


def _insert(connection, sql: str, rows: list[list]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def reset_sequences(using: str = "default") -> None:
    """PostgreSQL keeps id sequences apart from the rows: move them past the restored ids."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), backed_up_models(using))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
