import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from members.cards import (
    card_no_is_valid,
    looks_like_card_no,
    luhn_check_digit,
    random_card_no,
    validate_card_no,
)


def refusal(value: str) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_card_no(value)
    return caught.value.messages


def test_luhn_check_digit_matches_the_textbook_example() -> None:
    assert luhn_check_digit("7992739871") == "3"


def test_generated_card_numbers_are_12_digits_with_prefix_8_and_a_valid_check_digit() -> (
    None
):
    numbers = [random_card_no() for _ in range(500)]

    assert all(len(number) == 12 for number in numbers)
    assert all(number.isdigit() and number.startswith("8") for number in numbers)
    assert all(luhn_check_digit(number[:-1]) == number[-1] for number in numbers)
    assert all(card_no_is_valid(number) for number in numbers)
    assert len(set(numbers)) == 500  # random bodies, not a guessable sequence


def test_generated_card_numbers_never_look_like_a_phone_or_a_payment_code() -> None:
    numbers = [random_card_no() for _ in range(500)]

    # CN mobile: 11 digits starting with 1. WeChat/Alipay codes: 16-24 digits.
    assert not any(len(n) == 11 and n.startswith("1") for n in numbers)
    assert not any(16 <= len(n) <= 24 for n in numbers)
    assert not any(n.startswith("1") for n in numbers)


def test_a_valid_card_number_passes_validation() -> None:
    body = "81234567890"
    validate_card_no(body + luhn_check_digit(body))


def test_a_wrong_check_digit_is_refused_with_a_clear_message() -> None:
    body = "81234567890"
    wrong = body + str((int(luhn_check_digit(body)) + 1) % 10)

    assert refusal(wrong) == [
        "The card number's check digit is wrong; please check the number."
    ]
    assert card_no_is_valid(wrong) is False


def test_a_card_number_of_the_wrong_length_is_refused() -> None:
    assert refusal("8123456") == ["A card number has 12 digits."]


def test_a_card_number_with_another_prefix_is_refused() -> None:
    body = "91234567890"
    assert refusal(body + luhn_check_digit(body)) == ["A card number starts with 8."]


def test_a_card_number_with_letters_or_full_width_digits_is_refused() -> None:
    assert refusal("8123456789AB") == ["A card number has digits only."]
    assert refusal("８１２３４５６７８９０１") == ["A card number has digits only."]


def test_a_phone_number_does_not_look_like_a_card_number() -> None:
    assert looks_like_card_no("13812345678") is False
    assert looks_like_card_no("134567890123456789") is False  # a payment code


@override_settings(JIFEN_CARD_PREFIX="66", JIFEN_CARD_LENGTH=14)
def test_prefix_and_length_come_from_the_settings() -> None:
    number = random_card_no()

    assert len(number) == 14
    assert number.startswith("66")
    assert card_no_is_valid(number)
