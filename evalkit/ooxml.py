"""Office files (xlsx, docx) with no clock in them: the same inputs give the same bytes.

A zip records each entry's write time, and openpyxl and python-docx stamp
the document's core properties (dcterms:created / dcterms:modified) with the
time of saving. Reviewers compare output hashes (``evalkit verify``), so every
Office file evalkit writes goes through ``without_clock``: one fixed time on
every zip entry and in the core properties, no "last modified by" user.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

__all__ = ["FIXED_TIME", "without_clock"]

FIXED_TIME = dt.datetime(2024, 1, 1)  # no clock time in a file: two runs of the same inputs are the same file

_STAMPS = (rb"dcterms:created", rb"dcterms:modified")


def without_clock(data: bytes, when: dt.datetime = FIXED_TIME) -> bytes:
    """The package re-zipped in its own entry order with ``when`` on every entry and as its created/modified time."""
    source = zipfile.ZipFile(io.BytesIO(data))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                for tag in _STAMPS:
                    content = re.sub(rb"(<" + tag + rb"[^>]*>)[^<]*(</" + tag + rb">)",
                                     rb"\g<1>" + stamp + rb"\g<2>", content)
                content = re.sub(rb"<cp:lastModifiedBy>[^<]*</cp:lastModifiedBy>",
                                 rb"<cp:lastModifiedBy>evalkit</cp:lastModifiedBy>", content)
            target.writestr(entry, content)
    return out.getvalue()
