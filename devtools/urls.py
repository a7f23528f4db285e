from django.urls import path

from . import views

urlpatterns = [
    path("bench/bare", views.bench_bare, name="bench_bare"),
]
