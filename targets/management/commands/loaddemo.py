from django.conf import settings
from django.core.management.base import BaseCommand

from targets.devtools.demo import load_demo, reorganise_demo, successor_blocs_members
from targets.rollup import settle_pending


class Command(BaseCommand):
    help = "Load the demo bloc (VII congress, 2020–2025): units, targets, quotas, reports, logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo logins even when DEBUG is off (they share one known password).",
        )
        parser.add_argument(
            "--reorganise",
            action="store_true",
            help=(
                "Also apply the April 2024 split of the bloc (1337-QĐ/TU, 1338-QĐ/TU) into the agencies "
                "and the enterprises blocs; a second run changes nothing."
            ),
        )

    def handle(self, *args, force=False, reorganise=False, **options):
        with_logins = settings.DEBUG or force
        summary = load_demo(with_logins=with_logins)
        created = ", ".join(f"{name}: {count}" for name, count in summary.created.items() if count)
        self.stdout.write(f"Demo data loaded. Created: {created or 'nothing (already loaded)'}.")
        if reorganise:
            split = reorganise_demo(with_logins=with_logins)
            settle_pending()  # the split owes the term a rebuild: dashboards show it at once
            created = ", ".join(f"{name}: {count}" for name, count in split.created.items() if count)
            self.stdout.write(
                f"Split of 26/04/2024 (1337-QĐ/TU, 1338-QĐ/TU): {created or 'nothing (already applied)'}."
            )
            for code, (organisations, members) in successor_blocs_members().items():
                self.stdout.write(f"  {code}: {organisations} organisations, {members} members")
        if summary.open_until:
            renewed = " (extension renewed)" if summary.extension_renewed else ""
            self.stdout.write(
                f"kcn-nam-tan-uyen: Q2/2025 open for entry until {summary.open_until:%d/%m/%Y}{renewed}."
            )
        if summary.logins_skipped:
            self.stderr.write(
                self.style.WARNING("DEBUG is off: demo logins were not created (use --force to create them).")
            )
            return
        self.stdout.write("Demo logins (password for all: demo1234):")
        for username, password, role in summary.logins:
            self.stdout.write(f"  {username:<12} {password}  {role}")
