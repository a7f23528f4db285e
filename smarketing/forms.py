"""Form pieces shared by the apps."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django_filters.fields import ModelChoiceField as FilterModelChoiceField
from django_filters.fields import ModelChoiceIterator as FilterModelChoiceIterator

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
    groups = []
    for group_name, options, _index in widget["optgroups"]:
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE or not _is_text(option["label"]):
                return None
        written = [(o["value"], _html_attrs(o["attrs"]), o["label"]) for o in options]
        groups.append((group_name, written))
    return _select_markup(widget["name"], _html_attrs(widget["attrs"]), groups)


def _select_markup(name, attrs_html: str, groups) -> str:
    """Django's select.html and select_option.html markup: `groups` are (optgroup label,
    or None for options outside a group, [(value, the option's attributes as HTML,
    label)]). Every text is escaped here."""
    parts = [f'<select name="{conditional_escape(name)}"', attrs_html, ">"]
    for group_name, options in groups:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(_as_text(value))}"'
            f"{option_attrs}>{conditional_escape(label)}</option>\n"
            for value, option_attrs, label in options
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
    pays for a long drop-down because a field forgot it. FastSelect (below) goes further
    for the list pages' filters: it skips building the widget context at all."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)


class FastSelect(forms.Select):
    """A Select that writes its options in Python rather than through one template include
    per option (about 40 µs each: the lead list's salesperson filter has 200 options, which
    took 9 ms of a 27 ms page). The HTML is Django's, byte for byte: tests compare the two
    renderings. It also skips Select.optgroups, which builds a dict of eleven keys per
    option for the templates (another 10 µs an option). Labels that are neither text nor
    lazy text (numbers, dates) would need localizing as a template does, so such choices
    fall back to the templates."""

    def render(self, name, value, attrs=None, renderer=None):
        # iter(): list() of a ModelChoiceIterator would ask its len(), a COUNT query.
        choices = list(iter(self.choices))
        if not all(_is_text(label) for _value, label in _flat(choices)):
            self.choices = choices  # read once: the fallback must not query again
            return super().render(name, value, attrs, renderer)
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        values = self.format_value(value)
        multiple = self.allow_multiple_selected
        has_selected = False
        groups = []
        # What Select.optgroups decides, in the same order: a group's options are tested
        # against the value like any other, and only the first match is selected.
        for option_value, option_label in choices:
            options = [(option_value, option_label)]
            group_name = None
            if isinstance(option_label, list | tuple):
                # A group without a name lists its options without an <optgroup>.
                options, group_name = option_label, option_value or None
            written = []
            for sub_value, sub_label in options:
                if sub_value is None:
                    sub_value = ""
                selected = (not has_selected or multiple) and str(sub_value) in values
                has_selected |= selected
                written.append((sub_value, " selected" if selected else "", sub_label))
            groups.append((group_name, written))
        html = _select_markup(name, _html_attrs(final_attrs), groups)
        return mark_safe(html)  # noqa: S308 (every text escaped by _select_markup)


def _flat(choices):
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield value, label


def _is_text(label) -> bool:
    return isinstance(label, str | Promise)


class _LabelColumnChoices(FilterModelChoiceIterator):
    """django-filter's model choices (the empty choice, then its null choice, then the
    rows), the rows read as (id, label column) pairs rather than model instances."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self.queryset.values_list("pk", self.field.label_column)


class _LabelColumnChoiceField(FilterModelChoiceField):
    iterator = _LabelColumnChoices

    def __init__(self, *args, label_column: str, **kwargs):
        self.label_column = label_column
        super().__init__(*args, **kwargs)


class LabelColumnChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose options are read as values: `label_column` names the
    column that str() of a row returns (a user's username, a persona's name), so the
    options are the ones ModelChoiceFilter prints (tests compare the two). A filter of
    200 salespeople built 200 User instances (about 1 ms) only to print their usernames.
    Choosing and validating are ModelChoiceFilter's: the value is still looked up in
    the queryset and the filter receives the row."""

    field_class = _LabelColumnChoiceField


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Times on pages, in notifications and in emails are shown in this zone.",
    )

    def __init__(self, *args, **kwargs):
        from .models import time_zone_choices

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
