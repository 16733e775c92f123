"""Every state change of members, tiers and cards."""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.birthdays import validate_birthday
from members.cards import random_card_no
from members.exceptions import InvalidInput
from members.locks import lock_member, lock_members
from members.merging import run_merge_steps
from members.models import AuditEntry, CardEvent, Member, Store, Tier, TierChange
from members.phones import normalize_phone


def _unused_card_no() -> str:
    # Retired numbers stay retired: a lost card must never come back to life
    # on someone else's account.
    for _attempt in range(20):
        card_no = random_card_no()
        taken = (
            Member.objects.filter(card_no=card_no).exists()
            or CardEvent.objects.filter(card_no=card_no).exists()
        )
        if not taken:
            return card_no
    raise RuntimeError("could not find a free card number")


def entry_tier() -> Tier:
    return Tier.objects.order_by("rank").first() or Tier.objects.create(
        code="basic", name=str(_("Basic member")), rank=0
    )


def member_enrol(
    *,
    phone: str,
    name: str,
    home_store: Store,
    birth_month: int | None = None,
    birth_day: int | None = None,
    birth_year: int | None = None,
    referrer: Member | None = None,
    marketing_opt_out: bool = False,
    joined_at: datetime.datetime | None = None,
    by: Any = None,
) -> Member:
    """Enrol a member with a fresh card number at the entry tier.

    Raises ValidationError (field -> message) for a bad or taken phone, an
    empty name, an impossible birthday or an inactive referrer.
    """
    errors: dict[str, list[Any]] = {}
    try:
        phone = normalize_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the member's name.")]
    try:
        validate_birthday(birth_month, birth_day, birth_year)
    except ValidationError as error:
        errors["birthday"] = error.messages
    if referrer is not None and referrer.status != Member.Status.ACTIVE:
        errors["referrer"] = [_("The referrer is not an active member.")]
    if "phone" not in errors and Member.objects.filter(phone=phone).exists():
        errors["phone"] = [_("A member with this phone number already exists.")]
    if errors:
        raise ValidationError(errors)

    tier = entry_tier()
    try:
        with transaction.atomic():
            member = Member.objects.create(
                card_no=_unused_card_no(),
                phone=phone,
                name=name,
                birth_month=birth_month,
                birth_day=birth_day,
                birth_year=birth_year,
                home_store=home_store,
                referrer=referrer,
                marketing_opt_out=marketing_opt_out,
                joined_at=joined_at or timezone.now(),
                tier=tier,
            )
            CardEvent.objects.create(
                member=member,
                kind=CardEvent.Kind.ISSUED,
                card_no=member.card_no,
                created_by=by,
            )
            TierChange.objects.create(
                member=member,
                to_tier=tier,
                reason=TierChange.Reason.ENROL,
                changed_at=member.joined_at,
                changed_by=by,
            )
    except IntegrityError:
        # Two enrolments of one phone raced past the check above.
        raise ValidationError(
            {"phone": [_("A member with this phone number already exists.")]}
        ) from None
    return member


def member_report_card_lost(*, member: Member, by: Any, note: str = "") -> Member:
    """Block the member's card number at once (挂失). Lookup by phone still works."""
    with transaction.atomic():
        member = lock_member(member.id)
        if member.card_lost_at is not None:
            raise InvalidInput(_("This card is already reported lost."))
        member.card_lost_at = timezone.now()
        member.save(update_fields=["card_lost_at"])
        CardEvent.objects.create(
            member=member,
            kind=CardEvent.Kind.LOST,
            card_no=member.card_no,
            note=note,
            created_by=by,
        )
        AuditEntry.objects.create(
            member=member,
            action=AuditEntry.Action.CARD_LOST,
            detail={"card_no": member.card_no},
            actor=by,
        )
    return member


def member_replace_card(
    *, member: Member, by: Any, fee: Decimal | None = None, note: str = ""
) -> Member:
    """Issue a new card number to the same member; the old number is retired."""
    if fee is None:
        fee = Decimal(settings.JIFEN_CARD_REPLACEMENT_FEE)
    if fee < 0:
        raise InvalidInput(_("The fee cannot be negative."), fields={"fee": fee})
    with transaction.atomic():
        member = lock_member(member.id)
        if member.status == Member.Status.CLOSED:
            raise InvalidInput(_("A closed member cannot get a new card."))
        old_card_no = member.card_no
        member.card_no = _unused_card_no()
        member.card_lost_at = None
        member.save(update_fields=["card_no", "card_lost_at"])
        CardEvent.objects.create(
            member=member,
            kind=CardEvent.Kind.REPLACED,
            card_no=old_card_no,
            new_card_no=member.card_no,
            fee=fee,
            note=note,
            created_by=by,
        )
        AuditEntry.objects.create(
            member=member,
            action=AuditEntry.Action.CARD_REPLACED,
            detail={"old": old_card_no, "new": member.card_no, "fee": str(fee)},
            actor=by,
        )
    return member


def member_merge(*, survivor: Member, duplicate: Member, by: Any) -> Member:
    """Fold a duplicate member into the survivor.

    Referrals, lifetime figures and (if higher) the tier move to the survivor;
    steps registered by other apps move the rest (points: the balance and lots).
    The duplicate is closed and points at the survivor, so its card number and
    phone still find the survivor. Both sides get an audit entry.
    """
    if survivor.pk == duplicate.pk:
        raise InvalidInput(_("A member cannot be merged into itself."))
    with transaction.atomic():
        locked = lock_members([survivor.pk, duplicate.pk])
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        if duplicate.merged_into_id is not None or survivor.merged_into_id is not None:
            raise InvalidInput(_("One of these members was already merged."))

        Member.objects.filter(referrer=duplicate).exclude(pk=survivor.pk).update(
            referrer=survivor
        )
        if survivor.referrer_id == duplicate.pk:
            survivor.referrer = duplicate.referrer
        survivor.lifetime_spend += duplicate.lifetime_spend
        survivor.lifetime_points += duplicate.lifetime_points
        if duplicate.tier.rank > survivor.tier.rank:
            TierChange.objects.create(
                member=survivor,
                from_tier=survivor.tier,
                to_tier=duplicate.tier,
                reason=TierChange.Reason.MERGE,
                note=duplicate.card_no,
                changed_by=by,
            )
            survivor.tier = duplicate.tier
        survivor.save(
            update_fields=["referrer", "lifetime_spend", "lifetime_points", "tier"]
        )

        run_merge_steps(survivor=survivor, duplicate=duplicate, by=by)

        duplicate.status = Member.Status.CLOSED
        duplicate.merged_into = survivor
        duplicate.save(update_fields=["status", "merged_into"])
        AuditEntry.objects.create(
            member=duplicate,
            action=AuditEntry.Action.MERGED_AWAY,
            detail={"survivor": survivor.pk, "survivor_card_no": survivor.card_no},
            actor=by,
        )
        AuditEntry.objects.create(
            member=survivor,
            action=AuditEntry.Action.MERGED_IN,
            detail={"duplicate": duplicate.pk, "duplicate_card_no": duplicate.card_no},
            actor=by,
        )
    return survivor


def member_reveal_pii(
    *, member: Member, by: Any, fields: tuple[str, ...] = ("phone", "name")
) -> dict[str, str]:
    """Return the full phone and name, and write the audit entry that says so.

    The caller checks the reveal permission; this only records and returns.
    """
    AuditEntry.objects.create(
        member=member,
        action=AuditEntry.Action.REVEAL,
        detail={"fields": list(fields)},
        actor=by,
    )
    return {field: getattr(member, field) for field in fields}


def member_set_tier(
    *,
    member: Member,
    tier: Tier,
    by: Any,
    until: datetime.date | None = None,
    note: str = "",
) -> Member:
    """Grant a tier by hand; with `until`, recalculation never goes below it before then."""
    with transaction.atomic():
        member = lock_member(member.id)
        if member.tier_id != tier.pk:
            TierChange.objects.create(
                member=member,
                from_tier=member.tier,
                to_tier=tier,
                reason=TierChange.Reason.MANUAL,
                note=note,
                changed_by=by,
            )
        member.tier = tier
        member.tier_floor = tier if until else None
        member.tier_floor_until = until
        member.save(update_fields=["tier", "tier_floor", "tier_floor_until"])
        AuditEntry.objects.create(
            member=member,
            action=AuditEntry.Action.TIER_SET,
            detail={"tier": tier.code, "until": until.isoformat() if until else None},
            actor=by,
        )
    return member
