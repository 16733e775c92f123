"""Store scoping and the exact-match lookup staff type into search boxes."""

import pytest
from django.contrib.auth.models import AnonymousUser

from members.models import Member, StaffProfile
from members.selectors import (
    member_lookup_q,
    members_visible_to,
    staff_store_id,
    stores_visible_to,
)
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_members(store, other_store, basic_tier) -> tuple[Member, Member]:
    return (
        MemberFactory(home_store=store, tier=basic_tier),
        MemberFactory(home_store=other_store, tier=basic_tier),
    )


def test_store_staff_see_only_the_members_and_the_store_of_their_store(
    two_members, store, store_manager
) -> None:
    ours, _theirs = two_members

    assert list(members_visible_to(store_manager)) == [ours]
    assert list(stores_visible_to(store_manager)) == [store]
    assert staff_store_id(store_manager) == store.pk


def test_head_office_staff_and_superusers_see_every_store(
    two_members, store, other_store, marketing
) -> None:
    superuser = UserFactory(username="root", is_superuser=True)
    hq_with_empty_profile = UserFactory(username="hq2")
    StaffProfile.objects.create(user=hq_with_empty_profile, store=None)

    for user in (marketing, superuser, hq_with_empty_profile):
        assert set(members_visible_to(user)) == set(two_members)
        assert set(stores_visible_to(user)) == {store, other_store}
        assert staff_store_id(user) is None


def test_anonymous_and_inactive_users_see_nothing(two_members) -> None:
    inactive = UserFactory(username="gone", is_active=False)

    for user in (AnonymousUser(), inactive):
        assert list(members_visible_to(user)) == []
        assert list(stores_visible_to(user)) == []


def test_scoping_applies_on_top_of_a_given_queryset(two_members, store_manager) -> None:
    ours, theirs = two_members
    both = Member.objects.filter(pk__in=[ours.pk, theirs.pk])

    assert list(members_visible_to(store_manager, queryset=both)) == [ours]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("812345678903", {"card_no": "812345678903"}),
        ("8123 4567 8903", {"card_no": "812345678903"}),
        ("13812345678", {"phone": "+8613812345678"}),
        ("+86 138 1234 5678", {"phone": "+8613812345678"}),
    ],
)
def test_a_card_number_or_mobile_becomes_an_exact_match(typed, expected) -> None:
    assert dict(member_lookup_q(typed).children) == expected


@pytest.mark.parametrize("typed", ["张", "138", "1381234", "S001", "8123"])
def test_anything_else_matches_nothing_rather_than_scanning(typed) -> None:
    assert member_lookup_q(typed) is None


def test_the_lookup_reaches_members_through_a_relation() -> None:
    assert dict(member_lookup_q("13812345678", prefix="member__").children) == {
        "member__phone": "+8613812345678"
    }
