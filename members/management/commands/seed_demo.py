"""Seed the demo programme (DESIGN.md, "Demo programme"); safe to run again.

Each installed app may contribute a step in `<app>/demo.py`:
`seed(*, options: DemoOptions) -> dict[str, int]` returning what it created,
by label. Steps run in INSTALLED_APPS order, so an app's step can rely on the
apps it depends on (members first, then points, rewards, campaigns).
"""

import importlib
import importlib.util
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from members.demo import DEFAULT_MEMBER_COUNT, DEFAULT_SEED, DemoOptions


class Command(BaseCommand):
    help = "Create the demo stores, tiers, staff and members; a rerun changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            default=DEFAULT_MEMBER_COUNT,
            help="How many demo members (default %(default)s).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Random seed: the same seed gives the same members.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (the demo staff's password is public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "DEBUG is off: this looks like production, and the demo staff "
                    "have a published password. Pass --force to seed anyway."
                )
            )
        if options["members"] < 0:
            raise CommandError(_("--members cannot be negative."))
        demo_options = DemoOptions(members=options["members"], seed=options["seed"])
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            step = importlib.import_module(module_name)
            created = step.seed(options=demo_options)
            for label, count in created.items():
                self.stdout.write(
                    _("%(app)s: %(count)d %(label)s created")
                    % {"app": app_config.verbose_name, "count": count, "label": label}
                )
        self.stdout.write(self.style.SUCCESS(_("The demo programme is ready.")))
