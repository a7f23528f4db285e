"""FilterSets of the insight pages; insight.selectors applies them."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from leads.models import DisqualificationReason, Lead, LeadList, Opportunity, Team
from leads.selectors import lead_sources
from messaging.models import MessageVersion, Persona
from smarketing.forms import ID_LIMIT, FastSelect

from .models import AttributionModel

DEFAULT_DAYS = 90


def _date_widget():
    return forms.DateInput(attrs={"type": "date"})


def _keep(queryset, name, value):
    # Page options that choose how figures are computed, not which rows count.
    return queryset


def _sources():
    return [(source, source) for source in lead_sources()]


PERIOD_EARLIEST = date(1970, 1, 1)
PERIOD_LATEST = date(2999, 12, 31)


def period_bounds(since, until) -> tuple[datetime, datetime]:
    """Aware datetimes [start, end) covering the days since..until inclusive, in the
    portal's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def default_period() -> dict[str, str]:
    today = timezone.localdate()
    return {
        "since": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "until": today.isoformat(),
    }


class AttributionFilter(django_filters.FilterSet):
    """Which versions the attribution page lists, and how it credits them."""

    model = django_filters.ChoiceFilter(
        choices=AttributionModel.choices,
        method=_keep,
        empty_label=None,
        label="Attribution model",
        widget=FastSelect,
    )
    currency = django_filters.ChoiceFilter(
        choices=Opportunity.Currency.choices,
        method=_keep,
        empty_label=None,
        label="Currency",
        widget=FastSelect,
    )
    # A title search, not a drop-down of every message (the inbox's choice): with 2,000
    # messages the list alone cost most of the page and was no use to pick from. A link
    # may still name one message by id (hidden).
    title = django_filters.CharFilter(
        field_name="message__title", lookup_expr="icontains", label="Message", max_length=200
    )
    message = django_filters.NumberFilter(
        field_name="message_id", widget=forms.HiddenInput, min_value=1, max_value=ID_LIMIT - 1
    )

    class Meta:
        model = MessageVersion
        fields = ["model", "currency", "title", "message"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        # An unset option is the default, not an error: the page opens with figures.
        for name, default in (("model", AttributionModel.LINEAR), ("currency", "EUR")):
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, **kwargs)
        self.form.fields["title"].widget.attrs["placeholder"] = "Words of the message's title"


class _PeriodFields(django_filters.FilterSet):
    """A `since`/`until` pair of days, the last DEFAULT_DAYS unless given, read as the
    portal's time zone's days (`period`). Subclasses say what the period applies to."""

    since = django_filters.DateFilter(method=_keep, label="From", widget=_date_widget())
    until = django_filters.DateFilter(method=_keep, label="Until", widget=_date_widget())

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        for name, default in self.defaults().items():
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, **kwargs)

    def defaults(self) -> dict[str, str]:
        return default_period()

    def is_valid(self):
        valid = super().is_valid()
        if valid:
            since, until = self.form.cleaned_data["since"], self.form.cleaned_data["until"]
            for name, day in (("since", since), ("until", until)):
                if not PERIOD_EARLIEST <= day <= PERIOD_LATEST:
                    # 9999-12-31 is a valid date, but the day after it, where the period
                    # ends, is not one (OverflowError, a 500).
                    self.form.add_error(
                        name, f"Choose a day between {PERIOD_EARLIEST} and {PERIOD_LATEST}."
                    )
                    return False
            if since > until:
                self.form.add_error("until", "Choose an end on or after the start.")
                return False
        return valid

    @property
    def period(self) -> tuple[datetime, datetime]:
        return period_bounds(self.form.cleaned_data["since"], self.form.cleaned_data["until"])


class LoopHealthFilter(_PeriodFields):
    """Which handed-off leads the loop-health page counts.

    The period applies to the handoff time for leads (and so to those leads' SLA
    breaches: the breaches shown are the cohort's, so they agree with its follow-up
    rate) and to each suggestion's own event (raised, accepted, shipped). Team is the
    lead owner's team; breaches are then grouped by the team recorded on the breach.
    """

    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.only("pk", "name"),
        field_name="owner__team_membership__team",
        empty_label="All teams",
        label="Team",
        widget=FastSelect,
    )
    persona = django_filters.ModelChoiceFilter(
        queryset=Persona.objects.only("pk", "name"), empty_label="All personas", widget=FastSelect
    )
    source = django_filters.ChoiceFilter(
        choices=_sources, empty_label="All sources", widget=FastSelect
    )
    lead_list = django_filters.ModelChoiceFilter(
        queryset=LeadList.objects.only("pk", "name"),
        empty_label="All lists",
        label="Lead list",
        widget=FastSelect,
    )

    class Meta:
        model = Lead
        fields = ["since", "until", "team", "persona", "source", "lead_list"]


class _PeriodFilter(_PeriodFields):
    """The period applied to PERIOD_FIELD of the rows listed."""

    PERIOD_FIELD = "created_at"

    def filter_queryset(self, queryset):
        start, end = self.period
        queryset = queryset.filter(
            **{f"{self.PERIOD_FIELD}__gte": start, f"{self.PERIOD_FIELD}__lt": end}
        )
        return super().filter_queryset(queryset)


SCORECARD_ORDERS = [
    ("revenue_per_lead", "Won revenue per lead"),
    ("name", "Name"),
    ("leads", "Leads"),
    ("contact_rate", "Contact rate"),
    ("median_first_touch", "Median time to first touch"),
    ("disqualification_rate", "Disqualification rate"),
    ("conversion", "Conversion to opportunity"),
    ("won_revenue", "Won revenue"),
]


class ScorecardFilter(_PeriodFilter):
    """Which leads the scorecards count (by the day each lead was created), how they are
    grouped (per lead list or per source), the currency of won revenue, and the order.

    `o` is a column name, descending with a leading "-"; the default ranks the lists
    that brought the most won revenue per lead first."""

    by = django_filters.ChoiceFilter(
        choices=[("list", "Lead list"), ("source", "Source")],
        method=_keep,
        empty_label=None,
        label="Per",
    )
    source = django_filters.ChoiceFilter(choices=_sources, empty_label="All sources")
    persona = django_filters.ModelChoiceFilter(
        queryset=Persona.objects.only("pk", "name"), empty_label="All personas"
    )
    currency = django_filters.ChoiceFilter(
        choices=Opportunity.Currency.choices, method=_keep, empty_label=None, label="Currency"
    )
    o = django_filters.ChoiceFilter(
        choices=[
            (f"{sign}{key}", f"{label} ({'high' if sign else 'low'} first)")
            for key, label in SCORECARD_ORDERS
            for sign in ("-", "")
        ],
        method=_keep,
        empty_label=None,
        label="Order",
    )

    class Meta:
        model = Lead
        fields = ["since", "until", "by", "source", "persona", "currency", "o"]

    def defaults(self) -> dict[str, str]:
        return {**default_period(), "by": "list", "currency": "EUR", "o": "-revenue_per_lead"}


def _reps(request=None):
    """Salespeople who own a disqualified lead: the ones there is something to filter by."""
    return (
        get_user_model()
        .objects.filter(owned_leads__status=Lead.Status.DISQUALIFIED)
        .distinct()
        .only("pk", "first_name", "last_name", "username")
        .order_by("first_name", "last_name", "username")
    )


class _RepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class _RepFilter(django_filters.ModelChoiceFilter):
    field_class = _RepChoiceField


class DisqualificationFilter(_PeriodFilter):
    """Which disqualified leads the drill-down lists: by the day they were disqualified,
    reason, source, lead list and the salesperson who owned them."""

    PERIOD_FIELD = "disqualified_at"

    reason = django_filters.ModelChoiceFilter(
        field_name="disqualification_reason",
        queryset=DisqualificationReason.objects.only("pk", "name"),
        empty_label="All reasons",
        label="Reason",
    )
    source = django_filters.ChoiceFilter(choices=_sources, empty_label="All sources")
    lead_list = django_filters.ModelChoiceFilter(
        queryset=LeadList.objects.only("pk", "name"), empty_label="All lists", label="Lead list"
    )
    rep = _RepFilter(
        field_name="owner", queryset=_reps, empty_label="All salespeople", label="Salesperson"
    )

    class Meta:
        model = Lead
        fields = ["since", "until", "reason", "source", "lead_list", "rep"]
