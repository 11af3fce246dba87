"""What reading an .xlsx may cost, bounded before and while its parts are unpacked.

An .xlsx is a zip of XML parts, and the limit on the file on disk says
nothing about what it unpacks to: 3 MB of deflated, repeated rows is 3 GB of
sheet XML, which would take many minutes to parse (a zip bomb). Every part
read goes through ``BoundedZip.open`` here, which

* refuses a part whose size in the zip directory is above its limit
  (``limits.MAX_XLSX_SHEET_BYTES`` for a worksheet, ``MAX_XLSX_STRINGS_BYTES``
  for the shared strings, ``MAX_XLSX_PART_BYTES`` for any other part) or that
  would take the parts read together above ``MAX_XLSX_UNPACKED_BYTES``, before
  a byte of it is inflated; and
* counts the bytes actually inflated, so a directory that understates a
  part's size is caught at the limit, not after the whole part is unpacked.

The shared strings are counted as they are parsed (at most
``MAX_XLSX_CELLS`` strings, ``MAX_XLSX_ROW_ELEMENTS`` XML elements in one;
see ``xlsxparts.string_table``), and ``xlsxrows`` counts a worksheet's rows
and cells the same way. Each refusal
is an InputError naming the file, the part (and sheet) and the limit.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from evalkit.core import limits
from evalkit.core.errors import InputError

__all__ = ["BoundedZip", "Budget"]


def _size(n: int) -> str:
    return limits.describe_size(n)


class Budget:
    """The bytes a workbook's parts may unpack to, checked when each is opened and while it is read.

    A refusal is also kept in ``refusal``: a parser that wraps the exception
    raised inside its read (as openpyxl's models may) must not turn a limit
    into "文件损坏".
    """

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.declared: dict[str, int] = {}  # part -> its size in the directory, for the parts opened so far
        self.inflated: dict[str, int] = {}  # part -> the most bytes one reading of it unpacked
        self.titles: dict[str, str] = {}  # worksheet part -> its sheet's title
        self.refusal: InputError | None = None

    def label(self, part: str) -> str:
        if part in self.titles:
            return f"工作表“{self.titles[part]}”（{part}）"
        lowered = part.lower()
        if "worksheets/" in lowered:
            return f"工作表（{part}）"
        if lowered.endswith("sharedstrings.xml"):
            return f"共享字符串表（{part}）"
        if lowered.endswith("styles.xml"):
            return f"样式表（{part}）"
        if lowered.endswith("workbook.xml"):
            return f"工作簿结构（{part}）"
        return f"部件 {part}"

    @staticmethod
    def limit(part: str) -> int:
        lowered = part.lower()
        if "worksheets/" in lowered:
            return limits.MAX_XLSX_SHEET_BYTES
        if lowered.endswith("sharedstrings.xml"):
            return limits.MAX_XLSX_STRINGS_BYTES
        return limits.MAX_XLSX_PART_BYTES

    def refuse(self, where: str, message: str) -> InputError:
        self.refusal = InputError.single(self.shown, where, message)
        return self.refusal

    def opened(self, info: zipfile.ZipInfo) -> None:
        """The directory's word for a part about to be read: refused above its limit or the total's."""
        part, limit = info.filename, self.limit(info.filename)
        if info.file_size > limit:
            raise self.refuse(self.label(part), f"解压后为 {_size(info.file_size)}，超过上限 {_size(limit)}"
                                                f"（压缩后 {_size(info.compress_size)}）；{_ADVICE}")
        self.declared[part] = info.file_size  # a part opened twice is counted once
        if sum(self.declared.values()) > limits.MAX_XLSX_UNPACKED_BYTES:
            raise self.refuse(self.label(part), f"读取的各部件解压后合计超过上限 {_size(limits.MAX_XLSX_UNPACKED_BYTES)}"
                                                f"；{_ADVICE}")

    def inflate(self, info: zipfile.ZipInfo, read: int) -> None:
        """``read`` bytes of a part unpacked so far: refused past its limit or, with the other parts, the total's."""
        self.inflated[info.filename] = max(read, self.inflated.get(info.filename, 0))
        limit = self.limit(info.filename)
        if read > limit:  # the directory said at most the limit (checked when opened): it understated the part
            raise self.refuse(self.label(info.filename),
                              f"实际解压已超过上限 {_size(limit)}（压缩包目录记载为 {_size(info.file_size)}，"
                              f"与内容不符：文件已损坏或被改动）；{_ADVICE}")
        if sum(self.inflated.values()) > limits.MAX_XLSX_UNPACKED_BYTES:
            raise self.refuse(self.label(info.filename), f"读取的各部件实际解压后合计超过上限 "
                                                         f"{_size(limits.MAX_XLSX_UNPACKED_BYTES)}；{_ADVICE}")


_ADVICE = "可能是压缩炸弹或异常庞大的工作簿；请删去多余的行列与工作表，或另存为 CSV 后读取"
_STEP = 1 << 20  # bytes inflated per step when a part is read whole: the count stops a lie within a step


class _Counted(io.RawIOBase):
    """A part's stream that counts what it inflates and stops at the part's limit."""

    def __init__(self, inner: Any, info: zipfile.ZipInfo, budget: Budget) -> None:
        super().__init__()
        self._inner, self._info, self._budget, self._read = inner, info, budget, 0

    def readable(self) -> bool:
        return True

    def _take(self, size: int) -> bytes:
        try:
            data = self._inner.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            # CPython stops a part at the size its directory gives, and the CRC of what it read then fails
            raise self._budget.refuse(self._budget.label(self._info.filename),
                                      f"无法解压：内容与压缩包目录不符（{str(exc)[:80]}），文件已损坏或被改动；"
                                      "请用 Excel 或 WPS 打开后另存一份") from None
        if data:
            self._read += len(data)
            self._budget.inflate(self._info, self._read)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self._take(size)
        chunks = []
        while chunk := self._take(_STEP):
            chunks.append(chunk)
        return b"".join(chunks)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


class BoundedZip(zipfile.ZipFile):
    """A zip whose parts are checked against the directory's sizes when opened and counted while read.

    ``ZipFile.read`` opens through ``open``, so whole-part reads (workbook,
    styles, relationships) are bounded as streamed ones (worksheets, strings).
    """

    budget: Budget

    def open(self, name: Any, mode: str = "r", pwd: Any = None, *, force_zip64: bool = False) -> Any:  # type: ignore[override]
        if mode != "r":
            return super().open(name, mode, pwd, force_zip64=force_zip64)
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        self.budget.opened(info)
        return _Counted(super().open(info, mode, pwd), info, self.budget)
