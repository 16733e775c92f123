"""The cashier's counter page (/counter/) and its JSON endpoints, through the
Django test client: who may use it, at which store, member lookup, the
points preview, purchases (with their replay) and refunds."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Store
from members.roles import ROLE_CASHIER, ROLE_HQ, ROLE_MARKETING, ROLE_STORE_MANAGER
from members.services import member_enrol
from points.models import LedgerEntry, ProgrammeRules, Purchase, Refund
from points.views import SESSION_STORE_KEY
from tests.factories import UserFactory, ensure_roles
from tests.points.helpers import local, reload

pytestmark = [
    # whitenoise looks for STATIC_ROOT, which only collectstatic creates.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

PAGE = reverse("counter:page")
MEMBER = reverse("counter:member")
PREVIEW = reverse("counter:preview")
PURCHASE = reverse("counter:purchase")
REFUND = reverse("counter:refund")
STORE = reverse("counter:store")


@pytest.fixture
def counter_cashier(store: Store) -> User:
    ensure_roles()
    return UserFactory(username="till1", roles=[ROLE_CASHIER], store=store)


@pytest.fixture
def till(client: Client, counter_cashier: User) -> Client:
    client.force_login(counter_cashier)
    return client


@pytest.fixture
def shopper(rules: ProgrammeRules, tiers: dict, store: Store) -> Member:
    return member_enrol(phone="13812345678", name="张三丰", home_store=store)


def json_of(response: Any) -> dict[str, Any]:
    return json.loads(response.content)


def buy(client: Client, member: Member, **fields: Any) -> Any:
    data = {"member": member.pk, "receipt_no": "R0001", "amount": "300.00"}
    data.update(fields)
    return client.post(PURCHASE, data, **EN)


# --- who may use the counter ----------------------------------------------------
def test_anonymous_visitor_is_sent_to_the_admin_login(client: Client) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/counter/"


def test_anonymous_api_call_is_answered_in_json_and_writes_nothing(
    client: Client, shopper: Member
) -> None:
    response = buy(client, shopper)

    assert response.status_code == 401
    assert json_of(response)["error"]["code"] == "not_authenticated"
    assert Purchase.objects.count() == 0


def test_cashier_manager_and_head_office_roles_may_use_the_counter(db: None) -> None:
    ensure_roles()

    holders = set(
        Group.objects.filter(
            permissions__codename="use_counter",
            permissions__content_type__app_label="points",
        ).values_list("name", flat=True)
    )

    assert holders == {ROLE_CASHIER, ROLE_STORE_MANAGER, ROLE_HQ}
    assert ROLE_MARKETING not in holders


def test_staff_without_the_counter_permission_is_refused_and_nothing_is_written(
    client: Client, store: Store, shopper: Member, unchanged: Callable[[], Any]
) -> None:
    # given a marketing user (staff, a store, but no counter permission)
    ensure_roles()
    client.force_login(UserFactory(roles=[ROLE_MARKETING], store=store))
    before = unchanged()

    page = client.get(PAGE, **EN)
    lookup = client.get(MEMBER, {"q": shopper.card_no}, **EN)
    purchase = buy(client, shopper)

    assert page.status_code == 403
    assert "You do not have permission to use the counter." in page.content.decode()
    assert lookup.status_code == 403
    assert purchase.status_code == 403
    assert json_of(purchase)["error"] == {
        "code": "permission_denied",
        "message": "You do not have permission to use the counter. Ask a store "
        "manager to add you to the cashiers.",
        "fields": {},
    }
    assert Purchase.objects.count() == 0
    assert unchanged() == before


def test_cashier_of_a_closed_store_is_refused(
    till: Client, store: Store, shopper: Member
) -> None:
    store.active = False
    store.save(update_fields=["active"])

    page = till.get(PAGE, **EN)
    purchase = buy(till, shopper)

    assert page.status_code == 403
    assert "not linked to an open store" in page.content.decode()
    assert purchase.status_code == 403
    assert json_of(purchase)["error"]["code"] == "no_store"
    assert Purchase.objects.count() == 0


def test_head_office_picks_a_store_which_the_session_remembers(
    client: Client, store: Store, other_store: Store, shopper: Member, give: Any
) -> None:
    # given an HQ admin (no store of their own) and a member with points
    ensure_roles()
    client.force_login(UserFactory(username="hq", roles=[ROLE_HQ]))
    give(shopper, 20000)

    # when they open the counter before choosing, nothing can be recorded
    first = client.get(PAGE, **EN)
    refused = buy(client, shopper)
    assert first.status_code == 200
    assert 'id="counter"' not in first.content.decode()
    assert "Choose the store you are working at" in first.content.decode()
    assert refused.status_code == 403
    assert json_of(refused)["error"]["code"] == "no_store"

    # when they choose S002, the page and the purchase use it
    chosen = client.post(STORE, {"store": other_store.pk})
    assert chosen.status_code == 302
    assert chosen["Location"] == PAGE
    assert client.session[SESSION_STORE_KEY] == other_store.pk
    page = client.get(PAGE, **EN)
    assert 'id="counter"' in page.content.decode()
    recorded = buy(client, shopper)

    # then the purchase is S002's
    assert recorded.status_code == 201
    assert Purchase.objects.get().store == other_store


def test_store_staff_cannot_switch_to_another_store(
    till: Client, other_store: Store, shopper: Member
) -> None:
    response = till.post(STORE, {"store": other_store.pk}, **EN)

    assert response.status_code == 403
    assert SESSION_STORE_KEY not in till.session
    buy(till, shopper, amount="50.00")
    assert Purchase.objects.get().store.code == "S001"


def test_the_page_is_in_zh_hans_by_default_and_english_on_request(
    till: Client,
) -> None:
    default = till.get(PAGE)
    english = till.get(PAGE, **EN)

    assert default.status_code == 200
    assert '<html lang="zh-hans">' in default.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "Record sale" in english.content.decode()


def test_the_api_refuses_a_post_without_the_csrf_token(
    counter_cashier: User, shopper: Member
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(counter_cashier)

    response = buy(browser, shopper)

    assert response.status_code == 403
    assert Purchase.objects.count() == 0


# --- finding the member ------------------------------------------------------------
def test_lookup_by_card_number_shows_the_member_masked(
    till: Client, shopper: Member, give: Any
) -> None:
    give(shopper, 20000)

    response = till.get(MEMBER, {"q": shopper.card_no}, **EN)

    assert response.status_code == 200
    assert json_of(response) == {
        "member": {
            "id": shopper.pk,
            "card_no": shopper.card_no,
            "name": "张*",
            "phone": "138****5678",
            "tier": "普通会员",
            "discount_percent": "0",
            "status": "active",
            "status_display": "Active",
            "active": True,
            "card_lost": False,
            "balance": 20000,
            "usable": 20000,
            "expiring_total": 0,
            "expiring": [],
        }
    }
    assert "张三丰" not in response.content.decode("utf-8")
    assert "13812345678" not in response.content.decode("utf-8")


def test_lookup_by_phone_finds_the_member_and_shows_tier_and_discount(
    till: Client, shopper: Member, tiers: dict
) -> None:
    shopper.tier = tiers["gold"]
    shopper.save(update_fields=["tier"])

    response = till.get(MEMBER, {"q": "138 1234 5678"}, **EN)

    found = json_of(response)["member"]
    assert (found["id"], found["tier"], found["discount_percent"]) == (
        shopper.pk,
        "金卡会员",
        "10",
    )


def test_lookup_of_an_unknown_number_says_so(till: Client, shopper: Member) -> None:
    response = till.get(MEMBER, {"q": "13900000000"}, **EN)

    assert response.status_code == 404
    assert json_of(response)["error"] == {
        "code": "member_not_found",
        "message": "No member has that card number or phone.",
        "fields": {},
    }


def test_lookup_of_a_lost_card_is_refused_but_the_phone_still_finds_the_member(
    till: Client, shopper: Member
) -> None:
    shopper.card_lost_at = timezone.now()
    shopper.save(update_fields=["card_lost_at"])

    by_card = till.get(MEMBER, {"q": shopper.card_no}, **EN)
    by_phone = till.get(MEMBER, {"q": "13812345678"}, **EN)

    assert by_card.status_code == 409
    assert json_of(by_card)["error"]["code"] == "card_lost"
    assert json_of(by_card)["error"]["message"] == (
        "This card has been reported lost. Find the member by phone and replace "
        "the card."
    )
    assert by_phone.status_code == 200
    assert json_of(by_phone)["member"]["card_lost"] is True


def test_lookup_lists_the_points_expiring_within_30_days(
    till: Client, shopper: Member, give: Any
) -> None:
    with time_machine.travel(local(2026, 6, 1, 10, 0), tick=False):
        # given 1200 points usable until 2026-06-15, 300 until 2026-08-31, 5000 never
        give(shopper, 1200, expires_at=local(2026, 6, 16))
        give(shopper, 300, expires_at=local(2026, 9, 1))
        give(shopper, 5000)

        response = till.get(MEMBER, {"q": shopper.card_no}, **EN)

    found = json_of(response)["member"]
    assert (found["balance"], found["usable"], found["expiring_total"]) == (
        6500,
        6500,
        1200,
    )
    assert found["expiring"] == [{"date": "2026-06-15", "points": 1200}]


# --- the points preview -----------------------------------------------------------------
def test_preview_shows_the_most_points_the_order_may_use(
    till: Client, shopper: Member, give: Any
) -> None:
    give(shopper, 20000)

    response = till.get(PREVIEW, {"member": shopper.pk, "amount": "300.00"}, **EN)

    assert json_of(response) == {
        "amount": "300.00",
        "max_points": 15000,
        "max_value": "150.00",
        "usable": 20000,
        "text": "Up to 15000 points usable (worth 150.00 yuan)",
    }


def test_preview_is_capped_by_the_usable_balance_in_whole_steps(
    till: Client, shopper: Member, give: Any
) -> None:
    give(shopper, 4250)

    response = till.get(PREVIEW, {"member": shopper.pk, "amount": "300.00"}, **EN)

    assert (json_of(response)["max_points"], json_of(response)["text"]) == (
        4200,
        "Up to 4200 points usable (worth 42.00 yuan)",
    )


def test_preview_explains_an_order_below_the_minimum(
    till: Client, shopper: Member, give: Any
) -> None:
    give(shopper, 20000)

    response = till.get(PREVIEW, {"member": shopper.pk, "amount": "199.99"}, **EN)

    assert json_of(response)["max_points"] == 0
    assert json_of(response)["text"] == (
        "Points can pay only orders of at least 200.00 yuan."
    )


def test_preview_of_a_bad_amount_is_an_error(till: Client, shopper: Member) -> None:
    response = till.get(PREVIEW, {"member": shopper.pk, "amount": "3.001"}, **EN)

    assert response.status_code == 400
    assert json_of(response)["error"]["message"] == (
        "The amount can have at most two decimals."
    )


# --- purchases ------------------------------------------------------------------------------
def test_purchase_with_points_earns_on_the_rest_and_shows_the_new_balance(
    till: Client, counter_cashier: User, store: Store, shopper: Member, give: Any
) -> None:
    # given 20000 points; when 300.00 is paid 150.00 in points (15000)
    give(shopper, 20000)

    response = buy(till, shopper, points_used="15000")

    # then the other 150.00 earns 150 points and the balance is 5150
    assert response.status_code == 201
    assert json_of(response) == {
        "replayed": False,
        "receipt_no": "R0001",
        "amount": "300.00",
        "points_used": 15000,
        "points_value": "150.00",
        "points_earned": 150,
        "balance": 5150,
        "member": {"card_no": shopper.card_no, "name": "张*"},
    }
    purchase = Purchase.objects.get()
    assert (purchase.store, purchase.operator, purchase.receipt_no) == (
        store,
        counter_cashier,
        "R0001",
    )
    assert reload(shopper).balance == 5150
    assert list(
        LedgerEntry.objects.filter(purchase=purchase)
        .order_by("id")
        .values_list("kind", "points", "operator__username", "store__code")
    ) == [("pay", -15000, "till1", "S001"), ("earn", 150, "till1", "S001")]


def test_purchase_without_points_leaves_points_used_empty(
    till: Client, shopper: Member
) -> None:
    response = buy(till, shopper, amount="88.50", points_used="")

    assert response.status_code == 201
    assert (json_of(response)["points_earned"], json_of(response)["balance"]) == (
        88,
        88,
    )
    assert json_of(response)["points_used"] == 0


def test_the_same_purchase_posted_twice_replays_the_first_result_and_writes_once(
    till: Client, shopper: Member, give: Any
) -> None:
    give(shopper, 20000)
    first = buy(till, shopper, points_used="15000")
    entries = LedgerEntry.objects.count()

    again = buy(till, shopper, points_used="15000")

    assert again.status_code == 200
    assert json_of(again) == {**json_of(first), "replayed": True}
    assert Purchase.objects.count() == 1
    assert LedgerEntry.objects.count() == entries
    assert reload(shopper).balance == 5150


def test_the_same_receipt_with_another_amount_is_a_conflict_and_changes_nothing(
    till: Client, shopper: Member, give: Any, unchanged: Callable[[], Any]
) -> None:
    give(shopper, 20000)
    buy(till, shopper, points_used="15000")
    before = unchanged()

    response = buy(till, shopper, amount="310.00", points_used="15000")

    assert response.status_code == 409
    assert json_of(response)["error"]["code"] == "idempotency_conflict"
    assert unchanged() == before


@pytest.mark.parametrize(
    ("points_used", "code", "message"),
    [
        ("15050", "points_step", "Points are used in multiples of 100."),
        (
            "15100",
            "points_cap_exceeded",
            "This order can use at most 15000 points.",
        ),
        ("abc", "invalid", "Points to use: Enter a whole number."),
    ],
)
def test_points_the_order_cannot_use_are_refused_inline_and_nothing_changes(
    till: Client,
    shopper: Member,
    give: Any,
    unchanged: Callable[[], Any],
    points_used: str,
    code: str,
    message: str,
) -> None:
    give(shopper, 20000)
    before = unchanged()

    response = buy(till, shopper, points_used=points_used)

    assert response.status_code == 400
    error = json_of(response)["error"]
    assert (error["code"], error["message"]) == (code, message)
    assert "points_used" in error["fields"]
    assert Purchase.objects.count() == 0
    assert unchanged() == before


def test_more_points_than_the_member_has_are_refused(
    till: Client, shopper: Member, give: Any, unchanged: Callable[[], Any]
) -> None:
    give(shopper, 1000)
    before = unchanged()

    response = buy(till, shopper, points_used="1100")

    assert response.status_code == 400
    assert json_of(response)["error"]["message"] == (
        "The member has only 1000 usable points."
    )
    assert unchanged() == before


def test_a_frozen_member_cannot_buy_at_the_counter(
    till: Client, shopper: Member, unchanged: Callable[[], Any]
) -> None:
    shopper.status = Member.Status.FROZEN
    shopper.save(update_fields=["status"])
    before = unchanged()

    response = buy(till, shopper)

    assert response.status_code == 400
    assert json_of(response)["error"] == {
        "code": "member_inactive",
        "message": "This member is frozen or closed.",
        "fields": {"member": shopper.card_no},
    }
    assert unchanged() == before


def test_the_purchase_endpoint_only_accepts_post(till: Client, shopper: Member) -> None:
    response = till.get(PURCHASE, {"member": shopper.pk})

    assert response.status_code == 405


# --- refunds ----------------------------------------------------------------------------------
def test_partial_refund_reverses_and_restores_in_proportion(
    till: Client, counter_cashier: User, shopper: Member, give: Any
) -> None:
    # given 300.00 paid with 15000 points (earned 150, balance 5150)
    give(shopper, 20000)
    buy(till, shopper, points_used="15000")

    # when half the receipt is refunded
    response = till.post(
        REFUND, {"receipt_no": "R0001", "refund_no": "T0001", "amount": "150.00"}, **EN
    )

    # then half the earned points go back (75) and half the paid ones return (7500)
    assert response.status_code == 201
    assert json_of(response) == {
        "replayed": False,
        "receipt_no": "R0001",
        "refund_no": "T0001",
        "amount": "150.00",
        "points_reversed": 75,
        "points_restored": 7500,
        "points_restored_expired": 0,
        "balance": 12575,
        "member": {"card_no": shopper.card_no, "name": "张*"},
    }
    refund = Refund.objects.get()
    assert (refund.store.code, refund.operator) == ("S001", counter_cashier)
    assert reload(shopper).balance == 12575


def test_the_same_refund_posted_twice_replays_and_writes_once(
    till: Client, shopper: Member, give: Any
) -> None:
    give(shopper, 20000)
    buy(till, shopper, points_used="15000")
    data = {"receipt_no": "R0001", "refund_no": "T0001", "amount": "300.00"}
    first = till.post(REFUND, data, **EN)

    again = till.post(REFUND, data, **EN)

    assert json_of(first)["balance"] == 20000
    assert again.status_code == 200
    assert json_of(again) == {**json_of(first), "replayed": True}
    assert Refund.objects.count() == 1
    assert reload(shopper).balance == 20000


def test_refund_of_an_unknown_receipt_is_refused_and_changes_nothing(
    till: Client, shopper: Member, give: Any, unchanged: Callable[[], Any]
) -> None:
    give(shopper, 20000)
    before = unchanged()

    response = till.post(
        REFUND, {"receipt_no": "R9999", "refund_no": "T0001", "amount": "10.00"}, **EN
    )

    assert response.status_code == 404
    assert json_of(response)["error"] == {
        "code": "purchase_not_found",
        "message": "No purchase has that receipt number at this store.",
        "fields": {"receipt_no": "R9999"},
    }
    assert unchanged() == before


def test_refund_beyond_the_receipt_is_refused_and_changes_nothing(
    till: Client, shopper: Member, unchanged: Callable[[], Any]
) -> None:
    buy(till, shopper, amount="100.00")
    before = unchanged()

    response = till.post(
        REFUND, {"receipt_no": "R0001", "refund_no": "T0001", "amount": "100.01"}, **EN
    )

    assert response.status_code == 400
    assert json_of(response)["error"]["message"] == (
        "At most 100.00 yuan of this receipt is left to refund."
    )
    assert Decimal(Purchase.objects.get().refunded_amount) == Decimal("0.00")
    assert unchanged() == before
