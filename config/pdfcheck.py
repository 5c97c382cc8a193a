"""Look inside an uploaded PDF for active content; run by config.uploads.check_pdf in a child process.

Usage: python -I pdfcheck.py MAX_MEMORY_BYTES MAX_PAGES < file.pdf
Prints one JSON line: {"verdict": "ok" | "javascript" | "launch" | "encrypted" | "pages" |
"unreadable", "pages": n}. The parent kills it after PDF_MAX_SECONDS; this process limits its own
memory, so a PDF whose inner streams unpack a thousandfold ends here, not in the web worker.

Standalone on purpose (it imports only pypdf): it runs isolated (-I), outside Django.
"""

import json
import sys


def _limit_memory(max_bytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on Linux: the parent's timeout still applies
        return
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def _name(value, resolve) -> str | None:
    value = resolve(value)
    return str(value) if value is not None else None


def verdict(data: bytes, max_pages: int) -> dict:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            try:
                # Many office PDFs carry only an owner password ("no editing"): they open without one.
                if not reader.decrypt(""):
                    return {"verdict": "encrypted"}
            except Exception:  # a cipher pypdf cannot run without extra packages
                return {"verdict": "encrypted"}
        pages = len(reader.pages)
        if pages > max_pages:
            return {"verdict": "pages", "pages": pages}

        def resolve(value):
            return value.get_object() if isinstance(value, IndirectObject) else value

        # Everything a viewer can reach from the trailer: the catalogue's /OpenAction and /AA,
        # the /Names tree, pages and their annotations, outlines, form fields. A JavaScript or
        # Launch action may sit in any of them, directly or behind a /Next chain.
        seen: set[tuple[int, int]] = set()
        stack: list = [reader.trailer]
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
            if isinstance(item, DictionaryObject):  # a stream's dictionary too; its data stays packed
                action = _name(item.get("/S"), resolve)
                if "/JS" in item or "/JavaScript" in item or action == "/JavaScript":
                    return {"verdict": "javascript", "pages": pages}
                if action == "/Launch":
                    return {"verdict": "launch", "pages": pages}
                stack.extend(item.values())
            elif isinstance(item, ArrayObject):
                stack.extend(item)
    except MemoryError:
        raise
    except Exception:  # pypdf raises many kinds for a damaged or hostile file
        return {"verdict": "unreadable"}
    return {"verdict": "ok", "pages": pages}


def main() -> None:
    max_memory, max_pages = int(sys.argv[1]), int(sys.argv[2])
    _limit_memory(max_memory)
    data = sys.stdin.buffer.read()
    print(json.dumps(verdict(data, max_pages)))


if __name__ == "__main__":
    main()
