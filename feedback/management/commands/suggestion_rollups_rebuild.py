from django.core.management.base import BaseCommand

from feedback.services import suggestion_counts_refresh, suggestion_quotes_rebuild_all


class Command(BaseCommand):
    help = (
        "Rebuild the suggestions' rollups the inbox reads (each suggestion's quotes, the "
        "counts by status) from the call logs and suggestions. Idempotent: run it after a "
        "restore, a bulk load, or any time."
    )

    def handle(self, *args, **options):
        changed = suggestion_quotes_rebuild_all()
        counts = suggestion_counts_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt suggestion quotes ({changed} changed) and counts "
                + ", ".join(f"{status} {n}" for status, n in counts.items())
                + "."
            )
        )
