"""Fixtures for the members tests: two stores, two tiers, one user per role."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from members.models import Member, Store, Tier
from members.roles import ROLE_CASHIER, ROLE_HQ, ROLE_MARKETING, ROLE_STORE_MANAGER
from tests.factories import MemberFactory, StoreFactory, TierFactory, UserFactory


@pytest.fixture
def store() -> Store:
    return StoreFactory(code="S001", name="总店")


@pytest.fixture
def other_store() -> Store:
    return StoreFactory(code="S002", name="东门店")


@pytest.fixture
def basic_tier() -> Tier:
    return TierFactory(code="basic", name="普通会员", rank=0)


@pytest.fixture
def gold_tier() -> Tier:
    return TierFactory(code="gold", name="金卡会员", rank=2)


@pytest.fixture
def member(store: Store, basic_tier: Tier) -> Member:
    return MemberFactory(
        phone="+8613987654321", name="张三丰", home_store=store, tier=basic_tier
    )


@pytest.fixture
def hq_admin():
    return UserFactory(username="hq", roles=[ROLE_HQ])


@pytest.fixture
def store_manager(store: Store):
    return UserFactory(username="manager", roles=[ROLE_STORE_MANAGER], store=store)


@pytest.fixture
def cashier(store: Store):
    return UserFactory(username="cashier", roles=[ROLE_CASHIER], store=store)


@pytest.fixture
def marketing():
    return UserFactory(username="marketing", roles=[ROLE_MARKETING])


@pytest.fixture
def clerk_without_reveal(store: Store):
    """May view and edit members of S001, but not reveal their phone and name."""
    user = UserFactory(username="clerk", store=store)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="members",
            codename__in=["view_member", "change_member"],
        )
    )
    return user


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """A logged-in test client that asks for English pages."""

    def make(user) -> Client:
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        return client

    return make
