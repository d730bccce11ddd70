"""`python -m lehuo restore FILE`: load a backup into an empty, migrated database (see core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from lehuo.platform.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty database migrated to the same state."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database", default="default")

    def handle(self, *args, file, database, **options):
        try:
            header = restore_backup(file, using=database)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"restored {header['total_rows']} rows into {len(header['tables'])} tables "
            f"(backup of {header['created_at']} from {header['source_vendor']})"
        ))
