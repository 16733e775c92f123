"""Purchases: pay with points, then earn on the rest (the hottest path)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput, JifenError
from members.models import Member, Store, Tier
from points.earning import Line, compute_earning, points_value
from points.exceptions import (
    InsufficientPoints,
    OrderBelowMinimum,
    PointsCapExceeded,
    PointsStep,
)
from points.expiry import expires_at_for
from points.ledger import Book, LotSpec
from points.models import (
    LedgerEntry,
    ProgrammeRules,
    Purchase,
    Terminal,
)
from points.selectors import categories_by_code, payment_preview, rules_get
from points.services.common import (
    MAX_POINTS,
    _lock,
    _replay,
    _require_active,
    request_hash,
    validate_amount,
    validate_points,
)
from points.tiers import tier_upgrade_on_purchase


# --- paying with points ----------------------------------------------------------
def check_payment(
    *, rules: ProgrammeRules, amount: Decimal, points: int, usable: int
) -> Decimal:
    """Validate paying `points` on an order of `amount`; return their money value."""
    if amount < rules.pay_min_order:
        raise OrderBelowMinimum(
            _("Points can pay only orders of at least %(minimum)s yuan.")
            % {"minimum": rules.pay_min_order},
            fields={"amount": str(amount)},
        )
    if points % rules.pay_step:
        raise PointsStep(
            _("Points are used in multiples of %(step)d.") % {"step": rules.pay_step},
            fields={"points_used": points},
        )
    value = points_value(rules, points)
    cap = payment_preview(rules=rules, amount=amount, usable=MAX_POINTS)
    if points > cap.max_points:
        raise PointsCapExceeded(
            _("This order can use at most %(points)d points.")
            % {"points": cap.max_points},
            fields={"points_used": points},
        )
    if points > usable:
        raise InsufficientPoints(
            _("The member has only %(usable)d usable points.") % {"usable": usable},
            fields={"points_used": points},
        )
    return value


# --- purchases -------------------------------------------------------------------
@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    replayed: bool


def purchase_record(
    *,
    store: Store,
    receipt_no: str,
    member: Member,
    amount: Any,
    points_used: Any = 0,
    lines: list[dict[str, Any]] | None = None,
    occurred_at: datetime.datetime | None = None,
    terminal: Terminal | None = None,
    operator: Any = None,
    now: datetime.datetime | None = None,
) -> PurchaseResult:
    """Record a purchase: pay with points (optional), then earn on the rest.

    Idempotent by (store, receipt_no): the same request again returns the
    original purchase (`replayed=True`); a different one raises
    IdempotencyConflict. Locks the member row. Raises InvalidInput,
    MemberInactive, OrderBelowMinimum, PointsStep, PointsCapExceeded,
    InsufficientPoints.
    """
    receipt_no = (receipt_no or "").strip()
    if not receipt_no or len(receipt_no) > 64:
        raise InvalidInput(
            _("Enter a receipt number of 1 to 64 characters."),
            fields={"receipt_no": receipt_no},
        )
    amount = validate_amount(amount)
    points_used = validate_points(points_used, field="points_used", allow_zero=True)
    parsed_lines = _parse_lines(lines or [], amount)
    # `now` is the recording time: the clock, except for imports of history.
    now = now or timezone.now()
    if occurred_at is not None and occurred_at > now + datetime.timedelta(minutes=10):
        raise InvalidInput(
            _("The purchase cannot be in the future."),
            fields={"occurred_at": occurred_at.isoformat()},
        )
    payload_hash = request_hash(
        {
            "member": member.pk,
            "amount": amount,
            "points_used": points_used,
            "lines": [(line.sku, line.category, line.amount) for line in parsed_lines],
            "occurred_at": occurred_at.isoformat() if occurred_at else None,
        }
    )
    # No look-up first: the earn path is the hottest code in Jifen. A repeated
    # receipt is found by the unique constraint on insert, or, when the request
    # would be refused now (points spent meanwhile, member frozen since), by
    # the look-up in _purchase_write's refusal path.
    try:
        return _purchase_write(
            store=store,
            receipt_no=receipt_no,
            member_id=member.pk,
            amount=amount,
            points_used=points_used,
            lines=parsed_lines,
            occurred_at=occurred_at or now,
            now=now,
            payload_hash=payload_hash,
            terminal=terminal,
            operator=operator,
        )
    except IntegrityError:
        # A concurrent post of the same receipt won the race: replay it.
        replay = _replay(_receipt(store, receipt_no), payload_hash, PurchaseResult)
        if replay is None:
            raise
        return replay


def _receipt(store: Store, receipt_no: str) -> QuerySet[Purchase]:
    return Purchase.objects.filter(store=store, receipt_no=receipt_no)


def _parse_lines(lines: list[dict[str, Any]], amount: Decimal) -> list[Line]:
    parsed = []
    for index, line in enumerate(lines):
        line_amount = validate_amount(
            line.get("amount"), field=f"lines[{index}].amount"
        )
        parsed.append(
            Line(
                amount=line_amount,
                category=str(line.get("category") or "")[:50],
                sku=str(line.get("sku") or "")[:64],
            )
        )
    if parsed and sum((line.amount for line in parsed), Decimal("0")) != amount:
        raise InvalidInput(
            _("The lines must add up to the amount."), fields={"lines": "sum"}
        )
    return parsed


@transaction.atomic
def _purchase_write(
    *,
    store: Store,
    receipt_no: str,
    member_id: int,
    amount: Decimal,
    points_used: int,
    lines: list[Line],
    occurred_at: datetime.datetime,
    now: datetime.datetime,
    payload_hash: str,
    terminal: Terminal | None,
    operator: Any,
) -> PurchaseResult:
    member = _lock(member_id)
    tiers = list(Tier.objects.order_by("rank"))
    member.tier = next(tier for tier in tiers if tier.pk == member.tier_id)
    rules = rules_get()
    book = Book(
        member=member, now=now, store=store, operator=operator, terminal=terminal
    )
    paid_value = Decimal("0.00")
    try:
        _require_active(member)
        if points_used:
            paid_value = check_payment(
                rules=rules,
                amount=amount,
                points=points_used,
                usable=book.usable_points(),
            )
    except JifenError:
        # A retry that waited on the lock behind its original (or comes after
        # the member was frozen) replays the original instead of a refusal.
        replay = _replay(_receipt(store, receipt_no), payload_hash, PurchaseResult)
        if replay is None:
            raise
        return replay
    earning = compute_earning(
        rules=rules,
        categories=categories_by_code() if lines else {},
        member=member,
        tier=member.tier,
        store=store,
        occurred_at=occurred_at,
        amount=amount,
        lines=lines,
        paid_value=paid_value,
    )
    earned = earning.total
    qualifying = amount - paid_value
    # The purchase row goes first so entries can point at it; its balance_after
    # is what the entries below will leave.
    due = book.due_points() if points_used else 0
    purchase = Purchase.objects.create(
        store=store,
        receipt_no=receipt_no,
        member=member,
        amount=amount,
        points_used=points_used,
        points_value=paid_value,
        eligible_amount=earning.eligible_amount,
        qualifying_amount=qualifying,
        points_earned=earned,
        breakdown=earning.breakdown(),
        lines=[
            {"sku": line.sku, "category": line.category, "amount": str(line.amount)}
            for line in lines
        ],
        balance_after=member.balance - due - points_used + earned,
        request_hash=payload_hash,
        occurred_at=occurred_at,
        created_at=now,
        terminal=terminal,
        operator=operator,
    )
    reference = f"{store.code}/{receipt_no}"
    if points_used:
        book.debit(
            kind=LedgerEntry.Kind.PAY,
            points=points_used,
            purchase=purchase,
            reference=reference,
        )
    if earned:
        book.credit(
            kind=LedgerEntry.Kind.EARN,
            lots=[LotSpec(earned, expires_at_for(rules, occurred_at), occurred_at)],
            purchase=purchase,
            reference=reference,
        )
    member.lifetime_points += earned
    member.lifetime_spend += qualifying
    tier_upgrade_on_purchase(
        member=member, tiers=tiers, now=now, by=operator, note=reference
    )
    book.save("lifetime_points", "lifetime_spend", "tier")
    return PurchaseResult(purchase, False)
