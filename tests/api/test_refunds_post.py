"""POST /purchases/{receipt_no}/refunds: reverse earned and restore paid points."""

from collections.abc import Callable

import pytest

from members.models import Member
from points.models import Refund
from tests.api.conftest import ApiClient, error_of, written


@pytest.fixture
def receipt(api: ApiClient, member: Member) -> str:
    """R1: 258.00 yuan that earned 258 points."""
    response = api.post(
        "/purchases", {"receipt_no": "R1", "member": member.card_no, "amount": "258.00"}
    )
    assert response.json()["points_earned"] == 258
    return "R1"


def test_refunds_reverse_in_proportion_until_the_receipt_is_used_up(
    api: ApiClient, member: Member, receipt: str
) -> None:
    # when 100 yuan, then the other 158 yuan are refunded
    first = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": 100}
    )
    second = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F2", "amount": "158.00"}
    )

    # then 100 points, then exactly the other 158, are reversed
    assert first.status_code == 201
    assert first.json() == {
        "refund_no": "F1",
        "receipt_no": "R1",
        "amount": "100.00",
        "points_reversed": 100,
        "points_restored": 0,
        "points_restored_expired": 0,
        "balance": 158,
        "created_at": first.json()["created_at"],
    }
    assert second.status_code == 201
    assert (second.json()["points_reversed"], second.json()["balance"]) == (158, 0)

    # and a further refund would exceed the receipt: refused, nothing written
    before = written()
    third = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F3", "amount": "0.01"}
    )
    assert third.status_code == 400
    message = "At most 0.00 yuan of this receipt is left to refund."
    assert error_of(third) == {
        "code": "refund_exceeds_purchase",
        "message": message,
        "fields": {"amount": message},
    }
    assert written() == before
    member.refresh_from_db()
    assert member.balance == 0


def test_a_full_refund_restores_the_points_paid_and_reverses_the_points_earned(
    api: ApiClient, rich_member: Member
) -> None:
    api.post(
        "/purchases",
        {
            "receipt_no": "R2",
            "member": rich_member.card_no,
            "amount": "300.00",
            "points_used": 15_000,
        },
    )

    response = api.post("/purchases/R2/refunds", {"refund_no": "F1", "amount": 300})

    assert response.status_code == 201
    body = response.json()
    assert (body["points_restored"], body["points_reversed"], body["balance"]) == (
        15_000,
        150,
        20_000,
    )


def test_the_same_refund_again_replays_the_original_answer(
    api: ApiClient, receipt: str
) -> None:
    first = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": 100}
    )
    before = written()

    again = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": "100.00"}
    )

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert written() == before


def test_a_refund_number_reused_for_another_amount_is_a_conflict(
    api: ApiClient, receipt: str
) -> None:
    api.post(f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": 100})
    before = written()

    response = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": 50}
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert written() == before


def test_a_refund_number_reused_for_another_receipt_is_a_conflict(
    api: ApiClient, member: Member, receipt: str
) -> None:
    api.post(f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": 100})
    api.post(
        "/purchases", {"receipt_no": "R9", "member": member.card_no, "amount": "50.00"}
    )
    before = written()

    response = api.post("/purchases/R9/refunds", {"refund_no": "F1", "amount": 100})

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert written() == before


def test_a_refund_of_an_unknown_receipt_is_not_found(
    api: ApiClient, member: Member
) -> None:
    before = written()

    response = api.post("/purchases/NOPE/refunds", {"refund_no": "F1", "amount": 1})

    assert response.status_code == 404
    assert error_of(response)["code"] == "purchase_not_found"
    assert written() == before


def test_another_store_cannot_refund_this_stores_receipt(
    api: ApiClient, other_api: ApiClient, receipt: str
) -> None:
    before = written()

    response = other_api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": 100}
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "purchase_not_found"
    assert written() == before


@pytest.mark.parametrize("amount", [0, -1, "100.001", 1e20, "abc"])
def test_a_bad_refund_amount_is_invalid(
    api: ApiClient, receipt: str, amount: object
) -> None:
    before = written()

    response = api.post(
        f"/purchases/{receipt}/refunds", {"refund_no": "F1", "amount": amount}
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert set(error_of(response)["fields"]) == {"amount"}
    assert written() == before


def test_a_refund_reverses_the_earned_points_even_after_some_were_spent(
    api: ApiClient, make_member: Callable[..., Member]
) -> None:
    # given 258 points earned on R1, then 200 of them spent on R2
    spender = make_member(phone="13900005555")
    api.post(
        "/purchases",
        {"receipt_no": "R1", "member": spender.card_no, "amount": "258.00"},
    )
    api.post(
        "/purchases",
        {
            "receipt_no": "R2",
            "member": spender.card_no,
            "amount": "400.00",
            "points_used": 200,
        },
    )

    # when R1 is refunded in full
    response = api.post("/purchases/R1/refunds", {"refund_no": "F1", "amount": 258})

    # then all 258 are reversed: 258 - 200 + 398 earned on R2 - 258
    assert response.status_code == 201
    assert response.json()["points_reversed"] == 258
    assert response.json()["balance"] == 258 - 200 + 398 - 258
    assert Refund.objects.count() == 1
