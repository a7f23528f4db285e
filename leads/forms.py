"""Input validation for the lead pages; the rules themselves are in leads.services."""

from django import forms
from django.contrib.auth import get_user_model

from messaging.models import Persona
from smarketing import roles
from smarketing.idempotency import IdempotencyField

from . import importing
from .models import (
    Attempt,
    Channel,
    DisqualificationReason,
    Handoff,
    Lead,
    Opportunity,
    Play,
    Team,
)

User = get_user_model()


def salespeople():
    return (
        User.objects.filter(groups__name=roles.SALES, is_active=True)
        .select_related("team_membership__team")
        .order_by("first_name", "username")
    )


class SalespersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        membership = getattr(obj, "team_membership", None)
        name = obj.get_full_name() or obj.username
        return f"{name} ({membership.team})" if membership else name


class LeadForm(forms.ModelForm):
    company = forms.CharField(max_length=200, required=False)
    idempotency_key = IdempotencyField()

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "email", "phone", "title", "source", "persona"]

    def clean_email(self):
        # Whether the email is taken is leads.services.lead_create's to say: it decides
        # once, inside its transaction, and a double submit gets the first lead back.
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self):
        pass


class HandoffForm(forms.Form):
    ASSIGN_CHOICES = (
        ("person", "A named salesperson"),
        ("round_robin", "Round-robin within a team"),
        ("team", "Offer to a team: first to accept takes it"),
    )
    play = forms.ModelChoiceField(
        queryset=Play.objects.filter(is_active=True),
        required=False,
        empty_label="No play",
        help_text="The steps and messages the salesperson is handed with the lead.",
    )
    assign = forms.ChoiceField(choices=ASSIGN_CHOICES, initial="person", widget=forms.RadioSelect)
    salesperson = SalespersonChoiceField(queryset=salespeople(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=Handoff.NOTE_MAX,
        help_text="What the salesperson should know: how the lead came in, what they asked.",
    )
    override_reason = forms.CharField(
        max_length=500,
        required=False,
        label="Override the qualification, because",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only for a lead that misses the agreement's definition, by a role it names.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespeople()

    def clean(self):
        data = super().clean()
        if data.get("assign") == "person" and not data.get("salesperson"):
            self.add_error("salesperson", "Choose the salesperson.")
        if data.get("assign") in ("round_robin", "team") and not data.get("team"):
            self.add_error("team", "Choose the team.")
        return data


class AttemptForm(forms.ModelForm):
    # When it happened, if not now: in the user's time zone (the middleware activates it);
    # leads.policies.LeadPolicy.can_date_attempt says which times are allowed.
    occurred_at = forms.DateTimeField(
        required=False,
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    idempotency_key = IdempotencyField()

    class Meta:
        model = Attempt
        fields = ["channel", "outcome", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].initial = Channel.CALL


class DisqualifyForm(forms.Form):
    reason = forms.ModelChoiceField(
        queryset=DisqualificationReason.objects.filter(is_active=True), empty_label="Choose…"
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=Lead.NOTE_MAX,
        help_text="In a sentence: what did you learn? Marketing reads these.",
    )


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = ["name", "amount", "currency", "stage", "expected_close"]
        widgets = {"expected_close": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = "Defaults to the company's name."
        self.fields["stage"].choices = [
            c for c in Opportunity.Stage.choices if c[0] not in ("won", "lost")
        ]


class OpportunityCloseForm(forms.Form):
    result = forms.ChoiceField(choices=(("won", "Won"), ("lost", "Lost")))
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class ReassignForm(forms.Form):
    to_user = SalespersonChoiceField(queryset=User.objects.none(), label="Give to")
    note = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="The salesperson who loses the lead is told this.",
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["to_user"].queryset = members


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "As exported by a data vendor or CRM: UTF-8 (with or without BOM) or Latin-1, "
            "separated by , or ; with a header row. Up to 50 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    name = forms.CharField(max_length=200, required=False, help_text="Defaults to the file's name.")
    source = forms.CharField(
        max_length=100,
        required=False,
        help_text="Lead source for rows without a source column, e.g. “Webinar March”.",
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.all(), required=False, empty_label="No persona"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 50 MB. Split "
                "it into smaller files, or ask an admin to run manage.py import_leads."
            )
        return upload


class ImportMappingForm(forms.Form):
    """One select per lead field: which column of the file holds it."""

    def __init__(self, *args, header=(), mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Each field's select lists every column: a list stored before uploads were capped
        # (16,384 columns: a 32 s page) offers only the first MAX_COLUMNS.
        choices = [("", "— not in the file —")] + [
            (str(i), name or f"Column {i + 1}")
            for i, name in enumerate(header[: importing.MAX_COLUMNS])
        ]
        mapping = mapping or {}
        for name, label, _limit in importing.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=name in importing.REQUIRED_FIELDS,
                initial=str(mapping[name]) if name in mapping else "",
            )

    def mapping(self) -> dict[str, int]:
        return {
            name: int(value) for name, value in self.cleaned_data.items() if value not in ("", None)
        }
