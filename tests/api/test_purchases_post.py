"""POST /purchases: earn, pay with points, replay, refuse (the issue's worked examples)."""

from collections.abc import Callable
from typing import Any

import pytest

from members.models import Member
from members.services import member_report_card_lost
from points.models import LedgerEntry, Purchase
from tests.api.conftest import ApiClient, error_of, written


def _purchase(member: Member, **fields: Any) -> dict[str, Any]:
    return {"receipt_no": "R1", "member": member.card_no, "amount": "258.00"} | fields


def test_a_basic_member_earns_258_points_on_258_yuan(
    api: ApiClient, member: Member
) -> None:
    response = api.post("/purchases", _purchase(member))

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "receipt_no": "R1",
        "member": member.card_no,
        "amount": "258.00",
        "points_used": 0,
        "points_value": "0.00",
        "points_earned": 258,
        "breakdown": [{"component": "base", "points": 258}],
        "balance": 258,
        "occurred_at": body["occurred_at"],
    }
    assert "Idempotent-Replayed" not in response
    member.refresh_from_db()
    assert member.balance == 258
    purchase = Purchase.objects.get()
    assert (purchase.store.code, purchase.terminal is not None) == ("S001", True)


def test_a_gold_member_earns_half_as_much_again(
    api: ApiClient, make_member: Callable[..., Member]
) -> None:
    gold = make_member(phone="13900003333", tier="gold")

    response = api.post("/purchases", _purchase(gold))

    assert response.status_code == 201
    assert response.json()["points_earned"] == 387
    assert response.json()["breakdown"] == [
        {"component": "base", "points": 258},
        {"component": "tier", "points": 129},
    ]


def test_paying_15000_points_on_300_yuan_earns_on_the_150_paid_in_money(
    api: ApiClient, rich_member: Member
) -> None:
    response = api.post(
        "/purchases", _purchase(rich_member, amount="300.00", points_used=15_000)
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["points_used"], body["points_value"], body["points_earned"]) == (
        15_000,
        "150.00",
        150,
    )
    assert body["balance"] == 20_000 - 15_000 + 150
    rich_member.refresh_from_db()
    assert rich_member.balance == 5_150


def test_the_amount_may_be_a_json_number(api: ApiClient, member: Member) -> None:
    response = api.post("/purchases", _purchase(member, amount=258.5))

    assert response.status_code == 201
    assert response.json()["amount"] == "258.50"
    assert response.json()["points_earned"] == 258


def test_lines_that_add_up_are_recorded(api: ApiClient, member: Member) -> None:
    lines = [
        {"sku": "A-1", "category": "food", "amount": "200.00"},
        {"sku": "B-2", "category": "drink", "amount": 58},
    ]

    response = api.post("/purchases", _purchase(member, lines=lines))

    assert response.status_code == 201
    assert Purchase.objects.get().lines == [
        {"sku": "A-1", "category": "food", "amount": "200.00"},
        {"sku": "B-2", "category": "drink", "amount": "58.00"},
    ]


def test_the_same_receipt_again_replays_the_original_answer(
    api: ApiClient, member: Member
) -> None:
    first = api.post("/purchases", _purchase(member))
    after_first = written()

    again = api.post("/purchases", _purchase(member))

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert written() == after_first


def test_the_replay_shows_the_balance_of_the_time(
    api: ApiClient, member: Member
) -> None:
    api.post("/purchases", _purchase(member))
    api.post("/purchases", _purchase(member, receipt_no="R2", amount="100.00"))

    again = api.post("/purchases", _purchase(member))

    assert again.json()["balance"] == 258


def test_a_different_body_under_the_same_receipt_is_a_conflict(
    api: ApiClient, member: Member
) -> None:
    api.post("/purchases", _purchase(member))
    before = written()

    response = api.post("/purchases", _purchase(member, amount="259.00"))

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "idempotency_conflict",
        "message": (
            "This key was already used for a different request; nothing was changed."
        ),
        "fields": {},
    }
    assert written() == before


def test_the_same_receipt_number_at_another_store_is_another_purchase(
    api: ApiClient, other_api: ApiClient, member: Member
) -> None:
    api.post("/purchases", _purchase(member))

    response = other_api.post("/purchases", _purchase(member, amount="100.00"))

    assert response.status_code == 201
    assert Purchase.objects.filter(receipt_no="R1").count() == 2


@pytest.mark.parametrize(
    ("points_used", "code", "message"),
    [
        (
            15_100,
            "points_cap_exceeded",
            "This order can use at most 15000 points.",
        ),
        (10_050, "points_step", "Points are used in multiples of 100."),
    ],
)
def test_points_beyond_the_rules_are_refused_and_nothing_is_written(
    api: ApiClient, rich_member: Member, points_used: int, code: str, message: str
) -> None:
    before = written()

    response = api.post(
        "/purchases", _purchase(rich_member, amount="300.00", points_used=points_used)
    )

    assert response.status_code == 400
    assert error_of(response) == {
        "code": code,
        "message": message,
        "fields": {"points_used": message},
    }
    assert written() == before
    rich_member.refresh_from_db()
    assert rich_member.balance == 20_000


def test_points_on_an_order_below_the_minimum_are_refused(
    api: ApiClient, rich_member: Member
) -> None:
    before = written()

    response = api.post(
        "/purchases", _purchase(rich_member, amount="150.00", points_used=100)
    )

    assert response.status_code == 400
    message = "Points can pay only orders of at least 200.00 yuan."
    assert error_of(response) == {
        "code": "order_below_minimum",
        "message": message,
        "fields": {"amount": message},
    }
    assert written() == before


def test_more_points_than_the_member_has_are_refused(
    api: ApiClient, make_member: Callable[..., Member]
) -> None:
    poor = make_member(phone="13900004444", points=500)
    before = written()

    response = api.post("/purchases", _purchase(poor, amount="300.00", points_used=600))

    assert response.status_code == 400
    assert error_of(response)["code"] == "insufficient_points"
    assert error_of(response)["message"] == "The member has only 500 usable points."
    assert written() == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Enter a value greater than 0."),
        ("0.00", "Enter a value greater than 0."),
        (-258, "Enter a value greater than 0."),
        ("-258.00", "Enter an amount in yuan, such as 258.00."),
        ("258.001", "The amount can have at most two decimals."),
        ("258.000", "The amount can have at most two decimals."),
        (258.001, "The amount can have at most two decimals."),
        (1e20, "Enter a value of at most 99999999.99."),
        ("100000000.00", "Enter a value of at most 99999999.99."),
        ("NaN", "Enter an amount in yuan, such as 258.00."),
        ("Infinity", "Enter an amount in yuan, such as 258.00."),
        ("1e3", "Enter an amount in yuan, such as 258.00."),
        (" 258 ", "Enter an amount in yuan, such as 258.00."),
        (True, "Enter an amount in yuan, such as 258.00."),
        (None, "Enter an amount in yuan, such as 258.00."),
    ],
)
def test_a_bad_amount_is_invalid_and_nothing_is_written(
    api: ApiClient, member: Member, amount: Any, message: str
) -> None:
    before = written()

    response = api.post("/purchases", _purchase(member, amount=amount))

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": message,
        "fields": {"amount": message},
    }
    assert written() == before


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_json_numbers_are_invalid(
    api: ApiClient, member: Member, literal: bytes
) -> None:
    raw = b'{"receipt_no": "R1", "member": "%s", "amount": %s}' % (
        member.card_no.encode(),
        literal,
    )
    before = written()

    response = api.post_raw("/purchases", raw)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "amount": "Enter an amount in yuan, such as 258.00."
    }
    assert written() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"points_used": "100"}, "points_used", "Enter a whole number."),
        ({"points_used": 100.0}, "points_used", "Enter a whole number."),
        ({"points_used": -100}, "points_used", "Enter a value of at least 0."),
        ({"receipt_no": ""}, "receipt_no", "Enter at least 1 characters."),
        ({"receipt_no": "R" * 65}, "receipt_no", "Enter at most 64 characters."),
        ({"receipt_no": "R 1"}, "receipt_no", "This value has the wrong format."),
        ({"receipt_no": "R/1"}, "receipt_no", "This value has the wrong format."),
        (
            {"occurred_at": "2026-01-31T14:30:00"},
            "occurred_at",
            "Give the time zone, such as +08:00.",
        ),
        (
            {"occurred_at": "1999-12-31T23:00:00+08:00"},
            "occurred_at",
            "Enter a date in 2000 or later.",
        ),
        (
            {"lines": [{"amount": "258.00"}] * 201},
            "lines",
            "Send at most 200 items.",
        ),
        (
            {"lines": [{"sku": "A", "amount": "258.009"}]},
            "lines[0].amount",
            "The amount can have at most two decimals.",
        ),
    ],
)
def test_badly_formed_fields_are_invalid_and_nothing_is_written(
    api: ApiClient, member: Member, fields: dict[str, Any], field: str, message: str
) -> None:
    before = written()

    response = api.post("/purchases", _purchase(member, **fields))

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": message,
        "fields": {field: message},
    }
    assert written() == before


def test_lines_that_do_not_add_up_are_invalid(api: ApiClient, member: Member) -> None:
    before = written()

    response = api.post(
        "/purchases", _purchase(member, lines=[{"sku": "A", "amount": "200.00"}])
    )

    assert response.status_code == 400
    message = "The lines must add up to the amount."
    assert error_of(response) == {
        "code": "invalid",
        "message": message,
        "fields": {"lines": message},
    }
    assert written() == before


def test_a_purchase_in_the_future_is_invalid(api: ApiClient, member: Member) -> None:
    response = api.post(
        "/purchases", _purchase(member, occurred_at="2999-01-01T00:00:00+08:00")
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "occurred_at": "The purchase cannot be in the future."
    }
    assert Purchase.objects.count() == 0


def test_an_unknown_member_is_not_found_and_nothing_is_written(
    api: ApiClient, member: Member
) -> None:
    before = written()

    response = api.post("/purchases", _purchase(member) | {"member": "13900000000"})

    assert response.status_code == 404
    assert error_of(response)["code"] == "member_not_found"
    assert written() == before


def test_a_frozen_member_cannot_buy_with_the_card(
    api: ApiClient, member: Member
) -> None:
    Member.objects.filter(pk=member.pk).update(status=Member.Status.FROZEN)
    before = written()

    response = api.post("/purchases", _purchase(member))

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "member_inactive",
        "message": "This member is frozen or closed.",
        "fields": {"member": "This member is frozen or closed."},
    }
    assert written() == before


def test_a_lost_card_cannot_buy(api: ApiClient, member: Member) -> None:
    card_no = member.card_no
    member_report_card_lost(member=member, by=None)
    before = written()

    response = api.post("/purchases", _purchase(member) | {"member": card_no})

    assert response.status_code == 409
    assert error_of(response)["code"] == "card_lost"
    assert written() == before
    assert not LedgerEntry.objects.filter(member=member).exists()
