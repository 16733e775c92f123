from typing import Any

from django.core.management.base import BaseCommand, CommandError

from points.invariants import ledger_mismatches


class Command(BaseCommand):
    help = "Check the ledger's invariants; name each mismatch, exit non-zero on any."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--member", type=int, action="append", dest="members")

    def handle(
        self, *args: Any, members: list[int] | None = None, **options: Any
    ) -> None:
        count = 0
        for mismatch in ledger_mismatches(member_ids=members):
            count += 1
            self.stdout.write(str(mismatch))
        if count:
            raise CommandError(f"{count} ledger mismatch(es)")
        self.stdout.write(self.style.SUCCESS("Ledger consistent."))
