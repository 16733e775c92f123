"""factory_boy factories shared by the suite.

Members are built directly (not through member_enrol) so a test states exactly
the rows it needs; tests of enrolment call the service.
"""

import importlib
from types import SimpleNamespace
from typing import Any

import factory
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from members.cards import random_card_no
from members.models import Member, StaffProfile, Store, Tier
from members.roles import ROLES

STAFF_PASSWORD = "staff-pass-2026"


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n + 1:03d}")
    name = factory.LazyAttribute(lambda store: f"Store {store.code}")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tier{n}")
    name = factory.LazyAttribute(lambda tier: tier.code.title())
    rank = factory.Sequence(lambda n: n)


def _unique_card_no() -> str:
    while True:
        card_no = random_card_no()
        if not Member.objects.filter(card_no=card_no).exists():
            return card_no


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    card_no = factory.LazyFunction(_unique_card_no)
    # 138 + 8 digits: a valid CN mobile, unique per test session.
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    name = factory.Sequence(lambda n: f"会员{n}")
    home_store = factory.SubFactory(StoreFactory)
    tier = factory.SubFactory(TierFactory)


# The data migrations that build the role groups and grant them permissions.
ROLE_MIGRATIONS = [
    ("members.migrations.0002_staff_roles", "create_roles"),
    ("points.migrations.0003_counter_permission_roles", "grant"),
    ("points.migrations.0004_role_points_permissions", "grant"),
]


def ensure_roles() -> None:
    """The role groups come from data migrations; a transactional test
    elsewhere in the run may have flushed them, so re-run those steps."""
    if Group.objects.filter(name__in=ROLES).count() == len(ROLES):
        return
    schema_editor = SimpleNamespace(connection=SimpleNamespace(alias="default"))
    for module, function in ROLE_MIGRATIONS:
        getattr(importlib.import_module(module), function)(django_apps, schema_editor)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", STAFF_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or not extracted:
            return
        ensure_roles()
        self.groups.add(*Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def store(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """`store=<Store>` makes store staff; `store=None` (default) head office."""
        if create and extracted is not None:
            StaffProfile.objects.create(user=self, store=extracted)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any) -> None:
        if create:
            instance.save()
