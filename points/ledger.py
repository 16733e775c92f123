"""The lot engine: every credit and debit of points goes through a `Book`.

A Book wraps one member row that the caller has locked (see members.locks)
inside a transaction. It writes ledger entries, lots and consumption rows and
keeps `member.balance` in step in memory; the service calls `book.save()` once
at the end, so a request costs one UPDATE of the member row.

Rules kept here and nowhere else:
- debits consume open lots earliest `expires_at` first, never-expiring last,
  then oldest (`earned_at`, then id);
- lots past `expires_at` are unusable at once: a debit expires them first
  (expire-on-touch), so nothing depends on when the nightly job runs;
- a debit that may go into debt (refund reversals) drives the balance below
  zero once the lots are empty; any later credit settles the debt first;
- invariants: balance = Σ entries; Σ open lots = max(balance, 0).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from members.models import Member
from points.exceptions import InsufficientPoints
from points.models import LedgerEntry, Lot, LotConsumption

NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


@dataclass(frozen=True)
class LotSpec:
    """One lot a credit creates."""

    points: int
    expires_at: datetime.datetime | None
    earned_at: datetime.datetime | None = None
    # For restores: the consumption row whose points come back.
    source: LotConsumption | None = None


def consumption_order(lot: Lot) -> tuple[datetime.datetime, datetime.datetime, int]:
    return (lot.expires_at or NEVER, lot.earned_at, lot.id)


@dataclass
class Book:
    member: Member
    now: datetime.datetime = field(default_factory=timezone.now)
    store: Any = None
    operator: Any = None
    terminal: Any = None
    _open_lots: list[Lot] | None = None
    _dirty_lots: dict[int, Lot] = field(default_factory=dict)
    expired_points: int = 0

    # --- reading ---------------------------------------------------------
    def open_lots(self) -> list[Lot]:
        """The member's lots with points left, in consumption order (one query)."""
        if self._open_lots is None:
            lots = list(Lot.objects.filter(member_id=self.member.pk, remaining__gt=0))
            lots.sort(key=consumption_order)
            self._open_lots = lots
        return self._open_lots

    def due_points(self) -> int:
        return sum(
            lot.remaining
            for lot in self.open_lots()
            if lot.expires_at is not None and lot.expires_at <= self.now
        )

    def usable_points(self) -> int:
        """What the member can spend now: the balance less lots already due."""
        if self.member.balance <= 0:
            return 0
        return self.member.balance - self.due_points()

    # --- writing ---------------------------------------------------------
    def _entry(self, *, kind: str, points: int, **fields: Any) -> LedgerEntry:
        self.member.balance += points
        return LedgerEntry.objects.create(
            member=self.member,
            kind=kind,
            points=points,
            balance_after=self.member.balance,
            store=self.store,
            operator=self.operator,
            terminal=self.terminal,
            created_at=self.now,
            **fields,
        )

    def credit(
        self, *, kind: str, lots: Iterable[LotSpec], **fields: Any
    ) -> LedgerEntry:
        """Credit points as one entry with one lot per spec; debt is settled first."""
        specs = [spec for spec in lots if spec.points > 0]
        total = sum(spec.points for spec in specs)
        if total <= 0:
            raise ValueError("a credit needs a positive number of points")
        debt = max(0, -self.member.balance)
        entry = self._entry(kind=kind, points=total, **fields)
        # The earliest-expiring new points pay the debt, as a debit would take
        # them; points already past expiry (a refund's restores) pay it last,
        # because the caller expires them in full right after (expire_due's
        # `at_least`), which leaves the debt standing.
        new_lots = [
            Lot(
                member=self.member,
                entry=entry,
                points=spec.points,
                remaining=spec.points,
                earned_at=spec.earned_at or self.now,
                expires_at=spec.expires_at,
            )
            for spec in specs
        ]
        for lot in sorted(
            new_lots,
            key=lambda lot: (
                lot.expires_at is not None and lot.expires_at <= self.now,
                lot.expires_at or NEVER,
                lot.earned_at,
            ),
        ):
            settled = min(debt, lot.remaining)
            lot.remaining -= settled
            debt -= settled
        Lot.objects.bulk_create(new_lots)
        if self._open_lots is not None:
            self._open_lots.extend(lot for lot in new_lots if lot.remaining > 0)
            self._open_lots.sort(key=consumption_order)
        return entry

    def expire_due(self, *, reason: str = "", at_least: int = 0) -> LedgerEntry | None:
        """Expire every lot past its `expires_at` in one entry (idempotent).

        `at_least` expires that many points even when the due lots hold fewer:
        restored points past expiry may have settled a debt as they were
        credited, and expiring them in full puts that debt back.
        """
        due = [
            lot
            for lot in self.open_lots()
            if lot.expires_at is not None and lot.expires_at <= self.now
        ]
        points = max(sum(lot.remaining for lot in due), at_least)
        if points == 0:
            return None
        entry = self._entry(kind=LedgerEntry.Kind.EXPIRE, points=-points, reason=reason)
        self._take(entry, [(lot, lot.remaining) for lot in due])
        self.expired_points += points
        return entry

    def debit(
        self,
        *,
        kind: str,
        points: int,
        allow_debt: bool = False,
        prefer_entry_id: int | None = None,
        **fields: Any,
    ) -> LedgerEntry:
        """Take points from the open lots in consumption order.

        Expires due lots first. Raises InsufficientPoints when the usable
        points are short, unless `allow_debt`, where the shortfall becomes
        debt. `prefer_entry_id` takes that credit's lots first (a refund
        reverses the points its own purchase earned before any others).
        """
        if points <= 0:
            raise ValueError("a debit needs a positive number of points")
        self.expire_due()
        available = max(self.member.balance, 0)
        if points > available and not allow_debt:
            raise InsufficientPoints(fields={"points": points, "available": available})
        lots = self.open_lots()
        if prefer_entry_id is not None:
            lots = [lot for lot in lots if lot.entry_id == prefer_entry_id] + [
                lot for lot in lots if lot.entry_id != prefer_entry_id
            ]
        taking: list[tuple[Lot, int]] = []
        left = points
        for lot in lots:
            if left == 0:
                break
            take = min(left, lot.remaining)
            taking.append((lot, take))
            left -= take
        entry = self._entry(kind=kind, points=-points, **fields)
        self._take(entry, taking)
        return entry

    def _take(self, entry: LedgerEntry, taking: list[tuple[Lot, int]]) -> None:
        LotConsumption.objects.bulk_create(
            [LotConsumption(entry=entry, lot=lot, points=take) for lot, take in taking]
        )
        for lot, take in taking:
            lot.remaining -= take
            self._dirty_lots[lot.pk] = lot
        if self._open_lots is not None:
            self._open_lots = [lot for lot in self._open_lots if lot.remaining > 0]

    def save(self, *extra_fields: str) -> None:
        """Write the changed lots and the member row (balance and `extra_fields`)."""
        if self._dirty_lots:
            Lot.objects.bulk_update(list(self._dirty_lots.values()), ["remaining"])
            self._dirty_lots.clear()
        self.member.save(update_fields=["balance", *extra_fields])
