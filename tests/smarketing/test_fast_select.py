"""FastSelect writes the same HTML as Django's Select templates, only faster."""

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from smarketing.forms import FastSelect, FormRenderer

CHOICES = [
    ("", "Any status"),
    ("new", "New"),
    (3, 'Quotes " & <tags>'),
    ("safe", mark_safe("<b>bold</b>")),
    ("lazy", gettext_lazy("Lazy label")),
]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, None, None),
        (CHOICES, "new", {"id": "id_status", "class": "a&b"}),
        (CHOICES, 3, {"required": True, "disabled": False, "data-x": mark_safe("&amp;")}),
        ([("Group <one>", [("a", "A"), ("b", "B")]), ("c", "C")], "b", {"id": "g"}),
        ([], "", {"id": "empty"}),
        ([(1, 1), (2, 2)], 2, None),  # non-text labels: the templates localize them
    ],
)
def test_fast_select_renders_what_django_select_renders(choices, value, attrs):
    expected = forms.Select(choices=choices).render("status", value, attrs)
    assert FastSelect(choices=choices).render("status", value, attrs) == expected


def test_fast_select_renders_model_choices_like_select(db):
    User = get_user_model()
    User.objects.create(username="ann")
    User.objects.create(username="<bob>")
    field = forms.ModelChoiceField(User.objects.order_by("username"), empty_label="Anyone")
    expected = forms.Select(choices=field.choices).render("owner", "1", {"id": "id_owner"})
    fast = FastSelect(choices=field.choices).render("owner", "1", {"id": "id_owner"})
    assert fast == expected


# Every <select> of the portal goes through FORM_RENDERER: the same HTML as Django's own
# renderer for each kind of select widget, and the templates where Python could differ.
DJANGO_RENDERER = DjangoTemplates()


class FancyOption(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "new"),
        (forms.Select(choices=[("Group <one>", [("a", "A"), ("b", "B")]), ("c", "C")]), "b"),
        (forms.SelectMultiple(choices=CHOICES), ["new", "3"]),
        (forms.NullBooleanSelect(), "true"),
        (forms.Select(choices=[(1, 1), (2, 2)]), 2),  # non-text labels: templates
        (FancyOption(choices=CHOICES), "new"),  # an option template of its own: templates
    ],
)
def test_the_portal_renderer_writes_every_select_as_django_does(widget, value):
    attrs = {"id": "id_x", "class": "a&b", "required": True}
    expected = widget.render("x", value, attrs, renderer=DJANGO_RENDERER)
    assert widget.render("x", value, attrs, renderer=FormRenderer()) == expected


def test_a_form_field_renders_its_select_through_the_portal_renderer(settings):
    assert settings.FORM_RENDERER == "smarketing.forms.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
    calls = []

    class Counting(FormRenderer):
        def render(self, template_name, context, request=None):
            calls.append(template_name)
            return super().render(template_name, context, request)

    class StatusForm(forms.Form):
        status = forms.ChoiceField(choices=CHOICES[1:])

    html = StatusForm(renderer=Counting())["status"].as_widget()
    assert html == StatusForm(renderer=DJANGO_RENDERER)["status"].as_widget()
    # One render for the whole select: no template include per option.
    assert calls == ["django/forms/widgets/select.html"]
