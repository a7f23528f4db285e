"""Every model in the Django admin: its list, search and first object open for an admin."""

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in django_admin.site._registry
)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_the_admin_lists_searches_and_opens_every_model(
    client_for, admin, world, app_label, model_name
):
    client = client_for(admin)
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert client.get(changelist, {"q": "a"}).status_code == 200
    model_admin = next(
        ma for m, ma in django_admin.site._registry.items()
        if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
    )  # fmt: skip
    first = model_admin.model.objects.first()
    if first is not None:
        change = reverse(f"admin:{app_label}_{model_name}_change", args=[first.pk])
        assert client.get(change).status_code == 200
