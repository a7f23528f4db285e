"""The play editor's forms: the play's details and its steps as a formset.

The formset works without JavaScript: "Add a step" posts the form back with one more
empty row, each row has a Remove box and an Order number, and what was typed stays.
"""

from django import forms
from django.db.models import BooleanField, Case, Value, When

from messaging.models import Message, Persona

from .models import Channel, Play


class PlayForm(forms.ModelForm):
    class Meta:
        model = Play
        fields = ["name", "description", "persona", "stage"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"persona": "Persona it suits"}
        help_texts = {
            "description": "When to use this play and what it is for, in a sentence or two.",
            "stage": "The funnel stage the play is meant for.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persona"].queryset = Persona.objects.order_by("name")
        self.fields["persona"].empty_label = "Any persona"


class MessageChoiceField(forms.ModelChoiceField):
    """Messages with a live version first: a step's message is shown to the salesperson
    in its live version, so a message without one shows nothing (see leads/_play.html)."""

    def label_from_instance(self, obj):
        if obj.live_version_id:
            return f"{obj.title} (v{obj.live_version.number} live)"
        return f"{obj.title} (no live version: sales sees nothing yet)"


def step_messages():
    return (
        Message.objects.select_related("live_version")
        .annotate(
            has_live=Case(
                When(live_version__isnull=False, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-has_live", "title")
    )


class PlayStepForm(forms.Form):
    day_offset = forms.IntegerField(
        min_value=0, max_value=365, initial=0, label="Day", help_text="Days after the hand-off."
    )
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.CALL)
    message = MessageChoiceField(
        queryset=Message.objects.all(), required=False, empty_label="No message"
    )
    instruction = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, message_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if message_choices is not None:
            self.fields["message"].choices = message_choices


class BasePlayStepFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        # The message choices are read once for every row: the page's query count does
        # not grow with the number of steps.
        field = MessageChoiceField(queryset=step_messages(), empty_label="No message")
        choices = list(field.choices)
        kwargs.setdefault("form_kwargs", {})["message_choices"] = choices
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Remove"
        form.fields["ORDER"].label = "Order"

    def steps(self) -> list[dict]:
        """The kept rows' data in the marketer's order (Order, then as listed); blank
        extra rows and removed rows are left out."""
        rows = []
        for index, form in enumerate(self.forms):
            if not form.has_changed() or self._should_delete_form(form):
                continue
            data = form.cleaned_data
            order = data.get("ORDER")
            rows.append((order if order is not None else 10_000 + index, index, data))
        rows.sort(key=lambda row: (row[0], row[1]))
        return [
            {k: data.get(k) for k in ("day_offset", "channel", "message", "instruction")}
            for _, _, data in rows
        ]


PlayStepFormSet = forms.formset_factory(
    PlayStepForm,
    formset=BasePlayStepFormSet,
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=30,
    validate_max=True,
)
