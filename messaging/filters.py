import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q

from smarketing.forms import FastSelect, LabelColumnChoiceFilter
from smarketing.roles import MARKETING

from .models import Message, Persona, Stage, Tag


def _objections(request):
    """The objections a message may handle. They are feedback's (a higher layer, which
    messaging does not import): the model is looked up by name when the filter is built,
    and the filter goes through feedback's reverse relation ObjectionTag.handler
    ("handled_objections"). Merged tags are aliases of others, so they are left out."""
    ObjectionTag = apps.get_model("feedback", "ObjectionTag")
    return ObjectionTag.objects.exclude(status="merged").order_by("name")


STATUS_CHOICES = [("live", "Live"), ("draft", "Has a draft"), ("retired", "Retired")]
SALES_STATUS_CHOICES = [("live", "Live"), ("retired", "Retired")]


class MessageFilter(django_filters.FilterSet):
    # Bounded: a search longer than any title is a mistake, and SQLite refuses LIKE
    # patterns past 50,000 characters with an error.
    q = django_filters.CharFilter(method="search", label="Search", max_length=200)
    # The options are written by FastSelect and read as values (LabelColumnChoiceFilter,
    # the column str() of a row prints): the same HTML as Django's Select.
    kind = django_filters.ChoiceFilter(
        choices=Message.Kind.choices, empty_label="Any kind", widget=FastSelect
    )
    persona = LabelColumnChoiceFilter(
        field_name="personas",
        queryset=Persona.objects.all(),
        label_column="name",
        empty_label="Any persona",
        label="Persona",
        widget=FastSelect,
    )
    stage = django_filters.ChoiceFilter(
        choices=Stage.choices, empty_label="Any stage", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label="Any status",
        label="Status",
        widget=FastSelect,
    )
    owner = LabelColumnChoiceFilter(
        queryset=get_user_model().objects.filter(groups__name=MARKETING).order_by("first_name"),
        label_column="username",
        empty_label="Anyone",
        widget=FastSelect,
    )
    tag = LabelColumnChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.all(),
        label_column="name",
        empty_label="Any tag",
        label="Tag",
        widget=FastSelect,
    )
    objection = LabelColumnChoiceFilter(
        field_name="handled_objections",
        queryset=_objections,
        label_column="name",
        empty_label="Any objection",
        label="Handles objection",
        widget=FastSelect,
    )
    sort = django_filters.OrderingFilter(
        fields=(("title", "title"), ("updated_at", "updated"), ("kind", "kind")),
        field_labels={"title": "Title", "updated_at": "Last change", "kind": "Kind"},
        empty_label="Recently changed",
        label="Sort by",
        widget=FastSelect,
    )

    class Meta:
        model = Message
        fields = ["q", "kind", "persona", "stage", "status", "owner", "tag", "objection"]

    def __init__(self, *args, sales_view=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Title or live text"}
        )
        if sales_view:
            # The filter's field adds its empty label ("Any status") to these itself.
            self.form.fields["status"].choices = SALES_STATUS_CHOICES
            del self.form.fields["owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(live_version__body__icontains=value))

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)
