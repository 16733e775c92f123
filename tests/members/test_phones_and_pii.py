import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from members.phones import looks_like_phone, mask_phone, national_phone, normalize_phone
from members.pii import mask_name
from tests.factories import MemberFactory


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "0086 13812345678",
        "138-1234-5678",
        " 138 1234 5678 ",
    ],
)
def test_a_cn_mobile_typed_any_usual_way_is_stored_as_e164(typed: str) -> None:
    assert normalize_phone(typed) == "+8613812345678"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "1381234567",  # 10 digits
        "010 1234 5678",  # a Beijing landline
        "+1 415 555 0100",  # not China
        "abc",
    ],
)
def test_anything_but_a_cn_mobile_is_refused(typed: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        normalize_phone(typed)

    assert caught.value.messages == ["Enter a valid mainland China mobile number."]


def test_a_phone_is_masked_to_the_first_three_and_last_four_digits() -> None:
    assert mask_phone("+8613812345678") == "138****5678"
    assert national_phone("+8613812345678") == "13812345678"


def test_looks_like_phone_accepts_11_digits_starting_with_1() -> None:
    assert looks_like_phone("13812345678") is True
    assert looks_like_phone("+8613812345678") is True
    assert looks_like_phone("812345678901") is False


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*"), ("张三", "张*"), ("欧阳娜娜", "欧*"), ("Li", "L*"), ("", "")],
)
def test_a_name_is_masked_to_its_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.django_db
def test_a_member_shows_masked_phone_and_name_and_its_str_never_the_full_name() -> None:
    member = MemberFactory(phone="+8613812345678", name="张三丰")

    assert member.masked_phone == "138****5678"
    assert member.masked_name == "张*"
    assert str(member) == f"{member.card_no} 张*"
