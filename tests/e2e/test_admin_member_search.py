import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from members.demo import seed_members, seed_staff, seed_stores_and_tiers
from members.models import Store
from members.services import member_enrol

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # whitenoise looks for STATIC_ROOT, which only collectstatic creates.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", settings.JIFEN_DEMO_PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(reverse("admin:index")) + "$"))


def test_store_manager_finds_a_member_by_phone_and_sees_the_phone_masked(
    live_server, browser_page: Page
) -> None:
    # given the demo programme and a member of S001 with a known phone
    seed_stores_and_tiers()
    seed_staff()
    seed_members(count=20)
    member = member_enrol(
        phone="13812345678", name="张伟", home_store=Store.objects.get(code="S001")
    )
    page = browser_page

    # when the store manager searches the members by phone and opens the result
    log_in(page, live_server.url, "manager")
    page.goto(live_server.url + reverse("admin:members_member_changelist"))
    page.fill("#searchbar", "13812345678")
    page.press("#searchbar", "Enter")

    # then the admin speaks zh-hans and lists the member with the phone masked
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#changelist-search input[type=submit]")).to_have_value("搜索")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("138****5678")
    expect(rows.first).not_to_contain_text("13812345678")

    rows.first.locator("a").first.click()
    change_url = reverse("admin:members_member_change", args=[member.pk])
    expect(page).to_have_url(re.compile(re.escape(change_url) + r"(\?.*)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".breadcrumbs")).to_contain_text("首页")
