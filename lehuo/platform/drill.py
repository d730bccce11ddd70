"""Restore drill: restore a backup into a scratch database and compare every figure with the live one.

``python -m lehuo restore_drill`` (docs/deploy.md, "Backups"):

1. in one snapshot of the live database (REPEATABLE READ on PostgreSQL), take the live figures
   and write the backup (``python -m lehuo backup``'s format; or, ``--method pg_dump``, a
   ``pg_dump -Fc`` of that same exported snapshot);
2. create a scratch database (a file beside the backup for SQLite; ``<name>_drill`` on the same
   PostgreSQL server, or ``--scratch-url``), migrate it and restore the backup into it (or
   ``pg_restore``);
3. take the same figures from the scratch database in a separate process (the modules read
   ``default``) and compare.

The figures: for every table its row count and a SHA-256 over its rows in the backup's
canonical form (encrypted columns as stored), and for every town each module's declared
``dashboard`` summary (figures, by neighbourhood, over time: the module contract,
lehuo/platform/modules.py). Any difference fails the drill and is listed.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connections, transaction
from django.utils import translation

from . import backup
from .modules import contributions


def table_digests(using: str = "default") -> dict:
    conn = connections[using]
    out = {}
    for model in backup.backed_up_models(using):
        digest, count = hashlib.sha256(), 0
        for row in backup._rows(conn, model):
            digest.update(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
            digest.update(b"\n")
            count += 1
        out[model._meta.db_table] = {"rows": count, "sha256": digest.hexdigest()}
    return out


def module_figures() -> dict:
    """Each town's dashboard summary per module (the figures the town office reads)."""
    from django.apps import apps

    Town = apps.get_model("accounts", "Town")  # by name: the platform does not import the apps above it
    out: dict = {}
    with translation.override("zh-hans"):
        for town in Town.objects.order_by("code"):
            per_town = out.setdefault(town.code, {})
            for config, summary_fn in contributions("dashboard"):
                summary = summary_fn(town)
                per_town[config.label] = json.loads(json.dumps(
                    {k: summary.get(k) for k in ("figures", "by_neighbourhood", "over_time")}, default=str,
                    ensure_ascii=False))
    return out


def snapshot(using: str = "default") -> dict:
    return {"tables": table_digests(using), "modules": module_figures()}


def compare(live: dict, restored: dict) -> list[str]:
    differences = []
    for table in sorted(set(live["tables"]) | set(restored["tables"])):
        a, b = live["tables"].get(table), restored["tables"].get(table)
        if a != b:
            differences.append(f"table {table}: live {a} restored {b}")
    for town in sorted(set(live["modules"]) | set(restored["modules"])):
        a, b = live["modules"].get(town, {}), restored["modules"].get(town, {})
        for module in sorted(set(a) | set(b)):
            if a.get(module) != b.get(module):
                differences.append(f"town {town} module {module}: live {a.get(module)} restored {b.get(module)}")
    return differences


def count_figures(snap: dict) -> int:
    n = 2 * len(snap["tables"])
    for per_town in snap["modules"].values():
        for summary in per_town.values():
            n += len(summary.get("figures") or []) + len(summary.get("by_neighbourhood") or []) + \
                len(summary.get("over_time") or [])
    return n


# --- the scratch database ---------------------------------------------------------------------

def live_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def default_scratch_url(workdir: Path) -> str:
    url = live_url()
    if url.startswith("sqlite:"):
        return f"sqlite:///{workdir / 'drill.sqlite3'}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + "_drill"))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def create_scratch(url: str) -> None:
    if url.startswith("sqlite:"):
        Path(urlsplit(url).path[1:] if url.startswith("sqlite:////") else urlsplit(url).path).unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    if name == settings.DATABASES["default"]["NAME"]:
        raise ValueError("the scratch database must not be the live one")
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(url, f'CREATE DATABASE "{name}"')


def drop_scratch(url: str) -> None:
    if url.startswith("sqlite:"):
        return
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')


def run_in_scratch(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REPORTS_DATABASE_URL", None)
    env.pop("DATABASE_URL_FILE", None)
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "lehuo.settings")
    return subprocess.run([sys.executable, "-m", "lehuo", *args], env=env, capture_output=True, text=True, check=False)


def drill(method: str = "lehuo", scratch_url: str | None = None, keep: bool = False, workdir: str | None = None,
          log=print) -> dict:
    """Run the drill; returns {"ok", "figures", "differences", "backup_bytes", ...}."""
    import time

    work = Path(workdir or tempfile.mkdtemp(prefix="lehuo-drill-"))
    work.mkdir(parents=True, exist_ok=True)
    conn = connections["default"]
    if method == "pg_dump" and conn.vendor != "postgresql":
        raise ValueError("--method pg_dump needs PostgreSQL")
    scratch = scratch_url or default_scratch_url(work)
    result: dict = {"method": method, "scratch": scratch}
    t0 = time.monotonic()
    dump_path = work / ("drill.dump" if method == "pg_dump" else "drill.jsonl.gz")
    with transaction.atomic():
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]
        live = snapshot()
        if method == "pg_dump":
            proc = subprocess.run(["pg_dump", "-Fc", f"--snapshot={snapshot_id}", "-f", str(dump_path), live_url()],
                                  capture_output=True, text=True, check=False)
            if proc.returncode:
                raise RuntimeError(f"pg_dump failed: {proc.stderr.strip()}")
        else:
            backup.write_backup(dump_path)
    result["backup_bytes"] = dump_path.stat().st_size
    result["backup_s"] = round(time.monotonic() - t0, 1)
    log(f"live figures taken and backup written ({result['backup_bytes']} bytes, {result['backup_s']} s)")
    t1 = time.monotonic()
    create_scratch(scratch)
    try:
        if method == "pg_dump":
            proc = subprocess.run(["pg_restore", "--no-owner", "-d", scratch, str(dump_path)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode:
                raise RuntimeError(f"pg_restore failed: {proc.stderr.strip()[-2000:]}")
            proc = run_in_scratch(scratch, "restore_drill", "--figures-json")
        else:  # one process: migrate the scratch database, restore, take its figures
            proc = run_in_scratch(scratch, "restore_drill", "--figures-json", "--restore-from", str(dump_path))
        if proc.returncode:
            raise RuntimeError(f"restoring into the scratch database failed: {proc.stderr.strip()[-2000:]}")
        result["restore_s"] = round(time.monotonic() - t1, 1)
        log(f"restored into the scratch database and its figures taken ({result['restore_s']} s)")
        restored = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        if not keep:
            drop_scratch(scratch)
            dump_path.unlink(missing_ok=True)
    result["differences"] = compare(live, restored)
    result["figures"] = count_figures(live)
    result["tables"] = len(live["tables"])
    result["rows"] = sum(t["rows"] for t in live["tables"].values())
    result["ok"] = not result["differences"]
    return result
