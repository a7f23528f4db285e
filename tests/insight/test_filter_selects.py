"""The insight filter forms write their selects with smarketing.forms.FastSelect (Django
renders each option through templates: loop health's few dozen options were most of its
form's rendering time), and they look and submit as with Django's Select."""

import pytest
from django import forms

from insight.filters import AttributionFilter, LoopHealthFilter
from messaging.models import Persona
from smarketing.forms import FastSelect


@pytest.mark.parametrize("filterset", [LoopHealthFilter, AttributionFilter])
def test_the_insight_filter_forms_render_as_with_django_select(filterset, loop_story):
    persona = Persona.objects.create(name="CFO & <co>")
    data = {"persona": persona.pk, "source": "Trade show"} if filterset is LoopHealthFilter else {}
    form = filterset(data).form
    fast = [name for name, field in form.fields.items() if isinstance(field.widget, FastSelect)]
    assert len(fast) >= (4 if filterset is LoopHealthFilter else 2)
    for name in fast:
        rendered = str(form[name])
        form.fields[name].widget.__class__ = forms.Select
        assert str(form[name]) == rendered, name
