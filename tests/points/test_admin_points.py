"""The points admin: a read-only ledger, the member page's points, adjustments,
refunds, programme rules and terminals. Fixtures of the programme come from
tests/points/conftest.py."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from members.models import Store
from members.roles import ROLE_CASHIER, ROLE_HQ, ROLE_STORE_MANAGER
from points.models import Adjustment, LedgerEntry, ProgrammeRules, Purchase, Terminal
from points.terminals import key_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(store: Store) -> Callable[..., tuple[Client, User]]:
    def make(
        role: str, *, username: str, at_store: Store | None = None
    ) -> tuple[Client, User]:
        user = UserFactory(username=username, roles=[role], store=at_store)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client, user

    return make


@pytest.fixture
def manager_client(staff_client, store):  # type: ignore[no-untyped-def]
    return staff_client(ROLE_STORE_MANAGER, username="mgr", at_store=store)


@pytest.fixture
def cashier_client(staff_client, store):  # type: ignore[no-untyped-def]
    return staff_client(ROLE_CASHIER, username="till", at_store=store)


@pytest.fixture
def hq_client(staff_client):  # type: ignore[no-untyped-def]
    return staff_client(ROLE_HQ, username="hq")


def test_ledger_cannot_be_added_changed_or_deleted_in_the_admin(
    hq_client, member, buy, unchanged
):
    client, _user = hq_client
    entry = buy(member, "258.00").purchase.entries.get()
    before = unchanged()

    add = client.get(reverse("admin:points_ledgerentry_add"))
    change = client.post(
        reverse("admin:points_ledgerentry_change", args=[entry.pk]),
        {"points": "9999", "balance_after": "9999"},
    )
    delete = client.post(
        reverse("admin:points_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    listing = client.get(reverse("admin:points_ledgerentry_changelist"))

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert listing.status_code == 200
    assert b'name="action"' not in listing.content  # no delete action
    assert unchanged() == before


def test_ledger_changelist_query_count_does_not_grow_with_rows(
    hq_client, make_member, buy, django_assert_num_queries
):
    client, _user = hq_client
    url = reverse("admin:points_ledgerentry_changelist")
    members = [make_member() for _ in range(3)]
    for member in members:
        buy(member, "10.00")
    client.get(url)  # warm the session and content types
    with django_assert_num_queries(8) as few:
        client.get(url)
    for member in members * 20:
        buy(member, "10.00")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in few.captured_queries if "COUNT(" in q["sql"]]
    # Only the look-ahead paginator counts, and only over a LIMITed window.
    assert all("LIMIT" in sql for sql in counts)


def test_member_page_shows_usable_balance_and_open_lots(manager_client, member, give):
    client, _user = manager_client
    give(member, 1200)

    response = client.get(reverse("admin:members_member_change", args=[member.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>1200</strong> usable points" in html
    assert "open lots (spent earliest expiry first)" in html.lower()
    assert "Adjust points" in html


def test_small_adjustment_is_posted_at_once(manager_client, member, english):
    client, user = manager_client

    response = client.post(
        reverse("admin:members_member_adjust_points", args=[member.pk]),
        {"points": "300", "reason_code": "goodwill", "note": "complaint 42"},
    )

    assert response.status_code == 302
    adjustment = Adjustment.objects.get()
    assert adjustment.status == Adjustment.Status.POSTED
    assert adjustment.entry.points == 300
    assert adjustment.requested_by == user
    member.refresh_from_db()
    assert member.balance == 300


def test_large_adjustment_waits_for_another_person(
    manager_client, staff_client, member
):
    client, _user = manager_client

    client.post(
        reverse("admin:members_member_adjust_points", args=[member.pk]),
        {"points": "5000", "reason_code": "correction", "note": "old system"},
    )
    adjustment = Adjustment.objects.get()
    own = client.post(
        reverse("admin:points_adjustment_changelist"),
        {"action": "approve", "_selected_action": [adjustment.pk]},
    )
    adjustment.refresh_from_db()
    status_after_own_approval = adjustment.status

    other, approver = staff_client(ROLE_HQ, username="approver")
    other.post(
        reverse("admin:points_adjustment_changelist"),
        {"action": "approve", "_selected_action": [adjustment.pk]},
    )
    adjustment.refresh_from_db()
    member.refresh_from_db()

    assert own.status_code == 302
    assert status_after_own_approval == Adjustment.Status.PENDING
    assert adjustment.status == Adjustment.Status.POSTED
    assert adjustment.decided_by == approver
    assert member.balance == 5000


def test_cashier_cannot_adjust_points(cashier_client, member, unchanged):
    client, _user = cashier_client
    before = unchanged()

    response = client.post(
        reverse("admin:members_member_adjust_points", args=[member.pk]),
        {"points": "300", "reason_code": "goodwill", "note": "x"},
    )

    assert response.status_code == 403
    assert Adjustment.objects.count() == 0
    assert unchanged() == before


def test_refund_from_the_admin_reverses_in_proportion(manager_client, member, buy):
    client, _user = manager_client
    purchase = buy(member, "258.00").purchase
    url = reverse("admin:points_purchase_refund", args=[purchase.pk])

    first = client.post(url, {"refund_no": "F1", "amount": "100.00"})
    too_much = client.post(url, {"refund_no": "F2", "amount": "158.01"})

    purchase.refresh_from_db()
    member.refresh_from_db()
    assert first.status_code == 302
    assert too_much.status_code == 200
    assert (
        "At most 158.00 yuan of this receipt is left to refund."
        in too_much.content.decode()
    )
    assert purchase.refunded_amount == Decimal("100.00")
    assert purchase.points_reversed == 100
    assert member.balance == 158


def test_programme_rules_open_on_their_single_row_and_keep_history(hq_client, rules):
    client, _user = hq_client

    listing = client.get(reverse("admin:points_programmerules_changelist"))
    url = reverse("admin:points_programmerules_change", args=[rules.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {
        k: ("on" if v is True else "" if v in (None, False) else v)
        for k, v in data.items()
    }
    data["pay_min_order"] = "300.00"
    saved = client.post(url, data)

    assert listing.status_code == 302
    assert listing["Location"] == url
    assert saved.status_code == 302
    assert ProgrammeRules.objects.get().pay_min_order == Decimal("300.00")
    assert LogEntry.objects.filter(object_id=str(rules.pk)).exists()


def test_new_terminal_shows_its_key_once_and_keeps_only_a_hash(hq_client, store):
    client, _user = hq_client

    response = client.post(
        reverse("admin:points_terminal_add"),
        {"name": "Till 1", "store": store.pk, "active": "on"},
        follow=True,
    )

    terminal = Terminal.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) >= 1
    key = next(
        word for text in shown for word in text.split() if word.startswith("jf_")
    )
    assert terminal.key_hash == key_hash(key)
    assert key not in terminal.key_hash
    again = client.get(reverse("admin:points_terminal_change", args=[terminal.pk]))
    assert key not in again.content.decode()


def test_purchase_admin_finds_a_receipt_by_its_number(manager_client, member, buy):
    client, _user = manager_client
    buy(member, "10.00", receipt_no="R-777")
    buy(member, "11.00", receipt_no="R-778")

    response = client.get(reverse("admin:points_purchase_changelist"), {"q": "R-777"})

    assert list(response.context["cl"].result_list) == [
        Purchase.objects.get(receipt_no="R-777")
    ]
    assert LedgerEntry.objects.count() == 2
