"""The round's own outputs: index.html, summary.xlsx, summary.csv and round.json.

Rows come from each project's results.json, so a project skipped as up to date
or one that failed this time (keeping its last good outputs) still appears
with its last good figures, marked with this run's status.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote
from typing import TYPE_CHECKING, Any

from evalkit import __version__
from evalkit.inputs import names
from evalkit.core import numbers
from evalkit.outputs import ooxml, roundsheets
from evalkit.outputs.ooxml import safe_text
from evalkit.outputs.roundsheets import Row, round_seconds

if TYPE_CHECKING:
    from evalkit.outputs.outcomes import RoundRun

__all__ = ["Row", "unchanged", "write_round", "HEADERS", "safe_text", "csv_id", "grade_key", "finished_text"]

# 已评分值, 评价类型 and 复核 are last so that the columns readers already rely on keep their places.
HEADERS = ["序号", "项目编号", "项目名称", "总分", "等级", "核对未通过", "本次状态", "用时（秒）", "附件", "错误信息",
           "已评分值", "评价类型", "复核", "实施单位", "所述总分", "不符（按类型）", "未解决复核意见"]
NOT_RUN = "未运行（已中断）"


def _rows(run: "RoundRun", projects: list[Path], outputs_root: Path) -> list[Row]:
    from evalkit.outputs.outcomes import STATUS_TEXT

    outcomes = {o.params: o for o in run.outcomes}
    rows = []
    for i, params in enumerate(projects, start=1):
        # A refused name has no output folder of its own: nothing is read on its behalf.
        out_dir = None if str(params) in run.refused else run.outputs / names.project_name(params)
        data: dict[str, Any] = {}
        if out_dir is not None:
            try:
                data = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    data = {}
            except (OSError, ValueError):
                pass
        outcome = outcomes.get(str(params))
        project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
        rows.append(Row(
            index=i,
            params=names.displayable(params.name),
            stem=names.displayable(names.project_name(params)),
            id=str(project.get("id", "")),
            name=str(project.get("name", "")) or names.displayable(names.project_name(params)),
            total=_decimal_or_none(data.get("total_score")),
            grade=str(data.get("grade", "")),
            checks_failed=data["checks_failed"] if isinstance(data.get("checks_failed"), int) else None,
            status=outcome.status if outcome else "not_run",
            status_text=STATUS_TEXT[outcome.status] if outcome else NOT_RUN,
            seconds=outcome.seconds if outcome and outcome.status != "up_to_date" and out_dir is not None else None,
            appendix=_link(out_dir),
            error=outcome.error if outcome else "",
            assessed=_decimal_or_none(data.get("assessed_weight")),
            grade_note=_grade_note(data),
            partial=bool(data.get("not_assessed")),
            kind=str(project.get("kind", "")),
            review=_review(data),
            open_notes=_open_notes(data),
            folder=out_dir.name if out_dir is not None and (out_dir / "appendix.html").is_file() else "",
            grade_key=grade_key(data),
            failed_checks=_failed_checks(data),
            indicators=roundsheets.indicators(data),
            findings=roundsheets.findings(data),
            manifest=_manifest_sha256(out_dir),
            unit=str(project.get("unit") or ""),
            stated_total=_decimal_or_none(project.get("reported_total")),
            discrepancies=roundsheets.discrepancies(data),
        ))
    return rows


def _manifest_sha256(out_dir: Path | None) -> str:
    """The sha256 of a project's manifest.json as it is now, "" when it has none (or it cannot be read)."""
    from evalkit.outputs.manifest import MANIFEST, file_sha256

    if out_dir is None:
        return ""
    try:
        return file_sha256(out_dir / MANIFEST, follow_symlinks=False)
    except OSError:
        return ""


def unchanged(run: "RoundRun", projects: list[Path]) -> bool:
    """Whether the round files already describe every project's current outputs, so a run that ran nothing keeps them.

    True only when this run ran nothing and refused nothing (every project up to
    date), the four round files exist, round.json was written by this evalkit
    for an uninterrupted round of exactly these projects in this order, none of
    which failed then, and each project's manifest.json is the one the row was
    read beside (a manifest records the sha256 of results.json and the
    appendix, which the batch has just checked). The files then still say what
    rewriting them would say about the projects; what they keep of the earlier
    run is its time, its 本次状态 and 用时. Reads no results.json and needs
    neither jinja2 nor openpyxl: an unchanged re-run stays quick.
    """
    from evalkit.outputs.outcomes import UP_TO_DATE

    if run.refused or run.interrupted or run.aborted or len(run.outcomes) != len(projects):
        return False
    if any(o.status != UP_TO_DATE for o in run.outcomes):
        return False
    out = run.outputs
    if not all((out / name).is_file() and not (out / name).is_symlink() for name in names.ROUND_FILES):
        return False
    try:
        document = json.loads((out / "round.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(document, dict) or document.get("evalkit_version") != __version__:
        return False
    if document.get("interrupted") is not False or document.get("aborted") != "":
        return False
    listed = document.get("projects")
    if not isinstance(listed, list) or len(listed) != len(projects):
        return False
    for entry, params in zip(listed, projects):
        if not isinstance(entry, dict) or entry.get("params") != names.displayable(params.name):
            return False
        if entry.get("status") not in ("ok", UP_TO_DATE) or entry.get("error"):
            return False
        recorded = entry.get("manifest_sha256")
        if not isinstance(recorded, str) or recorded != _manifest_sha256(out / names.project_name(params)):
            return False
    return True


_STATUS = re.compile(r"已[^，,\s]{1,10}(，待[^，,\s]{1,10})?")


def _review(data: dict[str, Any]) -> str:
    """复核状态 from results.json (已复核, 已复核，待审定, 已审定 …); one from before sign-offs existed reads 未复核."""
    if not data:
        return ""
    review = data.get("review")
    status = review.get("status") if isinstance(review, dict) else None
    if isinstance(status, str) and (status in ("未复核", "复核后已修改") or _STATUS.fullmatch(status)):
        return status
    return "未复核"


def _open_notes(data: dict[str, Any]) -> int:
    review = data.get("review") if data else None
    count = review.get("open_notes") if isinstance(review, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0


def review_rank(status: str) -> int:
    """The order the 复核 column sorts in: 复核后已修改 first (to act on), then 未复核, part-way, fully signed."""
    if status == "复核后已修改":
        return 0
    if status == "未复核" or not status:
        return 1
    return 2 if "待" in status else 3
def grade_key(data: dict[str, Any]) -> int | None:
    """The grade's rank in its own framework, 0 for the lowest: the round page sorts grades by it.

    A text sort puts 中 before 优 (pinyin); the framework lists its grades from
    best to worst (优、良、中、差 by default, or its own names), so the rank is
    read from that list. A results.json without the list uses the default
    bands; a grade not in the list (不评定, or none) has no rank and sorts last.
    """
    from evalkit.core.framework import DEFAULT_GRADES

    framework = data.get("framework") if isinstance(data.get("framework"), dict) else {}
    listed = framework.get("grades") if isinstance(framework.get("grades"), list) else []
    order = [str(g.get("name")) for g in listed if isinstance(g, dict)] or [g.name for g in DEFAULT_GRADES]
    grade = data.get("grade")
    return len(order) - 1 - order.index(grade) if isinstance(grade, str) and grade in order else None


def _failed_checks(data: dict[str, Any]) -> tuple[str, ...]:
    checks = data.get("checks") if isinstance(data.get("checks"), list) else []
    return tuple(str(c.get("id")) for c in checks
                 if isinstance(c, dict) and c.get("status") == "failed" and isinstance(c.get("id"), str))


def _grade_note(data: dict[str, Any]) -> str:
    """Why a project has no grade, or how a partial result was graded, from its results.json."""
    withheld, scaled = data.get("grade_withheld"), data.get("scaled_score")
    if isinstance(withheld, str) and withheld:
        return withheld
    if isinstance(scaled, str) and scaled:
        return f"部分指标未评分，按折算得分 {scaled} 分评定"
    return ""


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        return numbers.parse_decimal(value) if isinstance(value, str) else None
    except numbers.NumberError:
        return None


def _link(out_dir: Path | None) -> str:
    """The appendix link: the project's folder name under the round, percent-encoded, never a scheme.

    The folder name has passed ``names``; quoting it and prefixing ``./`` means
    a name like ``javascript:x`` could only ever be a relative file link.
    """
    if out_dir is None or not (out_dir / "appendix.html").is_file():
        return ""
    return "./" + quote(out_dir.name, safe="") + "/appendix.html"


def csv_id(value: str) -> str:
    """A project id in summary.csv as Excel keeps it when the file is opened by double-click: ="001".

    Excel (and WPS) read a double-clicked CSV with the 常规 format: 001 becomes
    1, 1E3 becomes 1000, 2024-01 a date, long digit strings lose digits. The
    only in-file remedy Excel honours is a formula whose value is the text,
    ="001"; the id is inside a string literal (quotes doubled), so a hostile id
    is shown as text, never evaluated. Programs should read round.json, where
    ids are plain. An id Excel cannot hold in a literal (over 255 characters,
    or with a line break or tab) falls back to ``safe_text``.
    """
    if not value:
        return ""
    if len(value) > 255 or any(c in value for c in "\r\n\t"):
        return safe_text(value)
    return '="' + value.replace('"', '""') + '"'


def _atomic_write(path: Path, data: bytes) -> None:
    from evalkit.outputs.atomic import write_file

    write_file(path, data)


def _csv(rows: list[Row]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow([r.index, csv_id(r.id), safe_text(r.name), "" if r.total is None else str(r.total),
                         safe_text(r.grade), "" if r.checks_failed is None else r.checks_failed, r.status_text,
                         "" if r.seconds is None else round_seconds(r.seconds), safe_text(r.appendix),
                         safe_text(r.error), "" if r.assessed is None else str(r.assessed), safe_text(r.kind),
                         r.review, safe_text(r.unit), "" if r.stated_total is None else str(r.stated_total),
                         safe_text(r.kinds_text), r.open_notes])
    # UTF-8 with BOM: Excel on Chinese Windows opens it without garbling
    return buf.getvalue().encode("utf-8-sig")


def _text_cell(value: str) -> Any:
    return ooxml.text_cell(value, "各项目的附件")


def _xlsx(rows: list[Row], title: str, finished: datetime) -> bytes:
    """summary.xlsx, the round's Excel deliverable: the summary sheet, then 指标得分 and 问题清单.

    Ids are text cells (format @), so 001 stays 001; scores are numeric cells
    with explicit formats; each project's appendix is a relative hyperlink, so
    the links work wherever the round folder is moved or unzipped.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "评价结果汇总"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([
            r.index, _text_cell(r.id), _text_cell(r.name), r.total, _text_cell(r.grade), r.checks_failed,
            r.status_text, None if r.seconds is None else Decimal(round_seconds(r.seconds)),
            _text_cell(roundsheets.xlsx_link(r.folder) if r.folder else ""), _text_cell(r.error), r.assessed,
            _text_cell(r.kind), r.review, _text_cell(r.unit), r.stated_total, _text_cell(r.kinds_text), r.open_notes,
        ])
    link_font = Font(color="0563C1", underline="single")
    for r, row in zip(rows, sheet.iter_rows(min_row=2)):
        row[1].number_format = "@"
        if r.folder:
            row[8].hyperlink, row[8].font = roundsheets.xlsx_link(r.folder), link_font
        row[0].number_format = row[5].number_format = "0"
        row[3].number_format = roundsheets.places_format([r.total])  # as many places as the appendix shows
        row[7].number_format = "0.00"
        row[9].alignment = Alignment(wrap_text=True, vertical="top")
        row[10].number_format = roundsheets.places_format([r.assessed])
        row[14].number_format = roundsheets.places_format([r.stated_total])
    for column, width in zip("ABCDEFGHIJKLMNOPQ", (6, 12, 40, 8, 6, 10, 14, 10, 36, 60, 10, 22, 14, 24, 10, 40, 10)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    roundsheets.add_sheets(book, rows, _text_cell)
    book.properties.title = title
    book.properties.created = finished.astimezone(timezone.utc).replace(tzinfo=None)  # openpyxl sets modified on save
    book.properties.creator = f"evalkit {__version__}"
    buf = io.BytesIO()
    book.save(buf)
    # The round's finish time is the file's only time: same round, same finish time, same bytes.
    return ooxml.without_clock(buf.getvalue(), finished.astimezone(timezone.utc).replace(tzinfo=None))


# The order 本次状态 sorts in: what needs attention first.
STATUS_ORDER = {"failed": 0, "not_run": 1, "ok": 2, "up_to_date": 3}
# 复核后已修改 first: it is what a round's operator must act on (review_rank; kept for readers of the name).
REVIEW_ORDER = {"复核后已修改": 0, "未复核": 1, "已复核": 3}


def finished_text(finished: datetime) -> str:
    """The generation time as the round page states it: local time with its UTC offset, to the second."""
    local = finished.astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S}（UTC{offset[:3]}:{offset[3:]}）"


def write_round(run: "RoundRun", projects: list[Path], outputs_root: Path, finished: datetime | None = None) -> list[Row]:
    """Write the four round files; ``finished`` (default: now) is the round's finish time they record.

    The time is data about this run, shown on the page and kept in round.json;
    the round files are not meant to be byte-identical across runs (the
    projects' appendices and results.json are, and carry no time).
    """
    finished = (finished or datetime.now(timezone.utc)).astimezone()
    out = outputs_root / run.round
    out.mkdir(parents=True, exist_ok=True)
    rows = _rows(run, projects, outputs_root)
    counts = {
        "total": len(rows),
        "ok": sum(r.status == "ok" for r in rows),
        "up_to_date": sum(r.status == "up_to_date" for r in rows),
        "failed": sum(r.status == "failed" for r in rows),
        "not_run": sum(r.status == "not_run" for r in rows),
    }
    from evalkit.outputs.html import environment  # jinja2: imported only when the round files are written

    title = f"{run.round} 评价批次汇总"
    html = environment().get_template("round_index.html.j2").render(
        title=title, rows=rows, counts=counts, seconds=round_seconds(run.seconds), interrupted=run.interrupted,
        aborted=run.aborted, finished=finished_text(finished), finished_iso=finished.isoformat(timespec="seconds"),
        version=__version__, status_order=STATUS_ORDER, review_order={r.review: review_rank(r.review) for r in rows}, fragment=roundsheets.fragment,
        kinds=roundsheets.kind_counts(rows),
    )
    _atomic_write(out / "index.html", html.encode("utf-8"))
    _atomic_write(out / "summary.csv", _csv(rows))
    _atomic_write(out / "summary.xlsx", _xlsx(rows, title, finished))
    document = {"round": run.round, "evalkit_version": __version__,
                "finished": finished.isoformat(timespec="seconds"), "counts": counts,
                "seconds": round_seconds(run.seconds), "interrupted": run.interrupted, "aborted": run.aborted,
                "projects": [r.as_json() for r in rows]}
    _atomic_write(out / "round.json", (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return rows
