from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tools, not the product: scale seeding, benchmarks, load tests and the
    bare view they measure against. Installed with DEBUG (or SMARKETING_DEVTOOLS=1 on a
    scratch database) and in the test settings, never in production."""

    name = "devtools"
    verbose_name = "Development tools"
