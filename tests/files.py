"""Files for upload tests, honest and hostile, built inside the test that uses them.

A hostile file is the attack itself: a zip whose part unpacks a thousandfold, a PDF that
runs JavaScript when opened. They are written byte by byte here so that each test shows
exactly what it sends.
"""

import io
import struct
import zipfile
import zlib

MEGABYTE = 1_048_576


# --- Zip archives (Office files are zips) ---------------------------------------------


def deflated_repeat(prefix: bytes, filler: bytes, times: int, suffix: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of prefix + filler * times + suffix, (data, crc32, unpacked size), made without
    ever holding the unpacked bytes: after a full flush the compressor starts afresh, so each
    copy of the filler compresses to the same bytes (about 1,000 to 1 for a repeated letter)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(filler) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(filler) + packer.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a full flush makes every copy compress alike"
    tail = packer.compress(suffix) + packer.flush()
    crc = zlib.crc32(prefix)
    for _ in range(times):
        crc = zlib.crc32(filler, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * times + tail, crc, len(prefix) + len(filler) * times + len(suffix)


def zip_of(members: dict[str, bytes | tuple[bytes, int, int]]) -> bytes:
    """A zip built by hand: bytes are deflated here; a (deflated, crc, size) triple goes in as is."""
    out = io.BytesIO()
    directory = []
    for name, content in members.items():
        if isinstance(content, tuple):
            packed, crc, size = content
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = packer.compress(content) + packer.flush()
            crc, size = zlib.crc32(content), len(content)
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0
            )
        )
        out.write(encoded)
        out.write(packed)
        directory.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(packed),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    for entry in directory:
        out.write(entry)
    out.write(
        struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(directory), len(directory), out.tell() - start, start, 0
        )
    )
    return out.getvalue()


def parts_of(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- PDF ----------------------------------------------------------------------------------


def pdf(*, catalog: bytes = b"", page: bytes = b"", objects: tuple[bytes, ...] = (), pages: int = 1) -> bytes:
    """A PDF written by hand: object 1 the catalogue (+ `catalog`), 2 the page tree, 3 the first
    page (+ `page`), then `objects` numbered from 4, then any further blank pages."""
    kids = [3] + [4 + len(objects) + i for i in range(pages - 1)]
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % pages,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page + b" >>",
        *objects,
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * (pages - 1),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref))
    return out.getvalue()


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d " % len(data) + dictionary + b" >>\nstream\n" + data + b"\nendstream"
