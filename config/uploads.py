"""Checking uploaded files by what they contain, not by what they are called.

Evidence files, plans and Excel reports all arrive from office computers; a
renamed binary must be refused before anything is stored.
"""

import zipfile
from dataclasses import dataclass

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from config.refusals import Refused

KIND_LABELS = {"pdf": "PDF", "docx": "DOCX", "xlsx": "XLSX", "jpg": "JPG", "png": "PNG"}
NAME_EXTENSIONS = {"pdf": {"pdf"}, "docx": {"docx"}, "xlsx": {"xlsx"}, "jpg": {"jpg", "jpeg"}, "png": {"png"}}
# Office Open XML files are zip archives; this part tells Word from Excel.
OOXML_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


class UploadRefused(Refused):
    """The file is refused; the message says why, in the user's language."""


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # one of KIND_LABELS
    size: int
    name: str


def _ooxml_kind(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    for kind, marker in OOXML_MARKERS.items():
        if marker in names:
            return kind
    return None


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


def check_upload(upload: UploadedFile | None, *, allowed: set[str], max_bytes: int) -> CheckedFile:
    """Refuse an empty, oversize, unknown or mislabelled file; say which kinds are welcome."""
    welcome = ", ".join(KIND_LABELS[k] for k in sorted(allowed))
    if upload is None:
        raise UploadRefused(_("Chưa chọn tệp."))
    if upload.size == 0:
        raise UploadRefused(_("Tệp rỗng (0 byte)."))
    if upload.size > max_bytes:
        raise UploadRefused(
            _("Tệp quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"size": f"{upload.size / 1_048_576:.1f}".replace(".", ","), "max": max_bytes // 1_048_576}
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
    return CheckedFile(kind=kind, size=upload.size, name=upload.name)
