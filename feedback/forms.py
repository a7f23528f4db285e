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


class ObjectionEditForm(forms.Form):
    name = forms.CharField(max_length=80)
    handler = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="No handler yet",
        label="Handler message",
        help_text="The message that answers this objection; objection handlers are listed first.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Case, IntegerField, Value, When

        from messaging.models import Message

        self.fields["handler"].queryset = Message.objects.annotate(
            first=Case(
                When(kind=Message.Kind.OBJECTION_HANDLER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("first", "title")


class ObjectionMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=None, label="Merge into", empty_label="Choose the objection to keep…"
    )

    def __init__(self, *args, tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            ObjectionTag.objects.exclude(pk=tag.pk)
            .exclude(status=ObjectionTag.Status.MERGED)
            .order_by("name")
        )
