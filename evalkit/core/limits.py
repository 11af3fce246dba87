"""Resource limits on what a user can hand evalkit, and the one safe way to open an input file.

A params file, a framework or a data table comes from an evaluator's folder,
and in a round of a thousand projects one careless or hostile file must not
hang a worker (a FIFO blocks ``open()`` forever), exhaust memory (a 20 GB
export read whole, a YAML alias bomb, a number with a billion digits) or crash
the process (nesting deep enough to overflow the C stack). Every limit here is
far above anything a real report needs; crossing one is an input error naming
the file and the limit, never a hang or an internal error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from evalkit.core.errors import InputError

__all__ = [
    "MAX_DATA_BYTES", "MAX_YAML_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "MAX_NUMBER_DIGITS",
    "MAX_NUMBER_EXPONENT", "MAX_TABLE_ROWS_SHOWN", "read_input_bytes", "describe_size",
    "MAX_EXPRESSION_CHARS", "MAX_EXPRESSION_DEPTH", "MAX_EXPRESSION_OPERATORS", "MAX_FAILED_ROWS_LISTED",
    "EXACT_DIGITS", "EDGE_ROWS_SHOWN", "MAX_HEADER_ROW", "MAX_POPULATION",
    "MAX_XLSX_SHEET_BYTES", "MAX_XLSX_STRINGS_BYTES", "MAX_XLSX_PART_BYTES", "MAX_XLSX_UNPACKED_BYTES", "MAX_XLSX_ROWS",
    "MAX_XLSX_COLUMNS", "MAX_XLSX_CELLS", "MAX_XLSX_ROW_ELEMENTS",
]

MAX_YAML_BYTES = 8 * 1024 * 1024  # a params file or framework; the largest real one is about 60 KB
MAX_YAML_DEPTH = 64  # nested mappings/lists; a real params file nests about 8 deep
MAX_YAML_NODES = 2_000_000  # nodes after expanding aliases: stops alias bombs before they expand
MAX_DATA_BYTES = int(os.environ.get("EVALKIT_MAX_DATA_BYTES", 1024 * 1024 * 1024))  # one data table or export
# An .xlsx is a zip: its parts are bounded by what they unpack to, not by the file on disk (3 MB of
# deflated rows can be 3 GB of XML). Checked from the zip directory before a part is read and again
# while it is inflated (see xlsxlimits). Larger tables: save as CSV, bounded by MAX_DATA_BYTES alone.
MAX_XLSX_SHEET_BYTES = 512 * 1024 * 1024  # one worksheet's XML; 5,000,000 filled cells take about 250 MB
MAX_XLSX_STRINGS_BYTES = 256 * 1024 * 1024  # the shared strings table (xl/sharedStrings.xml)
MAX_XLSX_PART_BYTES = 32 * 1024 * 1024  # any other part read: workbook, styles, theme, relationships
MAX_XLSX_UNPACKED_BYTES = 1024 * 1024 * 1024  # all parts read from one workbook, together
MAX_XLSX_ROWS = 1_048_576  # rows of one worksheet, as in Excel
MAX_XLSX_COLUMNS = 16_384  # cells in one row, as in Excel
# Cells of one worksheet (empty ones included) and strings in the shared strings table: reading a cell
# costs about 5–15 µs, so the limit also bounds the time a sheet can take (about a minute).
MAX_XLSX_CELLS = 5_000_000
MAX_XLSX_ROW_ELEMENTS = 200_000  # XML elements in one row or one shared string (rich-text runs): bounds memory
MAX_NUMBER_DIGITS = 40  # significant digits of one number; 10^15 元 with 6 decimals needs 22
MAX_NUMBER_EXPONENT = 30  # |exponent| of one number, after normalising: 1e30 is far above any budget
PROJECT_TIMEOUT = 900  # seconds per project in a batch (--timeout): a 1,000,000-row survey runs in under a minute
MAX_HEADER_ROW = 1_048_576  # header_row: the last row of an Excel sheet; a header below it is a slip
MAX_POPULATION = 10_000_000_000  # a survey population (有限总体校正): more than there are people
MAX_TABLE_ROWS_SHOWN = 200  # longer tables are shown in the appendix as a summary with first and last rows
EDGE_ROWS_SHOWN = 20  # a long list is shown as its first and last this many items (appendix.TABLE_EDGE_ROWS too)
MAX_FAILED_ROWS_LISTED = 200  # results.json lists at most this many failing rows of one check, then a count
MAX_EXPRESSION_CHARS = 1000  # one identity-check equation; a real one is well under 200 characters
MAX_EXPRESSION_DEPTH = 50  # nested parentheses and signs in one equation; a real one nests two or three deep
MAX_EXPRESSION_OPERATORS = 200  # + − × ÷ in one equation: bounds the depth of the evaluated expression tree
# Digits that keep sums and differences of numbers within the limits exact (they span 10^30 … 10^-69,
# about 100 digit positions; twice that holds a product of two, and leaves room for the carries of
# sums over billions of rows). Decimal's default of 28 would round such a sum silently.
EXACT_DIGITS = 2 * (2 * MAX_NUMBER_EXPONENT + MAX_NUMBER_DIGITS) + 20


def describe_size(size: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} 字节"


def read_input_bytes(path: Path, shown: str, max_bytes: int, what: str = "文件") -> bytes:
    """The bytes of a user's input file: a regular file, no larger than ``max_bytes``.

    The file is opened non-blocking and checked with fstat on the open handle,
    so a FIFO or a device is refused without blocking and a file swapped in
    after a check cannot slip past it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError.single(shown, "", f"{what}不存在") from None
    except IsADirectoryError:
        raise InputError.single(shown, "", f"应为{what}，实际为目录") from None
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EISDIR):
            raise InputError.single(shown, "", f"应为普通{what}，实际为设备或管道") from None
        raise InputError.single(shown, "", f"无法读取：{exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError.single(shown, "", f"应为{what}，实际为目录")
        if not stat.S_ISREG(info.st_mode):
            raise InputError.single(shown, "", f"应为普通{what}，实际为设备、管道或套接字")
        if info.st_size > max_bytes:
            raise InputError.single(
                shown, "", f"{what}过大（{describe_size(info.st_size)}），上限为 {describe_size(max_bytes)}"
            )
        # One read of the known size into one buffer: collecting chunks and joining them would
        # hold the file twice (a 250 MB survey export briefly costing 500 MB).
        with open(fd, "rb", closefd=False) as handle:
            data = handle.read(info.st_size)
            if handle.read(1):  # grew while being read
                raise InputError.single(shown, "", f"{what}在读取时仍在变大，请在文件写完后再运行")
        return data
    except OSError as exc:
        raise InputError.single(shown, "", f"无法读取：{exc.strerror}") from None
    finally:
        os.close(fd)
