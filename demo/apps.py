from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py seed_demo`, installed everywhere: `make run` seeds with it and a fresh
    production deployment may be shown the same demo company."""

    name = "demo"
    verbose_name = "Demo company"
