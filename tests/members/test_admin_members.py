"""The member changelist and change page: query count, masking, search, scoping."""

import json
import re

import pytest
from django.contrib.admin import site
from django.urls import reverse

from members.models import AuditEntry, Member
from tests.factories import MemberFactory
from tests.members.admin_pages import change_form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")
FULL_PHONE_FORMS = ("13987654321", "+8613987654321", "139 8765 4321")


def change_url(member: Member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


def listed_card_numbers(html: str) -> list[str]:
    return re.findall(r'<th class="field-card_no"><a [^>]*>(\d+)</a>', html)


def assert_pii_hidden(html: str) -> None:
    for full in (*FULL_PHONE_FORMS, "张三丰", "三丰"):
        assert full not in html


# --- Query count -------------------------------------------------------------


def test_the_member_changelist_runs_a_fixed_number_of_queries_however_many_rows(
    client_for, store_manager, store, basic_tier, gold_tier, django_assert_num_queries
) -> None:
    client = client_for(store_manager)
    MemberFactory.create_batch(5, home_store=store, tier=basic_tier)
    client.get(CHANGELIST)  # warm caches that do not depend on the rows

    # session, user, user perms, group perms, staff profile, page lookahead,
    # page rows (with tier and store joined), tier filter, store filter
    with django_assert_num_queries(9):
        few = client.get(CHANGELIST)
    MemberFactory.create_batch(45, home_store=store, tier=gold_tier)
    with django_assert_num_queries(9):
        many = client.get(CHANGELIST)

    assert (few.status_code, many.status_code) == (200, 200)
    assert len(listed_card_numbers(many.content.decode())) == 50


def test_the_changelist_never_counts_the_whole_table(
    client_for, hq_admin, store, basic_tier, django_assert_num_queries
) -> None:
    MemberFactory.create_batch(3, home_store=store, tier=basic_tier)
    client = client_for(hq_admin)

    with django_assert_num_queries(9) as captured:
        client.get(CHANGELIST)

    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert "LIMIT" in counts[0]  # the lookahead subquery, bounded


def test_pages_are_linked_up_to_the_rows_seen_and_more_is_announced(
    client_for, hq_admin, store, basic_tier, monkeypatch
) -> None:
    MemberFactory.create_batch(12, home_store=store, tier=basic_tier)
    # 2 rows a page: 6 pages, of which the first page looks 5 ahead
    monkeypatch.setattr(site.get_model_admin(Member), "list_per_page", 2)
    client = client_for(hq_admin)

    first = client.get(CHANGELIST).content.decode()
    last = client.get(CHANGELIST + "?p=6").content.decode()

    assert "More than 10 members" in first
    assert 'href="?p=6"' in first
    assert "12 members" in last
    assert len(listed_card_numbers(last)) == 2


# --- Masking -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["marketing", "cashier", "clerk_without_reveal"])
def test_users_without_reveal_see_phone_and_name_masked_in_the_list(
    request, role, member
) -> None:
    user = request.getfixturevalue(role)
    client = request.getfixturevalue("client_for")(user)

    html = client.get(CHANGELIST).content.decode()

    assert "139****4321" in html
    assert '<td class="field-shown_name">张*</td>' in html
    assert_pii_hidden(html)


@pytest.mark.parametrize("role", ["marketing", "cashier", "clerk_without_reveal"])
def test_users_without_reveal_never_see_full_pii_on_the_member_page(
    request, role, member
) -> None:
    user = request.getfixturevalue(role)
    client = request.getfixturevalue("client_for")(user)

    response = client.get(change_url(member))
    html = response.content.decode()

    assert response.status_code == 200
    assert "139****4321" in html
    assert_pii_hidden(html)
    assert 'name="new_phone"' not in html
    assert 'name="phone"' not in html
    assert "Reveal phone and name" not in html


def test_the_history_page_names_the_member_masked(client_for, hq_admin, member) -> None:
    client = client_for(hq_admin)
    page = client.get(change_url(member))
    saved = client.post(
        change_url(member), change_form_data(page, birth_month=5, birth_day=1)
    )

    history = reverse("admin:members_member_history", args=[member.pk])
    html = client.get(history).content.decode()

    assert saved.status_code == 302

    assert f"{member.card_no} 张*" in html
    assert_pii_hidden(html)


def test_the_referrer_autocomplete_finds_by_phone_and_shows_the_member_masked(
    client_for, store_manager, member
) -> None:
    url = reverse("admin:autocomplete")
    response = client_for(store_manager).get(
        url,
        {
            "term": "13987654321",
            "app_label": "members",
            "model_name": "member",
            "field_name": "referrer",
        },
    )

    assert json.loads(response.content)["results"] == [
        {"id": str(member.pk), "text": f"{member.card_no} 张*"}
    ]


# --- Search ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["13987654321", "+86 139 8765 4321", "0086 139-8765-4321"]
)
def test_search_finds_a_member_by_mobile_typed_any_usual_way(
    client_for, hq_admin, member, store, basic_tier, typed
) -> None:
    MemberFactory.create_batch(3, home_store=store, tier=basic_tier)

    html = client_for(hq_admin).get(CHANGELIST, {"q": typed}).content.decode()

    assert listed_card_numbers(html) == [member.card_no]


def test_search_finds_a_member_by_exact_card_number(
    client_for, hq_admin, member, store, basic_tier
) -> None:
    MemberFactory.create_batch(3, home_store=store, tier=basic_tier)

    html = client_for(hq_admin).get(CHANGELIST, {"q": member.card_no}).content
    assert listed_card_numbers(html.decode()) == [member.card_no]


@pytest.mark.parametrize("typed", ["张三丰", "张", "1381234", "5678", "S001"])
def test_search_for_anything_else_lists_nobody(
    client_for, hq_admin, member, typed
) -> None:
    html = client_for(hq_admin).get(CHANGELIST, {"q": typed}).content.decode()

    assert listed_card_numbers(html) == []


def test_record_lists_are_searched_by_the_members_phone(
    client_for, hq_admin, member, store, basic_tier
) -> None:
    other = MemberFactory(home_store=store, tier=basic_tier)
    for each in (member, other):
        AuditEntry.objects.create(member=each, action=AuditEntry.Action.REVEAL)

    response = client_for(hq_admin).get(
        reverse("admin:members_auditentry_changelist"), {"q": "13987654321"}
    )

    assert list(response.context["cl"].result_list) == list(member.audit_entries.all())


# --- Store scoping -----------------------------------------------------------


def test_a_store_manager_lists_only_the_members_of_their_store(
    client_for, store_manager, store, other_store, basic_tier
) -> None:
    ours = MemberFactory(home_store=store, tier=basic_tier)
    theirs = MemberFactory(home_store=other_store, tier=basic_tier)

    html = client_for(store_manager).get(CHANGELIST).content.decode()
    searched = client_for(store_manager).get(CHANGELIST, {"q": theirs.card_no})

    assert listed_card_numbers(html) == [ours.card_no]
    assert listed_card_numbers(searched.content.decode()) == []


def test_a_store_manager_cannot_open_or_change_a_member_of_another_store(
    client_for, store_manager, other_store, basic_tier
) -> None:
    theirs = MemberFactory(home_store=other_store, tier=basic_tier)
    client = client_for(store_manager)

    opened = client.get(change_url(theirs))
    posted = client.post(
        change_url(theirs),
        {
            "birth_month": "5",
            "birth_day": "1",
            "home_store": other_store.pk,
            "status": "frozen",
        },
    )
    revealed = client.post(change_url(theirs) + "reveal/")

    assert opened.status_code == 302
    assert opened.url == reverse("admin:index")
    assert posted.status_code == 302
    assert revealed.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.birth_month) == (Member.Status.ACTIVE, None)
    assert not AuditEntry.objects.exists()


def test_a_store_manager_sees_only_their_store_and_its_records(
    client_for, store_manager, store, other_store, basic_tier
) -> None:
    ours = MemberFactory(home_store=store, tier=basic_tier)
    theirs = MemberFactory(home_store=other_store, tier=basic_tier)
    for each in (ours, theirs):
        AuditEntry.objects.create(member=each, action=AuditEntry.Action.REVEAL)
    client = client_for(store_manager)

    stores = client.get(reverse("admin:members_store_changelist")).context["cl"]
    audit = client.get(reverse("admin:members_auditentry_changelist")).context["cl"]

    assert list(stores.result_list) == [store]
    assert [entry.member for entry in audit.result_list] == [ours]


def test_the_list_counts_rows_only_for_a_search_and_marks_lost_cards(
    client_for, hq_admin, member, store, basic_tier
) -> None:
    MemberFactory.create_batch(2, home_store=store, tier=basic_tier)
    Member.objects.filter(pk=member.pk).update(card_lost_at="2026-01-01T00:00Z")
    client = client_for(hq_admin)

    unsearched = client.get(CHANGELIST).content.decode()
    searched = client.get(CHANGELIST, {"q": member.card_no}).content.decode()

    assert "results (" not in unsearched
    assert '<span class="small quiet">1 result (' in searched
    assert '<td class="field-card_lost">Lost</td>' in searched


def test_the_home_store_filter_offers_visible_stores_and_ignores_others(
    client_for, hq_admin, store, other_store, basic_tier
) -> None:
    ours = MemberFactory(home_store=store, tier=basic_tier)
    MemberFactory(home_store=other_store, tier=basic_tier)
    client = client_for(hq_admin)

    filtered = client.get(CHANGELIST, {"home_store": store.pk}).content.decode()
    garbage = client.get(CHANGELIST, {"home_store": "abc"})

    assert listed_card_numbers(filtered) == [ours.card_no]
    assert garbage.status_code == 200
    assert listed_card_numbers(garbage.content.decode()) == []
