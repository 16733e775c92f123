"""Reads of members shaped for their callers."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from members.cards import looks_like_card_no
from members.exceptions import CardLost, MemberNotFound
from members.models import Member, StaffProfile, Store, TierChange
from members.phones import looks_like_phone, normalize_phone

_ALL_STORES = 0  # cached "no store restriction" (store ids start at 1)
_NO_ACCESS = -1  # cached "sees nothing" (anonymous or inactive users)


def member_find(*, query: str, queryset: QuerySet[Member] | None = None) -> Member:
    """Find a member by card number or phone, as a cashier types or scans it.

    A merged duplicate resolves to its survivor. A card reported lost is
    refused (raises CardLost); the phone still finds the member.
    Raises MemberNotFound when nothing matches.
    """
    # Scanners type digits; people type "138 1234 5678".
    text = "".join((query or "").split())
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


# --- Store scoping -------------------------------------------------------
# The one rule for which members and stores a staff user works with. Store
# staff (a StaffProfile with a store: store managers, cashiers) work with the
# members whose home store is theirs; head office (superusers, a profile
# without a store, or no profile at all) works with every store.


def _store_scope(user: Any) -> int:
    """The id of the user's store, _ALL_STORES, or _NO_ACCESS (cached on the user)."""
    cached = getattr(user, "_jifen_store_scope", None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated or not user.is_active:
        scope = _NO_ACCESS
    elif user.is_superuser:
        scope = _ALL_STORES
    else:
        store_id = (
            StaffProfile.objects.filter(user_id=user.pk)
            .values_list("store_id", flat=True)
            .first()
        )
        scope = store_id or _ALL_STORES
    user._jifen_store_scope = scope
    return scope


def staff_store_id(user: Any) -> int | None:
    """The store a staff user is limited to, or None for head office."""
    scope = _store_scope(user)
    return scope if scope > 0 else None


def scope_to_user[M: Model](
    queryset: QuerySet[M], *, user: Any, store_field: str
) -> QuerySet[M]:
    """Limit rows to the user's store through `store_field` (e.g. `member__home_store`)."""
    scope = _store_scope(user)
    if scope == _NO_ACCESS:
        return queryset.none()
    if scope == _ALL_STORES:
        return queryset
    return queryset.filter(**{f"{store_field}_id": scope})


def members_visible_to(
    user: Any, *, queryset: QuerySet[Member] | None = None
) -> QuerySet[Member]:
    members = queryset if queryset is not None else Member.objects.all()
    return scope_to_user(members, user=user, store_field="home_store")


def stores_visible_to(user: Any) -> QuerySet[Store]:
    scope = _store_scope(user)
    if scope == _NO_ACCESS:
        return Store.objects.none()
    if scope == _ALL_STORES:
        return Store.objects.all()
    return Store.objects.filter(pk=scope)


# --- Lookup as staff type it ---------------------------------------------


def member_lookup_q(text: str, *, prefix: str = "") -> Q | None:
    """An exact match on an indexed column for a typed card number or CN mobile.

    `prefix` reaches the member through a relation (`member__`). Returns None
    for anything else: free text never turns into a LIKE scan of every member.
    """
    compact = "".join((text or "").split())
    if looks_like_card_no(compact):
        return Q(**{f"{prefix}card_no": compact})
    try:
        phone = normalize_phone(text)
    except ValidationError:
        return None
    return Q(**{f"{prefix}phone": phone})


def phone_taken(phone: str, *, exclude_member_id: int | None = None) -> bool:
    members = Member.objects.filter(phone=phone)
    if exclude_member_id is not None:
        members = members.exclude(pk=exclude_member_id)
    return members.exists()
