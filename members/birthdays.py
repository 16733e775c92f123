"""Birthdays: month and day, year optional. 02-29 is a valid birthday."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LEAP_YEAR = 2000


def validate_birthday(
    month: int | None, day: int | None, year: int | None = None
) -> None:
    if month is None and day is None:
        if year is not None:
            raise ValidationError(
                _("Give the birthday's month and day, not only the year."),
                code="invalid_birthday",
            )
        return
    if month is None or day is None:
        raise ValidationError(
            _("Give both the month and the day of the birthday."),
            code="invalid_birthday",
        )
    try:
        datetime.date(year or LEAP_YEAR, month, day)
    except ValueError:
        raise ValidationError(
            _("%(value)s is not a date in the calendar."),
            code="invalid_birthday",
            params={"value": f"{month:02d}-{day:02d}"},
        ) from None
    if year is not None and datetime.date(year, month, day) > datetime.date.today():
        raise ValidationError(
            _("The birthday is in the future."), code="invalid_birthday"
        )


def parse_birthday(text: str) -> tuple[int, int, int | None]:
    """Parse `MM-DD` or `YYYY-MM-DD` into (month, day, year)."""
    parts = (text or "").strip().split("-")
    all_digits = all(part.isascii() and part.isdigit() for part in parts)
    numbers = [int(part) for part in parts] if all_digits else []
    if len(parts) not in (2, 3) or not numbers:
        raise ValidationError(
            _("Write the birthday as MM-DD or YYYY-MM-DD."), code="invalid_birthday"
        )
    year = numbers[0] if len(parts) == 3 else None
    month, day = numbers[-2], numbers[-1]
    validate_birthday(month, day, year)
    return month, day, year
