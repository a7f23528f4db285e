"""FilterSets of the lead pages; leads.selectors applies them."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from messaging.models import Persona
from smarketing.forms import FastSelect, LabelColumnChoiceFilter

from .models import OPEN_STATUSES, Lead, LeadList, Play

User = get_user_model()


def _search(queryset, name, value):
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(
        Q(email__icontains=value)
        | Q(first_name__icontains=value)
        | Q(last_name__icontains=value)
        | Q(account__name__icontains=value)
    )


def _overdue_widget():
    return FastSelect(choices=[("", "All"), ("true", "Overdue only")])


def _overdue(queryset, name, value):
    if value:
        return queryset.overdue()
    return queryset


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label="Search", max_length=200)
    status = django_filters.ChoiceFilter(
        choices=Lead.Status.choices, empty_label="Any status", widget=FastSelect
    )
    source = django_filters.CharFilter(lookup_expr="exact", label="Source", max_length=100)
    lead_list = LabelColumnChoiceFilter(
        queryset=LeadList.objects.all(),
        label_column="name",
        empty_label="Any list",
        label="List",
        widget=FastSelect,
    )
    persona = LabelColumnChoiceFilter(
        queryset=Persona.objects.all(),
        label_column="name",
        empty_label="Any persona",
        widget=FastSelect,
    )
    # Every salesperson is an option (200 at scale): only what the label (the username)
    # needs is read, as values.
    owner = LabelColumnChoiceFilter(
        queryset=User.objects.filter(groups__name="Sales").order_by("first_name", "username"),
        label_column="username",
        empty_label="Any salesperson",
        label="Salesperson",
        widget=FastSelect,
    )
    overdue = django_filters.BooleanFilter(
        method=_overdue,
        label="First touch",
        widget=_overdue_widget(),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("last_name", "name"),
            ("status", "status"),
            ("first_touch_due_at", "due"),
        ),
        empty_label="Newest first",
        label="Sort",
        widget=FastSelect,
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "lead_list", "persona", "owner", "overdue"]


class QueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label="Search", max_length=200)
    status = django_filters.ChoiceFilter(
        choices=[(s, label) for s, label in Lead.Status.choices if s in OPEN_STATUSES],
        empty_label="All open",
        widget=FastSelect,
    )
    overdue = django_filters.BooleanFilter(
        method=_overdue, label="First touch", widget=_overdue_widget()
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "overdue"]


class TeamLeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label="Search", max_length=200)
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(),
        empty_label="Whole team",
        label="Salesperson",
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=[(s, label) for s, label in Lead.Status.choices if s in OPEN_STATUSES],
        empty_label="All open",
        widget=FastSelect,
    )
    overdue = django_filters.BooleanFilter(
        method=_overdue, label="First touch", widget=_overdue_widget()
    )

    class Meta:
        model = Lead
        fields = ["q", "owner", "status", "overdue"]

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.filters["owner"].queryset = members


class DisqualificationReportFilter(django_filters.FilterSet):
    """Which disqualified leads the report counts: by date and, optionally, source."""

    DIMENSIONS = (
        ("source", "Source"),
        ("lead_list", "Lead list"),
        ("persona", "Persona"),
        ("month", "Month"),
    )
    since = django_filters.DateFilter(
        field_name="disqualified_at",
        lookup_expr="date__gte",
        label="From",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="disqualified_at",
        lookup_expr="date__lte",
        label="Until",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    source = django_filters.CharFilter(lookup_expr="exact", label="Source", max_length=100)

    class Meta:
        model = Lead
        fields = ["since", "until", "source"]


class PlayFilter(django_filters.FilterSet):
    """The play list: search by name, by persona, active or archived."""

    STATUS_CHOICES = (("active", "In use"), ("archived", "Archived"))

    q = django_filters.CharFilter(method="search", label="Search", max_length=200)
    persona = django_filters.ModelChoiceFilter(
        queryset=Persona.objects.all(), empty_label="Any persona", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label="Any status",
        label="Status",
        widget=FastSelect,
    )

    class Meta:
        model = Play
        fields = ["q", "persona", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(is_active=value == "active")
