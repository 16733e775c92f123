"""Opening balances from an old system, and expiry."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.exceptions import InvalidInput
from members.locks import lock_members
from members.models import Member
from points.exceptions import (
    IdempotencyConflict,
)
from points.ledger import Book, LotSpec
from points.models import (
    LedgerEntry,
)
from points.services.common import (
    validate_points,
)


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
