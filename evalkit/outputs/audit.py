"""audit.json and audit.html: a report's stated quantities and the contradictions found among them.

The page lists each finding with its quotes (line or page, the sentence, the figure marked and linked to the
passage), the explanation and the working, the surest first, in the appendix's style; then the report's
passages that the findings rest on, each figure marked and linked back to its findings. audit.json carries
every quantity and finding. Both are written beside each other atomically, so a failed audit leaves the
last good pair. A folder of reports gets ``index.html``: one row per report, its count of findings and its
surest, linked to its page, and the reports that could not be read with why.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from evalkit import __version__
from evalkit.core.contradiction import Contradiction
from evalkit.core.quantities import Quantity

__all__ = ["AuditRow", "Places", "audit_document", "audit_html", "audit_index_html", "write_audit", "write_audit_index"]

_NO_PAGE: Callable[[int], int | None] = lambda line: None  # noqa: E731


def _by_line(line: int) -> str:
    return f"第 {line} 行"


@dataclass(frozen=True)
class Places:
    """Where the report's lines stand: a PDF's page, a Word paragraph or table row, a text file's line."""

    page: Callable[[int], int | None] = _NO_PAGE
    where: Callable[[int], str] = _by_line


def _placed(q: Quantity, places: Places) -> dict[str, Any]:
    return {**q.to_dict(), "page": places.page(q.line), "where": places.where(q.line)}


def audit_document(report: str, quantities: list[Quantity], found: list[Contradiction],
                   places: Places = Places()) -> dict[str, Any]:
    """Every quantity and finding, each quantity with its line, where a reader finds it and, for a PDF, its page."""
    findings = []
    for i, c in enumerate(found, start=1):
        entry = dict(id=f"A-{i:02d}", **c.to_dict())
        entry["quotes"] = [_placed(q, places) for q in c.quotes]
        findings.append(entry)
    return {"format": 1, "evalkit_version": __version__, "report": report,
            "quantities": [_placed(q, places) for q in quantities], "findings": findings}


def _quote(q: Quantity, places: Places, linked: bool) -> str:
    before, after = q.before(), q.after()
    marked = (html.escape(before) + f"<mark>{html.escape(q.text)}</mark>" + html.escape(after)
              if len(before) + len(q.text) + len(after) == len(q.context) else html.escape(q.context))
    where = html.escape(places.where(q.line))
    if linked:
        where = f'<a class="ek-ref-link" href="#L{q.line}">{where}</a>'
    return f'<li><span class="ek-ref">{where}</span>{marked}</li>'


def _passages(lines: list[str], found: list[Contradiction], places: Places) -> str:
    """The report's lines the findings quote, each quoted figure marked and linked to the findings it is in."""
    marks: dict[int, dict[tuple[int, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for i, c in enumerate(found, start=1):
        for q in c.quotes:
            if 0 < q.line <= len(lines):
                at = lines[q.line - 1].find(q.text, q.start)
                at = at if at >= 0 else lines[q.line - 1].find(q.text)
                if at >= 0:
                    ids = marks[q.line][(at, q.text)]
                    if f"A-{i:02d}" not in ids:
                        ids.append(f"A-{i:02d}")
    items = []
    for line in sorted(marks):
        text = lines[line - 1]
        parts, cursor = [], 0
        for (at, written), ids in sorted(marks[line].items()):
            if at < cursor:
                continue  # overlapping quotes: the first one is marked
            refs = "".join(f'<a class="ek-ref-link" href="#{ref}">{ref}</a>' for ref in ids)
            parts.append(html.escape(text[cursor:at]) + f"<mark>{html.escape(written)}</mark><sup>{refs}</sup>")
            cursor = at + len(written)
        parts.append(html.escape(text[cursor:]))
        shown = "".join(parts).replace("\t", " │ ")
        items.append(f'<li id="L{line}"><span class="ek-ref">{html.escape(places.where(line))}</span>{shown}</li>')
    if not items:
        return ""
    return ('<section class="ek-section" id="passages"><h2>报告原文（矛盾所在的段落与表格行）</h2>'
            f'<ul class="ek-sources ek-passages">{"".join(items)}</ul></section>')


def _page(title: str, subtitle: str, body: str) -> str:
    from evalkit.outputs.html import appendix_css

    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1.0"><meta name="generator" content="evalkit {__version__}">'
            f"<title>{html.escape(title)}</title><style>{appendix_css()}"
            ".ek-passages li { margin: 4px 0; color: var(--ink, #222); } .ek-passages sup a { margin-left: 2px; }"
            ".ek-audit-index td.num { text-align: right; }</style></head>"
            f'<body class="evalkit-page"><main class="evalkit-appendix"><h1 class="ek-title">{html.escape(title)}</h1>'
            f'<p class="ek-subtitle">{html.escape(subtitle)}</p>{body}</main></body></html>\n')


def audit_html(report: str, found: list[Contradiction], quantities: int, places: Places = Places(),
               text: str = "") -> str:
    lines = text.splitlines()
    items = []
    for i, c in enumerate(found, start=1):
        quotes = "".join(_quote(q, places, bool(lines)) for q in c.quotes)
        working = "".join(f'<div class="rhs">{html.escape(line)}</div>' for line in c.working)
        items.append(
            f'<div class="ek-check ek-failed" id="A-{i:02d}"><div class="ek-check-head"><span class="ek-ref">A-{i:02d}</span>'
            f'<b>{html.escape(c.title)}</b> <span class="ek-note">（可信度 {c.confidence}）</span></div>'
            f'<p>{html.escape(c.explanation)}</p><ul class="ek-sources">{quotes}</ul>'
            f'<div class="ek-working"><div class="lhs">重算</div>{working}</div></div>')
    body = ('<section class="ek-section" id="findings"><h2>前后矛盾之处</h2>'
            + ("".join(items) or '<p class="ek-note">未发现前后矛盾之处。</p>') + "</section>"
            + _passages(lines, found, places))
    return _page(f"报告自洽性核查：{Path(report).name}",
                 f"读出带单位的数值与日期 {quantities} 个；发现矛盾 {len(found)} 处（可信度高的在前）", body)


def write_audit(folder: Path, report: str, quantities: list[Quantity], found: list[Contradiction],
                places: Places = Places(), text: str = "") -> tuple[Path, Path]:
    from evalkit.outputs.atomic import write_file

    folder.mkdir(parents=True, exist_ok=True)
    document = audit_document(report, quantities, found, places)
    json_path, html_path = folder / "audit.json", folder / "audit.html"
    write_file(json_path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    write_file(html_path, audit_html(report, found, len(quantities), places, text).encode("utf-8"))
    return json_path, html_path


@dataclass(frozen=True)
class AuditRow:
    """One report of a folder: its file name, its page's folder, and what was found (None: not read, ``error``)."""

    report: str
    folder: str
    quantities: int | None
    found: list[Contradiction] | None
    error: str


def audit_index_html(source: str, rows: list[AuditRow]) -> str:
    body = []
    for r in rows:
        name = html.escape(r.report)
        if r.found is None:
            body.append(f'<tr><td>{name}</td><td colspan="3">无法读取：{html.escape(r.error)}</td></tr>')
            continue
        link = f'<a href="{html.escape(quote(r.folder))}/audit.html">{name}</a>'  # 报告#1.txt: a path, not a fragment
        surest = max((c.confidence for c in r.found), default=None)
        titles = "；".join(c.title for c in r.found[:3]) + ("……" if len(r.found) > 3 else "")
        body.append(f'<tr><td>{link}</td><td class="num">{r.quantities}</td><td class="num">{len(r.found)}</td>'
                    f'<td>{"" if surest is None else f"{surest}：" }{html.escape(titles)}</td></tr>')
    total = sum(len(r.found or ()) for r in rows)
    unread = sum(1 for r in rows if r.found is None)
    table = ('<table class="ek-table ek-audit-index"><thead><tr><th>报告</th><th>数值与日期</th><th>矛盾</th>'
             f'<th>最高可信度：主要矛盾</th></tr></thead><tbody>{"".join(body)}</tbody></table>')
    return _page(f"报告自洽性核查汇总：{Path(source).name}",
                 f"报告 {len(rows)} 份，发现矛盾 {total} 处" + (f"，{unread} 份无法读取" if unread else ""), table)


def write_audit_index(folder: Path, source: str, rows: list[AuditRow]) -> Path:
    """``index.html`` and ``index.json`` of a folder's audit (the JSON: each report's counts and findings' titles)."""
    from evalkit.outputs.atomic import write_file

    folder.mkdir(parents=True, exist_ok=True)
    summary = {"format": 1, "evalkit_version": __version__, "source": source, "reports": [
        {"report": r.report, "page": None if r.found is None else f"{r.folder}/audit.html", "quantities": r.quantities,
         "findings": None if r.found is None else [{"title": c.title, "confidence": str(c.confidence)} for c in r.found],
         "error": r.error or None} for r in rows]}
    write_file(folder / "index.json", (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    index = folder / "index.html"
    write_file(index, audit_index_html(source, rows).encode("utf-8"))
    return index
