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
        ([("", [("a", "A")]), (None, "None is empty"), ("a", "A again")], "a", None),
        ([("x", "X"), ("y", "Y")], ["x", "y"], None),  # a list value: the first match
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


def test_fast_select_reads_model_choices_once_when_it_falls_back(db, django_assert_num_queries):
    from django.contrib.auth.models import Group

    Group.objects.create(name="7")
    field = forms.ModelChoiceField(Group.objects.filter(name="7"), empty_label=None)
    field.label_from_instance = lambda group: int(group.name)  # a number: the fallback
    widget = FastSelect(choices=field.choices)
    with django_assert_num_queries(1):
        html = widget.render("group", None)
    assert html == forms.Select(choices=[(o.value, 7) for o, _ in field.choices]).render(
        "group", None
    )


@pytest.mark.parametrize("null_label", [None, "Nobody"])
def test_label_column_choices_print_what_model_choices_print(db, null_label):
    import django_filters

    from smarketing.forms import LabelColumnChoiceFilter

    User = get_user_model()
    ann = User.objects.create(username="ann", first_name="Zed")
    User.objects.create(username="<bob> & co", first_name="Al")
    users = User.objects.order_by("first_name")

    def rendered(filter_class, **kwargs):
        class Filter(django_filters.FilterSet):
            owner = filter_class(
                queryset=users, empty_label="Anyone", null_label=null_label,
                widget=FastSelect,
                **kwargs,
            )  # fmt: skip

        filterset = Filter({"owner": str(ann.pk)}, queryset=users)
        assert filterset.form.is_valid()
        assert filterset.form.cleaned_data["owner"] == ann  # choosing still gives the row
        return str(filterset.form["owner"])

    expected = rendered(django_filters.ModelChoiceFilter)
    assert rendered(LabelColumnChoiceFilter, label_column="username") == expected
    assert "&lt;bob&gt; &amp; co" in expected and "selected" in expected
