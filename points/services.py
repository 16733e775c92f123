"""Every change of points: purchases, refunds, adjustments, transfers, opening
balances and expiry. Each service is atomic, locks the member rows it changes
(ascending id), writes the ledger through a `Book`, and raises a JifenError
subclass (with the API's code) when it refuses; a refusal changes nothing.
"""

import datetime
import hashlib
import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput, JifenError, MemberInactive
from members.locks import lock_members
from members.models import Member, Store, Tier
from points.earning import CENT, Line, compute_earning, points_value
from points.exceptions import (
    ApprovalRefused,
    IdempotencyConflict,
    InsufficientPoints,
    OrderBelowMinimum,
    PointsCapExceeded,
    PointsStep,
    PurchaseNotFound,
    RefundExceedsPurchase,
    TransferRefused,
)
from points.expiry import expires_at_for
from points.ledger import Book, LotSpec
from points.models import (
    Adjustment,
    LedgerEntry,
    LotConsumption,
    ProgrammeRules,
    Purchase,
    Refund,
    Terminal,
)
from points.selectors import categories_by_code, payment_preview, rules_get
from points.tiers import tier_upgrade_on_purchase

MAX_AMOUNT = Decimal("99999999.99")
MAX_POINTS = 1_000_000_000


# --- validation helpers -------------------------------------------------------
def validate_amount(amount: Any, *, field: str = "amount") -> Decimal:
    """A positive money amount with at most two decimals, within range."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (ArithmeticError, ValueError, TypeError):
        raise InvalidInput(
            _("Enter an amount in yuan, such as 258.00."), fields={field: str(amount)}
        ) from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(
            _("The amount must be greater than zero."), fields={field: str(amount)}
        )
    if value > MAX_AMOUNT:
        raise InvalidInput(_("The amount is too large."), fields={field: str(amount)})
    if value != value.quantize(CENT):
        raise InvalidInput(
            _("The amount can have at most two decimals."), fields={field: str(amount)}
        )
    return value.quantize(CENT)


def validate_points(
    points: Any, *, field: str = "points", allow_zero: bool = False
) -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidInput(_("Points are a whole number."), fields={field: points})
    if points < 0 or (points == 0 and not allow_zero) or points > MAX_POINTS:
        raise InvalidInput(
            _("Points must be a positive whole number."), fields={field: points}
        )
    return points


def _require_active(member: Member) -> None:
    if member.status != Member.Status.ACTIVE:
        raise MemberInactive(fields={"member": member.card_no})


def request_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _lock(member_id: int) -> Member:
    # No select_related("tier"): on PostgreSQL a FOR UPDATE that joins the tier
    # re-checks the join against the row a concurrent transaction committed, so
    # a purchase waiting on the lock while another upgraded the member's tier
    # found no member at all (DoesNotExist, a 500). The tier is read after the
    # lock instead (one more statement), so it is the committed current one.
    return Member.objects.select_for_update().get(pk=member_id)


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


def _replay(existing: Any, payload_hash: str, cls: type) -> Any:
    if existing.request_hash != payload_hash:
        raise IdempotencyConflict()
    return cls(existing, True)


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
        existing = Purchase.objects.filter(store=store, receipt_no=receipt_no).first()
        if existing is None:
            raise
        return _replay(existing, payload_hash, PurchaseResult)


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
        existing = Purchase.objects.filter(store=store, receipt_no=receipt_no).first()
        if existing is not None:
            return _replay(existing, payload_hash, PurchaseResult)
        raise
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
    existing = Refund.objects.filter(store=store, refund_no=refund_no).first()
    if existing is not None:
        return _replay(existing, payload_hash, RefundResult)
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
        existing = Refund.objects.filter(store=store, refund_no=refund_no).first()
        if existing is None:
            raise
        return _replay(existing, payload_hash, RefundResult)


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
    existing = Refund.objects.filter(store=store, refund_no=refund_no).first()
    if existing is not None:
        # A retry that waited on the lock replays the original rather than
        # finding the receipt already refunded (RefundExceedsPurchase).
        return _replay(existing, payload_hash, RefundResult)
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


# --- adjustments ---------------------------------------------------------------------
def adjustment_request(
    *,
    member: Member,
    points: int,
    reason_code: str,
    note: str,
    by: Any,
    store: Store | None = None,
) -> Adjustment:
    """Adjust a balance by hand; above the programme's threshold it waits for
    a second person's approval (`adjustment_approve`). A debit may not exceed
    the usable points (raises InsufficientPoints)."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise InvalidInput(
            _("Enter a non-zero whole number of points."), fields={"points": points}
        )
    if abs(points) > MAX_POINTS:
        raise InvalidInput(_("That is too many points."), fields={"points": points})
    if reason_code not in Adjustment.Reason.values:
        raise InvalidInput(_("Choose a reason."), fields={"reason_code": reason_code})
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Write a note saying why."), fields={"note": note})
    rules = rules_get()
    with transaction.atomic():
        adjustment = Adjustment.objects.create(
            member=member,
            points=points,
            reason_code=reason_code,
            note=note[:200],
            requested_by=by,
            store=store,
        )
        if abs(points) <= rules.adjustment_approval_threshold:
            _adjustment_post(adjustment, decided_by=None)
    return adjustment


def adjustment_approve(*, adjustment: Adjustment, by: Any) -> Adjustment:
    """Post a pending adjustment. The approver must not be the requester."""
    with transaction.atomic():
        adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
        if adjustment.status != Adjustment.Status.PENDING:
            raise ApprovalRefused(_("This adjustment was already decided."))
        if adjustment.requested_by_id == getattr(by, "pk", None):
            raise ApprovalRefused(
                _("A second person must approve an adjustment you requested.")
            )
        _adjustment_post(adjustment, decided_by=by)
    return adjustment


def adjustment_reject(*, adjustment: Adjustment, by: Any) -> Adjustment:
    with transaction.atomic():
        adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
        if adjustment.status != Adjustment.Status.PENDING:
            raise ApprovalRefused(_("This adjustment was already decided."))
        adjustment.status = Adjustment.Status.REJECTED
        adjustment.decided_by = by
        adjustment.decided_at = timezone.now()
        adjustment.save(update_fields=["status", "decided_by", "decided_at"])
    return adjustment


def _adjustment_post(adjustment: Adjustment, *, decided_by: Any) -> None:
    member = lock_members([adjustment.member_id])[adjustment.member_id]
    _require_active(member)
    book = Book(
        member=member,
        store=adjustment.store,
        operator=decided_by or adjustment.requested_by,
    )
    fields = {
        "reason": f"{adjustment.get_reason_code_display()}: {adjustment.note}"[:200],
        "reference": f"adjustment/{adjustment.pk}",
    }
    if adjustment.points > 0:
        rules = rules_get()
        entry = book.credit(
            kind=LedgerEntry.Kind.ADJUST,
            lots=[LotSpec(adjustment.points, expires_at_for(rules, book.now))],
            **fields,
        )
    else:
        entry = book.debit(
            kind=LedgerEntry.Kind.ADJUST, points=-adjustment.points, **fields
        )
    book.save()
    adjustment.status = Adjustment.Status.POSTED
    adjustment.entry = entry
    adjustment.decided_by = decided_by
    adjustment.decided_at = book.now
    adjustment.save(update_fields=["status", "entry", "decided_by", "decided_at"])


# --- transfers ------------------------------------------------------------------------
@dataclass(frozen=True)
class TransferResult:
    out_entry: LedgerEntry
    in_entry: LedgerEntry


def points_transfer(
    *,
    sender: Member,
    receiver: Member,
    points: Any,
    by: Any = None,
    store: Store | None = None,
    dedupe_key: str | None = None,
) -> TransferResult:
    """Give points to another member (转赠). The receiver's lots keep the
    expiry of the sender's lots they came from. Raises TransferRefused,
    InsufficientPoints, MemberInactive, IdempotencyConflict."""
    points = validate_points(points)
    if sender.pk == receiver.pk:
        raise TransferRefused(_("A member cannot transfer points to themself."))
    rules = rules_get()
    if not rules.transfer_enabled:
        raise TransferRefused(_("Transfers between members are switched off."))
    if points < rules.transfer_minimum:
        raise TransferRefused(
            _("Transfer at least %(minimum)d points.")
            % {"minimum": rules.transfer_minimum},
            fields={"points": points},
        )
    if dedupe_key:
        done = LedgerEntry.objects.filter(dedupe_key=f"{dedupe_key}:out").first()
        if done is not None:
            return _transfer_replay(done, sender, receiver, points)
    try:
        with transaction.atomic():
            locked = lock_members([sender.pk, receiver.pk])
            if dedupe_key:
                # A retry that waited on the locks behind the original replays
                # it, rather than finding the points already given away.
                done = LedgerEntry.objects.filter(
                    dedupe_key=f"{dedupe_key}:out"
                ).first()
                if done is not None:
                    return _transfer_replay(done, sender, receiver, points)
            sender, receiver = locked[sender.pk], locked[receiver.pk]
            _require_active(sender)
            _require_active(receiver)
            now = timezone.now()
            out_book = Book(member=sender, now=now, store=store, operator=by)
            out_entry = out_book.debit(
                kind=LedgerEntry.Kind.TRANSFER_OUT,
                points=points,
                reference=f"transfer/{receiver.card_no}",
                dedupe_key=f"{dedupe_key}:out" if dedupe_key else None,
            )
            taken = list(out_entry.consumptions.select_related("lot").order_by("id"))
            in_book = Book(member=receiver, now=now, store=store, operator=by)
            in_entry = in_book.credit(
                kind=LedgerEntry.Kind.TRANSFER_IN,
                lots=[
                    LotSpec(row.points, row.lot.expires_at, row.lot.earned_at)
                    for row in taken
                ],
                reference=f"transfer/{sender.card_no}",
                corrects=None,
                dedupe_key=f"{dedupe_key}:in" if dedupe_key else None,
            )
            out_book.save()
            in_book.save()
    except IntegrityError:
        # The same key used concurrently between other members: a conflict.
        done = (
            LedgerEntry.objects.filter(dedupe_key=f"{dedupe_key}:out").first()
            if dedupe_key
            else None
        )
        if done is None:
            raise
        return _transfer_replay(done, sender, receiver, points)
    return TransferResult(out_entry, in_entry)


def _transfer_replay(
    done: LedgerEntry, sender: Member, receiver: Member, points: int
) -> TransferResult:
    incoming = LedgerEntry.objects.get(dedupe_key=done.dedupe_key[:-4] + ":in")
    if (done.member_id, incoming.member_id, -done.points) != (
        sender.pk,
        receiver.pk,
        points,
    ):
        raise IdempotencyConflict()
    return TransferResult(done, incoming)


# --- opening balances and expiry ------------------------------------------------------
def points_open_balance(
    *,
    member: Member,
    points: Any,
    expires_at: datetime.datetime | None,
    reference: str,
    by: Any = None,
    now: datetime.datetime | None = None,
) -> LedgerEntry:
    """Credit a balance carried over from an old system, with its own expiry.

    Idempotent by (member, reference): importing the same file twice credits once.
    """
    points = validate_points(points)
    reference = (reference or "").strip()[:80]
    if not reference:
        raise InvalidInput(_("Give the import a reference."), fields={"reference": ""})
    key = f"opening:{member.pk}:{reference}"
    # A replay answers before the expiry check: rerunning an old import file
    # must not fail because its points have expired since.
    existing = LedgerEntry.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return _opening_replay(existing, points, expires_at)
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(
            _("These points have already expired."),
            fields={"expires_at": expires_at.isoformat()},
        )
    try:
        with transaction.atomic():
            member = lock_members([member.pk])[member.pk]
            book = Book(member=member, now=now, operator=by)
            entry = book.credit(
                kind=LedgerEntry.Kind.OPENING,
                lots=[LotSpec(points, expires_at)],
                reference=reference,
                dedupe_key=key,
            )
            book.save()
    except IntegrityError:
        # A concurrent import of the same reference won the race: replay it.
        existing = LedgerEntry.objects.filter(dedupe_key=key).first()
        if existing is None:
            raise
        return _opening_replay(existing, points, expires_at)
    return entry


def _opening_replay(
    existing: LedgerEntry, points: int, expires_at: datetime.datetime | None
) -> LedgerEntry:
    # The same reference with other figures is another import under a reused
    # name, not a retry: refuse it rather than silently keep the first.
    lot = existing.lots.get()
    if (existing.points, lot.expires_at) != (points, expires_at):
        raise IdempotencyConflict()
    return existing


def points_expire_due(*, member: Member, as_of: datetime.datetime | None = None) -> int:
    """Expire the member's lots due by `as_of`; returns the points expired.

    Safe to run twice or beside live traffic: the member lock serialises it with
    spends, and an expired lot has nothing left to expire.
    """
    with transaction.atomic():
        member = lock_members([member.pk])[member.pk]
        book = Book(member=member, now=as_of or timezone.now())
        entry = book.expire_due()
        if entry is None:
            return 0
        book.save()
        return -entry.points
