"""What every app's policy returns: a decision a person can read.

Each app's `policies.py` holds who may do what with its objects, in the spirit of
Wagtail's page permission tester (`page.permissions_for_user(user).can_publish()`):

    policy = LeadPolicy(user, lead)
    decision = policy.can_disqualify()     # Decision(allowed=False, reason="...")
    decision.require()                     # in the service: PermissionDenied(reason)

The service calls the policy before it acts; the view hands the policy to the template,
which shows or disables the button from it (the reason as the button's description) and
never restates the rule.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def require(self) -> None:
        """Raise PermissionDenied with the reason unless allowed (who may act)."""
        if not self.allowed:
            raise PermissionDenied(self.reason)

    def require_valid(self) -> None:
        """Raise ValidationError with the reason unless allowed (the object's state or
        the input forbids it, rather than the user's role)."""
        if not self.allowed:
            raise ValidationError(self.reason)


ALLOWED = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)
