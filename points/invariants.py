"""The ledger's invariants, checked set-based (no per-member loop in Python).

1. member.balance = Σ ledger entries
2. Σ open lots remaining = max(balance, 0)
3. no lot has remaining < 0 or > points
4. every debit's consumption rows sum to its points, less the debt it created
5. each entry's balance_after = the previous entry's + its points
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import (
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Lag

from members.models import Member
from points.models import LedgerEntry, Lot, LotConsumption


@dataclass(frozen=True)
class Mismatch:
    check: str
    member_id: int | None
    detail: str

    def __str__(self) -> str:
        who = f"member {self.member_id}" if self.member_id is not None else "-"
        return f"{self.check}: {who}: {self.detail}"


def _sum_subquery(queryset, field: str) -> Coalesce:  # type: ignore[no-untyped-def]
    return Coalesce(
        Subquery(
            queryset.values("member_id").annotate(total=Sum(field)).values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def ledger_mismatches(*, member_ids: list[int] | None = None) -> Iterator[Mismatch]:
    members = Member.objects.all()
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    entries = LedgerEntry.objects.filter(member_id=OuterRef("pk"))
    lots = Lot.objects.filter(member_id=OuterRef("pk"), remaining__gt=0)
    checked = members.annotate(
        entries_total=_sum_subquery(entries, "points"),
        lots_total=_sum_subquery(lots, "remaining"),
    ).filter(
        ~Q(balance=F("entries_total")) | ~Q(lots_total=Greatest(F("balance"), Value(0)))
    )
    for member in checked.values(
        "pk", "balance", "entries_total", "lots_total"
    ).iterator():
        if member["balance"] != member["entries_total"]:
            yield Mismatch(
                "balance",
                member["pk"],
                f"balance {member['balance']} != sum of entries {member['entries_total']}",
            )
        if member["lots_total"] != max(member["balance"], 0):
            yield Mismatch(
                "lots",
                member["pk"],
                f"open lots {member['lots_total']} != max(balance, 0) "
                f"= {max(member['balance'], 0)}",
            )

    scoped = {"member_id__in": member_ids} if member_ids is not None else {}
    for lot in (
        Lot.objects.filter(Q(remaining__lt=0) | Q(remaining__gt=F("points")), **scoped)
        .values("pk", "member_id", "remaining", "points")
        .iterator()
    ):
        yield Mismatch(
            "lot",
            lot["member_id"],
            f"lot {lot['pk']} remaining {lot['remaining']} of {lot['points']}",
        )

    consumed = LotConsumption.objects.filter(entry_id=OuterRef("pk"))
    debits = (
        LedgerEntry.objects.filter(points__lt=0, **scoped)
        .annotate(
            consumed=Coalesce(
                Subquery(
                    consumed.values("entry_id")
                    .annotate(t=Sum("points"))
                    .values("t")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            # Debt this debit created: how far below zero it took the balance.
            debt=Greatest(-F("balance_after"), Value(0))
            - Greatest(F("points") - F("balance_after"), Value(0)),
        )
        .exclude(consumed=-F("points") - F("debt"))
    )
    for entry in debits.values(
        "pk", "member_id", "points", "consumed", "debt"
    ).iterator():
        yield Mismatch(
            "consumption",
            entry["member_id"],
            f"entry {entry['pk']} ({entry['points']}) consumed {entry['consumed']}, "
            f"debt {entry['debt']}",
        )

    chained = (
        LedgerEntry.objects.filter(**scoped)
        .annotate(
            previous=Window(
                Lag("balance_after", default=0),
                partition_by=[F("member_id")],
                order_by=F("id").asc(),
            )
        )
        # Compared in the database (Django filters on a window through a
        # subquery): only broken links come back, so memory stays bounded on a
        # ledger of millions of entries.
        .exclude(balance_after=F("previous") + F("points"))
        .order_by("member_id", "id")
    )
    for entry in chained.values(
        "pk", "member_id", "points", "balance_after", "previous"
    ).iterator():
        yield Mismatch(
            "chain",
            entry["member_id"],
            f"entry {entry['pk']}: {entry['previous']} {entry['points']:+d} "
            f"!= {entry['balance_after']}",
        )
