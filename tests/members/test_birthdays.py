import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from members.birthdays import parse_birthday, validate_birthday


def refusal(*args) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_birthday(*args)
    return caught.value.messages


def test_february_30_is_refused() -> None:
    assert refusal(2, 30) == ["02-30 is not a date in the calendar."]


def test_february_29_without_a_year_is_a_valid_birthday() -> None:
    validate_birthday(2, 29)
    assert parse_birthday("02-29") == (2, 29, None)


def test_february_29_is_valid_in_a_leap_year_and_refused_in_a_common_year() -> None:
    validate_birthday(2, 29, 2000)
    assert refusal(2, 29, 2023) == ["02-29 is not a date in the calendar."]


def test_a_month_without_a_day_is_refused() -> None:
    assert refusal(5, None) == ["Give both the month and the day of the birthday."]


def test_no_birthday_at_all_is_fine() -> None:
    validate_birthday(None, None)


def test_a_birthday_in_the_future_is_refused() -> None:
    assert refusal(1, 1, 2099) == ["The birthday is in the future."]
