"""audit.json and audit.html: a report's stated quantities and the contradictions found among them.

The page lists each finding with its quotes (line, the sentence, the figure marked), the explanation and
the working, the surest first, in the appendix's style; audit.json carries every quantity and finding.
Both are written beside each other atomically, so a failed audit leaves the last good pair.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Callable

from evalkit import __version__
from evalkit.core.contradictions import Contradiction
from evalkit.core.quantities import Quantity

__all__ = ["audit_document", "audit_html", "write_audit"]


def _placed(q: Quantity, page_of: Callable[[int], int | None]) -> dict[str, Any]:
    return {**q.to_dict(), "page": page_of(q.line)}


def audit_document(report: str, quantities: list[Quantity], found: list[Contradiction],
                   page_of: Callable[[int], int | None] = lambda line: None) -> dict[str, Any]:
    """Every quantity and finding, each quantity with its line and, for a PDF, its page."""
    findings = []
    for i, c in enumerate(found, start=1):
        entry = dict(id=f"A-{i:02d}", **c.to_dict())
        entry["quotes"] = [_placed(q, page_of) for q in c.quotes]
        findings.append(entry)
    return {"format": 1, "evalkit_version": __version__, "report": report,
            "quantities": [_placed(q, page_of) for q in quantities], "findings": findings}


def _quote(q: Quantity, page_of: Callable[[int], int | None]) -> str:
    context = q.context
    at = context.find(q.text)
    marked = (html.escape(context[:at]) + f"<mark>{html.escape(q.text)}</mark>" + html.escape(context[at + len(q.text):])
              if at >= 0 else html.escape(context))
    page = page_of(q.line)
    where = f"第 {page} 页" if page else f"第 {q.line} 行"
    return f'<li><span class="ek-ref">{where}</span>{marked}</li>'


def audit_html(report: str, found: list[Contradiction], quantities: int,
               page_of: Callable[[int], int | None] = lambda line: None) -> str:
    from evalkit.outputs.html import appendix_css

    items = []
    for i, c in enumerate(found, start=1):
        quotes = "".join(_quote(q, page_of) for q in c.quotes)
        working = "".join(f'<div class="rhs">{html.escape(line)}</div>' for line in c.working)
        items.append(
            f'<div class="ek-check ek-failed" id="A-{i:02d}"><div class="ek-check-head"><span class="ek-ref">A-{i:02d}</span>'
            f'<b>{html.escape(c.title)}</b> <span class="ek-note">（可信度 {c.confidence}）</span></div>'
            f'<p>{html.escape(c.explanation)}</p><ul class="ek-sources">{quotes}</ul>'
            f'<div class="ek-working"><div class="lhs">重算</div>{working}</div></div>')
    body = "".join(items) or '<p class="ek-note">未发现前后矛盾之处。</p>'
    title = f"报告自洽性核查：{Path(report).name}"
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1.0"><meta name="generator" content="evalkit {__version__}">'
            f"<title>{html.escape(title)}</title><style>{appendix_css()}</style></head>"
            f'<body class="evalkit-page"><main class="evalkit-appendix"><h1 class="ek-title">{html.escape(title)}</h1>'
            f'<p class="ek-subtitle">读出带单位的数值 {quantities} 个；发现矛盾 {len(found)} 处（可信度高的在前）</p>'
            f"{body}</main></body></html>\n")


def write_audit(folder: Path, report: str, quantities: list[Quantity], found: list[Contradiction],
                page_of: Callable[[int], int | None] = lambda line: None) -> tuple[Path, Path]:
    from evalkit.outputs.atomic import write_file

    folder.mkdir(parents=True, exist_ok=True)
    document = audit_document(report, quantities, found, page_of)
    json_path, html_path = folder / "audit.json", folder / "audit.html"
    write_file(json_path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    write_file(html_path, audit_html(report, found, len(quantities), page_of).encode("utf-8"))
    return json_path, html_path
