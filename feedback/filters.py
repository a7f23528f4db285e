import django_filters

from messaging.models import Message

from .models import Suggestion


class SuggestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Suggestion.Status.choices, empty_label="Any status", label="Status"
    )
    message = django_filters.ModelChoiceFilter(
        queryset=Message.objects.filter(suggestions__isnull=False).distinct().order_by("title"),
        empty_label="All messages",
        label="Message",
    )
    min_reps = django_filters.NumberFilter(
        field_name="rep_count", lookup_expr="gte", label="At least N salespeople"
    )

    class Meta:
        model = Suggestion
        fields = ["status", "message", "min_reps"]

    def __init__(self, data=None, *args, **kwargs):
        # Open suggestions unless the user asks for another status.
        if data is None or "status" not in data:
            data = data.copy() if data is not None else {}
            data["status"] = Suggestion.Status.OPEN
        super().__init__(data, *args, **kwargs)
