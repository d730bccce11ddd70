"""`python -m lehuo backup FILE`: every table to a compressed JSON-lines file (see core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from lehuo.platform.backup import BackupError, write_backup


class Command(BaseCommand):
    help = "Back up every table (encrypted columns stay encrypted) to FILE (gzip JSON lines)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup, e.g. lehuo-2021-08-01.jsonl.gz")
        parser.add_argument("--database", default="default")

    def handle(self, *args, file, database, **options):
        try:
            header = write_backup(file, using=database)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        tables = sum(1 for t in header["tables"] if t["rows"])
        self.stdout.write(self.style.SUCCESS(
            f"backup written to {file}: {header['total_rows']} rows in {tables} non-empty tables "
            f"({len(header['tables'])} tables, {len(header['migrations'])} migrations, from {header['source_vendor']})"
        ))
