"""The verify_ledger command: silent on a sound ledger, names every corruption."""

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from members.models import Member, Store
from points.models import LedgerEntry, Lot, LotConsumption
from points.services import (
    PurchaseResult,
    points_expire_due,
    points_transfer,
    refund_record,
)
from tests.points.helpers import local


@pytest.fixture
def busy_ledger(
    member: Member,
    other_member: Member,
    buy: Callable[..., PurchaseResult],
    give: Callable[..., LedgerEntry],
    store: Store,
    time_machine: Any,
) -> dict[str, Any]:
    """Every kind of movement, a debt and an expiry, across two members."""
    time_machine.move_to(local(2026, 6, 1, 10, 0), tick=False)
    give(member, 20_000, expires_at=local(2026, 9, 1))
    buy(member, "400.00", receipt_no="R1", points_used=15_000)  # earns 250
    buy(member, "258.00", receipt_no="R2")
    transfer = points_transfer(sender=member, receiver=other_member, points=5_508)
    refund_record(store=store, receipt_no="R1", refund_no="F1", amount="200.00")
    buy(other_member, "300.00", receipt_no="R3")
    time_machine.move_to(local(2026, 9, 2, 10, 0), tick=False)
    points_expire_due(member=member)
    points_expire_due(member=other_member)
    refund_record(store=store, receipt_no="R2", refund_no="F2", amount="258.00")
    return {"member": member, "other": other_member, "transfer": transfer}


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def verify_failing(*args: str) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_ledger", *args, stdout=out)
    return out.getvalue(), str(failed.value)


def test_a_sound_ledger_passes(busy_ledger: dict[str, Any]) -> None:
    member = Member.objects.get(pk=busy_ledger["member"].pk)
    # The fixture really did leave a debt and an expiry behind.
    assert member.balance < 0
    assert LedgerEntry.objects.filter(kind="expire").exists()

    assert verify() == "Ledger consistent.\n"


def test_an_empty_ledger_passes(db: None) -> None:
    assert verify() == "Ledger consistent.\n"


def test_a_balance_off_by_one_is_named(busy_ledger: dict[str, Any]) -> None:
    other = busy_ledger["other"]
    balance = Member.objects.get(pk=other.pk).balance
    Member.objects.filter(pk=other.pk).update(balance=F("balance") + 1)

    out, error = verify_failing()

    assert out.splitlines() == [
        f"balance: member {other.pk}: balance {balance + 1} != sum of entries "
        f"{balance}",
        f"lots: member {other.pk}: open lots {balance} != max(balance, 0) = "
        f"{balance + 1}",
    ]
    assert error == "2 ledger mismatch(es)"


def test_a_changed_lot_remaining_is_named(busy_ledger: dict[str, Any]) -> None:
    other = busy_ledger["other"]
    balance = Member.objects.get(pk=other.pk).balance
    lot = Lot.objects.filter(member=other, remaining__gt=0).order_by("id").first()
    Lot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - 1)

    out, error = verify_failing()

    assert out.splitlines() == [
        f"lots: member {other.pk}: open lots {balance - 1} != max(balance, 0) = "
        f"{balance}",
    ]
    assert error == "1 ledger mismatch(es)"


def test_a_lot_with_more_left_than_it_held_is_named(
    busy_ledger: dict[str, Any],
) -> None:
    # The database's check constraint forbids this row; the checker must still
    # catch it (rows from before the constraint, a restore from a bad dump), so
    # the constraint is bypassed for this one write (rolled back with the test).
    other = busy_ledger["other"]
    lot = Lot.objects.filter(member=other, remaining__gt=0).order_by("id").first()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:
            # Deferred foreign-key checks would block the ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE points_lot DROP CONSTRAINT lot_remaining_within_points"
            )
        Lot.objects.filter(pk=lot.pk).update(remaining=lot.points + 1)
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = OFF")

    out, error = verify_failing()

    balance = Member.objects.get(pk=other.pk).balance
    assert out.splitlines() == [
        f"lots: member {other.pk}: open lots {balance + lot.points - lot.remaining + 1}"
        f" != max(balance, 0) = {balance}",
        f"lot: member {other.pk}: lot {lot.pk} remaining {lot.points + 1} of "
        f"{lot.points}",
    ]
    assert error == "2 ledger mismatch(es)"


def test_a_deleted_consumption_row_is_named(busy_ledger: dict[str, Any]) -> None:
    transfer_out = busy_ledger["transfer"].out_entry
    LotConsumption.objects.filter(entry=transfer_out).delete()

    out, error = verify_failing()

    member = busy_ledger["member"]
    assert out.splitlines() == [
        f"consumption: member {member.pk}: entry {transfer_out.pk} (-5508) "
        "consumed 0, debt 0",
    ]
    assert error == "1 ledger mismatch(es)"


def test_a_break_in_the_balance_after_chain_is_named(
    busy_ledger: dict[str, Any],
) -> None:
    transfer_in = busy_ledger["transfer"].in_entry
    other = busy_ledger["other"]
    LedgerEntry.objects.filter(pk=transfer_in.pk).update(balance_after=5_509)
    following = (
        LedgerEntry.objects.filter(member=other, pk__gt=transfer_in.pk)
        .order_by("id")
        .first()
    )

    out, error = verify_failing()

    assert out.splitlines() == [
        f"chain: member {other.pk}: entry {transfer_in.pk}: 0 +5508 != 5509",
        f"chain: member {other.pk}: entry {following.pk}: 5509 "
        f"{following.points:+d} != {following.balance_after}",
    ]
    assert error == "2 ledger mismatch(es)"


def test_the_check_can_be_limited_to_members(busy_ledger: dict[str, Any]) -> None:
    member, other = busy_ledger["member"], busy_ledger["other"]
    Member.objects.filter(pk=other.pk).update(balance=F("balance") + 1)

    assert verify("--member", str(member.pk)) == "Ledger consistent.\n"
    out, _ = verify_failing("--member", str(other.pk))
    assert out.startswith(f"balance: member {other.pk}: ")
