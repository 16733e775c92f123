"""GET /purchases/{receipt_no}: a purchase of the terminal's store, with refunds."""

from members.models import Member
from tests.api.conftest import ApiClient, error_of


def test_a_purchase_is_shown_with_its_refunds(api: ApiClient, member: Member) -> None:
    created = api.post(
        "/purchases", {"receipt_no": "R1", "member": member.card_no, "amount": "258.00"}
    ).json()
    refund = api.post("/purchases/R1/refunds", {"refund_no": "F1", "amount": "100.00"})

    response = api.get("/purchases/R1")

    assert response.status_code == 200
    assert response.json() == created | {
        "refunded_amount": "100.00",
        "points_reversed": 100,
        "points_restored": 0,
        "refunds": [refund.json()],
    }


def test_a_purchase_without_refunds_shows_zeroes(
    api: ApiClient, member: Member
) -> None:
    api.post(
        "/purchases", {"receipt_no": "R1", "member": member.card_no, "amount": "10.00"}
    )

    body = api.get("/purchases/R1").json()

    assert (body["refunded_amount"], body["points_reversed"], body["refunds"]) == (
        "0.00",
        0,
        [],
    )


def test_a_terminal_cannot_see_another_stores_receipts(
    api: ApiClient, other_api: ApiClient, member: Member
) -> None:
    api.post(
        "/purchases", {"receipt_no": "R1", "member": member.card_no, "amount": "10.00"}
    )

    response = other_api.get("/purchases/R1")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "purchase_not_found",
        "message": "No purchase has that receipt number at this store.",
        "fields": {"receipt_no": "No purchase has that receipt number at this store."},
    }


def test_an_unknown_receipt_is_not_found(api: ApiClient) -> None:
    response = api.get("/purchases/NOPE-1")

    assert response.status_code == 404
    assert error_of(response)["code"] == "purchase_not_found"
