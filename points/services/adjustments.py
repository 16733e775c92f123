"""Manual adjustments, with a second approver above the threshold."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput
from members.locks import lock_members
from members.models import Member, Store
from points.exceptions import (
    ApprovalRefused,
)
from points.expiry import expires_at_for
from points.ledger import Book, LotSpec
from points.models import (
    Adjustment,
    LedgerEntry,
)
from points.selectors import rules_get
from points.services.common import (
    MAX_POINTS,
    _require_active,
)


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
