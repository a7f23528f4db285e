"""insight.filters.QuickSelect writes the same HTML as Django's Select (which renders
each option through templates), so the filter forms look and submit as before."""

import pytest
from django import forms

from insight.filters import AttributionFilter, LoopHealthFilter, QuickSelect
from messaging.models import Persona

CHOICES = [
    ("", "All <teams>"),
    ("Group & co", [(1, 'North "A"'), (2, "South")]),
    (3, "Ünïcode ✓"),
]


@pytest.mark.parametrize("value", [None, "", 2, "3", ["1", "3"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_team", "required": True, "disabled": False, "data-x": "a<b"}]
)
def test_quick_select_renders_what_django_select_renders(value, attrs):
    expected = forms.Select(choices=CHOICES).render("team", value, attrs=attrs)
    assert QuickSelect(choices=CHOICES).render("team", value, attrs=attrs) == expected


@pytest.mark.parametrize("filterset", [LoopHealthFilter, AttributionFilter])
def test_the_insight_filter_forms_render_as_with_django_select(filterset, loop_story):
    persona = Persona.objects.create(name="CFO & <co>")
    data = {"persona": persona.pk, "source": "Trade show"} if filterset is LoopHealthFilter else {}
    form = filterset(data).form
    quick = [name for name, field in form.fields.items() if isinstance(field.widget, QuickSelect)]
    assert len(quick) >= 3
    for name in quick:
        rendered = str(form[name])
        form.fields[name].widget.__class__ = forms.Select
        assert str(form[name]) == rendered, name
