"""Hostile uploads at the door: a body too large is refused unread, plans are checked like evidence.

Each test sends the attack itself and asserts a Vietnamese refusal and that nothing was stored.
"""

import io
import os
import shutil
import subprocess
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.uploads import UploadRefused, check_upload
from resolutions.models import PlanDocument
from targets.models import Attachment, ProgressReport
from tests import files
from tests.helpers import URL, good_figures

pytestmark = pytest.mark.django_db

BOUNDARY = "----hostile"


class Sender(io.RawIOBase):
    """A client's request body: `head`, then zeros without end; counts what the server reads."""

    def __init__(self, head: bytes = b""):
        self.head = head
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        size = len(buffer)
        chunk = (self.head[self.read_bytes : self.read_bytes + size]).ljust(size, b"0")
        buffer[:size] = chunk
        self.read_bytes += size
        return size


def multipart_head(name: str, first_bytes: bytes) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + first_bytes


def media_files(settings):
    return sorted(os.path.join(d, f) for d, _, names in os.walk(settings.MEDIA_ROOT) for f in names)


@pytest.fixture
def draft(namtanuyen_client):
    namtanuyen_client.post(URL, good_figures(save="1"))
    return ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2)


def post_body(client, sender: Sender, **meta):
    """POST the sender's body as it is: no length unless `meta` gives one (CONTENT_LENGTH)."""
    return client.generic(
        "POST",
        URL + "files/",
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        **{"wsgi.input": sender, **meta},
    )


def test_a_sixty_megabyte_upload_is_refused_before_a_byte_of_it_is_read(namtanuyen_client, draft, settings):
    sender = Sender(multipart_head("bien-ban.pdf", b"%PDF-1.7\n"))
    stored = media_files(settings)
    response = post_body(namtanuyen_client, sender, CONTENT_LENGTH=str(60 * files.MEGABYTE))
    assert response.status_code == 413
    html = response.content.decode()
    assert "Tệp gửi lên vượt quá 20 MB nên không được nhận; không có gì được lưu." in html
    assert sender.read_bytes == 0
    assert not Attachment.objects.filter(report=draft).exists()
    assert media_files(settings) == stored


def test_an_api_call_too_large_is_refused_in_json_before_it_is_read(namtanuyen_client):
    sender = Sender(b'{"entries": {}}')
    response = namtanuyen_client.generic(
        "PUT",
        "/api/reports/kcn-nam-tan-uyen/2025-q2/entries/",
        b"",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(60 * files.MEGABYTE),
        **{"wsgi.input": sender},
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "Yêu cầu vượt quá 20 MB nên không được nhận; không có gì được lưu."
    assert sender.read_bytes == 0


def test_the_limit_follows_the_largest_allowed_file(namtanuyen_client, draft, settings):
    settings.EVIDENCE_MAX_MB, settings.PLAN_MAX_MB = 1, 2
    sender = Sender(multipart_head("bien-ban.pdf", b"%PDF-1.7\n"))
    too_big = 2 * files.MEGABYTE + settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = post_body(namtanuyen_client, sender, CONTENT_LENGTH=str(too_big))
    assert response.status_code == 413
    assert "vượt quá 2 MB" in response.content.decode()
    assert sender.read_bytes == 0


def test_a_body_longer_than_it_says_is_read_only_as_far_as_it_says(namtanuyen_client, draft, settings):
    """Content-Length: 4096, then a body without end: the server stops at 4,096 bytes."""
    sender = Sender(multipart_head("bien-ban.pdf", b"%PDF-1.7\n"))
    stored = media_files(settings)
    response = post_body(namtanuyen_client, sender, CONTENT_LENGTH="4096")
    assert sender.read_bytes <= 4096
    assert response.status_code == 302
    assert "Không nhận tệp: Chưa chọn tệp." in namtanuyen_client.get(URL).content.decode()
    assert not Attachment.objects.filter(report=draft).exists()
    assert media_files(settings) == stored


def test_a_chunked_body_without_a_length_is_not_read(namtanuyen_client, draft, settings):
    sender = Sender(multipart_head("bien-ban.pdf", b"%PDF-1.7\n"))
    response = post_body(namtanuyen_client, sender, HTTP_TRANSFER_ENCODING="chunked")
    assert sender.read_bytes == 0
    assert "Không nhận tệp: Chưa chọn tệp." in namtanuyen_client.get(response.url).content.decode()
    assert not Attachment.objects.filter(report=draft).exists()


def test_a_zip64_archive_of_seventy_thousand_parts_is_refused_from_its_end_record():
    """Past 65,535 parts the count moves to the Zip64 record; it is read there too."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(70_000):
            archive.writestr(f"{i}", b"")
    with pytest.raises(UploadRefused, match="Tệp nén có quá nhiều thành phần \\(70.001; tối đa 2.000\\)"):
        check_upload(
            SimpleUploadedFile("so-lieu.xlsx", buffer.getvalue()), allowed={"xlsx"}, max_bytes=20_000_000
        )


# --- Plans ----------------------------------------------------------------------------------


def plan_post(upload):
    return {"number": "07-KH/ĐU", "issued_on": "2020-09-01", "signer": "Nguyễn Văn Bưu", "file": upload}


def word_plan(client, **changes) -> bytes:
    """The plan template the app itself offers (python-docx), with parts added or replaced."""
    parts = files.parts_of(client.get("/plans/buu-dien/template.docx").content)
    parts.update(changes)
    return files.zip_of(parts)


def macro_types(client) -> bytes:
    types = files.parts_of(client.get("/plans/buu-dien/template.docx").content)["[Content_Types].xml"]
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    assert main in types
    return types.replace(main, b"application/vnd.ms-word.document.macroEnabled.main+xml")


@pytest.mark.parametrize(
    ("name", "build", "expected"),
    [
        (
            "ke-hoach.pdf",
            lambda c: files.pdf(
                catalog=b"/OpenAction << /S /JavaScript /JS (this.exportDataObject\\({}\\)) >>"
            ),
            "Tệp PDF có chứa mã lệnh JavaScript",
        ),
        ("ke-hoach.docx", lambda c: word_plan(c, **{"[Content_Types].xml": macro_types(c)}), "có chứa macro"),
        ("ke-hoach.docx", lambda c: word_plan(c, **{"word/vbaProject.bin": bytes(512)}), "có chứa macro"),
        (
            "ke-hoach.docx",
            lambda c: word_plan(
                c, **{"word/media/image1.png": files.deflated_repeat(b"", bytes(files.MEGABYTE), 30, b"")}
            ),
            "tệp có thể là “bom nén”",
        ),
    ],
)
def test_a_plan_with_active_content_or_a_zip_bomb_is_refused_and_nothing_stored(
    buudien_client, settings, name, build, expected
):
    stored = media_files(settings)
    response = buudien_client.post(
        "/plans/buu-dien/", plan_post(SimpleUploadedFile(name, build(buudien_client)))
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(expected in e for e in errors.get("file", [])), errors
    assert not PlanDocument.objects.filter(unit__code="buu-dien").exists()
    assert media_files(settings) == stored


def test_the_word_plan_the_app_offers_is_accepted_once_filled(buudien_client):
    response = buudien_client.post(
        "/plans/buu-dien/", plan_post(SimpleUploadedFile("ke-hoach.docx", word_plan(buudien_client)))
    )
    assert response.status_code == 302
    assert PlanDocument.objects.get(unit__code="buu-dien").kind == "docx"


@pytest.mark.skipif(
    not shutil.which("soffice"), reason="LibreOffice is not installed (make test installs it)"
)
def test_a_plan_exported_to_pdf_by_libreoffice_is_accepted(buudien_client, tmp_path):
    path = tmp_path / "ke-hoach.docx"
    path.write_bytes(buudien_client.get("/plans/buu-dien/template.docx").content)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    pdf = (tmp_path / "ke-hoach.pdf").read_bytes()
    response = buudien_client.post("/plans/buu-dien/", plan_post(SimpleUploadedFile("ke-hoach.pdf", pdf)))
    assert response.status_code == 302
    assert PlanDocument.objects.get(unit__code="buu-dien").kind == "pdf"


def test_a_pdf_the_checker_cannot_finish_in_time_is_refused(monkeypatch):
    import config.uploads

    monkeypatch.setattr(config.uploads, "PDF_MAX_SECONDS", 0.001)
    with pytest.raises(UploadRefused, match="Tệp PDF quá phức tạp"):
        check_upload(SimpleUploadedFile("bien-ban.pdf", files.pdf()), allowed={"pdf"}, max_bytes=1_000_000)
