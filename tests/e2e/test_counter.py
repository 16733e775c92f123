"""The counter page in a real browser: a cashier serves a member with the
keyboard alone, as with a barcode scanner (digits, then Enter)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Request, expect

from members.models import Store
from members.roles import ROLE_CASHIER
from members.services import member_enrol
from points.models import LedgerEntry, ProgrammeRules, Purchase
from points.services import points_open_balance
from tests.factories import STAFF_PASSWORD, TierFactory, UserFactory, ensure_roles

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # whitenoise looks for STATIC_ROOT, which only collectstatic creates.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_cashier_records_a_sale_paid_with_points_once_despite_a_double_enter(
    live_server, browser_page: Page
) -> None:
    # given the demo rules (100 points = 1 yuan, at most 50 %, orders ≥ 200),
    # a member of S001 with 20000 points and a cashier of S001
    ProgrammeRules.objects.create()
    TierFactory(code="basic", name="普通会员", rank=0)
    store = Store.objects.create(code="S001", name="总店")
    member = member_enrol(phone="13812345678", name="张三丰", home_store=store)
    points_open_balance(
        member=member, points=20000, expires_at=None, reference="old-system"
    )
    ensure_roles()
    UserFactory(username="till1", roles=[ROLE_CASHIER], store=store)
    page = browser_page
    purchase_posts: list[str] = []

    def count_purchase_posts(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(
            reverse("counter:purchase")
        ):
            purchase_posts.append(request.url)

    page.on("request", count_purchase_posts)

    # when the cashier opens the counter, logs in through the admin login form
    page.goto(live_server.url + reverse("counter:page"))
    expect(page).to_have_url(re.compile(re.escape(reverse("admin:login")) + r"\?"))
    page.fill("#id_username", "till1")
    page.fill("#id_password", STAFF_PASSWORD)
    page.press("#id_password", "Enter")

    # then the counter opens in zh-hans with the scan field focused
    expect(page).to_have_url(re.compile(re.escape(reverse("counter:page")) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    scan = page.locator("#id_q")
    expect(scan).to_be_focused()

    # when the card is scanned (digits, then Enter)
    page.keyboard.type(member.card_no)
    page.keyboard.press("Enter")

    # then the member shows masked, with the usable balance
    card = page.locator("#member-card")
    expect(card).to_be_visible()
    expect(card.locator("[data-m=name]")).to_have_text("张*")
    expect(card.locator("[data-m=phone]")).to_have_text("138****5678")
    expect(card.locator("[data-m=card_no]")).to_have_text(member.card_no)
    expect(card.locator("[data-m=usable]")).to_have_text("20000")
    expect(card).not_to_contain_text("张三丰")
    expect(card).not_to_contain_text("13812345678")

    # when the receipt and 300.00 are typed and F2 takes the most points
    expect(page.locator("#sale_receipt_no")).to_be_focused()
    page.keyboard.type("R0001")
    page.keyboard.press("Tab")
    page.keyboard.type("300.00")
    page.keyboard.press("F2")
    points = page.locator("#sale_points_used")
    expect(points).to_have_value("15000")
    expect(page.locator("#preview")).to_contain_text("15000")
    expect(page.locator("#preview")).to_contain_text("150.00")

    # and Enter is pressed twice in a row
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")

    # then the sale shows once: 150 points earned on the 150.00 not paid with
    # points, 15000 used, 5150 left, and the counter waits for the next customer
    result = page.locator("#purchase-result")
    expect(result).to_be_visible()
    expect(result.locator("[data-r=points_earned]")).to_have_text("150")
    expect(result.locator("[data-r=points_used]")).to_have_text("15000")
    expect(result.locator("[data-r=points_value]")).to_have_text("150.00")
    expect(result.locator("[data-r=balance]")).to_have_text("5150")
    expect(page.locator("#replayed-note")).to_be_hidden()
    expect(page.locator("#member-card")).to_be_hidden()
    expect(scan).to_be_focused()
    expect(page.locator("#lookup-message")).to_be_hidden()
    assert len(purchase_posts) == 1
    purchase = Purchase.objects.get()
    assert (purchase.receipt_no, purchase.points_used, purchase.points_earned) == (
        "R0001",
        15000,
        150,
    )
    assert LedgerEntry.objects.filter(purchase=purchase).count() == 2
    member.refresh_from_db()
    assert member.balance == 5150


def test_cashier_sees_a_refused_points_amount_inline_and_nothing_is_recorded(
    live_server, browser_page: Page
) -> None:
    # given a member with 20000 points and a logged-in cashier at the counter
    ProgrammeRules.objects.create()
    TierFactory(code="basic", name="普通会员", rank=0)
    store = Store.objects.create(code="S001", name="总店")
    member = member_enrol(phone="13812345678", name="张三丰", home_store=store)
    points_open_balance(
        member=member, points=20000, expires_at=None, reference="old-system"
    )
    ensure_roles()
    UserFactory(username="till1", roles=[ROLE_CASHIER], store=store)
    page = browser_page
    page.goto(live_server.url + reverse("counter:page"))
    page.fill("#id_username", "till1")
    page.fill("#id_password", STAFF_PASSWORD)
    page.press("#id_password", "Enter")
    expect(page.locator("#id_q")).to_be_focused()

    # when the member is found by phone and 15050 points are typed (not in steps of 100)
    page.keyboard.type("13812345678")
    page.keyboard.press("Enter")
    expect(page.locator("#sale_receipt_no")).to_be_focused()
    page.keyboard.type("R0002")
    page.keyboard.press("Tab")
    page.keyboard.type("300.00")
    page.keyboard.press("Tab")
    page.keyboard.type("15050")
    page.keyboard.press("Enter")

    # then the error shows in the form, the points field is focused again,
    # the member stays on screen and nothing is recorded
    message = page.locator("#purchase-message")
    expect(message).to_be_visible()
    expect(message).to_have_class(re.compile(r"\berror\b"))
    expect(message).not_to_be_empty()
    expect(page.locator("#sale_points_used")).to_be_focused()
    expect(page.locator("#member-card")).to_be_visible()
    expect(page.locator("#result")).to_be_hidden()
    assert Purchase.objects.count() == 0
    member.refresh_from_db()
    assert member.balance == 20000
