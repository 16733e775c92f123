"""Refunds: reverse earned points and restore paid ones, in proportion."""

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput
from members.models import Member, Store
from points.earning import CENT
from points.exceptions import (
    PurchaseNotFound,
    RefundExceedsPurchase,
)
from points.ledger import Book, LotSpec
from points.models import (
    LedgerEntry,
    LotConsumption,
    Purchase,
    Refund,
    Terminal,
)
from points.services.common import (
    _lock,
    _replay,
    request_hash,
    validate_amount,
)


# --- refunds -----------------------------------------------------------------------
@dataclass(frozen=True)
class RefundResult:
    refund: Refund
    replayed: bool


def refund_record(
    *,
    store: Store,
    receipt_no: str,
    refund_no: str,
    amount: Any,
    terminal: Terminal | None = None,
    operator: Any = None,
    now: datetime.datetime | None = None,
) -> RefundResult:
    """Refund part or all of a purchase, by refund number (idempotent).

    Earned points are reversed and paid points restored in proportion to the
    refunded share of the receipt, cumulatively and rounded down, so a full
    refund reverses and restores exactly. Restored points keep their lots'
    expiry; any already past it are recorded as expired. A reversal whose
    points were spent drives the balance into debt. Raises PurchaseNotFound,
    RefundExceedsPurchase, IdempotencyConflict, InvalidInput.
    """
    refund_no = (refund_no or "").strip()
    if not refund_no or len(refund_no) > 64:
        raise InvalidInput(
            _("Enter a refund number of 1 to 64 characters."),
            fields={"refund_no": refund_no},
        )
    amount = validate_amount(amount)
    purchase = (
        Purchase.objects.filter(store=store, receipt_no=receipt_no)
        .select_related("member")
        .first()
    )
    if purchase is None:
        raise PurchaseNotFound(fields={"receipt_no": receipt_no})
    payload_hash = request_hash({"purchase": purchase.pk, "amount": amount})
    replay = _replay(_refund(store, refund_no), payload_hash, RefundResult)
    if replay is not None:
        return replay
    try:
        return _refund_write(
            now=now or timezone.now(),
            purchase_id=purchase.pk,
            member_id=_current_member_id(purchase.member),
            store=store,
            refund_no=refund_no,
            amount=amount,
            payload_hash=payload_hash,
            terminal=terminal,
            operator=operator,
        )
    except IntegrityError:
        replay = _replay(_refund(store, refund_no), payload_hash, RefundResult)
        if replay is None:
            raise
        return replay


def _refund(store: Store, refund_no: str) -> QuerySet[Refund]:
    return Refund.objects.filter(store=store, refund_no=refund_no)


def _current_member_id(member: Member) -> int:
    """A purchase of a merged duplicate is refunded on the member it merged into."""
    member_id = member.pk
    next_id = member.merged_into_id
    while next_id is not None and next_id != member_id:
        member_id = next_id
        next_id = (
            Member.objects.filter(pk=member_id)
            .values_list("merged_into_id", flat=True)
            .first()
        )
    return member_id


def _proportional(total: int, part: Decimal, whole: Decimal) -> int:
    return math.floor(Fraction(total) * Fraction(part) / Fraction(whole))


@transaction.atomic
def _refund_write(
    *,
    now: datetime.datetime,
    purchase_id: int,
    member_id: int,
    store: Store,
    refund_no: str,
    amount: Decimal,
    payload_hash: str,
    terminal: Terminal | None,
    operator: Any,
) -> RefundResult:
    member = _lock(member_id)
    # Refunds of one purchase are serialised by its member's lock.
    # A retry that waited on the lock replays the original rather than
    # finding the receipt already refunded (RefundExceedsPurchase).
    replay = _replay(_refund(store, refund_no), payload_hash, RefundResult)
    if replay is not None:
        return replay
    purchase = Purchase.objects.get(pk=purchase_id)
    refunded = purchase.refunded_amount + amount
    if refunded > purchase.amount:
        raise RefundExceedsPurchase(
            _("At most %(left)s yuan of this receipt is left to refund.")
            % {"left": purchase.amount - purchase.refunded_amount},
            fields={"amount": str(amount)},
        )
    book = Book(
        member=member, now=now, store=store, operator=operator, terminal=terminal
    )
    reverse = (
        _proportional(purchase.points_earned, refunded, purchase.amount)
        - purchase.points_reversed
    )
    restore = (
        _proportional(purchase.points_used, refunded, purchase.amount)
        - purchase.points_restored
    )
    paid_share = purchase.amount - purchase.points_value
    qualifying = (paid_share * (purchase.amount - refunded) / purchase.amount).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    refund = Refund.objects.create(
        purchase=purchase,
        store=store,
        refund_no=refund_no,
        amount=amount,
        points_reversed=reverse,
        points_restored=restore,
        balance_after=0,  # set below once the entries are written
        request_hash=payload_hash,
        created_at=now,
        terminal=terminal,
        operator=operator,
    )
    reference = f"{purchase.store.code}/{purchase.receipt_no}"
    restored_expired = 0
    if restore:
        # Other lots past expiry go first, under their own entry, so that the
        # expiry below covers the restored points alone.
        book.expire_due()
        specs = _restore_specs(purchase, restore)
        book.credit(
            kind=LedgerEntry.Kind.RESTORE,
            lots=specs,
            purchase=purchase,
            refund=refund,
            reference=reference,
        )
        restored_expired = sum(
            spec.points
            for spec in specs
            if spec.expires_at is not None and spec.expires_at <= now
        )
        # Restored points already past expiry are worthless: they expire in
        # full and pay off no debt.
        book.expire_due(
            reason=str(_("Restored points already past their expiry")),
            at_least=restored_expired,
        )
    if reverse:
        earn_entry = purchase.entries.filter(kind=LedgerEntry.Kind.EARN).first()
        book.debit(
            kind=LedgerEntry.Kind.REFUND_REVERSAL,
            points=reverse,
            allow_debt=True,
            prefer_entry_id=earn_entry.pk if earn_entry else None,
            purchase=purchase,
            refund=refund,
            reference=reference,
            corrects=earn_entry,
        )
    purchase.refunded_amount = refunded
    purchase.points_reversed += reverse
    purchase.points_restored += restore
    member.lifetime_spend -= purchase.qualifying_amount - qualifying
    purchase.qualifying_amount = qualifying
    purchase.save(
        update_fields=[
            "refunded_amount",
            "points_reversed",
            "points_restored",
            "qualifying_amount",
        ]
    )
    refund.balance_after = member.balance
    refund.points_restored_expired = restored_expired
    refund.save(update_fields=["balance_after", "points_restored_expired"])
    book.save("lifetime_spend")
    return RefundResult(refund, False)


def _restore_specs(purchase: Purchase, points: int) -> list[LotSpec]:
    """Which lots `points` paid points come back as: the latest-expiring first."""
    rows = list(
        LotConsumption.objects.filter(
            entry__purchase=purchase, entry__kind=LedgerEntry.Kind.PAY
        )
        .select_related("lot")
        .order_by("-id")
    )
    specs = []
    left = points
    for row in rows:
        take = min(left, row.points - row.restored)
        if take <= 0:
            continue
        row.restored += take
        specs.append(LotSpec(take, row.lot.expires_at, row.lot.earned_at, row))
        left -= take
        if left == 0:
            break
    LotConsumption.objects.bulk_update([spec.source for spec in specs], ["restored"])
    return specs
