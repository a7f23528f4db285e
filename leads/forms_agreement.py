"""Input for the agreement pages: a proposed change's terms, and the growth target.
The rules (who signs, when a version is in force) are leads.services.agreement's."""

import re

from django import forms

from smarketing import roles

from .agreement_terms import QUALIFYING_FIELDS, Terms
from .models import Account, DisqualificationReason, GrowthTarget

LINE = re.compile(r"^\s*(?P<key>[^:]+?)\s*:\s*(?P<value>.+?)\s*$")
_FIELD_BY_WORDS = {label: name for name, label in QUALIFYING_FIELDS.items()}


def _lines(text: str):
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE.match(line)
        if match is None:
            raise forms.ValidationError(f"Line {number}: write it as “name: value”.")
        yield number, match["key"], match["value"]


def _field_names(number: int, value: str) -> list[str]:
    names = []
    for word in (w.strip().lower() for w in value.split(",") if w.strip()):
        name = word if word in QUALIFYING_FIELDS else _FIELD_BY_WORDS.get(word)
        if name is None:
            known = ", ".join(QUALIFYING_FIELDS.values())
            raise forms.ValidationError(f"Line {number}: “{word}” is not a lead field ({known}).")
        names.append(name)
    return names


class AgreementForm(forms.Form):
    summary = forms.CharField(
        max_length=300, help_text="What this change does and why: both heads read it."
    )
    hours_to_first_touch = forms.IntegerField(
        min_value=1, max_value=720, label="First touch within (hours)"
    )
    min_attempts_before_disqualify = forms.IntegerField(
        min_value=0, max_value=50, label="Attempts before disqualifying"
    )
    min_channels_before_disqualify = forms.IntegerField(
        min_value=1, max_value=4, label="Different channels before disqualifying"
    )
    sla_by_source = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="SLA per lead source",
        help_text="One source a line: “Trade show: 4 h, 2 attempts”.",
    )
    required_fields = forms.MultipleChoiceField(
        required=False,
        choices=list(QUALIFYING_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Every qualified lead has",
    )
    required_fields_by_source = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="More required fields per source",
        help_text="One source a line: “Webinar: phone, job title”.",
    )
    required_fields_by_persona = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="More required fields per persona",
        help_text="One persona a line: “CFO, mid-size manufacturer: company size”.",
    )
    qualifying_sizes = forms.MultipleChoiceField(
        required=False,
        choices=[c for c in Account.Size.choices if c[0]],
        widget=forms.CheckboxSelectMultiple,
        label="Qualifying company sizes",
        help_text="None ticked: any size qualifies.",
    )
    disqualification_reasons = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Disqualification reasons allowed",
        help_text="None ticked: every active reason.",
    )
    override_roles = forms.MultipleChoiceField(
        required=False,
        choices=[(r, r) for r in roles.ALL_ROLES],
        widget=forms.CheckboxSelectMultiple,
        label="Who may hand off a lead that does not qualify",
    )
    leads_per_month = forms.IntegerField(
        min_value=0, max_value=1_000_000, label="Marketing commits: leads per month"
    )
    max_bad_data_percent = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Marketing commits: at most this % disqualified as bad contact data",
    )

    def __init__(self, *args, terms: Terms | None = None, **kwargs):
        if terms is not None and not kwargs.get("initial"):
            kwargs["initial"] = self.initial_from(terms)
        super().__init__(*args, **kwargs)
        self.fields["disqualification_reasons"].choices = [
            (name, name)
            for name in DisqualificationReason.objects.filter(is_active=True).values_list(
                "name", flat=True
            )
        ]

    @staticmethod
    def initial_from(terms: Terms) -> dict:
        data = terms.to_json()
        data["sla_by_source"] = "\n".join(
            f"{source}: {sla.get('hours_to_first_touch', terms.hours_to_first_touch)} h, "
            f"{sla.get('min_attempts_before_disqualify', terms.min_attempts_before_disqualify)}"
            " attempts"
            for source, sla in sorted(terms.sla_by_source.items())
        )
        for name in ("required_fields_by_source", "required_fields_by_persona"):
            data[name] = "\n".join(
                f"{key}: {', '.join(QUALIFYING_FIELDS.get(f, f) for f in fields)}"
                for key, fields in sorted(terms.__dict__[name].items())
            )
        return data

    def clean_sla_by_source(self):
        result = {}
        for number, source, value in _lines(self.cleaned_data["sla_by_source"]):
            numbers = [int(n) for n in re.findall(r"\d+", value)]
            if len(numbers) != 2 or numbers[0] < 1:
                raise forms.ValidationError(
                    f"Line {number}: give the hours and the attempts, “{source}: 4 h, 2 attempts”."
                )
            result[source] = {
                "hours_to_first_touch": numbers[0],
                "min_attempts_before_disqualify": numbers[1],
            }
        return result

    def _clean_fields_by(self, name):
        return {key: _field_names(n, value) for n, key, value in _lines(self.cleaned_data[name])}

    def clean_required_fields_by_source(self):
        return self._clean_fields_by("required_fields_by_source")

    def clean_required_fields_by_persona(self):
        return self._clean_fields_by("required_fields_by_persona")

    def terms(self) -> Terms:
        data = {k: v for k, v in self.cleaned_data.items() if k != "summary"}
        return Terms.from_json(data)


class GrowthTargetForm(forms.ModelForm):
    class Meta:
        model = GrowthTarget
        fields = ["name", "starts_on", "ends_on", "pipeline_target", "revenue_target", "currency"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }
