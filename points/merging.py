"""The points step of a member merge: the duplicate's points move over."""

from typing import Any

from members.models import Member
from points.ledger import Book, LotSpec
from points.models import LedgerEntry


def merge_points(*, survivor: Member, duplicate: Member, by: Any) -> None:
    """Move the duplicate's open lots (keeping their expiry) or its debt.

    Runs inside member_merge's transaction with both rows locked.
    """
    source = Book(member=duplicate, operator=by)
    target = Book(member=survivor, now=source.now, operator=by)
    fields = {"reason": "merge", "reference": f"merge/{duplicate.card_no}"}
    source.expire_due()
    if duplicate.balance > 0:
        out = source.debit(
            kind=LedgerEntry.Kind.TRANSFER_OUT, points=duplicate.balance, **fields
        )
        target.credit(
            kind=LedgerEntry.Kind.TRANSFER_IN,
            lots=[
                LotSpec(row.points, row.lot.expires_at, row.lot.earned_at)
                for row in out.consumptions.select_related("lot").order_by("id")
            ],
            corrects=out,
            **fields,
        )
    elif duplicate.balance < 0:
        # The survivor takes over the debt; the duplicate ends at zero.
        debt = -duplicate.balance
        out = target.debit(
            kind=LedgerEntry.Kind.ADJUST, points=debt, allow_debt=True, **fields
        )
        source.credit(
            kind=LedgerEntry.Kind.ADJUST,
            lots=[LotSpec(debt, None)],
            corrects=out,
            **fields,
        )
    source.save()
    target.save()
