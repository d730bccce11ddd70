"""Helpers shared by the modules' kept figures (lehuo/donations/aggregates.py,
lehuo/blood/aggregates.py, lehuo/training/aggregates.py): the increment upsert, and the
readable differences ``verify_figures`` reports."""

from django.db import connection


def upsert(sql_table: str, cols: tuple[str, ...], conflict: tuple[str, ...], adds: tuple[str, ...],
           rows: list[tuple], returning: tuple[str, ...] = ()) -> list[tuple]:
    """``INSERT ... ON CONFLICT (conflict) DO UPDATE SET c = c + excluded.c`` for each of ``adds``:
    concurrent writers serialise on the rows they touch, nothing is read-then-written. Rows are
    written in the order given (callers sort them, so two writers never wait crosswise).
    ``returning``: the named columns of each row after the change."""
    if not rows:
        return []
    out: list[tuple] = []
    sets = ", ".join(f"{c} = {sql_table}.{c} + excluded.{c}" for c in adds)
    ret = f" RETURNING {', '.join(returning)}" if returning else ""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * len(cols)) + ")"] * len(chunk))
            cursor.execute(f"INSERT INTO {sql_table} ({', '.join(cols)}) VALUES {values} "  # noqa: S608 (names from the callers)
                           f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets}{ret}",
                           [v for row in chunk for v in row])
            if returning:
                out.extend(cursor.fetchall())
    return out


def differences(a, b, path: str = "") -> list[str]:
    """Where two figure trees differ, as readable paths."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: {a.get(k, '—')!r} != {b.get(k, '—')!r}")
            else:
                out.extend(differences(a[k], b[k], f"{path}.{k}"))
        return out
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{path}: {a!r} != {b!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(differences(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
