"""Staff roles: one auth Group per role, created by a data migration.

Code refers to a role by these constants, never by a string typed again.
Each app's data migration grants its own permissions to the roles with
`grant_permissions`, e.g. in a later `points` migration::

    def forwards(apps, schema_editor):
        create_all_permissions(apps)
        grant_permissions(apps, {ROLE_HQ: ["points.*"],
                                 ROLE_STORE_MANAGER: ["points.view_ledgerentry"]})

    def backwards(apps, schema_editor):
        revoke_permissions(apps, {...the same dict...})

These helpers run inside migrations with the historical `apps`: keep their
signatures and behaviour stable, old migrations call them.
"""

from collections.abc import Iterable, Mapping
from typing import Any

ROLE_HQ = "总部管理员"
ROLE_STORE_MANAGER = "店长"
ROLE_CASHIER = "收银员"
ROLE_MARKETING = "市场"
ROLES = (ROLE_HQ, ROLE_STORE_MANAGER, ROLE_CASHIER, ROLE_MARKETING)

Grants = Mapping[str, Iterable[str]]


def create_all_permissions(apps: Any, using: str = "default") -> None:
    """Create the permissions of every model known to `apps` now.

    Django creates permissions only after `migrate` finishes (post_migrate),
    so a migration that grants them must create them first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions
        # skips such apps unless told otherwise.
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = had_module


def _permissions(apps: Any, names: Iterable[str]) -> list[Any]:
    """`app_label.codename` or `app_label.*` -> Permission rows.

    A missing permission is an error: a typo must not silently grant nothing.
    """
    permission_model = apps.get_model("auth", "Permission")
    found: list[Any] = []
    for name in names:
        app_label, codename = name.split(".", 1)
        rows = permission_model.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            rows = rows.filter(codename=codename)
            if not rows.exists():
                raise LookupError(f"permission {name} does not exist")
        found.extend(rows)
    return found


def grant_permissions(apps: Any, grants: Grants) -> None:
    """Add permissions to role groups, creating the groups that are missing.

    Additive: permissions granted by hand in the admin stay.
    """
    group_model = apps.get_model("auth", "Group")
    for role, names in grants.items():
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, names))


def revoke_permissions(apps: Any, grants: Grants) -> None:
    """The reverse of `grant_permissions` (leaves the groups in place)."""
    group_model = apps.get_model("auth", "Group")
    for role, names in grants.items():
        group = group_model.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, names))


def delete_roles(apps: Any, roles: Iterable[str] = ROLES) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=list(roles)).delete()
