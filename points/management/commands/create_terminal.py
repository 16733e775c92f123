"""Create a POS terminal for a store and print its API key (shown only once)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from members.exceptions import JifenError
from members.models import Store
from points.terminals import terminal_create


class Command(BaseCommand):
    help = "Create a POS terminal for a store and print its API key once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--store", required=True, help="Store code, e.g. S001.")
        parser.add_argument("--name", default="POS", help="Terminal name.")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(
                _("No store has the code %(code)s.") % {"code": options["store"]}
            )
        if not store.active:
            raise CommandError(
                _("Store %(code)s is not active.") % {"code": store.code}
            )
        try:
            terminal, key = terminal_create(store=store, name=options["name"])
        except JifenError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(
            _("Terminal %(name)s created for store %(store)s.")
            % {"name": terminal.name, "store": store.code}
        )
        self.stdout.write(
            _("API key (shown only this once; store it in the terminal now):")
        )
        self.stdout.write(key)
