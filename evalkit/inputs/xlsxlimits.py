"""What reading an .xlsx may cost, bounded before and while its parts are unpacked.

An .xlsx is a zip of XML parts, and the limit on the file on disk says
nothing about what it unpacks to: 3 MB of deflated, repeated rows is 3 GB of
sheet XML, which openpyxl would parse for many minutes (a zip bomb). Every
part openpyxl opens goes through ``BoundedZip.open`` here, which

* refuses a part whose size in the zip directory is above its limit
  (``limits.MAX_XLSX_SHEET_BYTES`` for a worksheet, ``MAX_XLSX_STRINGS_BYTES``
  for the shared strings, ``MAX_XLSX_PART_BYTES`` for any other part) or that
  would take the parts read together above ``MAX_XLSX_UNPACKED_BYTES``, before
  a byte of it is inflated; and
* counts the bytes actually inflated, so a directory that understates a
  part's size is caught at the limit, not after the whole part is unpacked.

The shared strings are counted as they are parsed (at most
``MAX_XLSX_CELLS`` strings, ``MAX_XLSX_ROW_ELEMENTS`` XML elements in one),
and ``sheets`` counts a worksheet's rows and cells the same way. Each refusal
is an InputError naming the file, the part (and sheet) and the limit.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from evalkit.core import limits
from evalkit.core.errors import InputError

__all__ = ["Budget", "BoundedZip", "open_workbook"]


def _size(n: int) -> str:
    return limits.describe_size(n)


class Budget:
    """The bytes a workbook's parts may unpack to, checked when each is opened and while it is read.

    A refusal is also kept in ``refusal``: a parser that wraps the exception
    raised inside its read (openpyxl turns some into ValueError) must not turn a
    limit into "文件损坏".
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

    ``ZipFile.read`` opens through ``open``, so openpyxl's whole-part reads
    (workbook, styles, theme) are bounded as its streamed ones (worksheets).
    """

    budget: Budget

    def open(self, name: Any, mode: str = "r", pwd: Any = None, *, force_zip64: bool = False) -> Any:  # type: ignore[override]
        if mode != "r":
            return super().open(name, mode, pwd, force_zip64=force_zip64)
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        self.budget.opened(info)
        return _Counted(super().open(info, mode, pwd), info, self.budget)


def _string_table(source: Any, budget: Budget, part: str) -> list[str]:
    """openpyxl's ``read_string_table``, with the strings and the elements of each one counted as they come."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    tag = f"{{{SHEET_MAIN_NS}}}si"
    strings: list[str] = []
    elements = 0
    for _, node in iterparse(source):
        elements += 1
        if elements > limits.MAX_XLSX_ROW_ELEMENTS:
            raise budget.refuse(budget.label(part), f"第 {len(strings) + 1:,} 个字符串含超过 "
                                                    f"{limits.MAX_XLSX_ROW_ELEMENTS:,} 个 XML 元素；{_ADVICE}")
        if node.tag == tag:
            if len(strings) >= limits.MAX_XLSX_CELLS:
                raise budget.refuse(budget.label(part), f"超过 {limits.MAX_XLSX_CELLS:,} 个字符串；{_ADVICE}")
            strings.append(Text.from_tree(node).content.replace("x005F_", ""))
            node.clear()
            elements = 0
    return strings


def open_workbook(raw: bytes, budget: Budget) -> Any:
    """openpyxl's read-only workbook over a bounded zip; its later reads (the worksheets) draw on ``budget`` too."""
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet


    class Sheet(ReadOnlyWorksheet):  # type: ignore[misc,valid-type]
        def _get_size(self) -> None:
            """Not read when the workbook is opened: openpyxl would parse a sheet without a <dimension> whole."""
            self._min_row = self._min_column = self._max_row = self._max_column = None

    class Reader(ExcelReader):  # type: ignore[misc,valid-type]
        def read_strings(self) -> None:
            found = self.package.find(SHARED_STRINGS)
            if found is not None:
                part = found.PartName[1:]
                with self.archive.open(part) as source:
                    self.shared_strings = _string_table(source, budget, part)

        def read_worksheets(self) -> None:
            """openpyxl's read-only branch: each sheet is a name and a part, opened only if it is the one read."""
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                budget.titles[rel.target] = sheet.name
                ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)  # noqa: SLF001

    archive = BoundedZip(io.BytesIO(raw))
    archive.budget = budget
    reader = Reader(io.BytesIO(raw), read_only=True, data_only=False)
    reader.archive.close()
    reader.archive, reader.valid_files = archive, archive.namelist()
    reader.read()
    return reader.wb
