"""POST /points/preview: the most points an order may use (nothing reserved)."""

from collections.abc import Callable

import pytest

from members.models import Member
from tests.api.conftest import ApiClient, error_of, written


def test_a_300_yuan_order_may_use_at_most_15000_points(
    api: ApiClient, rich_member: Member
) -> None:
    before = written()

    response = api.post(
        "/points/preview", {"member": rich_member.card_no, "amount": "300.00"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "max_points": 15_000,
        "max_value": "150.00",
        "usable_points": 20_000,
    }
    assert written() == before


def test_the_preview_is_limited_by_the_balance_in_whole_steps(
    api: ApiClient, make_member: Callable[..., Member]
) -> None:
    make_member(phone="13900002222", points=12_345)

    response = api.post("/points/preview", {"member": "13900002222", "amount": 300})

    assert response.json() == {
        "max_points": 12_300,
        "max_value": "123.00",
        "usable_points": 12_345,
    }


def test_an_order_below_the_minimum_may_use_no_points(
    api: ApiClient, rich_member: Member
) -> None:
    response = api.post(
        "/points/preview", {"member": rich_member.card_no, "amount": "150.00"}
    )

    assert response.status_code == 200
    assert response.json()["max_points"] == 0
    assert response.json()["max_value"] == "0.00"


def test_a_frozen_member_gets_no_preview(api: ApiClient, rich_member: Member) -> None:
    Member.objects.filter(pk=rich_member.pk).update(status=Member.Status.FROZEN)

    response = api.post(
        "/points/preview", {"member": rich_member.card_no, "amount": "300.00"}
    )

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "member_inactive",
        "message": "This member is frozen or closed.",
        "fields": {"member": "This member is frozen or closed."},
    }


def test_an_unknown_member_gets_no_preview(api: ApiClient) -> None:
    response = api.post("/points/preview", {"member": "13900000000", "amount": 300})

    assert response.status_code == 404
    assert error_of(response)["code"] == "member_not_found"


@pytest.mark.parametrize("amount", ["300.001", 0, "-300.00", "1e3"])
def test_a_bad_amount_is_invalid(
    api: ApiClient, rich_member: Member, amount: object
) -> None:
    response = api.post(
        "/points/preview", {"member": rich_member.card_no, "amount": amount}
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert set(error_of(response)["fields"]) == {"amount"}
