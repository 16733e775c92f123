"""Card lifecycle in the admin: report lost, replace card, merge, reveal."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from members.cards import luhn_check_digit
from members.models import AuditEntry, CardEvent, Member, TierChange
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")
MERGE = reverse("admin:members_member_merge")


def change_url(member: Member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


def reveal_url(member: Member) -> str:
    return reverse("admin:members_member_reveal", args=[member.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def history_counts() -> tuple[int, int, int]:
    return (
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
        TierChange.objects.count(),
    )


def action(name: str, *members: Member, **extra: str) -> dict:
    return {"action": name, "_selected_action": [m.pk for m in members], **extra}


# --- Report lost ---------------------------------------------------------------


def test_reporting_a_card_lost_from_the_member_page_blocks_it_and_comes_back(
    client_for, store_manager, member
) -> None:
    response = client_for(store_manager).post(
        CHANGELIST, action("report_card_lost", member, _from_change="1")
    )

    member.refresh_from_db()
    assert response.status_code == 302
    assert response.url == change_url(member)
    assert member.card_lost_at is not None
    assert member.card_events.get().kind == CardEvent.Kind.LOST
    assert messages_of(response) == [
        "Card reported lost for 1 member: the card number no longer works. "
        "Find the member by phone to replace the card."
    ]


def test_reporting_an_already_lost_card_says_so_and_changes_nothing(
    client_for, store_manager, member
) -> None:
    client = client_for(store_manager)
    client.post(CHANGELIST, action("report_card_lost", member))
    before = history_counts()

    response = client.post(CHANGELIST, action("report_card_lost", member))

    assert messages_of(response)[-1] == (
        f"{member.card_no} 张*: This card is already reported lost."
    )
    assert history_counts() == before


@pytest.mark.parametrize("role", ["cashier", "marketing"])
def test_card_actions_are_refused_without_manage_cards(
    request, client_for, role, member
) -> None:
    client = client_for(request.getfixturevalue(role))

    for name in ("report_card_lost", "replace_card", "merge_selected"):
        # No action is offered to them: the POST just shows the list again.
        response = client.post(CHANGELIST, action(name, member, index="0"))
        assert response.status_code == 200
        assert response.context["action_form"] is None

    member.refresh_from_db()
    assert member.card_lost_at is None
    assert history_counts() == (0, 0, 0)


# --- Replace card ---------------------------------------------------------------


def test_replace_card_asks_for_the_fee_with_the_default_filled_in(
    client_for, store_manager, member, settings
) -> None:
    settings.JIFEN_CARD_REPLACEMENT_FEE = "10.00"

    response = client_for(store_manager).post(
        CHANGELIST, action("replace_card", member)
    )

    assert response.status_code == 200
    assert response.context["form"]["fee"].value() == Decimal("10.00")
    assert list(response.context["members"]) == [member]
    assert history_counts() == (0, 0, 0)


def test_replace_card_issues_a_new_number_and_records_the_fee(
    client_for, store_manager, member
) -> None:
    old_card_no = member.card_no

    response = client_for(store_manager).post(
        CHANGELIST,
        action("replace_card", member, apply="1", fee="20.00", note="worn out"),
    )

    member.refresh_from_db()
    event = member.card_events.get(kind=CardEvent.Kind.REPLACED)
    assert response.status_code == 302
    assert member.card_no != old_card_no
    assert (event.card_no, event.new_card_no, event.fee, event.note) == (
        old_card_no,
        member.card_no,
        Decimal("20.00"),
        "worn out",
    )
    assert messages_of(response) == [
        f"Card {old_card_no} replaced by {member.card_no}; fee 20.00 yuan recorded."
    ]


def test_a_negative_fee_is_refused_and_no_card_is_replaced(
    client_for, store_manager, member
) -> None:
    old_card_no = member.card_no

    response = client_for(store_manager).post(
        CHANGELIST, action("replace_card", member, apply="1", fee="-5")
    )

    member.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "fee": ["Ensure this value is greater than or equal to 0."]
    }
    assert member.card_no == old_card_no
    assert history_counts() == (0, 0, 0)


# --- Merge -----------------------------------------------------------------------


@pytest.fixture
def duplicate(store, gold_tier) -> Member:
    return MemberFactory(home_store=store, tier=gold_tier, phone="+8613600001111")


def test_merging_two_selected_members_opens_the_merge_page_with_both_filled_in(
    client_for, store_manager, member, duplicate
) -> None:
    response = client_for(store_manager).post(
        CHANGELIST, action("merge_selected", member, duplicate)
    )

    assert response.status_code == 302
    assert response.url == (
        f"{MERGE}?survivor={member.card_no}&duplicate={duplicate.card_no}"
    )


def test_merge_previews_then_merges_on_confirmation(
    client_for, store_manager, member, duplicate, gold_tier
) -> None:
    client = client_for(store_manager)
    typed = {"survivor_card_no": member.card_no, "duplicate_card_no": duplicate.card_no}

    preview = client.post(MERGE, typed)
    assert preview.context["confirming"] is True
    assert (preview.context["survivor"], preview.context["duplicate"]) == (
        member,
        duplicate,
    )
    assert history_counts() == (0, 0, 0)

    merged = client.post(MERGE, typed | {"confirm": "1"})

    member.refresh_from_db()
    duplicate.refresh_from_db()
    assert merged.status_code == 302
    assert merged.url == change_url(member)
    assert (duplicate.merged_into, duplicate.status) == (member, Member.Status.CLOSED)
    assert member.tier == gold_tier
    assert set(AuditEntry.objects.values_list("member", "action")) == {
        (member.pk, AuditEntry.Action.MERGED_IN),
        (duplicate.pk, AuditEntry.Action.MERGED_AWAY),
    }


def test_a_duplicate_card_number_with_a_wrong_check_digit_is_refused(
    client_for, store_manager, member, duplicate
) -> None:
    body = duplicate.card_no[:-1]
    wrong = body + str((int(luhn_check_digit(body)) + 1) % 10)

    response = client_for(store_manager).post(
        MERGE,
        {
            "survivor_card_no": member.card_no,
            "duplicate_card_no": wrong,
            "confirm": "1",
        },
    )

    assert response.context["form"].errors == {
        "duplicate_card_no": [
            "The card number's check digit is wrong; please check the number."
        ]
    }
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert history_counts() == (0, 0, 0)


def test_merging_a_member_into_itself_or_one_of_another_store_is_refused(
    client_for, store_manager, member, other_store, basic_tier
) -> None:
    theirs = MemberFactory(home_store=other_store, tier=basic_tier)
    client = client_for(store_manager)

    itself = client.post(
        MERGE,
        {
            "survivor_card_no": member.card_no,
            "duplicate_card_no": member.card_no,
            "confirm": "1",
        },
    )
    elsewhere = client.post(
        MERGE,
        {
            "survivor_card_no": member.card_no,
            "duplicate_card_no": theirs.card_no,
            "confirm": "1",
        },
    )

    assert itself.context["form"].errors == {
        "__all__": ["A member cannot be merged into itself."]
    }
    assert elsewhere.context["form"].errors == {
        "duplicate_card_no": ["No member you can see has this card number."]
    }
    assert history_counts() == (0, 0, 0)


def test_the_merge_page_is_refused_without_merge_members(
    client_for, cashier, member, duplicate
) -> None:
    response = client_for(cashier).post(
        MERGE,
        {
            "survivor_card_no": member.card_no,
            "duplicate_card_no": duplicate.card_no,
            "confirm": "1",
        },
    )

    duplicate.refresh_from_db()
    assert response.status_code == 403
    assert duplicate.merged_into is None


# --- Reveal ------------------------------------------------------------------------


def test_reveal_shows_the_full_phone_and_name_and_writes_an_audit_entry(
    client_for, store_manager, member
) -> None:
    response = client_for(store_manager).post(reveal_url(member))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<td id="revealed-name">张三丰</td>' in html
    assert '<td id="revealed-phone">13987654321 (+8613987654321)</td>' in html
    assert list(member.audit_entries.values_list("action", "actor")) == [
        (AuditEntry.Action.REVEAL, store_manager.pk)
    ]


@pytest.mark.parametrize("role", ["cashier", "marketing", "clerk_without_reveal"])
def test_reveal_is_refused_without_the_permission_and_writes_nothing(
    request, client_for, role, member
) -> None:
    client = client_for(request.getfixturevalue(role))

    response = client.post(reveal_url(member))

    assert response.status_code == 403
    assert "13987654321" not in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_reveal_answers_only_post(client_for, store_manager, member) -> None:
    response = client_for(store_manager).get(reveal_url(member))

    assert response.status_code == 405
    assert not AuditEntry.objects.exists()


def test_reveal_needs_the_csrf_token(store_manager, member) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(store_manager)

    response = client.post(reveal_url(member))

    assert response.status_code == 403
    assert not AuditEntry.objects.exists()
