from django.urls import path

from . import views

# No app_name: the home page keeps the URL name "home" that login, the navigation and
# the error pages have always reversed.
urlpatterns = [
    path("", views.home, name="home"),
]
