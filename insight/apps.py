from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Insight: attribution and loop health"

    def ready(self):
        from . import signals

        signals.connect()
