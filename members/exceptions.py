"""Domain errors. Each carries a stable code (used by the API's error shape)
and a translated message; `fields` names the offending inputs."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class JifenError(Exception):
    code = "invalid"
    default_message: Any = _("The request is invalid.")

    def __init__(self, message: Any = None, *, fields: dict[str, Any] | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(JifenError):
    code = "invalid"


class MemberNotFound(JifenError):
    code = "member_not_found"
    default_message = _("No member has that card number or phone.")


class MemberInactive(JifenError):
    code = "member_inactive"
    default_message = _("This member is frozen or closed.")


class CardLost(JifenError):
    code = "card_lost"
    default_message = _(
        "This card has been reported lost. Find the member by phone and replace the card."
    )
