"""POST /members: enrol a member at the terminal's store."""

from collections.abc import Callable

from members.models import Member, Store
from tests.api.conftest import ApiClient, error_of, written


def test_enrol_creates_a_member_of_the_terminals_store_and_answers_masked(
    api: ApiClient, store: Store
) -> None:
    response = api.post(
        "/members", {"phone": "138 1234 5678", "name": "王小明", "birthday": "08-15"}
    )

    assert response.status_code == 201
    member = Member.objects.get()
    assert response.json() == {
        "card_no": member.card_no,
        "phone": "138****5678",
        "name": "王*",
        "status": "active",
        "tier": {"code": "basic", "name": "普通会员", "discount_percent": "0.00"},
        "balance": 0,
        "expiring": [],
    }
    assert (member.phone, member.name, member.home_store) == (
        "+8613812345678",
        "王小明",
        store,
    )
    assert (member.birth_month, member.birth_day, member.birth_year) == (8, 15, None)


def test_enrol_takes_a_birthday_with_its_year(api: ApiClient) -> None:
    response = api.post(
        "/members", {"phone": "13812345678", "name": "王小明", "birthday": "1990-02-28"}
    )

    assert response.status_code == 201
    member = Member.objects.get()
    assert (member.birth_month, member.birth_day, member.birth_year) == (2, 28, 1990)


def test_enrol_records_the_referrer_found_by_phone(
    api: ApiClient, member: Member
) -> None:
    response = api.post(
        "/members", {"phone": "13700000001", "name": "赵六", "referrer": "13812345678"}
    )

    assert response.status_code == 201
    assert Member.objects.get(phone="+8613700000001").referrer == member


def test_a_phone_already_enrolled_is_invalid_and_enrols_nobody(
    api: ApiClient, member: Member
) -> None:
    before = written()

    response = api.post("/members", {"phone": "13812345678", "name": "冒名"})

    assert response.status_code == 400
    message = "A member with this phone number already exists."
    assert error_of(response) == {
        "code": "invalid",
        "message": message,
        "fields": {"phone": message},
    }
    assert written() == before


def test_an_impossible_birthday_is_invalid(api: ApiClient) -> None:
    response = api.post(
        "/members", {"phone": "13812345678", "name": "王小明", "birthday": "02-30"}
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "birthday": "02-30 is not a date in the calendar."
    }
    assert Member.objects.count() == 0


def test_a_birthday_in_another_format_is_invalid(api: ApiClient) -> None:
    response = api.post(
        "/members", {"phone": "13812345678", "name": "王小明", "birthday": "15/08"}
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "birthday": "This value has the wrong format."
    }
    assert Member.objects.count() == 0


def test_an_unknown_referrer_is_invalid(api: ApiClient) -> None:
    response = api.post(
        "/members",
        {"phone": "13812345678", "name": "王小明", "referrer": "13900000000"},
    )

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "No member has that card number or phone.",
        "fields": {"referrer": "No member has that card number or phone."},
    }
    assert Member.objects.count() == 0


def test_a_frozen_referrer_is_invalid(
    api: ApiClient, make_member: Callable[..., Member]
) -> None:
    referrer = make_member(phone="13900000000")
    Member.objects.filter(pk=referrer.pk).update(status=Member.Status.FROZEN)

    response = api.post(
        "/members",
        {"phone": "13812345678", "name": "王小明", "referrer": "13900000000"},
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "referrer": "The referrer is not an active member."
    }
    assert Member.objects.count() == 1


def test_a_phone_that_is_not_a_mainland_mobile_is_invalid(api: ApiClient) -> None:
    response = api.post("/members", {"phone": "12345", "name": "王小明"})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "phone": "Enter a valid mainland China mobile number."
    }
    assert Member.objects.count() == 0
