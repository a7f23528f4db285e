"""FastSelect writes the same HTML as Django's Select templates, only faster."""

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from smarketing.forms import FastSelect

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
