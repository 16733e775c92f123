"""Admin forms: enrolment through the service, edits, and bad input refused."""

import pytest
from django.urls import reverse

from members.cards import card_no_is_valid
from members.models import AuditEntry, CardEvent, Member, Store, TierChange
from tests.factories import MemberFactory
from tests.members.admin_pages import change_form_data

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:members_member_add")


def change_url(member: Member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Member, CardEvent, TierChange, AuditEntry, Store)
    }


def enrolment(store: Store, **changes: object) -> dict[str, object]:
    data = {
        "phone": "+86 139 0000 1234",
        "name": "李四",
        "birth_month": "2",
        "birth_day": "29",
        "home_store": str(store.pk),
    }
    return {key: value for key, value in (data | changes).items() if value is not None}


def field_errors(response, field: str) -> list[str]:
    return response.context["adminform"].form.errors.get(field, [])


# --- Adding a member -----------------------------------------------------------


def test_adding_a_member_enrols_with_a_card_number_entry_tier_and_history(
    client_for, store_manager, store, basic_tier, gold_tier
) -> None:
    response = client_for(store_manager).post(ADD_URL, enrolment(store))

    member = Member.objects.get()
    assert response.status_code == 302
    assert response.url == change_url(member)
    assert card_no_is_valid(member.card_no)
    assert (member.phone, member.name, member.tier, member.home_store) == (
        "+8613900001234",
        "李四",
        basic_tier,
        store,
    )
    assert (member.birth_month, member.birth_day) == (2, 29)
    assert list(member.card_events.values_list("kind", "created_by")) == [
        (CardEvent.Kind.ISSUED, store_manager.pk)
    ]
    assert list(member.tier_changes.values_list("reason", "changed_by")) == [
        (TierChange.Reason.ENROL, store_manager.pk)
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Enter a valid mainland China mobile number."),
        (
            {"phone": "010 1234 5678"},
            "phone",
            "Enter a valid mainland China mobile number.",
        ),
        (
            {"phone": "139 8765 4321"},
            "phone",
            "A member with this phone number already exists.",
        ),
        (
            {"birth_month": "2", "birth_day": "30"},
            "birth_day",
            "02-30 is not a date in the calendar.",
        ),
        (
            {"birth_month": "4", "birth_day": None},
            "birth_day",
            "Give both the month and the day of the birthday.",
        ),
        ({"name": "   "}, "name", "This field is required."),
    ],
)
def test_adding_a_member_with_bad_input_shows_the_error_and_saves_nothing(
    client_for, store_manager, member, store, changes, field, message
) -> None:
    before = row_counts()

    response = client_for(store_manager).post(ADD_URL, enrolment(store, **changes))

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert row_counts() == before


def test_a_store_manager_can_only_enrol_members_into_their_own_store(
    client_for, store_manager, store, other_store, basic_tier
) -> None:
    client = client_for(store_manager)

    page = client.get(ADD_URL)
    response = client.post(ADD_URL, enrolment(other_store))

    choices = [
        value
        for value, _label in page.context["adminform"].form.fields["home_store"].choices
        if value
    ]
    assert [int(str(value)) for value in choices] == [store.pk]
    assert page.context["adminform"].form.initial["home_store"] == store.pk
    assert field_errors(response, "home_store") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Member.objects.exists()


# --- Changing a member ---------------------------------------------------------


def test_a_user_with_reveal_changes_the_phone_typed_any_way_and_it_is_stored_e164(
    client_for, store_manager, member
) -> None:
    client = client_for(store_manager)
    page = client.get(change_url(member))

    response = client.post(
        change_url(member),
        change_form_data(page, new_phone="+86 137-0000-9999", new_name="张三"),
    )

    member.refresh_from_db()
    assert response.status_code == 302
    assert (member.phone, member.name) == ("+8613700009999", "张三")


def test_changing_the_phone_to_a_taken_one_is_refused_and_nothing_changes(
    client_for, store_manager, member, store, basic_tier
) -> None:
    other = MemberFactory(home_store=store, tier=basic_tier, phone="+8613700009999")
    client = client_for(store_manager)
    page = client.get(change_url(other))

    response = client.post(
        change_url(other), change_form_data(page, new_phone="13987654321")
    )

    other.refresh_from_db()
    assert field_errors(response, "new_phone") == [
        "A member with this phone number already exists."
    ]
    assert other.phone == "+8613700009999"


def test_changing_the_birthday_to_february_30_is_refused_and_nothing_changes(
    client_for, store_manager, member
) -> None:
    client = client_for(store_manager)
    page = client.get(change_url(member))

    response = client.post(
        change_url(member), change_form_data(page, birth_month=2, birth_day=30)
    )

    member.refresh_from_db()
    assert field_errors(response, "birth_day") == [
        "02-30 is not a date in the calendar."
    ]
    assert (member.birth_month, member.birth_day) == (None, None)


def test_a_user_without_reveal_cannot_change_phone_or_name_even_by_a_crafted_post(
    client_for, clerk_without_reveal, member
) -> None:
    client = client_for(clerk_without_reveal)
    page = client.get(change_url(member))

    response = client.post(
        change_url(member),
        change_form_data(
            page, new_phone="13700009999", new_name="王五", phone="13700009999"
        ),
    )

    member.refresh_from_db()
    assert response.status_code == 302
    assert (member.phone, member.name) == ("+8613987654321", "张三丰")


def test_saving_the_member_page_writes_only_the_fields_it_changed(
    client_for, store_manager, member
) -> None:
    # given the page is open while a purchase changes the cached figures
    client = client_for(store_manager)
    page = client.get(change_url(member))
    Member.objects.filter(pk=member.pk).update(balance=500, lifetime_points=800)

    # when the manager saves a new birthday
    client.post(change_url(member), change_form_data(page, birth_month=6, birth_day=1))

    # then the purchase's figures survive
    member.refresh_from_db()
    assert (member.birth_month, member.birth_day) == (6, 1)
    assert (member.balance, member.lifetime_points) == (500, 800)


def test_setting_a_tier_on_the_member_page_records_the_change_and_an_audit(
    client_for, store_manager, member, basic_tier, gold_tier
) -> None:
    client = client_for(store_manager)
    page = client.get(change_url(member))

    client.post(
        change_url(member),
        change_form_data(
            page,
            grant_tier=gold_tier.pk,
            grant_until="2099-12-31",
            grant_note="VIP",
        ),
    )

    member.refresh_from_db()
    assert (member.tier, member.tier_floor, str(member.tier_floor_until)) == (
        gold_tier,
        gold_tier,
        "2099-12-31",
    )
    assert list(
        member.tier_changes.values_list("from_tier", "to_tier", "reason", "note")
    ) == [(basic_tier.pk, gold_tier.pk, TierChange.Reason.MANUAL, "VIP")]
    assert member.audit_entries.get().action == AuditEntry.Action.TIER_SET


# --- Stores --------------------------------------------------------------------


def test_a_store_code_already_taken_is_refused_whatever_its_case(
    client_for, hq_admin, store
) -> None:
    before = row_counts()

    response = client_for(hq_admin).post(
        reverse("admin:members_store_add"), {"code": " s001 ", "name": "又一个总店"}
    )

    assert field_errors(response, "code") == ["A store with this code already exists."]
    assert row_counts() == before


def test_a_new_store_code_is_saved_upper_case(client_for, hq_admin) -> None:
    response = client_for(hq_admin).post(
        reverse("admin:members_store_add"),
        {"code": "s009", "name": "新店", "active": "on"},
    )

    assert response.status_code == 302
    assert list(Store.objects.values_list("code", "name", "active")) == [
        ("S009", "新店", True)
    ]
