from django.core.management.base import BaseCommand

from targets.doc_templates import PLAN_TEMPLATE, SUMMARY_TEMPLATE, build_plan_template, build_summary_template


class Command(BaseCommand):
    help = (
        "Create the Word templates in templates/docx/ (plan template, periodic report). They are kept in "
        "the repository and may be edited in Word; existing files are left alone unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Overwrite templates edited in Word.")

    def handle(self, *args, force=False, **options):
        for path, build in ((PLAN_TEMPLATE, build_plan_template), (SUMMARY_TEMPLATE, build_summary_template)):
            if path.exists() and not force:
                self.stdout.write(f"Kept {path.name} (use --force to rebuild it).")
                continue
            build(path)
            self.stdout.write(f"Wrote {path}")
