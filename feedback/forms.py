from datetime import timedelta

from django import forms
from django.utils import timezone

from leads.models import Channel
from smarketing.forms import ModelMultipleChoiceField

from .models import CallLog, ObjectionTag


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        state = "live" if version.status == "live" else "older"
        return f"{version.message.title} · v{version.number} ({state})"


class CallLogForm(forms.Form):
    """One form for the whole conversation; a failed save re-renders with everything typed."""

    lead = forms.ModelChoiceField(queryset=None, label="Lead")
    version = VersionChoiceField(queryset=None, label="Message version used")
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.CALL)
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    reaction = forms.TypedChoiceField(
        choices=CallLog.Reaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
        label="How did the customer react?",
    )
    outcome = forms.ChoiceField(choices=CallLog.Outcome.choices)
    objections = ModelMultipleChoiceField(
        queryset=ObjectionTag.objects.filter(status=ObjectionTag.Status.APPROVED),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_objections = forms.CharField(
        required=False,
        max_length=300,
        label="Other objections",
        help_text="Comma-separated; marketing reviews new ones.",
    )
    quote = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="The customer's words",
        help_text="Verbatim, if you noted it.",
    )
    quote_passage_key = forms.ChoiceField(
        required=False, label="The quote is about", choices=[("", "The whole message")]
    )
    edited_body = forms.CharField(
        required=False,
        strip=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        label="What you actually said",
        help_text="Prefilled with the version's text: change it to the wording you used.",
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, leads, versions, passages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        self.fields["version"].queryset = versions
        self.fields["quote_passage_key"].choices = [("", "The whole message")] + [
            (p.key, f"¶{p.position + 1}: {p.text[:70]}") for p in passages
        ]
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_new_objections(self):
        return [name for name in self.cleaned_data["new_objections"].split(",") if name.strip()]

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("A call cannot be logged in the future.")
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The salespeople behind this suggestion read it.",
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, label="Comment"
    )


class AcceptForm(forms.Form):
    """What the marketer accepts: one of the suggestion's variants (the best evidenced
    when none is picked) and, optionally, its wording edited.

    The wording box comes prefilled (`prefilled` carries what it was prefilled with):
    when it is sent back unchanged, the picked variant's own wording is used, so that
    picking another variant works without JavaScript; a changed box is the marketer's
    wording, put in place of the picked variant's span.
    """

    variant = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    wording = forms.CharField(
        required=False,
        strip=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Wording to put into the draft",
        help_text="Leave it to use the wording you picked, or edit it.",
    )
    prefilled = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, variants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.variants = {variant.pk: variant for variant in variants}
        self.fields["variant"].choices = [(pk, pk) for pk in self.variants]

    def chosen(self):
        """(variant or None, wording or None) from the cleaned data."""
        variant = self.variants.get(self.cleaned_data.get("variant"))
        wording = self.cleaned_data.get("wording")
        if "wording" not in self.data:
            wording = None
        elif wording.strip() == (self.cleaned_data.get("prefilled") or "").strip():
            wording = None  # the box was left as it came: the picked variant's wording
        return variant, wording
