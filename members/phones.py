"""CN mobile numbers: parsed with phonenumbers, stored E.164, shown masked."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_phone(raw: str) -> str:
    """Return the E.164 form of a CN mobile number, or raise ValidationError."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Enter a valid mainland China mobile number."), code="invalid_phone"
        ) from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number)
        not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    ):
        raise ValidationError(
            _("Enter a valid mainland China mobile number."), code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_phone(e164: str) -> str:
    """`+8613812345678` -> `13812345678`."""
    return e164[3:] if e164.startswith("+86") else e164


def mask_phone(e164: str) -> str:
    """`+8613812345678` -> `138****5678`."""
    national = national_phone(e164)
    if len(national) < 8:
        return "*" * len(national)
    return f"{national[:3]}****{national[-4:]}"


def looks_like_phone(value: str) -> bool:
    digits = value.strip().removeprefix("+86").removeprefix("0086")
    return (
        digits.isascii() and digits.isdigit() and len(digits) == 11 and digits[0] == "1"
    )
