from django import forms

from smarketing.forms import ModelMultipleChoiceField
from smarketing.idempotency import IdempotencyField

from .models import Message, Persona, Stage


class TagsField(forms.CharField):
    """Comma-separated tags, cleaned to a list of distinct names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Comma-separated, e.g. pricing, manufacturing")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        names, seen = [], set()
        for raw in (value or "").split(","):
            name = " ".join(raw.split())[:50]
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return names


class MessageForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Message.Kind.choices)
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.CONSIDERATION)
    personas = ModelMultipleChoiceField(
        queryset=Persona.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = TagsField()


class MessageCreateForm(MessageForm):
    idempotency_key = IdempotencyField()
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        label="First draft (Markdown)",
        help_text="You can also start empty and write in the editor.",
    )


class DraftForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 22}), required=False, label="Text")
    change_summary = forms.CharField(
        max_length=300, required=False, label="Change summary", help_text="What changed and why."
    )
    # The revision and text this editor was loaded with: a save based on an older
    # revision is refused and the difference since `base_body` is shown.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    base_body = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)


class PublishForm(forms.Form):
    change_summary = forms.CharField(
        max_length=300,
        label="Change summary",
        help_text="Required. Salespeople read it in the version history.",
    )


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False)


class PersonaForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=Persona.DESCRIPTION_MAX
    )


class ReviewCommentForm(forms.Form):
    passage_key = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewDecisionForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    verdict = forms.ChoiceField(
        choices=[("approved", "Approve"), ("changes_requested", "Request changes")]
    )
    note = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you request changes.",
    )


class ExperimentForm(forms.Form):
    """The plan of a field experiment, fixed before it starts (messaging.arms)."""

    change_summary = forms.CharField(
        max_length=300, label="What the challenger changes", help_text="Sales reads it."
    )
    baseline_percent = forms.FloatField(
        min_value=1,
        max_value=99,
        label="Expected positive-reaction rate of the live version (%)",
    )
    min_effect_points = forms.FloatField(
        min_value=1,
        max_value=50,
        initial=10,
        label="Smallest difference worth detecting (percentage points)",
    )
    ends_on = forms.DateField(label="Planned end", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        base, effect = data.get("baseline_percent"), data.get("min_effect_points")
        if base is not None and effect is not None and base + effect >= 100:
            self.add_error(
                "min_effect_points", "The live rate plus the difference must stay under 100%."
            )
        return data


class ExperimentEndForm(forms.Form):
    winner = forms.IntegerField(min_value=1)
