"""Expiry: the consumption order, the nightly job, and expire-on-touch."""

from collections.abc import Callable
from typing import Any

import pytest

from members.models import Member
from points.exceptions import InsufficientPoints
from points.invariants import ledger_mismatches
from points.models import LedgerEntry, Lot
from points.selectors import points_expiring, usable_balance
from points.services import (
    PurchaseResult,
    adjustment_request,
    points_expire_due,
    points_transfer,
)
from tests.points.helpers import local, reload

pytestmark = pytest.mark.usefixtures("english")

Give = Callable[..., LedgerEntry]
Buy = Callable[..., PurchaseResult]


def test_a_spend_takes_the_earliest_expiring_lot_first(
    member: Member, manager: Any, give: Give, time_machine: Any
) -> None:
    # Given a March lot of 300 credited before a January lot of 200
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    march = give(member, 300, expires_at=local(2027, 3, 1))
    january = give(member, 200, expires_at=local(2027, 1, 1))

    # When 250 points are spent
    adjustment_request(
        member=member, points=-250, reason_code="correction", note="x", by=manager
    )

    # Then January is used up and 250 are left in the March lot
    assert Lot.objects.get(entry=january).remaining == 0
    assert Lot.objects.get(entry=march).remaining == 250
    assert reload(member).balance == 250


def test_never_expiring_points_are_spent_last_then_the_oldest_first(
    member: Member, manager: Any, give: Give, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    never_old = give(member, 100)
    time_machine.move_to(local(2026, 6, 2, 10, 0), tick=False)
    never_new = give(member, 100)
    dated = give(member, 100, expires_at=local(2030, 1, 1))

    adjustment_request(
        member=member, points=-150, reason_code="correction", note="x", by=manager
    )

    remaining = dict(Lot.objects.values_list("entry_id", "remaining"))
    assert remaining == {dated.pk: 0, never_old.pk: 50, never_new.pk: 100}


def test_the_expiry_job_expires_due_lots_once(
    member: Member, give: Give, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 300, expires_at=local(2026, 7, 1))
    give(member, 200, expires_at=local(2026, 8, 1))
    time_machine.move_to(local(2026, 7, 1, 0, 10), tick=False)

    first = points_expire_due(member=member)
    second = points_expire_due(member=member)

    assert (first, second) == (300, 0)
    expire = LedgerEntry.objects.get(kind="expire")
    assert (expire.points, expire.balance_after) == (-300, 200)
    assert list(expire.consumptions.values_list("points", flat=True)) == [300]
    assert reload(member).balance == 200
    assert list(ledger_mismatches()) == []


def test_a_lot_is_usable_until_the_end_of_its_last_day(
    member: Member, give: Give, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 300, expires_at=local(2026, 7, 1))  # last day 2026-06-30

    assert points_expire_due(member=member, as_of=local(2026, 6, 30, 23, 59)) == 0
    assert points_expire_due(member=member, as_of=local(2026, 7, 1, 0, 0)) == 300


def test_a_spend_after_a_lots_expiry_cannot_use_it_before_the_job_ran(
    member: Member,
    other_member: Member,
    give: Give,
    time_machine: Any,
) -> None:
    # Given 300 points due on 1 July and 200 that never expire
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 300, expires_at=local(2026, 7, 1))
    give(member, 200)
    time_machine.move_to(local(2026, 7, 1, 9, 0), tick=False)
    # The job has not run: the cached balance still counts the 300
    assert reload(member).balance == 500
    assert usable_balance(member=reload(member)) == 200

    # When the member gives away 200
    points_transfer(sender=member, receiver=other_member, points=200)

    # Then the 300 were expired first, in the same request
    entries = list(
        LedgerEntry.objects.filter(member=member)
        .order_by("id")
        .values_list("kind", "points", "balance_after")
    )
    assert entries[-2:] == [("expire", -300, 200), ("transfer_out", -200, 0)]
    assert reload(member).balance == 0
    # And the job that runs later finds nothing left to expire
    assert points_expire_due(member=member) == 0
    assert list(ledger_mismatches()) == []


def test_expired_points_cannot_pay_for_a_purchase(
    member: Member,
    buy: Buy,
    give: Give,
    time_machine: Any,
    unchanged: Callable[[], dict],
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 15_000, expires_at=local(2026, 7, 1))
    give(member, 5_000)
    time_machine.move_to(local(2026, 7, 2, 10, 0), tick=False)
    before = unchanged()

    with pytest.raises(InsufficientPoints) as short:
        buy(member, "300.00", points_used=10_000)

    assert str(short.value.message) == "The member has only 5000 usable points."
    assert unchanged() == before

    purchase = buy(member, "300.00", points_used=5_000).purchase

    kinds = list(
        purchase.entries.order_by("id").values_list("kind", "points", "balance_after")
    )
    assert kinds == [("pay", -5_000, 0), ("earn", 250, 250)]
    assert purchase.balance_after == 250
    assert LedgerEntry.objects.get(kind="expire").points == -15_000
    assert reload(member).balance == 250
    assert list(ledger_mismatches()) == []


def test_points_expiring_soon_are_summed_per_last_usable_day(
    member: Member, give: Give, time_machine: Any
) -> None:
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 300, expires_at=local(2026, 6, 10))
    give(member, 200, expires_at=local(2026, 6, 10))
    give(member, 100, expires_at=local(2026, 6, 20))
    give(member, 999, expires_at=local(2026, 9, 1))

    rows = points_expiring(member=member, within_days=30)

    assert [(str(row["date"]), row["points"]) for row in rows] == [
        ("2026-06-09", 500),
        ("2026-06-19", 100),
    ]
