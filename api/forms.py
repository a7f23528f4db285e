from django import forms

from smarketing.events import EVENTS


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “CRM sync”.")
    expires_at = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the token stops working at the start of this day (UTC).",
    )


class SubscriptionForm(forms.Form):
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name} — {text}") for name, text in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(max_length=200, required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    allow_private_network = forms.BooleanField(
        required=False,
        label="Allow a private-network address (admins only)",
    )

    def __init__(self, *args, can_allow_private=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_allow_private:
            del self.fields["allow_private_network"]
