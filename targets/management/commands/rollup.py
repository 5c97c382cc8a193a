from django.core.management.base import BaseCommand, CommandError

from resolutions.terms import congress_for
from targets.periods import period_for
from targets.rollup import rollup_all, settle_pending, settle_unit
from units.models import Unit


class Command(BaseCommand):
    help = (
        "Roll-up rows: --pending settles every change the ledger still owes (what the worker does); "
        "--full rebuilds every term from the approved entries; --unit (with --period) settles one unit's changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild every roll-up row from scratch.")
        parser.add_argument(
            "--pending", action="store_true", help="Settle every pending change of the ledger."
        )
        parser.add_argument("--unit", help="Unit code whose pending changes to settle.")
        parser.add_argument("--period", help="Quarter, e.g. 2025-q2 (with --unit): which term to look in.")

    def handle(self, *args, full=False, pending=False, unit=None, period=None, **options):
        if full:
            for result in rollup_all():
                self.stdout.write(
                    f"Rebuilt {result.rows} rows for {result.units} units with children in {result.seconds:.2f}s."
                )
            return
        if pending:
            total = 0
            while settled := settle_pending():
                total += settled
            self.stdout.write(f"Settled {total} pending changes.")
            return
        if not unit:
            raise CommandError("Give --full, --pending, or --unit (and --period).")
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise CommandError(f"No unit with code {unit!r}.")
        congress = congress_for(found)
        if period:
            quarter = period_for(found, period)
            if quarter is None:
                raise CommandError(f"No quarter {period!r} in the term of {unit!r} (use e.g. 2025-q2).")
            congress = quarter.congress
        if congress is None:
            raise CommandError(f"No term applies to {unit!r}.")
        self.stdout.write(f"Settled {settle_unit(found.pk, congress.pk)} pending changes of {unit}.")
