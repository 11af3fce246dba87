"""Where each reference id is used: the other half of a two-way reference.

A working cites its inputs (C-03 uses C-01); a reviewer reading C-01 also
needs the way forward — which figures, indicator scores and checks rest on
it — so a changed input can be traced to everything it moves. This module
computes that graph from the evaluation alone (pure, no HTML), and knows
which ids have an anchor on the page, so that only those are ever linked:
a string that merely looks like an id (a document number such as D-005)
stays text.

Uses are found two ways: structurally (a figure's input that is another
figure, a reported check's subject, a per-finding deduction) and by the
ids a box's own text mentions (formula, substitution, lines, sources),
scanning what the appendix shows (a long list's first and last rows).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evalkit.core import limits

__all__ = ["References", "build", "linkable", "mentioned", "row_anchor", "pattern"]


@dataclass(frozen=True)
class References:
    """The ids with an anchor on the page, and for each id the boxes that use it, in page order."""

    ids: frozenset[str]
    used_by: dict[str, tuple[str, ...]]
    rows: frozenset[str]  # anchors of the data-table rows the 基础数据 section shows

    def uses(self, ref: str) -> tuple[str, ...]:
        return self.used_by.get(ref, ())

    def row(self, table_key: str, line: int) -> str:
        """The anchor of a shown table row, or "" when that row is not on the page (a long table's middle)."""
        anchor = row_anchor(table_key, line)
        return anchor if anchor in self.rows else ""


def linkable(finding_id: str) -> bool:
    """A finding id is linked where text mentions it only if it reads as an id: a digit and something else.

    Finding ids are the user's (F-01, 问题3); a bare “1” or a word such as
    “资产” would turn every line number or every use of the word into a link.
    """
    text = finding_id.strip()
    return (len(text) >= 2 and any(ch.isdigit() for ch in text) and not text.isdigit()
            and text == finding_id and not any(ch.isspace() for ch in text))


def row_anchor(table_key: str, line: int) -> str:
    """An id for a data-table row that is safe whatever the table's key is (any text a user gave).

    The key is hashed, not pasted: a key with spaces, quotes or “#” would make
    an id a link cannot reach, and two tables cannot share a line number's id.
    """
    digest = hashlib.sha256(table_key.encode("utf-8")).hexdigest()[:10]
    return f"row-{digest}-{line}"


@lru_cache(maxsize=64)
def pattern(ids: frozenset[str]) -> re.Pattern[str] | None:
    """A regex matching exactly the given ids as whole tokens (C-01 not inside C-012 or ABC-01)."""
    if not ids:
        return None
    alternatives = "|".join(re.escape(i) for i in sorted(ids, key=lambda i: (-len(i), i)))
    return re.compile(rf"(?<![A-Za-z0-9_\-])(?:{alternatives})(?![A-Za-z0-9_])(?!-[A-Za-z0-9])")


def mentioned(texts: Iterable[str], ids: frozenset[str]) -> list[str]:
    """The known ids the texts mention, each once, in order of first mention."""
    rx = pattern(ids)
    if rx is None:
        return []
    seen: dict[str, None] = {}
    for text in texts:
        for m in rx.finditer(str(text)):
            seen.setdefault(m.group(0), None)
    return list(seen)


def _shown(items: Sequence[Any]) -> Iterable[Any]:
    """A list as the appendix shows it: whole, or past the limit its first and last rows (lazy sequences too)."""
    n = len(items)
    if n <= limits.MAX_TABLE_ROWS_SHOWN:
        return list(items)
    edge = limits.EDGE_ROWS_SHOWN
    return [*items[:edge], *items[n - edge:]]


def _figure_texts(f: Any) -> list[str]:
    texts = [f.formula, f.substitution, f.note, *f.notices, *_shown(f.lines)]
    texts += [f"{q.ref} {q.source}" for q in _shown(f.inputs)]
    return texts


def _check_texts(c: Any) -> list[str]:
    texts = [c.subject, c.name, c.formula, c.note, *_shown(c.lines), *_shown(c.sources)]
    texts += [f"{r.label} {r.note}" for r in _shown(c.rows)]
    return texts


def build(ev: Any) -> References:
    """The reference graph of an evaluation: every anchored id, and who uses it."""
    figures = [*ev.figures, *ev.survey_figures]
    # (the box's own id, the texts it shows, the ids it uses by structure), in page order
    boxes: list[tuple[str, list[str], list[str]]] = []
    for c in ev.checks:
        boxes.append((c.ref, _check_texts(c), [c.subject] if c.subject else []))
    for s in ev.indicators:
        texts = _figure_texts(s.working)
        if s.override is not None:
            texts.append(s.override.justification)
        boxes.append((s.working.ref, texts, [fid for fid, _ in s.outcome.findings]))
    for f in figures:
        boxes.append((f.ref, _figure_texts(f), [q.ref for q in _shown(f.inputs) if q.ref]))
    ids = frozenset([*(f.ref for f in figures), *(s.working.ref for s in ev.indicators),
                     *(s.ref for s in ev.not_assessed), *(c.ref for c in ev.checks),
                     *(f.id for f in ev.findings if linkable(f.id))])
    used: dict[str, list[str]] = {}
    for own, texts, structural in boxes:
        for ref in [*structural, *mentioned(texts, ids)]:
            if ref != own and own not in used.setdefault(ref, []):
                used[ref].append(own)
    order = {ref: i for i, ref in enumerate(_page_order(ev))}
    used_by = {ref: tuple(sorted(users, key=lambda u: (order.get(u, len(order)), u))) for ref, users in used.items()}
    return References(ids=ids, used_by=used_by, rows=frozenset(_shown_rows(ev)))


def _page_order(ev: Any) -> list[str]:
    """Checks, scores, figures, survey figures: the order their boxes have on the page."""
    scores = [getattr(leaf, "working", leaf).ref for leaf in ev.leaves]
    return [*(c.ref for c in ev.checks), *scores, *(f.ref for f in ev.figures), *(f.ref for f in ev.survey_figures)]


def _shown_rows(ev: Any) -> list[str]:
    out = []
    for t in ev.tables.values():
        n = len(t.rows)
        if n <= limits.MAX_TABLE_ROWS_SHOWN:
            shown: Iterable[int] = range(n)
        else:
            edge = limits.EDGE_ROWS_SHOWN
            shown = [*range(edge), *range(n - edge, n)]
        out.extend(row_anchor(t.key, t.line(i)) for i in shown)
    return out
