"""`evalkit audit` speed: a 100-page report (text, Word, PDF) and a folder of 30 reports.

    .venv/bin/python benchmarks/audit.py [--pages 100] [--reports 30] [--keep DIR]

Builds a long report from the two published reports in tests/reports (003: 74 KB of text, seven tables,
about 81 A4 pages as the .docx built here; 001: about 20), one after the other until the page count is
reached, then prints, from one run on this machine:

  (a) seconds for `evalkit audit` on it as .txt, as .docx (python-docx: its prose as paragraphs, its
      tab-separated tables as Word tables) and as .pdf (the .docx printed by LibreOffice, when soffice is
      installed), each with the count of pages, quantities and findings;
  (b) seconds for `evalkit audit <folder>` on 30 reports (the two published reports as .txt and .docx in
      turn), per report and in all.

Target (issue 24): under 10 s for a 100-page report. Each figure is the whole command in a fresh process
(`python -m evalkit audit …`), imports included, as a user meets it.

Figures on the 2-core development machine (shared; compare within one run), 2026-12-08:
  (a) about 100 pages (003 then 001): .txt 0.34 s, .docx 0.47 s, .pdf 3.44 s (101 pages), 589–612 quantities
      and dates; 4–5 findings: 001's two and 003's one in each, plus what joining two reports into one makes
      (003's 总分 set against 001's score table: an artefact of the joining, not of either report)
  (b) 30 reports (.txt and .docx in turn): 1.83 s in all, 0.061 s per report (reading a Word file's styles
      once, not once a paragraph, took the .docx from 0.47 s to 0.11 s a report)
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "reports"
# The two published reports and about how many A4 pages each prints to as the .docx built here (measured).
SEEDS = ((REPORTS / "003_wangcheng_smart_city_report.txt", 81), (REPORTS / "001_futian_ai_centre_report.txt", 20))


def long_text(pages: int) -> str:
    """Seeds 003 and 001 in turn until about ``pages`` A4 pages, each copy's 附件 headings its own."""
    parts, printed, n = [], 0, 0
    while printed < pages - 10:
        seed, length = SEEDS[n % len(SEEDS)]
        parts.append(re.sub(r"^(附件\d)", rf"第{n + 1}册 \1", seed.read_text(encoding="utf-8"), flags=re.M))
        printed, n = printed + length, n + 1
    return "\n".join(parts)


def write_docx(text: str, path: Path) -> None:
    import docx

    document = docx.Document()
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            block = []
            while i < len(lines) and "\t" in lines[i]:
                block.append(lines[i].split("\t"))
                i += 1
            width = max(len(r) for r in block)
            table = document.add_table(rows=len(block), cols=width)
            table.style = "Table Grid"
            for r, cells in enumerate(block):
                for c, value in enumerate(cells):
                    table.rows[r].cells[c].text = value
            continue
        document.add_paragraph(lines[i])
        i += 1
    document.save(path)


def timed(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "evalkit", "audit", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise SystemExit(f"evalkit audit {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout


def pdf_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--reports", type=int, default=30)
    parser.add_argument("--keep", default=None, help="write the reports and results here instead of a temporary folder")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="evalkit-audit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        text = long_text(args.pages)
        report = work / "long.txt"
        report.write_text(text, encoding="utf-8")
        write_docx(text, work / "long.docx")
        soffice = shutil.which("soffice")
        if soffice:
            subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(work / 'lo').as_uri()}",
                            "--convert-to", "pdf", "--outdir", str(work), str(work / "long.docx")],
                           check=True, capture_output=True, timeout=900)
        print(f"(a) a long report (seeds 003 and 001 in turn, about {args.pages} pages):")
        for suffix in (".txt", ".docx", ".pdf"):
            path = work / f"long{suffix}"
            if not path.exists():
                print(f"  {suffix}: not built (LibreOffice not installed)")
                continue
            seconds, out = timed(str(path), "-o", str(work / f"out{suffix}"))
            counts = re.search(r"数值与日期 (\d+) 个，发现前后矛盾 (\d+) 处", out)
            pages = f"{pdf_pages(path)} pages, " if suffix == ".pdf" else ""
            print(f"  {suffix:6} {seconds:6.2f} s   {pages}{counts[1]} quantities, {counts[2]} findings")
        folder = work / "folder"
        folder.mkdir(exist_ok=True)
        seeds = sorted(REPORTS.glob("*.txt"))
        for n in range(args.reports):
            seed = seeds[n % len(seeds)]
            if n % 2:
                write_docx(seed.read_text(encoding="utf-8"), folder / f"{n:03d}_{seed.stem}.docx")
            else:
                shutil.copy(seed, folder / f"{n:03d}_{seed.name}")
        seconds, out = timed(str(folder), "-o", str(work / "out-folder"))
        print(f"(b) a folder of {args.reports} reports: {seconds:.2f} s in all, {seconds / args.reports:.3f} s per report")
        print("   ", out.strip().splitlines()[-1])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
