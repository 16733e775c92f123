"""Member card numbers: digits only, fixed length, a Luhn check digit.

Numbers start with a configured prefix (default ``8``) and are 12 digits long,
so a scanned code can never be mistaken for a CN mobile number (11 digits,
leading 1) or a WeChat/Alipay payment code (16-24 digits, leading 10-15 or
25-30). The body is random, not sequential, so numbers are not guessable.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_check_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def card_no_is_valid(value: str) -> bool:
    return (
        value.isascii()
        and value.isdigit()
        and len(value) == settings.JIFEN_CARD_LENGTH
        and value.startswith(settings.JIFEN_CARD_PREFIX)
        and luhn_check_digit(value[:-1]) == value[-1]
    )


def looks_like_card_no(value: str) -> bool:
    """Digits of a card number's length and prefix, check digit not verified."""
    return (
        value.isascii()
        and value.isdigit()
        and len(value) == settings.JIFEN_CARD_LENGTH
        and value.startswith(settings.JIFEN_CARD_PREFIX)
    )


def validate_card_no(value: str) -> None:
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(_("A card number has digits only."), code="card_digits")
    if len(value) != settings.JIFEN_CARD_LENGTH:
        raise ValidationError(
            _("A card number has %(length)d digits."),
            code="card_length",
            params={"length": settings.JIFEN_CARD_LENGTH},
        )
    if not value.startswith(settings.JIFEN_CARD_PREFIX):
        raise ValidationError(
            _("A card number starts with %(prefix)s."),
            code="card_prefix",
            params={"prefix": settings.JIFEN_CARD_PREFIX},
        )
    if luhn_check_digit(value[:-1]) != value[-1]:
        raise ValidationError(
            _("The card number's check digit is wrong; please check the number."),
            code="card_check_digit",
        )


def random_card_no() -> str:
    prefix = settings.JIFEN_CARD_PREFIX
    body_length = settings.JIFEN_CARD_LENGTH - len(prefix) - 1
    body = prefix + "".join(secrets.choice("0123456789") for _ in range(body_length))
    return body + luhn_check_digit(body)
