"""Form pieces shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

# Ids outside a 64-bit integer cannot name a row. Django guards single-id lookups against
# them, but not the IN lookup a multiple choice runs, where SQLite raises OverflowError.
ID_LIMIT = 2**63


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice that answers an impossible id with "not a valid choice"."""

    def _check_values(self, value):
        for item in value or ():
            text = str(item).strip()
            digits = text.lstrip("-")
            if digits.isdigit() and (not digits.isascii() or abs(int(digits)) >= ID_LIMIT):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text[:40]},
                )
        return super()._check_values(value)


def _html_attrs(attrs) -> str:
    """django/forms/widgets/attrs.html in Python: ` name="value"`, a bare ` name` for True,
    nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(_as_text(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _as_text(value):
    # The templates pass values through `stringformat:'s'`, which keeps safe strings safe.
    return value if isinstance(value, SafeData) else str(value)


class FastSelect(forms.Select):
    """A Select that writes its options in Python rather than through one template include
    per option (about 40 µs each: the lead list's salesperson filter has 200 options, which
    took 9 ms of a 27 ms page). The HTML is Django's, byte for byte: tests compare the two
    renderings. Labels that are neither text nor lazy text (numbers, dates) would need
    localizing as a template does, so such choices fall back to the templates."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_html_attrs(widget["attrs"]) + ">")
        for group_name, options, _index in widget["optgroups"]:
            if any(not isinstance(option["label"], str | Promise) for option in options):
                return super().render(name, value, attrs, renderer)
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{conditional_escape(_as_text(option["value"]))}"'
                f"{_html_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # The template renderer strips the output; so does this.
        return mark_safe("".join(parts).strip())  # noqa: S308 (every value escaped above)


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Times on pages, in notifications and in emails are shown in this zone.",
    )

    def __init__(self, *args, **kwargs):
        from .models import time_zone_choices

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
