"""The staff roles made by members' data migration, and its grant helpers."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission

from members.roles import (
    ROLE_CASHIER,
    ROLE_HQ,
    ROLE_MARKETING,
    ROLE_STORE_MANAGER,
    ROLES,
    grant_permissions,
    revoke_permissions,
)
from tests.factories import ensure_roles

pytestmark = pytest.mark.django_db

OWN_APPS = ("members", "auth", "django_celery_beat")
migration = importlib.import_module("members.migrations.0002_staff_roles")


def granted(role: str) -> set[str]:
    """The role's permissions from members, auth and beat (other apps add theirs)."""
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role)
        .permissions.filter(content_type__app_label__in=OWN_APPS)
        .values_list("content_type__app_label", "codename")
    }


def every_permission_of(app_label: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for codename in Permission.objects.filter(
            content_type__app_label=app_label
        ).values_list("codename", flat=True)
    }


@pytest.fixture(autouse=True)
def roles() -> None:
    ensure_roles()


def test_the_four_roles_exist_under_their_stable_names() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "总部管理员",
        "店长",
        "收银员",
        "市场",
    }
    assert ROLES == (ROLE_HQ, ROLE_STORE_MANAGER, ROLE_CASHIER, ROLE_MARKETING)


def test_head_office_holds_every_members_beat_and_user_permission() -> None:
    users_and_groups = {
        f"auth.{verb}_{model}"
        for verb in ("add", "change", "delete", "view")
        for model in ("user", "group")
    }

    assert granted(ROLE_HQ) == (
        every_permission_of("members")
        | every_permission_of("django_celery_beat")
        | users_and_groups
    )
    assert {"members.reveal_pii", "members.manage_cards", "members.merge_members"} <= (
        granted(ROLE_HQ)
    )


def test_a_store_manager_runs_members_and_cards_but_not_stores_or_staff() -> None:
    assert granted(ROLE_STORE_MANAGER) == {
        "members.view_member",
        "members.add_member",
        "members.change_member",
        "members.view_store",
        "members.view_tier",
        "members.change_tier",
        "members.view_tierchange",
        "members.view_cardevent",
        "members.view_auditentry",
        "members.reveal_pii",
        "members.manage_cards",
        "members.merge_members",
    }


def test_a_cashier_only_views_members() -> None:
    assert granted(ROLE_CASHIER) == {"members.view_member"}


def test_marketing_views_members_and_stores_and_edits_tiers() -> None:
    assert granted(ROLE_MARKETING) == {
        "members.view_member",
        "members.view_store",
        "members.view_tier",
        "members.change_tier",
    }


def test_another_apps_migration_can_grant_and_revoke_its_permissions() -> None:
    cashier = Group.objects.get(name=ROLE_CASHIER)
    grants = {ROLE_CASHIER: ["members.view_store", "members.view_tier"]}

    grant_permissions(django_apps, grants)
    assert granted(ROLE_CASHIER) == {
        "members.view_member",
        "members.view_store",
        "members.view_tier",
    }

    revoke_permissions(django_apps, grants)
    assert granted(ROLE_CASHIER) == {"members.view_member"}
    assert Group.objects.get(name=ROLE_CASHIER) == cashier


def test_granting_a_misspelt_permission_fails_loudly_and_grants_nothing() -> None:
    with pytest.raises(LookupError):
        grant_permissions(django_apps, {ROLE_CASHIER: ["members.view_membre"]})

    assert granted(ROLE_CASHIER) == {"members.view_member"}


def test_the_roles_migration_reverses_by_removing_the_groups_and_reapplies() -> None:
    migration.remove_roles(django_apps, None)
    assert not Group.objects.filter(name__in=ROLES).exists()

    ensure_roles()
    assert Group.objects.filter(name__in=ROLES).count() == 4
    assert granted(ROLE_CASHIER) == {"members.view_member"}
