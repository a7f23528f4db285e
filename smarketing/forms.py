"""Form pieces shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
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


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def select_html(widget: dict) -> str | None:
    """django/forms/widgets/select.html in Python, from a Select's widget context, or None
    where only the templates would render it the same: an option with a template of its
    own, or a label that is neither text nor lazy text (numbers and dates are localized
    by the templates). Writing the options here rather than through one template include
    per option saves about 40 µs each: the attribution page's message filter has 2,000
    options, which took 90 ms of a 110 ms page. Tests compare the two renderings."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"']
    parts.append(_html_attrs(widget["attrs"]) + ">")
    for group_name, options, _index in widget["optgroups"]:
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE or not isinstance(
                option["label"], str | Promise
            ):
                return None
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
    # The template renderer strips its output; so does this.
    return "".join(parts).strip()


class FormRenderer(DjangoTemplates):
    """Django's form renderer (FORM_RENDERER), except that every <select> it would render
    from Django's own select template (Select, SelectMultiple, NullBooleanSelect, every
    form's and FilterSet's choice fields, the admin's) is written by `select_html`, with
    the same markup. One setting rather than a widget on each field, so that no page
    pays for a long drop-down because a field forgot it."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)


class FastSelect(forms.Select):
    """A Select written by `select_html` whatever FORM_RENDERER is (kept for the fields
    that named it before FormRenderer existed)."""

    def render(self, name, value, attrs=None, renderer=None):
        html = select_html(self.get_context(name, value, attrs)["widget"])
        if html is None:
            return super().render(name, value, attrs, renderer)
        return mark_safe(html)  # noqa: S308 (every value escaped by select_html)


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Times on pages, in notifications and in emails are shown in this zone.",
    )

    def __init__(self, *args, **kwargs):
        from .models import time_zone_choices

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
