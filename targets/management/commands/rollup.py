from django.core.management.base import BaseCommand, CommandError

from targets.periods import period_for
from targets.rollup import rollup_all, rollup_incremental
from units.models import Unit


class Command(BaseCommand):
    help = "Recompute roll-up rows: --full rebuilds every term; --unit/--period recomputes one change."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild every roll-up row from scratch.")
        parser.add_argument("--unit", help="Unit code whose figures changed (with --period).")
        parser.add_argument("--period", help="Quarter that changed, e.g. 2025-q2 (with --unit).")

    def handle(self, *args, full=False, unit=None, period=None, **options):
        if full:
            for result in rollup_all():
                self.stdout.write(
                    f"Rebuilt {result.rows} rows for {result.units} units with children in {result.seconds:.2f}s."
                )
            return
        if not (unit and period):
            raise CommandError("Give --full, or both --unit and --period.")
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise CommandError(f"No unit with code {unit!r}.")
        quarter = period_for(found, period)
        if quarter is None:
            raise CommandError(f"No quarter {period!r} in the term of {unit!r} (use e.g. 2025-q2).")
        result = rollup_incremental(found.pk, quarter.pk)
        self.stdout.write(f"Recomputed {result.rows} rows for {result.units} units in {result.seconds:.3f}s.")
