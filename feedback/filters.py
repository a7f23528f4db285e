import django_filters
from django import forms

from smarketing.forms import ID_LIMIT

from .models import Suggestion


class SuggestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Suggestion.Status.choices, empty_label="Any status", label="Status"
    )
    # A title search, not a list of every message: with thousands of messages the
    # drop-down alone made the inbox slow and unusable. A message page links here with
    # its id (hidden), so "this message's suggestions" is one click.
    title = django_filters.CharFilter(
        field_name="message__title", lookup_expr="icontains", label="Message", max_length=200
    )
    message = django_filters.NumberFilter(
        field_name="message_id", widget=forms.HiddenInput, min_value=1, max_value=ID_LIMIT - 1
    )
    min_reps = django_filters.NumberFilter(
        field_name="rep_count", lookup_expr="gte", label="At least N salespeople",
        min_value=0, max_value=1_000_000,
    )  # fmt: skip

    class Meta:
        model = Suggestion
        fields = ["status", "title", "message", "min_reps"]

    def __init__(self, data=None, *args, **kwargs):
        # Open suggestions unless the user asks for another status.
        if data is None or "status" not in data:
            data = data.copy() if data is not None else {}
            data["status"] = Suggestion.Status.OPEN
        super().__init__(data, *args, **kwargs)
        self.form.fields["title"].widget.attrs["placeholder"] = "Words of the message's title"
