import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from members.cards import card_no_is_valid
from members.demo import DEMO_STAFF, DemoOptions, demo_people
from members.demo import seed as seed_members_app
from members.models import CardEvent, Member, StaffProfile, Store, Tier, TierChange
from members.phones import normalize_phone

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    """Rows of every model of every app: what a rerun of any demo step might add."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def seed_demo(*args: str) -> str:
    output = StringIO()
    call_command("seed_demo", "--members", "50", "--force", *args, stdout=output)
    return output.getvalue()


def test_seed_demo_creates_the_demo_programme_once() -> None:
    # given the demo programme, seeded once
    seed_demo()
    counts = row_counts()
    passwords = dict(get_user_model().objects.values_list("username", "password"))

    # when it is seeded again
    seed_demo()

    # then nothing changed
    assert row_counts() == counts
    assert (
        dict(get_user_model().objects.values_list("username", "password")) == passwords
    )
    # and the first run created the programme
    assert [counts[model._meta.label] for model in (Store, Tier, Member)] == [3, 4, 50]
    assert counts[StaffProfile._meta.label] == 4
    # Later demo steps (purchase history) may add upgrades, not enrolments.
    assert CardEvent.objects.filter(kind=CardEvent.Kind.ISSUED).count() == 50
    assert TierChange.objects.filter(reason=TierChange.Reason.ENROL).count() == 50
    assert dict(Store.objects.values_list("code", "name")) == {
        "S001": "总店",
        "S002": "东门店",
        "S003": "线上商城",
    }
    tiers = list(
        Tier.objects.order_by("rank").values_list(
            "code", "name", "entry_threshold", "multiplier", "discount_percent"
        )
    )
    assert [
        (code, name, int(entry), str(mult), int(off))
        for code, name, entry, mult, off in tiers
    ] == [
        ("basic", "普通会员", 0, "1.00", 0),
        ("silver", "银卡会员", 1000, "1.20", 5),
        ("gold", "金卡会员", 5000, "1.50", 10),
        ("platinum", "白金会员", 20000, "2.00", 15),
    ]
    assert set(Tier.objects.values_list("birthday_bonus", flat=True)) == {200}


def test_demo_members_are_valid_and_spread_over_the_stores_and_the_year() -> None:
    seed_members_app(options=DemoOptions(members=50))

    members = list(Member.objects.select_related("tier", "home_store"))
    assert all(card_no_is_valid(member.card_no) for member in members)
    assert all(normalize_phone(member.phone) == member.phone for member in members)
    assert len({member.phone for member in members}) == 50
    assert {member.home_store.code for member in members} == {"S001", "S002", "S003"}
    year_ago = timezone.now() - datetime.timedelta(days=366)
    assert all(year_ago < member.joined_at <= timezone.now() for member in members)
    assert any(m.birth_month and m.birth_year is None for m in members)
    assert any(m.birth_year for m in members)
    issued = set(
        CardEvent.objects.filter(kind=CardEvent.Kind.ISSUED).values_list(
            "member_id", "card_no"
        )
    )
    assert issued == {(member.pk, member.card_no) for member in members}
    enrolments = set(
        TierChange.objects.filter(reason=TierChange.Reason.ENROL).values_list(
            "member_id", "to_tier__code", "changed_at"
        )
    )
    assert enrolments == {(m.pk, "basic", m.joined_at) for m in members}


def test_more_members_extend_the_same_sequence() -> None:
    small = [person.phone for person in demo_people(count=20)]
    large = [person.phone for person in demo_people(count=50)]

    assert large[:20] == small


def test_demo_staff_log_in_with_the_demo_password() -> None:
    seed_members_app(options=DemoOptions(members=5))

    for staff in DEMO_STAFF:
        user = authenticate(
            username=staff.username, password=settings.JIFEN_DEMO_PASSWORD
        )
        assert user is not None, staff.username
        assert user.is_staff
        assert not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [staff.role]
        store = user.staff_profile.store
        assert (store.code if store else None) == staff.store_code


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced() -> None:
    before = row_counts()

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", "--members", "5", stdout=StringIO())

    assert row_counts() == before


def test_print_logins_shows_the_admin_url_and_every_login() -> None:
    output = StringIO()

    call_command("print_logins", stdout=output)

    text = output.getvalue()
    assert "http://127.0.0.1:8000/admin/" in text
    assert settings.JIFEN_DEMO_PASSWORD in text
    for staff in DEMO_STAFF:
        assert staff.username in text
