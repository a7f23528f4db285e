"""Form pieces shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError

# Ids outside a 64-bit integer cannot name a row. Django guards single-id lookups against
# them, but not the IN lookup a multiple choice runs, where SQLite raises OverflowError.
ID_LIMIT = 2**63


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice that answers an impossible id with "not a valid choice"."""

    def _check_values(self, value):
        for item in value or ():
            text = str(item).strip()
            if text.lstrip("-").isdigit() and abs(int(text)) >= ID_LIMIT:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text[:40]},
                )
        return super()._check_values(value)
