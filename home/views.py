from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import ATTENTION_DAYS, home_for


@require_GET
def home(request):
    """Each person's landing page: what needs them now, one section per role they hold,
    every item a link to the page where it is acted on."""
    return render(
        request,
        "home/home.html",
        {"home": home_for(user=request.user), "attention_days": ATTENTION_DAYS},
    )
