"""Grant the points permissions (ledger, purchases, refunds, adjustments,
programme rules, terminals) to the staff roles."""

from django.db import migrations

from members.roles import (
    ROLE_HQ,
    ROLE_MARKETING,
    ROLE_STORE_MANAGER,
    create_all_permissions,
    grant_permissions,
    revoke_permissions,
)

GRANTS = {
    ROLE_HQ: ["points.*"],
    ROLE_STORE_MANAGER: [
        "points.view_ledgerentry",
        "points.view_lot",
        "points.view_purchase",
        "points.view_refund",
        "points.add_refund",
        "points.view_adjustment",
        "points.add_adjustment",
        "points.approve_adjustment",
        "points.view_programmerules",
        "points.change_programmerules",
        "points.view_category",
        "points.add_category",
        "points.change_category",
    ],
    ROLE_MARKETING: [
        "points.view_ledgerentry",
        "points.view_purchase",
        "points.view_programmerules",
        "points.view_category",
    ],
}


def grant(apps, schema_editor):
    create_all_permissions(apps, using=schema_editor.connection.alias)
    grant_permissions(apps, GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0003_counter_permission_roles"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
