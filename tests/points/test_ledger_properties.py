"""Property test: random sequences of every ledger movement keep it exact.

A hypothesis state machine drives three members through purchases (with and
without points paid), refunds (partial, full, excessive, replayed), adjustments,
transfers, opening balances, the expiry job and jumps of the clock, and checks
after every step that:

- the invariant checker finds nothing (`ledger_mismatches`);
- no lot holds less than zero;
- each member's balance and open lots (expiry, earned-at, remaining) equal a
  shadow model written here in plain Python from the design's rules, and every
  refusal the model predicts is the one the service raises.

Each example runs inside a transaction (a savepoint in the test's) that is
rolled back at its end, so every example starts from the same empty ledger.
There is one tier (×1) so that earnings are exactly the eligible yuan; tier
multipliers are covered by test_earning.py and test_tiers.py.
"""

import calendar
import datetime
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from members.models import Member, Store, Tier
from members.services import member_enrol
from points.exceptions import (
    IdempotencyConflict,
    InsufficientPoints,
    OrderBelowMinimum,
    PointsCapExceeded,
    PointsStep,
    RefundExceedsPurchase,
    TransferRefused,
)
from points.invariants import ledger_mismatches
from points.models import Lot, ProgrammeRules
from points.services import (
    adjustment_request,
    points_expire_due,
    points_open_balance,
    points_transfer,
    purchase_record,
    refund_record,
)
from tests.points.helpers import SHANGHAI, local, unique_phone

NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)
START = local(2026, 1, 5, 10, 0)
MEMBERS = 3


# --- the shadow model -------------------------------------------------------------
@dataclass
class ModelLot:
    seq: int
    expires_at: datetime.datetime | None
    earned_at: datetime.datetime
    remaining: int
    tag: str = ""  # "earn:<receipt>" for a purchase's earn lot

    def due(self, now: datetime.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def order(self) -> tuple[datetime.datetime, datetime.datetime, int]:
        return (self.expires_at or NEVER, self.earned_at, self.seq)


@dataclass
class ModelPurchase:
    member: int
    amount: Decimal
    points_used: int
    earned: int
    # What the pay debit took: [lot, points, restored so far], in taking order.
    paid_from: list[list[Any]]
    refunded: Decimal = Decimal("0.00")
    reversed: int = 0
    restored: int = 0


@dataclass
class ModelMember:
    balance: int = 0
    lots: list[ModelLot] = field(default_factory=list)

    def open_lots(self) -> list[ModelLot]:
        return sorted(
            (lot for lot in self.lots if lot.remaining > 0), key=ModelLot.order
        )


class Short(Exception):
    """The model's InsufficientPoints."""


def rolling_expiry(now: datetime.datetime) -> datetime.datetime:
    """End of the local day twelve months after `now` (the demo policy)."""
    day = now.astimezone(SHANGHAI).date()
    last = calendar.monthrange(day.year + 1, day.month)[1]
    valid_until = datetime.date(day.year + 1, day.month, min(day.day, last))
    return datetime.datetime.combine(
        valid_until + datetime.timedelta(days=1), datetime.time.min, tzinfo=SHANGHAI
    )


class Model:
    """The ledger's rules restated as simply as possible."""

    def __init__(self) -> None:
        self.members = [ModelMember() for _ in range(MEMBERS)]
        self.seq = itertools.count()

    def expire(self, who: int, now: datetime.datetime, at_least: int = 0) -> int:
        member = self.members[who]
        due = [lot for lot in member.open_lots() if lot.due(now)]
        points = max(sum(lot.remaining for lot in due), at_least)
        for lot in due:
            lot.remaining = 0
        member.balance -= points
        return points

    def available(self, who: int, now: datetime.datetime) -> int:
        member = self.members[who]
        due = sum(lot.remaining for lot in member.open_lots() if lot.due(now))
        return max(member.balance - due, 0)

    def debit(
        self,
        who: int,
        points: int,
        now: datetime.datetime,
        *,
        allow_debt: bool = False,
        prefer: str = "",
    ) -> list[tuple[ModelLot, int]]:
        if points > self.available(who, now) and not allow_debt:
            raise Short
        self.expire(who, now)
        member = self.members[who]
        lots = member.open_lots()
        lots = [lot for lot in lots if prefer and lot.tag == prefer] + [
            lot for lot in lots if not (prefer and lot.tag == prefer)
        ]
        taken, left = [], points
        for lot in lots:
            take = min(left, lot.remaining)
            if take:
                lot.remaining -= take
                taken.append((lot, take))
                left -= take
        member.balance -= points
        return taken

    def credit(
        self,
        who: int,
        specs: list[tuple[int, datetime.datetime | None, datetime.datetime]],
        now: datetime.datetime,
        tag: str = "",
    ) -> None:
        member = self.members[who]
        debt = max(0, -member.balance)
        new = [
            ModelLot(next(self.seq), expires_at, earned_at, points, tag)
            for points, expires_at, earned_at in specs
            if points > 0
        ]
        member.balance += sum(lot.remaining for lot in new)
        # Debt is paid by the points still valid first, earliest-expiring first.
        for lot in sorted(
            new, key=lambda lot: (lot.due(now), lot.expires_at or NEVER, lot.earned_at)
        ):
            settled = min(debt, lot.remaining)
            lot.remaining -= settled
            debt -= settled
        member.lots.extend(new)


def floor_points(total: int, part: Decimal, whole: Decimal) -> int:
    return math.floor(total * part / whole)


def pay_cap(amount: Decimal) -> int:
    """The most points the demo rules let an order of `amount` use."""
    cap_value = (amount * Decimal("0.5")).quantize(Decimal("0.01"), ROUND_FLOOR)
    cap = int(cap_value * 100)
    return cap - cap % 100


# --- the state machine -------------------------------------------------------------
# Mostly orders that may be paid with points (≥ 200 yuan), some below.
amounts = st.one_of(
    st.integers(min_value=20_000, max_value=150_000),
    st.integers(min_value=1, max_value=19_999),
).map(lambda cents: Decimal(cents) / 100)
who = st.integers(min_value=0, max_value=MEMBERS - 1)
pick = st.integers(min_value=0, max_value=10_000)


ARGUMENTS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "purchase": {
        "member": who,
        "amount": amounts,
        "pay": st.sampled_from(
            ["none", "most", "most", "part", "over_cap", "off_step", "short", "again"]
        ),
        "part": st.integers(1, 100),
    },
    "refund": {
        "index": pick,
        "share": st.integers(1, 100),
        "kind": st.sampled_from(["part", "all", "over", "again", "conflict"]),
        "paid": st.booleans(),
    },
    "adjust": {"member": who, "points": st.integers(-1_000, 1_000).filter(bool)},
    "transfer": {
        "sender": who,
        "offset": st.sampled_from([1, 2, 0]),
        "amount": st.sampled_from(["all", "all", "some", "under_minimum", "too_many"]),
        "some": st.integers(1, 30),
    },
    "open_balance": {
        "member": who,
        "points": st.integers(1, 30_000),
        # Often soon, so that points paid from them expire before a refund.
        "days": st.one_of(st.none(), st.integers(1, 60), st.integers(61, 500)),
    },
    "expire_job": {"member": who},
    "time_passes": {
        "days": st.sampled_from([1, 6, 30, 95, 200, 366]),
        "hours": st.integers(0, 23),
    },
}
MOVEMENTS = (
    ["purchase"] * 5
    + ["refund"] * 4
    + ["transfer"] * 3
    + ["time_passes"] * 3
    + ["open_balance"] * 2
    + ["adjust", "expire_job"]
)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(START, tick=False)
        self.traveller = self.clock.start()
        ProgrammeRules.objects.create()
        Tier.objects.create(code="basic", name="普通会员", rank=0)
        self.store = Store.objects.create(code="S001", name="总店")
        self.db_members = [
            member_enrol(phone=unique_phone(), name="张三", home_store=self.store)
            for _ in range(MEMBERS)
        ]
        self.staff = User.objects.create_user(username="prop-manager")
        self.model = Model()
        self.purchases: dict[str, ModelPurchase] = {}
        self.refunds: dict[str, tuple[str, Decimal]] = {}
        self.numbers = itertools.count(1)

    def teardown(self) -> None:
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @property
    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    def expect(self, refusal: type[Exception] | None, call: Callable[[], Any]) -> Any:
        """Run `call`; it must raise exactly `refusal`, or succeed if None."""
        if refusal is None:
            return call()
        with pytest.raises(refusal):
            call()
        return None

    # --- movements ---------------------------------------------------------------
    # One rule picks the movement from a weighted list and draws its arguments:
    # with a rule per movement, hypothesis would enable a random subset of them
    # per example (swarm testing) and too few examples would combine payments,
    # spends, time and refunds, where the interesting cases are.
    @rule(data=st.data(), movement=st.sampled_from(MOVEMENTS))
    def step(self, data: st.DataObject, movement: str) -> None:
        if movement == "refund" and not self.purchases:
            movement = "purchase"
        arguments = {
            name: data.draw(strategy, label=f"{movement}.{name}")
            for name, strategy in ARGUMENTS[movement].items()
        }
        getattr(self, movement)(**arguments)

    def purchase(self, member: int, amount: Decimal, pay: str, part: int) -> None:
        if pay == "again":
            self.purchase_again(part)
            return
        now = self.now
        available = self.model.available(member, now)
        cap = pay_cap(amount)
        most = min(cap, available)
        most -= most % 100
        points_used = {
            "none": 0,
            "most": most,
            "part": most * part // 100 - most * part // 100 % 100,
            "over_cap": cap + 100,
            "off_step": most + 50,
            "short": available - available % 100 + 100,
        }[pay]
        receipt = f"R{next(self.numbers)}"
        refusal: type[Exception] | None = None
        if points_used:
            if amount < Decimal("200.00"):
                refusal = OrderBelowMinimum
            elif points_used % 100:
                refusal = PointsStep
            elif points_used > cap:
                refusal = PointsCapExceeded
            elif points_used > available:
                refusal = InsufficientPoints
        result = self.expect(
            refusal,
            lambda: purchase_record(
                store=self.store,
                receipt_no=receipt,
                member=self.db_members[member],
                amount=str(amount),
                points_used=points_used,
            ),
        )
        if refusal is not None:
            return
        paid_from = []
        if points_used:
            taken = self.model.debit(member, points_used, now)
            paid_from = [[lot, take, 0] for lot, take in taken]
        earned = math.floor(amount - Decimal(points_used) / 100)
        self.model.credit(
            member, [(earned, rolling_expiry(now), now)], now, tag=f"earn:{receipt}"
        )
        assert result.purchase.points_earned == earned
        assert result.purchase.balance_after == self.model.members[member].balance
        self.purchases[receipt] = ModelPurchase(
            member, amount, points_used, earned, paid_from
        )

    def purchase_again(self, index: int) -> None:
        """The same receipt posted again replays and changes nothing."""
        if not self.purchases:
            return
        receipt = sorted(self.purchases)[index % len(self.purchases)]
        purchase = self.purchases[receipt]
        result = purchase_record(
            store=self.store,
            receipt_no=receipt,
            member=self.db_members[purchase.member],
            amount=str(purchase.amount),
            points_used=purchase.points_used,
        )
        assert result.replayed is True

    def refund(self, index: int, share: int, kind: str, paid: bool) -> None:
        if kind in ("again", "conflict"):
            self.refund_again(index, conflict=kind == "conflict")
            return
        # Half the time a receipt paid with points, when there is one.
        receipts = sorted(self.purchases)
        if paid and any(self.purchases[r].points_used for r in receipts):
            receipts = [r for r in receipts if self.purchases[r].points_used]
        receipt = receipts[index % len(receipts)]
        purchase = self.purchases[receipt]
        left = purchase.amount - purchase.refunded
        if kind == "all":
            amount = left
        elif kind == "over":
            amount = left + Decimal("0.01")
        else:
            amount = max(
                (left * share / 100).quantize(Decimal("0.01")), Decimal("0.01")
            )
        if amount <= 0:
            return
        refund_no = f"F{next(self.numbers)}"
        refusal = RefundExceedsPurchase if amount > left else None
        result = self.expect(
            refusal,
            lambda: refund_record(
                store=self.store,
                receipt_no=receipt,
                refund_no=refund_no,
                amount=str(amount),
            ),
        )
        if refusal is not None:
            return
        self.refunds[refund_no] = (receipt, amount)
        now = self.now
        who = purchase.member
        refunded = purchase.refunded + amount
        reverse = (
            floor_points(purchase.earned, refunded, purchase.amount) - purchase.reversed
        )
        restore = (
            floor_points(purchase.points_used, refunded, purchase.amount)
            - purchase.restored
        )
        expired = 0
        if restore:
            # Other due lots expire first; paid points come back latest-taken
            # first, each with its source lot's dates; those already past
            # expiry expire in full at once.
            self.model.expire(who, now)
            specs, wanted = [], restore
            for source in reversed(purchase.paid_from):
                lot, took, restored = source
                back = min(wanted, took - restored)
                if back <= 0:
                    continue
                source[2] += back
                specs.append((back, lot.expires_at, lot.earned_at))
                wanted -= back
                if wanted == 0:
                    break
            self.model.credit(who, specs, now)
            expired = sum(
                points
                for points, expires_at, _ in specs
                if expires_at is not None and expires_at <= now
            )
            self.model.expire(who, now, at_least=expired)
        if reverse:
            self.model.debit(
                who, reverse, now, allow_debt=True, prefer=f"earn:{receipt}"
            )
        purchase.refunded = refunded
        purchase.reversed += reverse
        purchase.restored += restore
        got = result.refund
        assert (got.points_reversed, got.points_restored) == (reverse, restore)
        assert got.points_restored_expired == expired
        assert got.balance_after == self.model.members[who].balance

    def refund_again(self, index: int, *, conflict: bool) -> None:
        """A refund number again: the same body replays, another one conflicts."""
        if not self.refunds:
            return
        refund_no = sorted(self.refunds)[index % len(self.refunds)]
        receipt, amount = self.refunds[refund_no]
        if conflict:
            amount += Decimal("0.01")
        result = self.expect(
            IdempotencyConflict if conflict else None,
            lambda: refund_record(
                store=self.store,
                receipt_no=receipt,
                refund_no=refund_no,
                amount=str(amount),
            ),
        )
        if result is not None:
            assert result.replayed is True

    def adjust(self, member: int, points: int) -> None:
        now = self.now
        short = points < 0 and -points > self.model.available(member, now)
        self.expect(
            InsufficientPoints if short else None,
            lambda: adjustment_request(
                member=self.db_members[member],
                points=points,
                reason_code="correction",
                note="property test",
                by=self.staff,
            ),
        )
        if short:
            return
        if points > 0:
            self.model.credit(member, [(points, rolling_expiry(now), now)], now)
        else:
            self.model.debit(member, -points, now)

    def transfer(self, sender: int, offset: int, amount: str, some: int) -> None:
        """Give points away; "all" spends a member down to zero, so that later
        refunds drive it into debt."""
        receiver = (sender + offset) % MEMBERS
        now = self.now
        available = self.model.available(sender, now)
        points = {
            "all": max(available, 100),
            "some": some * 100,
            "under_minimum": 99,
            "too_many": available + 1 if available >= 100 else 100,
        }[amount]
        refusal: type[Exception] | None = None
        if sender == receiver or points < 100:
            refusal = TransferRefused
        elif points > available:
            refusal = InsufficientPoints
        self.expect(
            refusal,
            lambda: points_transfer(
                sender=self.db_members[sender],
                receiver=self.db_members[receiver],
                points=points,
            ),
        )
        if refusal is not None:
            return
        taken = self.model.debit(sender, points, now)
        self.model.credit(
            receiver,
            [(take, lot.expires_at, lot.earned_at) for lot, take in taken],
            now,
        )

    def open_balance(self, member: int, points: int, days: int | None) -> None:
        now = self.now
        expires_at = now + datetime.timedelta(days=days) if days else None
        points_open_balance(
            member=self.db_members[member],
            points=points,
            expires_at=expires_at,
            reference=f"import-{next(self.numbers)}",
        )
        self.model.credit(member, [(points, expires_at, now)], now)

    def expire_job(self, member: int) -> None:
        now = self.now
        expected = sum(
            lot.remaining
            for lot in self.model.members[member].open_lots()
            if lot.due(now)
        )
        assert points_expire_due(member=self.db_members[member]) == expected
        self.model.expire(member, now)

    def time_passes(self, days: int, hours: int) -> None:
        self.traveller.shift(datetime.timedelta(days=days, hours=hours))

    # --- what must always hold -------------------------------------------------------
    @invariant()
    def ledger_is_exact(self) -> None:
        assert list(ledger_mismatches()) == []
        assert not Lot.objects.filter(remaining__lt=0).exists()
        balances = dict(
            Member.objects.filter(pk__in=[m.pk for m in self.db_members]).values_list(
                "pk", "balance"
            )
        )
        open_lots: dict[int, list[tuple[Any, ...]]] = {
            m.pk: [] for m in self.db_members
        }
        for member_id, expires_at, earned_at, remaining in Lot.objects.filter(
            member__in=self.db_members, remaining__gt=0
        ).values_list("member_id", "expires_at", "earned_at", "remaining"):
            open_lots[member_id].append((expires_at or NEVER, earned_at, remaining))
        for index, db_member in enumerate(self.db_members):
            shadow = self.model.members[index]
            assert balances[db_member.pk] == shadow.balance
            assert sorted(open_lots[db_member.pk]) == sorted(
                (lot.expires_at or NEVER, lot.earned_at, lot.remaining)
                for lot in shadow.open_lots()
            )


@pytest.mark.django_db
def test_the_ledger_stays_exact_under_any_sequence_of_movements() -> None:
    # 80 examples of 40 movements: over 3,000 movements per run, with the
    # invariants checked after each. Derandomized, so every run (and CI) tries
    # the same sequences and a failure reproduces; no example database is kept.
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=80,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
