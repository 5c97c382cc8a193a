"""Print the bloc dashboards' figures as JSON, for the database DATABASE_URL names.

Run as `python -m tests.ops.figures` in a process of its own (one database per
process): the backup test compares a database with its restored copy.
"""

import json
import os


def bloc_figures() -> dict:
    from resolutions.models import Congress
    from targets.dashboard import target_lines
    from targets.entries import unit_scope_targets
    from targets.models import Period

    figures = {}
    for congress in Congress.objects.select_related("unit").order_by("pk"):
        periods = list(Period.objects.filter(congress=congress).order_by("index"))
        if not periods:
            continue
        unit = congress.unit
        lines = target_lines(
            unit, unit_scope_targets(unit, congress), periods, periods[-1], unit.pk, charts=False
        )
        for line in lines:
            key = f"{unit.code}/{line.target.code}"
            figures[key] = {
                "points": [
                    [p.value, p.cumulative, p.numerator, p.denominator, p.reporting, p.carried]
                    for p in line.points
                ],
                "actual": str(line.assessment.actual),
                "state": str(line.assessment.state),
            }
    return figures


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(json.dumps(bloc_figures(), sort_keys=True))
