"""A unit's own confidence of reaching each target, beside the status the figures give.

Each quarterly report says, per target, whether the unit expects to reach it
(on track / at risk / unlikely). The computed status is read the same way
(achieved or on track ↔ on track; at risk ↔ at risk; behind ↔ unlikely); a
unit that says otherwise gives a one-line reason. Dashboards count what the
units say beside the computed status; the summary document groups their
reasons under each target.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from targets.models import Confidence, Period, ProgressReport, Target
from targets.progress import State
from units.models import Unit

Status = ProgressReport.Status

# docs/figures.md, "Status": how a computed state reads as a confidence. No data, no target: no reading.
READING = {
    State.ACHIEVED: Confidence.ON_TRACK,
    State.ON_TRACK: Confidence.ON_TRACK,
    State.EXCEEDED: Confidence.ON_TRACK,
    State.MET: Confidence.ON_TRACK,
    State.AT_RISK: Confidence.AT_RISK,
    State.OFF_TRACK: Confidence.UNLIKELY,
    State.MISSED: Confidence.UNLIKELY,
}
# The reports whose confidence counts: what a unit has sent (awaiting review or approved).
SENT = (Status.SUBMITTED, Status.APPROVED)


def reading_of(state: State) -> str | None:
    return READING.get(state)


def computed_readings(unit: Unit, period: Period, targets: list[Target]) -> dict[int, str]:
    """Target id → the confidence the unit's approved figures give as of the quarter (none without data)."""
    from targets.dashboard import target_lines

    if not targets:
        return {}
    periods = list(Period.objects.filter(congress=period.congress).order_by("index"))
    lines = target_lines(unit, targets, periods, period, period.congress.unit_id, charts=False)
    out = {}
    for line in lines:
        reading = reading_of(line.assessment.state)
        if reading:
            out[line.target.pk] = reading
    return out


@dataclass
class Said:
    """One unit's confidence of one target (empty if it gave none) and its note, as sent."""

    unit: Unit
    confidence: str
    reason: str
    note: str
    status: str

    @property
    def label(self) -> str:
        return Confidence(self.confidence).label


@dataclass
class TargetVoices:
    """What the units under a unit say of one target in a quarter."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Confidence.values, 0))
    said: list[Said] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def tally(self) -> list[tuple[str, str, int, list[Said], int]]:
        """(confidence, its label, how many units say it, those of them named here, how many not named)
        in the order on track, at risk, unlikely: a dashboard names the units it shows, and counts the
        rest from the roll-up rows."""
        out = []
        for value, label in Confidence.choices:
            if self.counts[value]:
                named = [s for s in self.said if s.confidence == value]
                out.append((value, label, self.counts[value], named, max(0, self.counts[value] - len(named))))
        return out

    def grouped(self) -> list[tuple[str, str, list[Said]]]:
        """(confidence, its label, the units saying it) in the order on track, at risk, unlikely."""
        return [
            (value, label, [s for s in self.said if s.confidence == value])
            for value, label in Confidence.choices
            if self.counts[value]
        ]


def voices(unit: Unit, period: Period) -> dict[int, TargetVoices]:
    """Target id → what the units in the subtree said in the quarter's sent reports (their confidence
    and their notes), every unit named: the summary document. One query."""
    from targets.models import Entry

    return _said(
        Entry.objects.filter(
            report__period=period,
            report__status__in=SENT,
            report__unit__path__startswith=unit.path,
        )
    )


def board_voices(unit: Unit, period: Period, children: list[Unit]) -> dict[int, TargetVoices]:
    """What a dashboard shows of the units' confidence, in two queries whatever the subtree: the counts
    over the whole subtree from the unit's roll-up rows (settled like its figures), the names and
    reasons of the unit itself and the units it shows. A unit without children reads its own report."""
    from targets.models import Entry, Rollup
    from targets.rollup import SAID_OF

    named = _said(
        Entry.objects.filter(
            report__period=period,
            report__status__in=SENT,
            report__unit__in=[unit.pk, *(c.pk for c in children)],
        )
    )
    if not unit.rolls_up:
        return named
    out: dict[int, TargetVoices] = {}
    for row in Rollup.objects.filter(unit=unit, period=period).values("target_id", *SAID_OF.values()):
        voice = named.get(row["target_id"]) or TargetVoices()
        voice.counts = {value: row[name] for value, name in SAID_OF.items()}
        if voice.total:
            out[row["target_id"]] = voice
    return out


def _said(entries) -> dict[int, TargetVoices]:
    rows = (
        entries.exclude(confidence="", note="")
        .select_related("report__unit")
        .order_by("target_id", "report__unit__path")
    )
    out: dict[int, TargetVoices] = defaultdict(TargetVoices)
    for entry in rows:
        voice = out[entry.target_id]
        if entry.confidence in Confidence.values:
            voice.counts[entry.confidence] += 1
        voice.said.append(
            Said(
                entry.report.unit,
                entry.confidence,
                entry.confidence_reason,
                entry.note,
                entry.report.status,
            )
        )
    return dict(out)
