from django.apps import AppConfig


class HomeConfig(AppConfig):
    """Each person's home page ("what needs me now") and the weekly summary email.

    The top layer beside demo and devtools: it reads every app's selectors and no app
    imports it, so the core stays free of app imports."""

    name = "home"
    verbose_name = "Home"
