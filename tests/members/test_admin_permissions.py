"""Each role against each members admin page: allowed, or refused with nothing changed."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from members.models import Member, Store
from tests.members.admin_pages import change_form_data

pytestmark = pytest.mark.django_db

ROLES = ("hq_admin", "store_manager", "cashier", "marketing")
OK, DENIED = 200, 403


def page(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


# page -> expected status for (hq_admin, store_manager, cashier, marketing)
PAGES = {
    "members_member_changelist": (OK, OK, OK, OK),
    "members_member_change": (OK, OK, OK, OK),  # view-only for cashier, marketing
    "members_member_add": (OK, OK, DENIED, DENIED),
    "members_member_merge": (OK, OK, DENIED, DENIED),
    "members_store_changelist": (OK, OK, DENIED, OK),
    "members_store_add": (OK, DENIED, DENIED, DENIED),
    "members_tier_change": (OK, OK, DENIED, OK),
    "members_tierchange_changelist": (OK, OK, DENIED, DENIED),
    "members_cardevent_changelist": (OK, OK, DENIED, DENIED),
    "members_auditentry_changelist": (OK, OK, DENIED, DENIED),
    "auth_user_changelist": (OK, DENIED, DENIED, DENIED),
    "auth_user_add": (OK, DENIED, DENIED, DENIED),
}


@pytest.fixture
def url_args(member, basic_tier):
    return {
        "members_member_change": [member.pk],
        "members_tier_change": [basic_tier.pk],
    }


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize("page_name", PAGES)
def test_each_role_is_allowed_or_refused_each_admin_page(
    request, client_for, url_args, page_name, role_index
) -> None:
    user = request.getfixturevalue(ROLES[role_index])

    response = client_for(user).get(page(page_name, *url_args.get(page_name, [])))

    assert response.status_code == PAGES[page_name][role_index]


@pytest.mark.parametrize("page_name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(url_args, page_name) -> None:
    url = page(page_name, *url_args.get(page_name, []))

    response = Client().get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_cashier_posting_to_the_member_page_is_refused_and_nothing_changes(
    client_for, cashier, member
) -> None:
    response = client_for(cashier).post(
        page("members_member_change", member.pk),
        {
            "birth_month": "5",
            "birth_day": "1",
            "status": "frozen",
            "home_store": member.home_store_id,
        },
    )

    member.refresh_from_db()
    assert response.status_code == 403
    assert (member.status, member.birth_month) == (Member.Status.ACTIVE, None)


def test_marketing_changes_a_tier_but_cannot_add_a_store(
    client_for, marketing, basic_tier
) -> None:
    client = client_for(marketing)

    changed = client.post(
        page("members_tier_change", basic_tier.pk),
        {
            "code": "basic",
            "name": "普通",
            "rank": 0,
            "basis": "rolling",
            "window_months": 12,
            "entry_threshold": "0",
            "retain_threshold": "0",
            "multiplier": "1",
            "discount_percent": "0",
            "birthday_bonus": 100,
        },
    )
    refused = client.post(page("members_store_add"), {"code": "S099", "name": "X"})

    basic_tier.refresh_from_db()
    assert changed.status_code == 302
    assert (basic_tier.name, basic_tier.birthday_bonus) == ("普通", 100)
    assert refused.status_code == 403
    assert not Store.objects.filter(code="S099").exists()


def test_a_store_manager_cannot_add_a_staff_user(client_for, store_manager) -> None:
    users_before = get_user_model().objects.count()

    response = client_for(store_manager).post(
        page("auth_user_add"),
        {
            "username": "intruder",
            "password1": "x-Long-pass-1",
            "password2": "x-Long-pass-1",
        },
    )

    assert response.status_code == 403
    assert get_user_model().objects.count() == users_before


def test_nobody_deletes_a_member_or_history_in_the_admin(
    client_for, hq_admin, member
) -> None:
    client = client_for(hq_admin)

    deleted = client.post(page("members_member_delete", member.pk), {"post": "yes"})

    assert deleted.status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()
    assert (
        "delete_selected"
        not in client.get(page("members_member_changelist"))
        .context["action_form"]
        .fields["action"]
        .choices.__str__()
    )


def test_head_office_staff_cannot_make_themselves_superuser(
    client_for, hq_admin
) -> None:
    response = client_for(hq_admin).get(page("auth_user_change", hq_admin.pk))

    assert "is_superuser" not in response.context["adminform"].form.fields


def test_head_office_assigns_a_staff_users_store_on_the_user_page(
    client_for, hq_admin, cashier, other_store
) -> None:
    client = client_for(hq_admin)
    url = page("auth_user_change", cashier.pk)
    form = client.get(url)

    response = client.post(
        url, change_form_data(form, **{"staff_profile-0-store": other_store.pk})
    )

    cashier.staff_profile.refresh_from_db()
    assert response.status_code == 302
    assert cashier.staff_profile.store == other_store
