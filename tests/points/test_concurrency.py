"""The ledger under concurrent writers: real threads, one connection each.

Every thread waits on a barrier so the writes really start together, and closes
its connection when done. On PostgreSQL the member row locks serialise writers
(always in ascending member id, so crossing transfers cannot deadlock); on
SQLite the IMMEDIATE transactions queue on the write lock (30 s busy timeout),
which needs the file database tests/conftest.py sets up: SQLite's in-memory
test database is shared between connections through the shared cache, whose
table locks fail at once instead of waiting.
"""

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Sum

from members.models import Member, Store, Tier, TierChange
from points.invariants import ledger_mismatches
from points.models import LedgerEntry, Lot, ProgrammeRules, Purchase, Refund
from points.services import (
    adjustment_request,
    points_expire_due,
    points_open_balance,
    points_transfer,
    purchase_record,
    refund_record,
)
from tests.points.helpers import local, reload

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 50


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in a thread of its own, all released at once by a barrier.

    Returns what each call returned or raised, in the order given.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # kept for the assertions, never swallowed
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # A generous bound that only a hang (a deadlock) would reach.
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return outcomes


def kinds_of(outcomes: list[Any]) -> Counter[str]:
    """'ok' for a result, else the exception's class name (and a locked DB shows)."""
    return Counter(
        type(outcome).__name__ if isinstance(outcome, Exception) else "ok"
        for outcome in outcomes
    )


def assert_ledger_sound() -> None:
    assert list(ledger_mismatches()) == []
    for member in Member.objects.all():
        total = LedgerEntry.objects.filter(member=member).aggregate(t=Sum("points"))
        assert member.balance == (total["t"] or 0)


@pytest.fixture
def low_transfer_minimum(rules: ProgrammeRules) -> ProgrammeRules:
    ProgrammeRules.objects.filter(pk=rules.pk).update(transfer_minimum=10)
    return rules


@pytest.mark.parametrize("debit", ["transfer", "adjustment"])
def test_fifty_concurrent_debits_of_ten_take_exactly_a_balance_of_two_hundred(
    member: Member,
    other_member: Member,
    give: Callable[..., LedgerEntry],
    manager: User,
    low_transfer_minimum: ProgrammeRules,
    debit: str,
) -> None:
    # Given a balance of 200
    give(member, 200)

    def spend_ten() -> Any:
        if debit == "transfer":
            return points_transfer(sender=member, receiver=other_member, points=10)
        return adjustment_request(
            member=member, points=-10, reason_code="correction", note="x", by=manager
        )

    # When 50 debits of 10 arrive at once
    outcomes = run_together([spend_ten] * THREADS)

    # Then exactly 20 succeed and 30 are refused as short; nothing else fails
    assert kinds_of(outcomes) == {"ok": 20, "InsufficientPoints": 30}
    assert reload(member).balance == 0
    kind = "transfer_out" if debit == "transfer" else "adjust"
    assert LedgerEntry.objects.filter(member=member, kind=kind).count() == 20
    if debit == "transfer":
        assert reload(other_member).balance == 200
    assert_ledger_sound()


def test_fifty_concurrent_posts_of_one_receipt_record_one_purchase(
    member: Member, store: Store
) -> None:
    def post() -> Any:
        return purchase_record(
            store=store, receipt_no="R1", member=member, amount="258.00"
        )

    outcomes = run_together([post] * THREADS)

    assert kinds_of(outcomes) == {"ok": THREADS}
    assert sorted(outcome.replayed for outcome in outcomes) == [False] + [True] * 49
    assert len({outcome.purchase.pk for outcome in outcomes}) == 1
    assert Purchase.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="earn").count() == 1
    assert reload(member).balance == 258
    assert_ledger_sound()


def test_fifty_concurrent_posts_of_one_receipt_paid_with_points_pay_once(
    member: Member, store: Store, give: Callable[..., LedgerEntry]
) -> None:
    # Given 20,000 points: enough for one payment of 15,000, not two
    give(member, 20_000)

    def post() -> Any:
        return purchase_record(
            store=store,
            receipt_no="R1",
            member=member,
            amount="300.00",
            points_used=15_000,
        )

    outcomes = run_together([post] * THREADS)

    # Then the retries replay the payment instead of finding the points short
    assert kinds_of(outcomes) == {"ok": THREADS}
    assert sorted(outcome.replayed for outcome in outcomes) == [False] + [True] * 49
    assert LedgerEntry.objects.filter(kind="pay").count() == 1
    assert reload(member).balance == 20_000 - 15_000 + 150
    assert_ledger_sound()


def test_concurrent_purchases_crossing_tier_thresholds_each_earn_at_the_tier_then(
    member: Member, store: Store, tiers: dict[str, Tier]
) -> None:
    # Given a 普通 member; when 50 purchases of 100.00 arrive at once
    def post(number: int) -> Callable[[], Any]:
        return lambda: purchase_record(
            store=store, receipt_no=f"R{number}", member=member, amount="100.00"
        )

    outcomes = run_together([post(number) for number in range(THREADS)])

    # Then all are recorded, whatever the order: the 10th crosses 1,000 and
    # earns ×1, the next 40 earn ×1.2 (the 50th crosses 5,000 at ×1.2)
    assert kinds_of(outcomes) == {"ok": THREADS}
    earned = sorted(outcome.purchase.points_earned for outcome in outcomes)
    assert earned == [100] * 10 + [120] * 40
    member = reload(member)
    assert member.balance == 5_800
    assert member.lifetime_spend == Decimal("5000.00")
    assert member.tier == tiers["gold"]
    assert list(
        TierChange.objects.filter(member=member, reason="upgrade")
        .order_by("id")
        .values_list("from_tier__code", "to_tier__code")
    ) == [("basic", "silver"), ("silver", "gold")]
    assert_ledger_sound()


def test_concurrent_full_refunds_under_one_refund_number_refund_once(
    member: Member, store: Store
) -> None:
    purchase_record(store=store, receipt_no="R1", member=member, amount="258.00")

    def refund() -> Any:
        return refund_record(
            store=store, receipt_no="R1", refund_no="F1", amount="258.00"
        )

    outcomes = run_together([refund] * 20)

    # The retries replay the refund instead of finding the receipt refunded
    assert kinds_of(outcomes) == {"ok": 20}
    assert sorted(outcome.replayed for outcome in outcomes) == [False] + [True] * 19
    assert Refund.objects.count() == 1
    assert reload(member).balance == 0
    assert_ledger_sound()


def test_concurrent_refunds_of_one_receipt_never_exceed_it(
    member: Member, store: Store
) -> None:
    purchase_record(store=store, receipt_no="R1", member=member, amount="258.00")

    def refund(number: int) -> Callable[[], Any]:
        return lambda: refund_record(
            store=store, receipt_no="R1", refund_no=f"F{number}", amount="100.00"
        )

    outcomes = run_together([refund(number) for number in range(10)])

    # 258.00 holds two refunds of 100.00; the third would exceed the receipt
    assert kinds_of(outcomes) == {"ok": 2, "RefundExceedsPurchase": 8}
    purchase = Purchase.objects.get()
    assert purchase.refunded_amount == Decimal("200.00")
    assert purchase.points_reversed == 200
    assert reload(member).balance == 58
    assert_ledger_sound()


def test_earn_pay_refund_and_transfer_on_one_member_lose_no_update(
    make_member: Callable[..., Member],
    other_member: Member,
    store: Store,
    give: Callable[..., LedgerEntry],
) -> None:
    # Given a 白金 member (×2, no tier change can happen mid-test) with 100,000
    # points and eight earlier receipts of 258.00 (516 points each) to refund
    member = make_member(tier="platinum")
    give(member, 100_000)
    give(other_member, 10_000)
    for number in range(8):
        purchase_record(
            store=store, receipt_no=f"OLD{number}", member=member, amount="258.00"
        )
    start = reload(member).balance
    assert start == 100_000 + 8 * 516

    def earn(number: int) -> Callable[[], Any]:
        return lambda: purchase_record(
            store=store, receipt_no=f"E{number}", member=member, amount="258.00"
        )

    def pay(number: int) -> Callable[[], Any]:
        return lambda: purchase_record(
            store=store,
            receipt_no=f"P{number}",
            member=member,
            amount="300.00",
            points_used=15_000,
        )

    def refund(number: int) -> Callable[[], Any]:
        return lambda: refund_record(
            store=store,
            receipt_no=f"OLD{number}",
            refund_no=f"F{number}",
            amount="258.00",
        )

    def give_away() -> Any:
        return points_transfer(sender=member, receiver=other_member, points=100)

    def receive() -> Any:
        return points_transfer(sender=other_member, receiver=member, points=300)

    calls = (
        [earn(n) for n in range(8)]
        + [pay(n) for n in range(4)]
        + [refund(n) for n in range(8)]
        + [give_away] * 6
        + [receive] * 6
    )

    # When they all run at once
    outcomes = run_together(calls)

    # Then every one went through and the balance is exactly their sum
    assert kinds_of(outcomes) == {"ok": len(calls)}
    earned, paid_and_earned = 8 * 516, 4 * (-15_000 + 300)
    reversed_points, given, received = 8 * 516, 6 * 100, 6 * 300
    assert reload(member).balance == (
        start + earned + paid_and_earned - reversed_points - given + received
    )
    assert reload(other_member).balance == 10_000 + 6 * 100 - 6 * 300
    assert_ledger_sound()


def test_crossing_transfers_do_not_deadlock(
    member: Member, other_member: Member, give: Callable[..., LedgerEntry]
) -> None:
    # Given two members with 10,000 points each
    give(member, 10_000)
    give(other_member, 10_000)

    def a_to_b() -> Any:
        for _ in range(5):
            points_transfer(sender=member, receiver=other_member, points=100)

    def b_to_a() -> Any:
        for _ in range(5):
            points_transfer(sender=other_member, receiver=member, points=200)

    # When 10 threads send A → B and 10 send B → A, five times each
    outcomes = run_together([a_to_b, b_to_a] * 10)

    # Then none failed (a deadlock would surface as an error here) and the
    # balances are exact
    assert kinds_of(outcomes) == {"ok": 20}
    assert reload(member).balance == 10_000 - 50 * 100 + 50 * 200
    assert reload(other_member).balance == 10_000 + 50 * 100 - 50 * 200
    assert LedgerEntry.objects.filter(kind="transfer_out").count() == 100
    assert_ledger_sound()


def test_concurrent_transfers_under_one_key_transfer_once(
    member: Member, other_member: Member, give: Callable[..., LedgerEntry]
) -> None:
    # Given exactly the points for one transfer
    give(member, 300)

    def transfer() -> Any:
        return points_transfer(
            sender=member, receiver=other_member, points=300, dedupe_key="gift-1"
        )

    outcomes = run_together([transfer] * 20)

    # Then the retries replay it instead of finding the points short
    assert kinds_of(outcomes) == {"ok": 20}
    assert len({outcome.out_entry.pk for outcome in outcomes}) == 1
    assert (reload(member).balance, reload(other_member).balance) == (0, 300)
    assert_ledger_sound()


def test_concurrent_imports_of_one_opening_balance_credit_once(
    member: Member,
) -> None:
    def import_once() -> Any:
        return points_open_balance(
            member=member, points=500, expires_at=None, reference="legacy"
        )

    outcomes = run_together([import_once] * 20)

    assert kinds_of(outcomes) == {"ok": 20}
    assert len({outcome.pk for outcome in outcomes}) == 1
    assert reload(member).balance == 500
    assert_ledger_sound()


def test_the_expiry_job_run_side_by_side_with_spends_expires_once(
    member: Member,
    other_member: Member,
    give: Callable[..., LedgerEntry],
    time_machine: Any,
) -> None:
    # Given 1,000 points due and 1,000 that never expire
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 1_000, expires_at=local(2026, 7, 1))
    give(member, 1_000)
    time_machine.move_to(local(2026, 7, 1, 0, 10), tick=False)

    def expire() -> Any:
        return points_expire_due(member=member)

    def spend() -> Any:
        return points_transfer(sender=member, receiver=other_member, points=100)

    # When five expiry runs and five spends race
    outcomes = run_together([expire, spend] * 5)

    # Then the 1,000 expired exactly once, by whichever came first
    assert kinds_of(outcomes) == {"ok": 10}
    assert LedgerEntry.objects.filter(kind="expire").get().points == -1_000
    assert reload(member).balance == 500
    assert Lot.objects.filter(member=member, remaining__gt=0).aggregate(
        t=Sum("remaining")
    ) == {"t": 500}
    assert_ledger_sound()
