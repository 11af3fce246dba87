"""Reading a large .xlsx data table as displayed: seconds, cells per second and a digest of what was read.

    .venv/bin/python benchmarks/xlsx_read.py [--rows 50000] [--workdir DIR] [--profile]

Writes a workbook of ``--rows`` data rows × 33 columns as Excel saves one
(shared strings, cell styles with number formats, ``r`` on every row and
cell): 3 text columns (one unique per row, one of 20 categories, one mostly
blank), 2 date columns (yyyy-mm-dd and a date with time), 28 number columns
under General, 0, 0.00, #,##0.00, 0.00% and 0% (amounts with cents,
integers, rates, float artefacts such as 0.30000000000000004). Then it reads
it with ``sheets.read_xlsx_bytes`` in a fresh process and prints the wall
seconds, µs per cell and cells per second of that read, with a SHA-256 of
every cell read, so two versions of the reader can be shown to read the same
text, and the CPU seconds (the machine is shared: wall seconds vary with its
load, CPU seconds less). ``--profile`` also prints the top of a cProfile.

Measured before the change of issue 21, for 50,000 rows × 33 columns
(1,650,033 cells with the header, a 14.6 MB file) on the shared 2-core
machine: 23.5 s, 14.3 µs a cell, 70,000 cells/s (20 to 26 s, 20 to 22 s of
CPU, while other work loaded the machine). The profile: half of it parsing
the sheet's XML (openpyxl's WorkSheetParser over defusedxml's parser, which
calls Python for every element), half showing the cells (``display_number``
splitting and reading the number format again for every cell,
``is_date_format`` for every cell); building the frame is 5%.

After it (rows and cells recognised by ``xlsxrows.Scanner``, each number
format read once by ``sheets._number_display``): 3.4 to 3.7 s, 2.1 to 2.2 µs
a cell, 450,000 to 490,000 cells/s, the same digest; read in turn with the
reader before it, 5.7 to 6.4 times faster in wall seconds, 5.8 to 6.4 in CPU
seconds. Of what remains, about a fifth is the regular expression over the
cells, a fifth the loop over them, a sixth working out the numbers that must
be rounded (a rate of 17 digits under 0.00%: Decimal), a seventh building
the frame and checking the table, a twentieth each inflating the zip and
reading the shared strings. A sheet the scanner leaves to
``xlsxrows.SheetParser`` (another form of XML) reads at 7.4 µs a cell, 12.2
s of CPU, where the reader before took 21.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = 33
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

# cellXfs index -> numFmtId: 0 General, 1 "0", 2 "0.00", 4 "#,##0.00", 10 "0.00%", 9 "0%", 14 date, 164 custom
STYLES = [0, 1, 2, 4, 10, 9, 14, 164, 165]
CUSTOM = {164: "yyyy-mm-dd", 165: "yyyy-mm-dd hh:mm"}
NUMBER_STYLES = [0, 1, 2, 3, 4, 5, 0]  # the styles the 28 number columns cycle through
CATEGORIES = [f"类别{i:02d}" for i in range(20)]


def _number(row: int, column: int, style: int) -> str:
    """A stored number as Excel writes it: shortest round-trip text of a binary double."""
    seed = (row * 7919 + column * 104729) % 1_000_003
    if style == 1:
        return str(seed % 100_000)
    if style in (4, 5):
        return repr(seed / 1_000_003)
    if column % 7 == 6:
        return repr(seed / 10 + 0.1 + 0.2)  # float artefacts, shown as 15 significant digits
    return repr(round(seed / 100, 2))


def sheet_xml(rows: int, strings: dict[str, int]) -> bytes:
    def shared(text: str) -> int:
        return strings.setdefault(text, len(strings))

    out = io.StringIO()
    out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" xmlns:r="{REL}">'
              f'<dimension ref="A1:{get_column_letter(COLUMNS)}{rows + 1}"/><sheetViews><sheetView workbookViewId="0"/>'
              '</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>')
    names = ["单位", "类别", "备注", "日期", "时间"] + [f"金额{i}" for i in range(1, COLUMNS - 4)]
    out.write(f'<row r="1" spans="1:{COLUMNS}">')
    for c, name in enumerate(names, 1):
        out.write(f'<c r="{get_column_letter(c)}1" t="s"><v>{shared(name)}</v></c>')
    out.write("</row>")
    letters = [get_column_letter(c) for c in range(1, COLUMNS + 1)]
    for r in range(2, rows + 2):
        out.write(f'<row r="{r}" spans="1:{COLUMNS}">')
        out.write(f'<c r="A{r}" t="s"><v>{shared(f"单位{r:06d}")}</v></c>')
        out.write(f'<c r="B{r}" t="s"><v>{shared(CATEGORIES[r % 20])}</v></c>')
        if r % 5 == 0:
            out.write(f'<c r="C{r}" t="s"><v>{shared(f"备注 {r % 97}")}</v></c>')
        out.write(f'<c r="D{r}" s="7"><v>{45000 + r % 700}</v></c>')
        out.write(f'<c r="E{r}" s="8"><v>{45000 + r % 700 + (r % 96) / 96!r}</v></c>')
        for c in range(6, COLUMNS + 1):
            style = NUMBER_STYLES[c % len(NUMBER_STYLES)]
            s = f' s="{style}"' if style else ""
            out.write(f'<c r="{letters[c - 1]}{r}"{s}><v>{_number(r, c, style)}</v></c>')
        out.write("</row>")
    out.write('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
              "</worksheet>")
    return out.getvalue().encode("utf-8")


def write_workbook(path: Path, rows: int) -> None:
    strings: dict[str, int] = {}
    sheet = sheet_xml(rows, strings)
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(f)}"/>' for i, f in CUSTOM.items())
    applied = ' applyNumberFormat="1"'
    xfs = "".join(f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0"{applied if n else ""}/>'
                  for n in STYLES)
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{NS}">'
              f'<numFmts count="{len(CUSTOM)}">{formats}</numFmts>'
              '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
              '<fills count="2"><fill><patternFill patternType="none"/></fill>'
              '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              f'<cellXfs count="{len(STYLES)}">{xfs}</cellXfs>'
              '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{NS}" xmlns:r="{REL}">'
                '<workbookPr/><sheets><sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
                 f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{main}.worksheet+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
             f'<Override PartName="/xl/sharedStrings.xml" ContentType="{main}.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/styles.xml", styles)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/worksheets/sheet1.xml", sheet)


def child(path: str, profile: bool) -> None:
    """Runs in a fresh process: one read, timed (or profiled), and the digest of its cells."""
    sys.path.insert(0, str(ROOT))
    from evalkit.inputs.sheets import read_xlsx_bytes

    raw = Path(path).read_bytes()
    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    names, frame = read_xlsx_bytes(raw, Path(path).name)
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    digest = hashlib.sha256()
    digest.update("\x1f".join(names).encode())
    for line, values in zip(frame.index, frame.itertuples(index=False)):
        digest.update(f"\x1e{line}\x1f".encode() + "\x1f".join(values).encode())
    cells = (len(frame) + 1) * len(names)
    print(f"read: {seconds:.2f} s for {cells:,} cells: {seconds / cells * 1e6:.2f} µs a cell, "
          f"{cells / seconds:,.0f} cells/s ({cpu:.2f} s of CPU: the machine's load shows as the difference)")
    print(f"digest of the cells read: {digest.hexdigest()[:16]}")
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the workbook (default: temporary)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the read (slower)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.profile)
        return
    with tempfile.TemporaryDirectory(prefix="evalkit-xlsx-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"table_{args.rows}x{COLUMNS}.xlsx"
        if not path.exists():
            started = time.perf_counter()
            write_workbook(path, args.rows)
            print(f"workbook: {args.rows:,} rows × {COLUMNS} columns, {path.stat().st_size / (1 << 20):,.1f} MB "
                  f"({time.perf_counter() - started:.1f} s to write)", flush=True)
        command = [sys.executable, __file__, "--child", str(path), *(["--profile"] if args.profile else [])]
        done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(done.stdout + done.stderr, file=sys.stderr)
            sys.exit(1)
        print(done.stdout.rstrip())


if __name__ == "__main__":
    main()
