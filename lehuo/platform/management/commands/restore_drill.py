"""`python -m lehuo restore_drill`: back up, restore into a scratch database, compare every figure."""

import json

from django.core.management.base import BaseCommand, CommandError

from lehuo.platform import drill


class Command(BaseCommand):
    help = ("Restore drill: back up the live database (lehuo backup or pg_dump) in one snapshot with its figures, "
            "restore into a scratch database, compare every table and every module's figures. Exit 1 on a difference.")

    def add_arguments(self, parser):
        parser.add_argument("--method", choices=["lehuo", "pg_dump"], default="lehuo")
        parser.add_argument("--scratch-url", help="the scratch database (default: <name>_drill on the same server, "
                                                  "or a SQLite file in the work directory)")
        parser.add_argument("--workdir", help="where the backup is written (default: a new temporary directory)")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database and the backup")
        parser.add_argument("--figures-json", action="store_true", help="internal: print this database's figures as JSON")
        parser.add_argument("--restore-from", help="internal, with --figures-json: migrate, restore this backup first")

    def handle(self, *args, method, scratch_url, workdir, keep, figures_json, restore_from, **options):
        if figures_json:
            if restore_from:
                from django.core.management import call_command

                from lehuo.platform.backup import restore_backup

                call_command("migrate", interactive=False, verbosity=0)
                restore_backup(restore_from)
            self.stdout.write(json.dumps(drill.snapshot(), ensure_ascii=False, default=str))
            return
        try:
            result = drill.drill(method=method, scratch_url=scratch_url, keep=keep, workdir=workdir,
                                 log=self.stdout.write)
        except (RuntimeError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        summary = (f"restore drill ({method}): {result['tables']} tables, {result['rows']} rows, "
                   f"{result['figures']} figures compared, {len(result['differences'])} differences")
        if result["ok"]:
            self.stdout.write(self.style.SUCCESS(summary))
            return
        for line in result["differences"][:50]:
            self.stdout.write(line)
        raise CommandError(summary)
