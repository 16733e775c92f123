"""Let cashiers, store managers and head office use the counter page.

Schema (the permission itself, 0002) and data stay in separate migrations.
"""

from django.db import migrations

from members.roles import (
    ROLE_CASHIER,
    ROLE_HQ,
    ROLE_STORE_MANAGER,
    create_all_permissions,
    grant_permissions,
    revoke_permissions,
)

GRANTS = {
    ROLE_CASHIER: ["points.use_counter"],
    ROLE_STORE_MANAGER: ["points.use_counter"],
    ROLE_HQ: ["points.use_counter"],
}


def grant(apps, schema_editor):
    # Permissions are created post_migrate; this migration needs them now.
    create_all_permissions(apps, using=schema_editor.connection.alias)
    grant_permissions(apps, GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("points", "0002_counter_permission"),
        ("members", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
