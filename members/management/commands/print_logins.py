"""Print where the admin is and how the demo staff log in (used by `make run`)."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from members.demo import DEMO_STAFF, DEMO_STORES


class Command(BaseCommand):
    help = "Print the admin URL and the demo staff logins with their password."
    requires_system_checks = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/admin/",
            help="The admin URL to print (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store_names = {code: f"{code} {name}" for code, name, _share in DEMO_STORES}
        self.stdout.write(_("Admin: %(url)s") % {"url": options["url"]})
        self.stdout.write(
            _("Demo staff logins (password: %(password)s):")
            % {"password": settings.JIFEN_DEMO_PASSWORD}
        )
        for staff in DEMO_STAFF:
            where = (
                store_names[staff.store_code]
                if staff.store_code
                else _("head office, all stores")
            )
            self.stdout.write(f"  {staff.username:<10} {staff.role} · {where}")
