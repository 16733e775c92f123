"""GET /members/{card_no_or_phone}: masked profile, tier, usable balance, expiring."""

import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

import time_machine

from members.models import Member, Tier
from members.services import member_merge, member_report_card_lost
from points.services import points_open_balance
from tests.api.conftest import ApiClient, error_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_member_is_found_by_card_number(api: ApiClient, member: Member) -> None:
    response = api.get(f"/members/{member.card_no}")

    assert response.status_code == 200
    assert response.json() == {
        "card_no": member.card_no,
        "phone": "138****5678",
        "name": "张*",
        "status": "active",
        "tier": {"code": "basic", "name": "普通会员", "discount_percent": "0.00"},
        "balance": 0,
        "expiring": [],
    }


def test_a_member_is_found_by_phone_with_the_tier_discount(
    api: ApiClient, make_member: Callable[..., Member]
) -> None:
    gold = make_member(phone="13900001111", name="李四", tier="gold", points=800)

    response = api.get("/members/13900001111")

    assert response.status_code == 200
    body = response.json()
    assert body["card_no"] == gold.card_no
    assert body["tier"] == {
        "code": "gold",
        "name": "金卡会员",
        "discount_percent": "10.00",
    }
    assert body["balance"] == 800


def test_the_balance_leaves_out_points_past_expiry_and_lists_what_expires_soon(
    api: ApiClient, member: Member
) -> None:
    # given 300 points expiring at the end of 03-05 and 500 at the end of 03-20
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)):
        points_open_balance(
            member=member,
            points=300,
            expires_at=datetime.datetime(2026, 3, 6, tzinfo=SHANGHAI),
            reference="old-system-1",
        )
        points_open_balance(
            member=member,
            points=500,
            expires_at=datetime.datetime(2026, 3, 21, tzinfo=SHANGHAI),
            reference="old-system-2",
        )

    # when looked up on 03-10, before any expiry job has run
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)):
        response = api.get(f"/members/{member.card_no}")

    # then the expired 300 are not usable, the 500 are listed by their last day
    assert response.status_code == 200
    assert response.json()["balance"] == 500
    assert response.json()["expiring"] == [{"date": "2026-03-20", "points": 500}]
    member.refresh_from_db()
    assert member.balance == 800


def test_a_frozen_member_is_shown_with_its_status(
    api: ApiClient, member: Member
) -> None:
    Member.objects.filter(pk=member.pk).update(status=Member.Status.FROZEN)

    response = api.get(f"/members/{member.card_no}")

    assert response.status_code == 200
    assert response.json()["status"] == "frozen"


def test_a_lost_card_is_refused_but_the_phone_still_finds_the_member(
    api: ApiClient, member: Member
) -> None:
    old_card_no = member.card_no
    member_report_card_lost(member=member, by=None)

    by_card = api.get(f"/members/{old_card_no}")
    by_phone = api.get("/members/13812345678")

    assert by_card.status_code == 409
    assert error_of(by_card) == {
        "code": "card_lost",
        "message": (
            "This card has been reported lost. Find the member by phone "
            "and replace the card."
        ),
        "fields": {},
    }
    assert by_phone.status_code == 200
    assert by_phone.json()["card_no"] == old_card_no


def test_a_merged_duplicate_answers_with_the_member_it_was_merged_into(
    api: ApiClient, member: Member, make_member: Callable[..., Member]
) -> None:
    duplicate = make_member(phone="13900002222", name="张三丰")
    member_merge(survivor=member, duplicate=duplicate, by=None)

    response = api.get(f"/members/{duplicate.card_no}")

    assert response.status_code == 200
    assert response.json()["card_no"] == member.card_no


def test_an_unknown_member_is_not_found(api: ApiClient, tiers: dict[str, Tier]) -> None:
    response = api.get("/members/13900000000")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "member_not_found",
        "message": "No member has that card number or phone.",
        "fields": {},
    }


def test_a_lookup_longer_than_any_card_or_phone_is_invalid(api: ApiClient) -> None:
    response = api.get("/members/" + "1" * 33)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "card_no_or_phone": "Enter at most 32 characters."
    }
