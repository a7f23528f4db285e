from django.core.management.base import BaseCommand

from feedback.services import suggestion_quotes_rebuild_all


class Command(BaseCommand):
    help = (
        "Rebuild every suggestion's quotes rollup (the inbox's quotes) from the call logs. "
        "Idempotent: run it after a restore, a bulk load, or any time."
    )

    def handle(self, *args, **options):
        changed = suggestion_quotes_rebuild_all()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt suggestion quotes: {changed} changed."))
