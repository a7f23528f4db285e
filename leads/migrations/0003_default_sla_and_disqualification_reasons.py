"""The global SLA row and a starting list of disqualification reasons.

Both are admin-editable afterwards; the services rely on a global SLA row existing
(with a safe fallback when an admin deletes it).
"""

from django.db import migrations

REASONS = (
    ("No budget", "The company cannot pay for it this year."),
    ("Not the decision maker", "Wrong person and no route to the right one."),
    ("Bad contact data", "The email bounces or the phone number is wrong."),
    ("Not in our market", "Too small, wrong industry or wrong country."),
    ("Already a customer", "An existing customer or a partner."),
    ("Using a competitor", "Locked into a competitor's contract."),
    ("No response", "Never answered despite the SLA's attempts."),
)


def create_defaults(apps, schema_editor):
    SlaPolicy = apps.get_model("leads", "SlaPolicy")
    DisqualificationReason = apps.get_model("leads", "DisqualificationReason")
    SlaPolicy.objects.get_or_create(
        source="", defaults={"hours_to_first_touch": 24, "min_attempts_before_disqualify": 3}
    )
    for position, (name, description) in enumerate(REASONS):
        DisqualificationReason.objects.get_or_create(
            name=name, defaults={"description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_accounts_leads_plays_handoffs_sla")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
