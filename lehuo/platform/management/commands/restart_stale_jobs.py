from django.core.management.base import BaseCommand

from lehuo.platform import jobs


class Command(BaseCommand):
    help = (f"Queue again every background job (import, PDF) queued or running for over "
            f"{int(jobs.STALE_AFTER.total_seconds() // 60)} minutes: its worker died. A job that has "
            f"been queued {jobs.MAX_ATTEMPTS} times is marked failed instead. Run it from cron or a timer.")

    def handle(self, *args, **options):
        for job in jobs.restart_stale():
            state = "failed" if job.status == job.FAILED else f"queued again (attempt {job.attempts})"
            self.stdout.write(f"job {job.pk} {job.kind}: {state}")
