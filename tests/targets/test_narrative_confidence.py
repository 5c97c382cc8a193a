"""A quarterly report is figures and words: its narrative sections and the unit's confidence per target."""

import os
import re

import pytest

from config.refusals import Refused
from targets.confidence import computed_readings, voices
from targets.entries import EntryInput, targets_for
from targets.models import Confidence, Entry, Period, ProgressReport, Target
from targets.services.reports import ReportConflict, report_return, report_save, report_submit
from tests.helpers import URL, field, good_figures, inputs_for, state
from units.models import Unit

pytestmark = pytest.mark.django_db

NARRATIVE = {
    "narrative-achievements": "Kết nạp 5 đảng viên tại 2 chi bộ doanh nghiệp FDI.",
    "narrative-shortcomings": "Một số doanh nghiệp chưa tạo điều kiện cho sinh hoạt đảng.",
    "narrative-causes": "Khách quan: công nhân làm ca; chủ quan: cấp ủy chưa sâu sát.",
    "narrative-next_tasks": "Thành lập chi bộ tại Công ty TNHH mẫu; bồi dưỡng 12 quần chúng ưu tú.",
    "narrative-recommendations": "Đề nghị Đảng ủy khối hỗ trợ kinh phí lớp bồi dưỡng nhận thức về Đảng.",
}


@pytest.fixture
def unit():
    return Unit.objects.get(code="kcn-nam-tan-uyen")


@pytest.fixture
def q2():
    return Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)


def _other(reading: str) -> str:
    return Confidence.UNLIKELY if reading != Confidence.UNLIKELY else Confidence.ON_TRACK


def test_a_report_keeps_its_narrative_and_each_targets_confidence(namtanuyen_client, unit, q2):
    ct06 = Target.objects.get(code="CT06")
    reading = computed_readings(unit, q2, targets_for(unit, q2))[ct06.pk]
    data = good_figures(save="1", **NARRATIVE)
    data[field("CT06", "confidence")] = _other(reading)
    data[field("CT06", "confidence_reason")] = "Hai doanh nghiệp lớn tạm dừng tuyển dụng."
    assert namtanuyen_client.post(URL, data).status_code == 302
    report = ProgressReport.objects.get(unit=unit, period=q2)
    assert report.recommendations.startswith("Đề nghị Đảng ủy khối hỗ trợ")
    entry = report.entries.get(target=ct06)
    assert (entry.confidence, entry.confidence_reason) == (
        _other(reading),
        "Hai doanh nghiệp lớn tạm dừng tuyển dụng.",
    )
    page = namtanuyen_client.get(URL).content.decode()
    assert "Thành lập chi bộ tại Công ty TNHH mẫu" in page
    assert "Đánh giá theo số liệu đã duyệt:" in page


def test_a_confidence_that_differs_from_the_computed_status_needs_a_reason(namtanuyen_client, unit, q2):
    ct06 = Target.objects.get(code="CT06")
    reading = computed_readings(unit, q2, targets_for(unit, q2))[ct06.pk]
    before = state(unit, q2)
    data = good_figures(submit="1", **NARRATIVE)
    data[field("CT06", "confidence")] = _other(reading)
    response = namtanuyen_client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cần ghi lý do vì khác với đánh giá theo số liệu" in html
    assert "chưa lưu gì" in html
    # Nothing half-saved: neither the figures nor the words.
    assert state(unit, q2) == before


def test_a_confidence_agreeing_with_the_figures_needs_no_reason(unit, q2, namtanuyen):
    targets = targets_for(unit, q2)
    readings = computed_readings(unit, q2, targets)
    ct06 = next(t for t in targets if t.code == "CT06")
    report = report_save(
        unit=unit,
        period=q2,
        user=namtanuyen,
        inputs={ct06.pk: EntryInput(value=3, confidence=readings[ct06.pk], confidence_reason="")},
        expected_version=0,
    )
    assert report.entries.get(target=ct06).confidence == readings[ct06.pk]


def test_an_excel_upload_keeps_the_confidence_and_the_narrative(unit, q2, namtanuyen):
    ct06 = Target.objects.get(code="CT06")
    readings = computed_readings(unit, q2, targets_for(unit, q2))
    first = report_save(
        unit=unit,
        period=q2,
        user=namtanuyen,
        inputs={
            ct06.pk: EntryInput(value=3, confidence=_other(readings[ct06.pk]), confidence_reason="Lý do")
        },
        expected_version=0,
        narrative={"achievements": "Đã làm"},
    )
    # The sheet carries figures only: no confidence given (None), no narrative.
    second = report_save(
        unit=unit,
        period=q2,
        user=namtanuyen,
        inputs={ct06.pk: EntryInput(value=4)},
        expected_version=first.version,
    )
    entry = Entry.objects.get(report=second, target=ct06)
    assert (entry.value, entry.confidence_reason) == (4, "Lý do")
    assert ProgressReport.objects.get(pk=second.pk).achievements == "Đã làm"


def test_a_narrative_too_long_is_refused_whole(unit, q2, namtanuyen):
    with pytest.raises(Refused) as refused:
        report_save(
            unit=unit,
            period=q2,
            user=namtanuyen,
            inputs={},
            expected_version=0,
            narrative={"causes": "x" * 20_001},
        )
    assert "quá dài" in refused.value.errors[0].message
    assert not ProgressReport.objects.filter(unit=unit, period=q2).exists()


def test_a_narrative_changed_meanwhile_is_a_conflict_that_says_so(unit, q2, namtanuyen):
    first = report_save(
        unit=unit, period=q2, user=namtanuyen, inputs={}, expected_version=0, narrative={"causes": "A"}
    )
    report_save(
        unit=unit,
        period=q2,
        user=namtanuyen,
        inputs={},
        expected_version=first.version,
        narrative={"causes": "B"},
    )
    with pytest.raises(ReportConflict) as conflict:
        report_save(
            unit=unit,
            period=q2,
            user=namtanuyen,
            inputs={},
            expected_version=first.version,
            narrative={"causes": "C"},
        )
    assert [(c.target, c.field, c.old, c.new) for c in conflict.value.changes] == [(None, "causes", "A", "B")]


def test_the_units_voices_are_counted_from_sent_reports_only(unit, q2, namtanuyen):
    ct06 = Target.objects.get(code="CT06")
    report_save(
        unit=unit,
        period=q2,
        user=namtanuyen,
        inputs={
            ct06.pk: EntryInput(value=3, confidence=Confidence.UNLIKELY, confidence_reason="Thiếu nguồn")
        },
        expected_version=0,
    )
    bloc = Unit.objects.get(code="duk")
    assert all(s.unit != unit for v in voices(bloc, q2).values() for s in v.said)  # a draft says nothing yet
    ProgressReport.objects.filter(unit=unit, period=q2).update(status="submitted")
    said = voices(bloc, q2)[ct06.pk]
    assert any(s.unit == unit and s.reason == "Thiếu nguồn" for s in said.said)
    assert said.counts[Confidence.UNLIKELY] >= 1


def test_the_summary_document_compiles_the_units_words_under_each_target(office_client, unit, q2, namtanuyen):
    from tests.targets.test_documents import text_of

    ct06 = Target.objects.get(code="CT06")
    report_save(
        unit=unit,
        period=q2,
        user=namtanuyen,
        inputs={
            ct06.pk: EntryInput(
                value=3,
                note="Kết nạp tại chi bộ Công ty A",
                confidence=Confidence.UNLIKELY,
                confidence_reason="Thiếu quần chúng ưu tú",
            )
        },
        expected_version=0,
        narrative={
            "achievements": "Hoàn thành lớp cảm tình Đảng.\nKết nạp 3 đảng viên.",
            "causes": "Công nhân làm ca.",
            "recommendations": "Đề nghị hỗ trợ kinh phí lớp bồi dưỡng.",
        },
    )
    ProgressReport.objects.filter(unit=unit, period=q2).update(status="submitted")
    response = office_client.get("/reports/summary/duk/2025-q2.docx")
    assert response.status_code == 200
    if os.environ.get("SHOT_DIR"):  # to look at it: SHOT_DIR=/tmp/x pytest …, then soffice --convert-to pdf
        with open(os.path.join(os.environ["SHOT_DIR"], "summary.docx"), "wb") as f:
            f.write(response.content)
    text = text_of(response.content)
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên (báo cáo chờ duyệt): Hoàn thành lớp cảm tình Đảng." in text
    assert "Kết nạp 3 đảng viên." in text
    assert "V. KIẾN NGHỊ, ĐỀ XUẤT CỦA CÁC ĐƠN VỊ" in text
    assert "Đề nghị hỗ trợ kinh phí lớp bồi dưỡng." in text
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên (Thiếu quần chúng ưu tú)" in text
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên: Kết nạp tại chi bộ Công ty A" in text
    # The units wrote the causes: the document no longer says they are not given.
    assert "Nguyên nhân của các hạn chế không được nêu" not in text
    # Under the target's own heading, in that order: figures, then the units' confidence, then notes.
    heading = text.index("CT06 · ")
    assert heading < text.index("Thiếu quần chúng ưu tú") < text.index("Kết nạp tại chi bộ Công ty A")


def test_the_dashboard_counts_what_the_units_say_beside_the_computed_status(
    standing_client, vanphong, unit, q2, namtanuyen, django_capture_on_commit_callbacks
):
    ct06 = Target.objects.get(code="CT06")

    def unlikely_said():
        html = standing_client.get("/dashboard/?as_of=2025-q2").content.decode()
        voices_html = (
            html.split('data-voices="CT06"', 1)[1].split("</details>", 1)[0]
            if 'data-voices="CT06"' in html
            else ""
        )
        return int(
            re.search(r"(\d+) khó đạt", voices_html).group(1)
        ) if "khó đạt" in voices_html else 0, voices_html

    before, _html = unlikely_said()
    inputs = inputs_for(unit, q2, (5, 2, 142, 142, True))
    inputs[ct06.pk] = EntryInput(
        value=5, confidence=Confidence.UNLIKELY, confidence_reason="Thiếu quần chúng ưu tú"
    )
    report_save(unit=unit, period=q2, user=namtanuyen, inputs=inputs, expected_version=0)
    assert unlikely_said()[0] == before  # a draft says nothing yet
    # Sent through the service: the ledger carries its confidences into the bloc's roll-up rows.
    with django_capture_on_commit_callbacks(execute=True):  # after the commit, settled in process
        sent = report_submit(unit=unit, period=q2, user=namtanuyen)
    count, html = unlikely_said()
    assert count == before + 1
    assert "Nam Tân Uyên: Thiếu quần chúng ưu tú" in html
    assert "chờ duyệt" in html
    # Returned: it no longer counts, and the name goes with it.
    with django_capture_on_commit_callbacks(execute=True):
        report_return(unit=unit, period=q2, user=vanphong, comment="Bổ sung", expected_version=sent.version)
    count, html = unlikely_said()
    assert count == before
    assert "Thiếu quần chúng ưu tú" not in html


def test_a_dashboard_counts_the_whole_subtree_and_names_only_the_units_it_shows():
    from targets.confidence import board_voices
    from targets.dashboard import children_of
    from targets.rollup import rollup_full, settle_pending
    from tests.helpers import build_world

    congress, units, periods, _office, clerk = build_world()
    rollup_full(congress)
    period = periods[0]
    cell, grassroots = units["a1"], units["a"]  # a cell two levels below the root, and its parent
    for unit, said in ((cell, Confidence.AT_RISK), (grassroots, Confidence.UNLIKELY)):
        inputs = inputs_for(unit, period, (3, 1, 5, 10, True, said))
        report_save(unit=unit, period=period, user=clerk, inputs=inputs, expected_version=0)
        report_submit(unit=unit, period=period, user=clerk)
    settle_pending()
    root = congress.unit
    flow = Target.objects.get(resolution__congress=congress, code="F")
    voice = board_voices(root, period, children_of(root, period))[flow.pk]
    tally = {
        value: (count, [s.unit.code for s in said], more) for value, _l, count, said, more in voice.tally()
    }
    # The grassroots organisation is shown on the root's page and named; its cell is counted only.
    assert tally == {
        Confidence.AT_RISK: (1, [], 1),
        Confidence.UNLIKELY: (1, [grassroots.code], 0),
    }
    # One level down, the cell is shown and named.
    voice = board_voices(grassroots, period, children_of(grassroots, period))[flow.pk]
    assert [(s.unit.code, s.confidence) for s in voice.said] == [
        (grassroots.code, Confidence.UNLIKELY),
        (cell.code, Confidence.AT_RISK),
    ]
