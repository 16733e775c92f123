"""Reads of members shaped for their callers."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from members.cards import looks_like_card_no
from members.exceptions import CardLost, MemberNotFound
from members.models import Member, TierChange
from members.phones import looks_like_phone, normalize_phone


def member_find(*, query: str, queryset: QuerySet[Member] | None = None) -> Member:
    """Find a member by card number or phone, as a cashier types or scans it.

    A merged duplicate resolves to its survivor. A card reported lost is
    refused (raises CardLost); the phone still finds the member.
    Raises MemberNotFound when nothing matches.
    """
    text = (query or "").strip()
    members = (queryset if queryset is not None else Member.objects).select_related(
        "tier", "home_store"
    )
    member: Member | None = None
    by_card = False
    if looks_like_card_no(text):
        by_card = True
        member = members.filter(card_no=text).first()
    elif looks_like_phone(text):
        try:
            member = members.filter(phone=normalize_phone(text)).first()
        except ValidationError:
            member = None
    if member is None:
        raise MemberNotFound()
    if by_card and member.card_lost_at is not None:
        raise CardLost()
    seen = {member.pk}
    while member.merged_into_id is not None:
        member = members.get(pk=member.merged_into_id)
        if member.pk in seen:  # defensive: a merge cycle would loop forever
            break
        seen.add(member.pk)
    return member


def member_tier_history(*, member: Member) -> QuerySet[TierChange]:
    return member.tier_changes.select_related("from_tier", "to_tier", "changed_by")
