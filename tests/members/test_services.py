"""Enrolment and the card lifecycle, through members.services."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from members import services
from members.cards import card_no_is_valid
from members.exceptions import CardLost, InvalidInput, MemberNotFound
from members.models import AuditEntry, CardEvent, Member, TierChange
from members.selectors import member_find
from members.services import (
    member_enrol,
    member_merge,
    member_replace_card,
    member_report_card_lost,
    member_reveal_pii,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Member.objects.count(),
        CardEvent.objects.count(),
        TierChange.objects.count(),
        AuditEntry.objects.count(),
    )


# --- Enrolment ---------------------------------------------------------------


def test_enrol_gives_a_valid_card_at_the_entry_tier_with_its_history(
    store, basic_tier, gold_tier, hq_admin
) -> None:
    member = member_enrol(
        phone="139 8765 4321",
        name=" 张三丰 ",
        home_store=store,
        birth_month=2,
        birth_day=29,
        by=hq_admin,
    )

    member.refresh_from_db()
    assert card_no_is_valid(member.card_no)
    assert (member.phone, member.name, member.tier) == (
        "+8613987654321",
        "张三丰",
        basic_tier,
    )
    assert (member.birth_month, member.birth_day, member.birth_year) == (2, 29, None)
    assert list(member.card_events.values_list("kind", "card_no", "created_by")) == [
        (CardEvent.Kind.ISSUED, member.card_no, hq_admin.pk)
    ]
    assert list(
        member.tier_changes.values_list("from_tier", "to_tier", "reason", "changed_by")
    ) == [(None, basic_tier.pk, TierChange.Reason.ENROL, hq_admin.pk)]


def test_enrol_refuses_a_phone_already_taken_and_saves_nothing(member, store) -> None:
    before = counts()

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        member_enrol(phone="13987654321", name="李四", home_store=store)

    assert caught.value.message_dict == {
        "phone": ["A member with this phone number already exists."]
    }
    assert counts() == before


def test_enrol_refuses_an_invalid_phone_and_february_30_and_saves_nothing(
    store, basic_tier
) -> None:
    before = counts()

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        member_enrol(
            phone="12345", name="李四", home_store=store, birth_month=2, birth_day=30
        )

    assert caught.value.message_dict == {
        "phone": ["Enter a valid mainland China mobile number."],
        "birthday": ["02-30 is not a date in the calendar."],
    }
    assert counts() == before


# --- Report lost -------------------------------------------------------------


def test_a_card_reported_lost_is_refused_at_once_but_the_phone_still_finds_the_member(
    member, store_manager
) -> None:
    member_report_card_lost(member=member, by=store_manager, note="lost at the mall")

    with pytest.raises(CardLost):
        member_find(query=member.card_no)
    assert member_find(query="13987654321") == member
    member.refresh_from_db()
    assert member.card_lost_at is not None
    assert list(member.card_events.values_list("kind", "card_no", "note")) == [
        (CardEvent.Kind.LOST, member.card_no, "lost at the mall")
    ]
    assert list(member.audit_entries.values_list("action", "detail", "actor")) == [
        (AuditEntry.Action.CARD_LOST, {"card_no": member.card_no}, store_manager.pk)
    ]


def test_reporting_a_card_lost_twice_is_refused_and_changes_nothing(
    member, store_manager
) -> None:
    member_report_card_lost(member=member, by=store_manager)
    before = counts()

    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        member_report_card_lost(member=member, by=store_manager)

    assert str(caught.value.message) == "This card is already reported lost."
    assert counts() == before


# --- Replace card ------------------------------------------------------------


def test_replacing_a_card_issues_a_new_number_and_records_the_fee(
    member, store_manager
) -> None:
    old_card_no = member.card_no
    member_report_card_lost(member=member, by=store_manager)

    member = member_replace_card(member=member, by=store_manager, fee=Decimal("15.00"))

    member.refresh_from_db()
    assert member.card_no != old_card_no
    assert card_no_is_valid(member.card_no)
    assert member.card_lost_at is None
    assert member_find(query=member.card_no) == member
    with pytest.raises(MemberNotFound):
        member_find(query=old_card_no)
    replaced = member.card_events.get(kind=CardEvent.Kind.REPLACED)
    assert (replaced.card_no, replaced.new_card_no, replaced.fee) == (
        old_card_no,
        member.card_no,
        Decimal("15.00"),
    )
    assert member.audit_entries.get(action=AuditEntry.Action.CARD_REPLACED).detail == {
        "old": old_card_no,
        "new": member.card_no,
        "fee": "15.00",
    }


@override_settings(JIFEN_CARD_REPLACEMENT_FEE="12.50")
def test_the_replacement_fee_defaults_to_the_setting(member, store_manager) -> None:
    member_replace_card(member=member, by=store_manager)

    assert member.card_events.get(kind=CardEvent.Kind.REPLACED).fee == Decimal("12.50")


def test_a_retired_card_number_is_never_issued_again(
    member, store, store_manager, monkeypatch
) -> None:
    # given a replaced card whose old number the generator then comes up with
    old_card_no = member.card_no
    member_replace_card(member=member, by=store_manager)
    fresh = MemberFactory.build().card_no
    numbers = iter([old_card_no, fresh])
    monkeypatch.setattr(services, "random_card_no", lambda: next(numbers))

    # when a new member enrols
    newcomer = member_enrol(phone="13900001111", name="王五", home_store=store)

    # then the retired number is skipped
    assert newcomer.card_no == fresh


def test_a_negative_fee_is_refused_and_nothing_changes(member, store_manager) -> None:
    card_no = member.card_no
    before = counts()

    with pytest.raises(InvalidInput):
        member_replace_card(member=member, by=store_manager, fee=Decimal("-1"))

    member.refresh_from_db()
    assert member.card_no == card_no
    assert counts() == before


# --- Merge -------------------------------------------------------------------


def test_merge_moves_referrals_and_the_higher_tier_and_audits_both_sides(
    store, basic_tier, gold_tier, hq_admin
) -> None:
    survivor = MemberFactory(home_store=store, tier=basic_tier)
    duplicate = MemberFactory(
        home_store=store, tier=gold_tier, lifetime_spend=Decimal("6000.00")
    )
    referred = MemberFactory(home_store=store, tier=basic_tier, referrer=duplicate)

    member_merge(survivor=survivor, duplicate=duplicate, by=hq_admin)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    referred.refresh_from_db()
    assert referred.referrer == survivor
    assert survivor.tier == gold_tier
    assert survivor.lifetime_spend == Decimal("6000.00")
    assert (duplicate.status, duplicate.merged_into) == (
        Member.Status.CLOSED,
        survivor,
    )
    assert list(
        survivor.tier_changes.values_list("from_tier", "to_tier", "reason")
    ) == [(basic_tier.pk, gold_tier.pk, TierChange.Reason.MERGE)]
    assert list(survivor.audit_entries.values_list("action", "detail", "actor")) == [
        (
            AuditEntry.Action.MERGED_IN,
            {"duplicate": duplicate.pk, "duplicate_card_no": duplicate.card_no},
            hq_admin.pk,
        )
    ]
    assert list(duplicate.audit_entries.values_list("action", "detail", "actor")) == [
        (
            AuditEntry.Action.MERGED_AWAY,
            {"survivor": survivor.pk, "survivor_card_no": survivor.card_no},
            hq_admin.pk,
        )
    ]


def test_after_a_merge_the_duplicates_card_and_phone_find_the_survivor(
    store, basic_tier, hq_admin
) -> None:
    survivor = MemberFactory(home_store=store, tier=basic_tier)
    duplicate = MemberFactory(home_store=store, tier=basic_tier, phone="+8613900002222")

    member_merge(survivor=survivor, duplicate=duplicate, by=hq_admin)

    assert member_find(query=duplicate.card_no) == survivor
    assert member_find(query="13900002222") == survivor


def test_a_member_cannot_be_merged_into_itself_or_merged_twice(
    store, basic_tier, hq_admin
) -> None:
    survivor = MemberFactory(home_store=store, tier=basic_tier)
    duplicate = MemberFactory(home_store=store, tier=basic_tier)
    member_merge(survivor=survivor, duplicate=duplicate, by=hq_admin)
    before = counts()

    with translation.override("en"):
        with pytest.raises(InvalidInput) as itself:
            member_merge(survivor=survivor, duplicate=survivor, by=hq_admin)
        with pytest.raises(InvalidInput) as twice:
            member_merge(survivor=survivor, duplicate=duplicate, by=hq_admin)

    assert str(itself.value.message) == "A member cannot be merged into itself."
    assert str(twice.value.message) == "One of these members was already merged."
    assert counts() == before


# --- Reveal ------------------------------------------------------------------


def test_revealing_pii_returns_the_full_values_and_writes_an_audit_entry(
    member, store_manager
) -> None:
    values = member_reveal_pii(member=member, by=store_manager)

    assert values == {"phone": "+8613987654321", "name": "张三丰"}
    assert list(member.audit_entries.values_list("action", "detail", "actor")) == [
        (AuditEntry.Action.REVEAL, {"fields": ["phone", "name"]}, store_manager.pk)
    ]
