"""Checking uploaded files by what they contain, not by what they are called.

Evidence files, plans and Excel reports all arrive from office computers; a
renamed binary must be refused before anything is stored. So must a file of an
allowed kind that carries active content (a Word file with macros, a PDF that
runs JavaScript) or that is built to exhaust the server (a zip bomb dressed as
an Office file). Every check reads a bounded amount: the zip's central
directory before anything is unpacked, and a PDF in a child process with a
time and memory limit (config/pdfcheck.py).
"""

import json
import logging
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from config.formatting import format_number
from config.refusals import Refused

KIND_LABELS = {"pdf": "PDF", "docx": "DOCX", "xlsx": "XLSX", "jpg": "JPG", "png": "PNG"}
NAME_EXTENSIONS = {"pdf": {"pdf"}, "docx": {"docx"}, "xlsx": {"xlsx"}, "jpg": {"jpg", "jpeg"}, "png": {"png"}}
# Office Open XML files are zip archives; this part tells Word from Excel.
OOXML_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}

# An Office file is a zip; these caps are checked on its central directory before any
# member is unpacked. A Word plan full of photos unpacks to about its own size, a text-only
# one to 5-15 times it; 100 MB and 2,000 parts leave room for both.
OFFICE_MAX_UNZIPPED = 100 * 1_048_576
OFFICE_MAX_MEMBERS = 2000
# A part may unpack to at most 100 times its packed size once past 100 KB, as Apache POI
# allows for Office files (ZipSecureFile); real parts pack 5-20 to 1, a zip bomb about 1,000 to 1.
MAX_RATIO = 100
RATIO_GRACE = 100 * 1024

# Parts and content types that mean macros or ActiveX controls (.docm/.xlsm/.dotm, Excel 4.0
# macro sheets): such a file runs code on the office computer that opens it.
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml", "/activex/")
MACRO_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"activex", b"macrosheet")
CONTENT_TYPES_PART = "[content_types].xml"

PDF_MAX_PAGES = 1000
PDF_MAX_SECONDS = 10
PDF_MAX_MEMORY = 512 * 1_048_576
PDF_CHECKER = Path(__file__).with_name("pdfcheck.py")

logger = logging.getLogger(__name__)


class UploadRefused(Refused):
    """The file is refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # one of KIND_LABELS
    size: int
    name: str


def _megabytes(size: int) -> str:
    return format_number(size / 1_048_576, 1)


def _directory_extent(upload) -> tuple[int, int] | None:
    """(members, bytes) of the zip's central directory, from its end record; None if there is none.

    Read from the last 64 KB, so a directory of a million entries is refused without parsing it.
    """
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(max(0, size - 65_557))  # the end record (22 bytes) and a comment of up to 64 KB
    tail = upload.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    members, directory = struct.unpack("<HL", tail[at + 10 : at + 16])
    if members == 0xFFFF or directory == 0xFFFFFFFF:
        # Zip64: the real figures sit in the Zip64 end record that the locator before this one names.
        locator = tail[max(0, at - 20) : at]
        if len(locator) < 20 or not locator.startswith(b"PK\x06\x07"):
            return None
        (offset,) = struct.unpack("<Q", locator[8:16])
        upload.seek(offset)
        record = upload.read(56)
        if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
            return None
        members, directory = struct.unpack("<QQ", record[32:48])
    return members, directory


def check_zip(upload, *, max_unzipped: int, max_members: int) -> None:
    """Refuse a zip that would unpack too large, has too many parts, or packs a part like a zip bomb.

    Only the central directory is read; zipfile never unpacks a part beyond the size declared
    there (it stops and fails the CRC check), so the declared sizes bound what unpacking costs.
    A file that is not a zip at all passes: the caller decides what it is.
    """
    try:
        members, directory = _directory_extent(upload) or (0, 0)
        upload.seek(0)
        # The directory's size tells when the count in the end record lies: an entry is 46 bytes
        # plus its name and extras, about 100 in an Office file; 512 each is generous.
        members = max(members, directory // 512)
        if members > max_members:
            raise UploadRefused(
                _("Tệp nén có quá nhiều thành phần (%(count)s; tối đa %(max)s); không nhận tệp này.")
                % {"count": format_number(members), "max": format_number(max_members)}
            )
        try:
            with zipfile.ZipFile(upload) as archive:
                parts = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
            return
        if len(parts) > max_members:
            raise UploadRefused(
                _("Tệp nén có quá nhiều thành phần (%(count)s; tối đa %(max)s); không nhận tệp này.")
                % {"count": format_number(len(parts)), "max": format_number(max_members)}
            )
        unzipped = sum(part.file_size for part in parts)
        if unzipped > max_unzipped:
            raise UploadRefused(
                _("Tệp khi giải nén lên tới %(size)s MB, vượt mức cho phép (%(max)s MB); không nhận tệp này.")
                % {"size": _megabytes(unzipped), "max": max_unzipped // 1_048_576}
            )
        for part in parts:
            if part.file_size > RATIO_GRACE and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                raise UploadRefused(
                    _(
                        "Thành phần “%(name)s” của tệp nén bất thường (giải nén lớn gấp %(ratio)s lần); "
                        "tệp có thể là “bom nén”, không nhận tệp này."
                    )
                    % {
                        "name": part.filename[:80],
                        "ratio": format_number(part.file_size // max(part.compress_size, 1)),
                    }
                )
    finally:
        upload.seek(0)


def _has_macros(archive: zipfile.ZipFile, names: dict[str, str]) -> bool:
    if any(marker in name for name in names for marker in MACRO_PARTS):
        return True
    if CONTENT_TYPES_PART not in names:
        return False
    # Read in slices: check_zip allows this part up to OFFICE_MAX_UNZIPPED, not what memory should hold.
    with archive.open(names[CONTENT_TYPES_PART]) as part:
        carried = b""
        while chunk := part.read(1_048_576):
            window = carried + chunk.lower()
            if any(marker in window for marker in MACRO_CONTENT_TYPES):
                return True
            carried = window[-16:]
    return False


def _ooxml_kind(upload: UploadedFile) -> str | None:
    check_zip(upload, max_unzipped=OFFICE_MAX_UNZIPPED, max_members=OFFICE_MAX_MEMBERS)
    try:
        with zipfile.ZipFile(upload) as archive:
            # Part names in an Office file are case-insensitive (Open Packaging Conventions, ECMA-376 part 2).
            names = {name.lower(): name for name in archive.namelist()}
            kind = next((kind for kind, marker in OOXML_MARKERS.items() if marker in names), None)
            if kind is not None and _has_macros(archive, names):
                raise UploadRefused(
                    _(
                        "Tệp %(kind)s có chứa macro (mã lệnh VBA) hoặc điều khiển ActiveX; hãy lưu lại "
                        "thành tệp .%(ext)s thông thường (không có macro) rồi tải lên."
                    )
                    % {"kind": KIND_LABELS[kind], "ext": kind}
                )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        return None
    finally:
        upload.seek(0)
    return kind


def sniff(upload: UploadedFile) -> str | None:
    """The kind of file the bytes say it is, among the kinds we accept."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    if guess is None:
        return None
    if guess.extension in ("docx", "xlsx", "zip"):
        return _ooxml_kind(upload)
    return guess.extension if guess.extension in KIND_LABELS else None


PDF_REFUSALS = {
    "javascript": lambda: _(
        "Tệp PDF có chứa mã lệnh JavaScript; không nhận tệp này. "
        "Hãy xuất lại PDF từ Word hoặc từ máy quét rồi tải lên."
    ),
    "launch": lambda: _(
        "Tệp PDF có lệnh mở chương trình hoặc tệp khác (Launch); không nhận tệp này. "
        "Hãy xuất lại PDF từ Word hoặc từ máy quét rồi tải lên."
    ),
    "encrypted": lambda: _(
        "Tệp PDF có đặt mật khẩu nên không kiểm tra được; hãy gửi bản không đặt mật khẩu."
    ),
    "unreadable": lambda: _(
        "Không đọc được tệp PDF (tệp bị hỏng hoặc không đúng chuẩn); hãy xuất lại PDF rồi tải lên."
    ),
}


def check_pdf(upload) -> int:
    """The PDF's page count, or a refusal if it cannot be read or carries JavaScript or a Launch action.

    pypdf reads it in a child process (config/pdfcheck.py) with a memory and time limit: a PDF
    packs streams of its own that may unpack a thousandfold, so the file's size alone bounds nothing.
    """
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    too_complex = UploadRefused(
        _("Tệp PDF quá phức tạp, không kiểm tra được trong %(seconds)s giây; hãy xuất lại PDF rồi tải lên.")
        % {"seconds": PDF_MAX_SECONDS}
    )
    try:
        done = subprocess.run(  # noqa: S603 - our own script, run by this interpreter, with no shell
            [sys.executable, "-I", str(PDF_CHECKER), str(PDF_MAX_MEMORY), str(PDF_MAX_PAGES)],
            input=data,
            capture_output=True,
            timeout=PDF_MAX_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise too_complex from None
    except OSError:  # no interpreter to run the check with: a server fault, not the user's
        logger.exception("The PDF check could not start (%s)", sys.executable)
        raise UploadRefused(
            _("Chưa kiểm tra được tệp PDF lúc này; hãy thử lại sau hoặc báo cho Văn phòng Đảng ủy khối.")
        ) from None
    try:
        verdict = json.loads(done.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        # No verdict: the child ran out of memory or time (its limits) or crashed on the file.
        raise too_complex from None
    if verdict["verdict"] == "pages":
        raise UploadRefused(
            _("Tệp PDF có %(pages)s trang, quá nhiều (tối đa %(max)s trang).")
            % {"pages": format_number(verdict["pages"]), "max": format_number(PDF_MAX_PAGES)}
        )
    if verdict["verdict"] != "ok":
        raise UploadRefused(PDF_REFUSALS.get(verdict["verdict"], PDF_REFUSALS["unreadable"])())
    return verdict["pages"]


def check_upload(upload: UploadedFile | None, *, allowed: set[str], max_bytes: int) -> CheckedFile:
    """Refuse an empty, oversize, unknown, mislabelled or active file; say which kinds are welcome."""
    welcome = ", ".join(KIND_LABELS[k] for k in sorted(allowed))
    if upload is None:
        raise UploadRefused(_("Chưa chọn tệp."))
    if upload.size == 0:
        raise UploadRefused(_("Tệp rỗng (0 byte)."))
    if upload.size > max_bytes:
        raise UploadRefused(
            _("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"size": _megabytes(upload.size), "max": max_bytes // 1_048_576}
        )
    kind = sniff(upload)
    if kind not in allowed:
        raise UploadRefused(
            _("Nội dung tệp không phải là %(welcome)s (tệp có thể đã bị đổi tên).") % {"welcome": welcome}
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in NAME_EXTENSIONS[kind]:
        raise UploadRefused(
            _("Tên tệp có đuôi “.%(ext)s” nhưng nội dung là %(kind)s; hãy đặt lại đúng tên tệp.")
            % {"ext": extension, "kind": KIND_LABELS[kind]}
        )
    if kind == "pdf":
        check_pdf(upload)
    return CheckedFile(kind=kind, size=upload.size, name=upload.name)
