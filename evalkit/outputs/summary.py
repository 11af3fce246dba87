"""The lines the command line prints about a project's failed checks.

An evaluator who runs `evalkit validate` or `evalkit run` must learn of a
mismatch without opening the appendix. Every line reads the same way for
every kind of check: the stated value (所述值), the recomputed one (重算值)
and the difference recomputed − stated (差额), each at the precision it was
given, so a one-cent difference is visible. The lines are built from the
checks as results.json records them, so a run whose data was evaluated only
in the kernel prints the same lines as one evaluated in process.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from evalkit.core import numbers

__all__ = ["SHOWN_FAILURES", "failed_check_lines"]

SHOWN_FAILURES = 10  # lines printed; the rest are counted


def _value(text: Any) -> Decimal | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _comparison(item: dict[str, Any], unit: str, places: int | None) -> str | None:
    stated, found = _value(item.get("stated")), _value(item.get("recomputed"))
    if stated is None or found is None:
        return None
    difference = _value(item.get("difference"))
    if difference is None:
        difference = found - stated
    return (f"所述值 {numbers.format_quantity(stated, unit, numbers.written_places(stated))}，重算值 {numbers.format_quantity(found, unit, places)}，"
            f"差额 {numbers.format_difference(difference, unit, places)}")


def _failed_rows(check: dict[str, Any]) -> list[dict[str, Any]]:
    rows = check.get("rows")
    if isinstance(rows, dict):  # a long check keeps only its failing rows (results.json)
        rows = rows.get("failed_rows")
    return [r for r in rows or [] if isinstance(r, dict) and r.get("status") == "failed"]


def _line(check: dict[str, Any]) -> str:
    head = f"{check.get('id', '')} {check.get('name', '')}".strip()
    headline = check.get("headline")
    if isinstance(headline, str) and headline:  # the appendix's own line for the check
        return f"{head}：{headline}"
    unit = str(check.get("unit") or "")
    places = check.get("places") if isinstance(check.get("places"), int) else None
    whole = _comparison(check, unit, places)
    rows = _failed_rows(check)
    if rows and (whole is None or check.get("kind") == "group_sum"):
        # each failing row or group says what is wrong; a group_sum's net total may cancel to 0
        parts = [f"{r.get('label', '')} {_comparison(r, unit, places) or r.get('note') or '未通过'}" for r in rows[:3]]
        more = f"；另有 {len(rows) - 3} 行" if len(rows) > 3 else ""
        return f"{head}：" + "；".join(parts) + more
    return f"{head}：{whole or check.get('note') or '未通过'}"


def failed_check_lines(checks: Iterable[dict[str, Any]], limit: int = SHOWN_FAILURES) -> list[str]:
    """One line per failed check (as in results.json), the first ``limit``, then "… 另有 N 项"."""
    failed = [c for c in checks if isinstance(c, dict) and c.get("status") == "failed"]
    lines = [_line(c) for c in failed[:limit]]
    if len(failed) > limit:
        lines.append(f"… 另有 {len(failed) - limit} 项")
    return lines
