from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from targets.devtools.bench import Shape, dumps, run


class Command(BaseCommand):
    help = (
        "Benchmark roll-ups, dashboards and report saving on synthetic data in a throwaway database "
        "(same engine as DATABASE_URL); prints the figures and writes them as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=137)
        parser.add_argument("--targets", type=int, default=12)
        parser.add_argument("--quarters", type=int, default=20)
        parser.add_argument("--samples", type=int, default=30, help="Incremental roll-ups and saves to time.")
        parser.add_argument("--json", help="Where to write the figures (default: bench-<units>.json).")
        parser.add_argument("--keep", action="store_true", help="Keep the throwaway database afterwards.")
        parser.add_argument(
            "--reuse",
            metavar="DATABASE",
            help="Measure again on a database an earlier run kept (--keep), without building data.",
        )

    def handle(self, *args, units, targets, quarters, samples, json=None, keep=False, reuse=None, **options):
        if units < 2 or targets < 1 or not 1 <= quarters <= 40:
            raise CommandError("Need --units ≥ 2, --targets ≥ 1 and 1 ≤ --quarters ≤ 40.")
        try:
            results = run(
                None if reuse else Shape(units, targets, quarters),
                samples=samples,
                keep=keep,
                reuse=reuse,
                report=self.stdout.write,
            )
        except (ValueError, OperationalError) as error:  # no benchmark data there, or no such database
            raise CommandError(str(error)) from error
        units = results["units"]
        text = dumps(results)
        self.stdout.write(text)
        path = Path(json or f"bench-{units}.json")
        path.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(f"Written to {path}")
