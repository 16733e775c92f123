"""Transfers between members (转赠)."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.locks import lock_members
from members.models import Member, Store
from points.exceptions import (
    IdempotencyConflict,
    TransferRefused,
)
from points.ledger import Book, LotSpec
from points.models import (
    LedgerEntry,
)
from points.selectors import rules_get
from points.services.common import (
    _require_active,
    validate_points,
)


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
