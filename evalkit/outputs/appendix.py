"""The appendix as a sequence of sections, each displayable in Jupyter.

The workbook displays these one per cell; nbconvert turns the executed
notebook into the HTML appendix. Later features (survey, checks) add sections
of their own by providing more functions of the same shape: ``Evaluation`` in,
``Section`` out.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from evalkit.core import display, limits, numbers
from evalkit.outputs import references, scoresheet
from evalkit.core.evaluation import Evaluation, NodeScore
from evalkit.core.framework import level_names as framework_levels
from evalkit.outputs.html import appendix_css, css_string, macros
from evalkit.kinds import DEFAULT_KIND
from evalkit.core.scoring import IndicatorScore, NotAssessed
from evalkit.core.survey import SurveyResult
from evalkit.outputs.charts import distribution_chart, group_chart

__all__ = [
    "Section",
    "base_data",
    "calculations",
    "checks",
    "contents",
    "findings",
    "overview",
    "provenance",
    "running_header",
    "scoring",
    "sections",
    "self_evaluation_table",
    "stylesheet",
    "summary",
    "survey",
    "surveys",
]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        # Shown as text/plain beside the HTML in the notebook; keep it short.
        return f"<{self.title}>"


def stylesheet() -> Section:
    """The appendix CSS, for viewing the workbook in JupyterLab (the HTML page has it already)."""
    return Section("style", "样式", f"<style>{appendix_css()}</style>")


def _precision(ev: Evaluation) -> str:
    fw = ev.framework
    rule = numbers.rounding_rule(fw.score_decimals)
    text = f"各指标得分按{rule}计算"
    if fw.shown_decimals != fw.score_decimals:
        text += f"，列示{fw.shown_decimals}位小数"
    text += "；总分为各末级指标得分之和"
    if ev.partial:
        text += "，未评分的指标既不计入得分，也不计入已评分值"
    return text + "。金额与比率均以十进制精确计算，按四舍五入取舍（尾数为 5 时一律进位）。"


_NUMERALS = "一二三四五六七八九十"


def _order(ev: Evaluation) -> list[str]:
    keys = ["overview", "summary", "checks", "scoring", "findings", "calculations"]
    keys += [f"survey:{s.key}" for s in ev.surveys]
    return keys + ["data", "provenance"]


def _numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (sections are few, but surveys are not capped)."""
    digits = "零" + _NUMERALS[:9]
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(n)


def _heading(ev: Evaluation, key: str, title: str) -> str:
    """Sections are numbered by position, since surveys are optional and there may be several."""
    return f"{_numeral(_order(ev).index(key) + 1)}、{title}"


def overview(ev: Evaluation) -> Section:
    """项目概况, or 部门概况 for a department: the kind names what is evaluated."""
    info, kind = ev.project.params.project, ev.project.kind
    rows = [
        (kind.name_label, info.name),
        (kind.id_label, info.id),
        ("评价批次", ev.project.round),
        ("评价年度", f"{info.year} 年度" if info.year else ""),
        ("评价类型", kind.name if kind is not DEFAULT_KIND else ""),
        ("评价类别", ev.project.category if kind is DEFAULT_KIND or "category" in info.model_fields_set else ""),
        ("被评价单位", info.unit),
        ("主管部门", info.department),
        ("委托单位", info.commissioner),
        ("评价机构", info.evaluator),
        ("资金性质", info.fund_type),
        ("评价报告", info.report),
    ]
    rows = [(label, value) for label, value in rows if value]
    # The bundled examples' subtitle reads “项目支出绩效评价”, from their category: kept as it was.
    subtitle = f"{info.category}绩效评价" if kind is DEFAULT_KIND else kind.name
    from evalkit.outputs.results import review

    html = str(macros().overview(ev, info, rows, _precision(ev), _heading(ev, "overview", kind.overview), subtitle,
                                 ev.project.params.workpaper, review(ev)))
    # The 目录 goes between the title block and the first section, as in a bound working paper.
    first, sep, rest = html.partition(_FIRST_SECTION)
    html = first + contents(ev).html + sep + rest if sep else html + contents(ev).html
    return Section("overview", kind.overview, html)


_FIRST_SECTION = '<section class="ek-section" id="overview">'


def running_header(ev: Evaluation) -> str:
    """The line at the top of every printed page, so a loose sheet of a bound paper says whose it is."""
    info, wp = ev.project.params.project, ev.project.params.workpaper
    text = f"{info.name}（{info.id}）" if info.id else info.name
    return f"{text} · 底稿索引号 {wp.index}" if wp is not None and wp.index else text


@dataclass(frozen=True)
class _Entry:
    """One line of the 目录: an anchor in the page and its text, with sub-items below it."""

    anchor: str
    text: str
    ref: str = ""
    children: tuple["_Entry", ...] = ()


def _title(ev: Evaluation, key: str) -> str:
    """A section's title as its heading shows it (the headings are made by each section's function)."""
    if key.startswith("survey:"):
        spec = next(s.spec for s in ev.surveys if s.key == key.split(":", 1)[1])
        return f"满意度调查：{spec.title}"
    summary_title = SELF_EVALUATION_TITLE if ev.project.kind.layout == "self_evaluation" else "评分汇总"
    return {"overview": ev.project.kind.overview, "summary": summary_title, "checks": "核对结果",
            "scoring": "评分过程", "findings": "问题清单", "calculations": "计算过程", "data": "基础数据",
            "provenance": "附：数据来源与版本"}[key]


def _entries(ev: Evaluation) -> tuple[_Entry, ...]:
    """Every section, with the indicators under 评分过程 and the failed checks under 核对结果.

    Those two are where a reader jumps from the report; figures, questions and
    passed checks are reached from them by their refs.
    """
    out = []
    for key in _order(ev):
        anchor = "survey-" + key.split(":", 1)[1] if key.startswith("survey:") else key
        text = _title(ev, key) if key == "provenance" else _heading(ev, key, _title(ev, key))
        children: tuple[_Entry, ...] = ()
        if key == "scoring":
            children = tuple(_Entry(s.ref if isinstance(s, NotAssessed) else s.working.ref, s.path[-1],
                                    s.ref if isinstance(s, NotAssessed) else s.working.ref) for s in ev.leaves)
        elif key == "checks":
            children = tuple(_Entry(c.ref, f"{c.name}（未通过）", c.ref) for c in ev.checks if not c.passed)
        out.append(_Entry(anchor, text, "", children))
    return tuple(out)


def contents(ev: Evaluation) -> Section:
    """目录: printed as the paper's contents, on a wide screen a side panel that stays in view.

    It also carries the page's running header for print (an @page rule with
    this project's name), since the stylesheet is the same for every project.
    """
    from evalkit.outputs.results import review

    status = review(ev)
    notes = f" · 未解决意见 {len(status.open_notes)} 条" if status.open_notes else ""
    html = macros().contents(_entries(ev), css_string(running_header(ev)), css_string(f"{status.status}{notes}"))
    return Section("contents", "目录", str(html))


@dataclass(frozen=True)
class _Cell:
    """A parent indicator's cell: its name and (分值, 得分) note, spanning the rows of its leaves."""

    node: NodeScore
    rowspan: int
    note: str


@dataclass(frozen=True)
class _Row:
    """One leaf's row: the parent cells that open on it (top level first), then the leaf's own cells.

    ``colspan`` is how many level columns the leaf's name covers: 1 at the
    deepest level, more for a leaf of a shallower branch, so that neither its
    name nor its score moves into another level's column.
    """

    leaf: IndicatorScore | NotAssessed
    parents: tuple[_Cell, ...]
    colspan: int


def _leaf_count(node: NodeScore) -> int:
    return 1 if not node.children else sum(_leaf_count(c) for c in node.children)


def _node_note(ev: Evaluation, node: NodeScore) -> str:
    """（分值，得分） of a parent, or what of it was assessed: a partly scored parent is out of 已评分值."""
    weight = ev.score_text(node.weight)
    if node.not_assessed:
        return f"（{weight} 分，未评分）"
    if node.has_unassessed:
        return f"（{weight} 分，已评 {ev.score_text(node.assessed_weight)} 分，得 {ev.score_text(node.score)}）"
    return f"（{weight} 分，得 {ev.score_text(node.score)}）"


def _summary_rows(ev: Evaluation) -> list[_Row]:
    """Flatten a tree of any depth (1 to 5, branches of different depths) into rows with rowspans and colspans.

    A parent's cell opens on the row of its first leaf and spans all its
    leaves' rows; a leaf's name sits in its own level's column and spans the
    level columns below it, so each row has exactly one cell per level column.
    """
    columns = len(level_names(ev))
    rows: list[_Row] = []

    def walk(nodes: tuple[NodeScore, ...], opened: tuple[_Cell, ...]) -> None:
        for node in nodes:
            if node.children:
                walk(node.children, opened + (_Cell(node, _leaf_count(node), _node_note(ev, node)),))
            else:
                assert node.leaf is not None
                rows.append(_Row(node.leaf, opened, columns - node.level + 1))
            opened = ()  # the first leaf below took the cells that open here

    walk(ev.tree, ())
    return rows


def level_names(ev: Evaluation) -> tuple[str, ...]:
    """The summary table's level columns: one per level the tree has, named by the framework's ``levels``."""
    return framework_levels(ev.framework)


def summary(ev: Evaluation) -> Section:
    """评分汇总, or for a self-evaluation (项目支出绩效自评) the 自评表 in its place."""
    if ev.project.kind.layout == "self_evaluation":
        return self_evaluation_table(ev)
    heading = _heading(ev, "summary", "评分汇总")
    return Section("summary", "评分汇总", str(macros().summary(ev, _summary_rows(ev), level_names(ev), heading, links(ev))))


SELF_EVALUATION_TITLE = "项目支出绩效自评表"


def score_form_view(ev: Evaluation) -> dict[str, Any]:
    """What the kind's form shows (its ``score_form`` over the summary's rows): the appendix and scores.docx alike."""
    return ev.project.kind.score_form(ev, _summary_rows(ev))


def self_evaluation_table(ev: Evaluation) -> Section:
    """The 自评表 of 财预〔2020〕10号 in its official column layout, each computed cell linked to its working.

    The kind fills the form (its ``score_form``); the page only lays it out.
    """
    heading = _heading(ev, "summary", SELF_EVALUATION_TITLE)
    view = score_form_view(ev)
    html = macros().self_evaluation_table(ev, view, level_names(ev), heading, links(ev))
    return Section("summary", SELF_EVALUATION_TITLE, str(html))


_last_links: list[tuple[Evaluation, references.References]] = []


def links(ev: Evaluation) -> references.References:
    """The evaluation's reference graph, built once for all the sections of one appendix.

    Sections are made one per notebook cell; the graph of the evaluation
    last asked for is kept (by identity: an Evaluation is not hashable).
    """
    if _last_links and _last_links[0][0] is ev:
        return _last_links[0][1]
    graph = references.build(ev)
    _last_links[:] = [(ev, graph)]
    return graph


def scoring(ev: Evaluation) -> Section:
    html = macros().scoring(ev, _heading(ev, "scoring", "评分过程"), links(ev))
    return Section("scoring", "评分过程", str(html))


def calculations(ev: Evaluation) -> Section:
    heading = _heading(ev, "calculations", "计算过程")
    return Section("calculations", "计算过程", str(macros().calculations(ev, heading, links(ev))))


# A table longer than limits.MAX_TABLE_ROWS_SHOWN is shown as its first and last this many rows.
TABLE_EDGE_ROWS = 20


@dataclass(frozen=True)
class _TableView:
    title: str
    file: str
    source: str
    note: str
    units: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    numeric: frozenset[str]
    # (row number counted from 1, cells), or for a long table the text of the row that stands for the gap
    rows: tuple[tuple[int, tuple[str, ...]] | str, ...]
    total_rows: int
    excerpt: bool  # only the first and last rows are shown
    key: str = ""

    @property
    def file_name(self) -> str:
        """The data file as the reader cites it: its name, not the path relative to the params file."""
        return _file_name(self.file)

    def anchor(self, line: int) -> str:
        """The row's id on the page, which a source citation of one of its cells links to."""
        return references.row_anchor(self.key, line)


def _table_view(t: Any) -> _TableView:
    """A data table for the appendix: whole, or past MAX_TABLE_ROWS_SHOWN rows its first and last rows.

    Totals and checks always use every row; the appendix is a working paper,
    not a copy of the data file (a million-row table made a 128 MB page), so a
    long table is summarised and the reader is sent to the file, whose SHA-256
    the provenance section and manifest.json record.
    """
    rows, total = t.rows, len(t.rows)
    numeric = [i for i, c in enumerate(t.columns) if t.unit_of(c)]
    if total <= limits.MAX_TABLE_ROWS_SHOWN:
        shown: tuple[tuple[int, tuple[str, ...]] | str, ...] = tuple(
            (t.line(i), _cells(row, numeric)) for i, row in enumerate(rows))
        excerpt = False
    else:
        edge = TABLE_EDGE_ROWS
        # Row numbers are the file's (Excel's) line numbers, as in every message and check.
        gap = f"… 中间省略 {total - 2 * edge:,} 行（第 {t.line(edge)} 至第 {t.line(total - edge - 1)} 行）…"
        shown = (*((t.line(i), _cells(rows[i], numeric)) for i in range(edge)), gap,
                 *((t.line(i), _cells(rows[i], numeric)) for i in range(total - edge, total)))
        excerpt = True
    return _TableView(t.title, t.written, t.source, t.note, t.units, t.columns, frozenset(dict(t.units)),
                      shown, total, excerpt, t.key)


def _file_name(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def _cells(row: tuple[str, ...], numeric: list[int]) -> tuple[str, ...]:
    """Amounts in a table read as in a working: 48,270,614.46, at the decimals the file wrote."""
    if not numeric:
        return row
    out = list(row)
    for i in numeric:
        out[i] = numbers.format_cell(row[i])
    return tuple(out)


def base_data(ev: Evaluation) -> Section:
    params = ev.project.params
    input_rows = [
        (key, q, params.inputs[key].note) for key, q in zip(params.inputs, ev.inputs, strict=True)
    ]
    tables = [_table_view(t) for t in ev.tables.values()]
    heading = _heading(ev, "data", "基础数据")
    return Section("data", "基础数据", str(macros().base_data(ev, input_rows, tables, heading)))


def _survey_view(ev: Evaluation, result: SurveyResult, charts: bool) -> dict[str, Any]:
    spec, cleaned, st = result.spec, result.cleaned, result.stats
    labels = spec.scale.option_labels()
    k = len(labels)
    index = spec.scale.index_values()
    satisfied = set(spec.scale.satisfied_labels())
    figures = [f for q in st.questions for f in (q.rate, q.low, q.high, q.mean, q.index) if f is not None]
    groups = []
    for g in st.groups:
        chart = ""
        if charts:
            chart = _b64(group_chart(g.column, [r.label for r in g.rows], [r.n for r in g.rows],
                                     [r.overall for r in g.rows]))
        groups.append({"column": g.column, "rows": g.rows, "tests": g.tests, "chart": chart})
    distribution = ""
    if charts and any(q.valid for q in st.questions):
        distribution = _b64(distribution_chart([q.name for q in st.questions], labels,
                                               [q.counts for q in st.questions]))
    return {
        "key": result.key,
        "file": _file_name(spec.file),
        "source": spec.source,
        "raw_n": cleaned.raw_n,
        "n": cleaned.n,
        "excluded": cleaned.raw_n - cleaned.n,
        "steps": cleaned.steps,
        "invalid": cleaned.invalid_answers,
        "non_response": spec.non_response,
        "labels": labels,
        "scale_rows": [(label, k - i, numbers.format_unrounded(index[label], 4), label in satisfied)
                       for i, label in enumerate(labels)],
        "questions": [_question_row(q) for q in st.questions],
        "distribution": distribution,
        "headline": [f for f in (st.overall, st.alpha, st.margin, st.sample_needed) if f is not None],
        "notices": st.notices,
        "groups": groups,
        "group_test": spec.group_test,
        "links": links(ev),
        "summary_title": "自评表" if ev.project.kind.layout == "self_evaluation" else "评分汇总",  # its back-link
        "first_ref": figures[0].ref if figures else "",
        "last_ref": figures[-1].ref if figures else "",
    }


def _question_row(q: Any) -> dict[str, Any]:
    return {
        "name": q.name, "weight": numbers.format_plain(q.weight), "counts": q.counts,
        "non_response": q.non_response, "missing": q.missing, "valid": q.valid,
        "rate": q.rate, "low": q.low, "high": q.high, "mean": q.mean, "index": q.index,
    }


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def surveys(ev: Evaluation, charts: bool = True) -> list[Section]:
    """One section per questionnaire: cleaning trail, statistics with working, charts, groups."""
    out = []
    for result in ev.surveys:
        heading = _heading(ev, f"survey:{result.key}", f"满意度调查：{result.spec.title}")
        html = macros().survey(_survey_view(ev, result, charts), heading)
        out.append(Section(f"survey:{result.key}", result.spec.title, str(html)))
    return out


def survey(ev: Evaluation) -> "SectionGroup":
    """All survey sections, displayable in one notebook cell (empty when the project has none)."""
    return SectionGroup(tuple(surveys(ev)))


@dataclass(frozen=True)
class SectionGroup:
    sections: tuple[Section, ...]

    def _repr_html_(self) -> str:
        return "\n".join(s.html for s in self.sections)

    def __repr__(self) -> str:
        return "<" + "、".join(s.title for s in self.sections) + ">" if self.sections else "<无>"


def checks(ev: Evaluation) -> Section:
    """核对结果: counts first, then failures with their working, then what passed."""
    failed = [c for c in ev.checks if not c.passed]
    passed = [c for c in ev.checks if c.passed]
    html = macros().checks_section(ev, _heading(ev, "checks", "核对结果"), failed, passed, links(ev))
    return Section("checks", "核对结果", str(html))


@dataclass(frozen=True)
class _FindingRow:
    finding: Any
    money: str
    deductions: list[tuple[Any, str, str]]  # (indicator, recorded amount, what its indicator actually took)
    notices: list[str]


def _exact(ev: Evaluation, value: Decimal) -> str:
    """A step of the reconciliation at the score format (2.00), or with every digit where it has more (1.7925)."""
    if numbers.significant_decimals(value) <= ev.framework.shown_decimals:
        return ev.score_text(value)
    return numbers.format_unrounded(value)


def _signed(ev: Evaluation, value: Decimal) -> str:
    """An adjustment of the reconciliation: "" for none, else with its sign (rounding shows +0.0075)."""
    if not value:
        return ""
    return ("+" if value > 0 else "−") + _exact(ev, abs(value))


def _why_removed(ledger: Any) -> str:
    """What took finding points back at one indicator: 评价要点扣完为止, 扣完为止, 评价人员调整."""
    why = []
    if ledger.bounded_findings:
        why.append("评价要点扣完为止")
    if ledger.floor > 0 and ledger.findings_capped > ledger.bounded_findings:
        why.append("扣完为止")
    if ledger.findings_adjusted:
        why.append("评价人员调整")
    return "、".join(why) or "上限"


def _taken_note(ev: Evaluation, ledger: Any) -> str:
    """Under a finding whose indicator did not take all its problem points: how much was taken, and why."""
    if not ledger.findings_removed:
        return ""
    return (f"该指标问题按规则扣 {ev.score_text(ledger.findings_gross)} 分，"
            f"按{_why_removed(ledger)}计 {ev.score_text(ledger.findings_taken)} 分")


def _amount(ev: Evaluation, value: Decimal) -> str:
    """A rule's own deduction in the reconciliation; "−" when a result above 分值 was capped."""
    if not value:
        return ""
    return ("−" if value < 0 else "") + _exact(ev, abs(value))


def findings(ev: Evaluation) -> Section:
    """问题清单: every finding with the deduction its indicator actually took, and the reconciliation to the total.

    A finding's recorded deduction is what its rule counted; when 扣完为止 or
    an override took some of it back, the row says so, and the totals state
    both the recorded and the taken amounts, so the list never claims more
    than the score table lost.
    """
    by_finding = ev.deductions_by_finding()
    rec = scoresheet.reconcile(ev)
    ledgers = {x.ref: x for x in rec.ledgers}
    rows = []
    for f in ev.findings:
        caused = by_finding.get(f.id, [])
        notices = []
        if f.indicator and caused and any(s.name != f.indicator for s, _ in caused):
            notices.append(f"所涉指标写作“{f.indicator}”，但在“{'、'.join(s.name for s, _ in caused)}”扣分")
        # as the register wrote it (8.1 stays 8.1), as results.json and workpaper.xlsx carry it
        money = (numbers.format_amount(f.money, f.money_unit, numbers.written_places(f.money))
                 if f.money is not None else "")
        rows.append(_FindingRow(f, money, [(s, ev.score_text(a), _taken_note(ev, ledgers[s.working.ref]))
                                           for s, a in caused], notices))
    st = ev.score_text
    view = {
        "ledgers": [
            {"ref": x.ref, "name": x.name, "findings": st(x.findings_gross) if x.findings_gross else "",
             "other": _amount(ev, x.other), "capped": _signed(ev, -(x.bounded + x.floor)),
             "rounding": _signed(ev, x.rounding), "override": _signed(ev, x.override), "taken": st(x.taken),
             "findings_taken": st(x.findings_taken) if x.findings_gross else ""}
            for x in rec.ledgers
        ],
        "findings_gross": st(rec.findings_gross),
        "findings_removed": st(rec.findings_removed),
        "removed": bool(rec.findings_removed),
        "has_taken": bool(rec.findings_taken),
        "findings_taken": st(rec.findings_taken),
        "removed_by": "、".join(f"{x.name}，{_why_removed(x)}" for x in rec.ledgers if x.findings_removed),
        "has_findings": bool(ev.findings),
        "by_rule": [(name, st(amount)) for name, amount in rec.by_rule],
        "adjusted": _signed(ev, rec.adjusted),
        "removed_words": rec.removed_words(st),
        "other": st(rec.other),
        # the 合计 row adds each column, so it reads across as every ledger row does
        "sum_other": _amount(ev, sum((x.other for x in rec.ledgers), Decimal(0))),
        "sum_capped": _signed(ev, -sum((x.bounded + x.floor for x in rec.ledgers), Decimal(0))),
        "sum_rounding": _signed(ev, sum((x.rounding for x in rec.ledgers), Decimal(0))),
        "sum_override": _signed(ev, sum((x.override for x in rec.ledgers), Decimal(0))),
        "total": st(rec.total),
        "assessed": st(ev.assessed_weight),
        "score": st(ev.total),
    }
    html = macros().findings_section(ev, _heading(ev, "findings", "问题清单"), rows, view, links(ev))
    return Section("findings", "问题清单", str(html))


def sections(ev: Evaluation, charts: bool = True, manifest_file: str = "") -> list[Section]:
    """Every section in page order."""
    return [overview(ev), summary(ev), checks(ev), scoring(ev), findings(ev), calculations(ev),
            *surveys(ev, charts), base_data(ev), provenance(ev, manifest_file)]



_ROLE_NAMES = {"params": "参数文件", "framework": "指标体系", "data": "数据文件", "signoff": "复核签署",
               "workbook": "工作簿"}


def provenance(ev: Evaluation, manifest_file: str = "") -> Section:
    """附：数据来源与版本 — the inputs by content hash and the software versions, from manifest.json.

    Run by ``evalkit run`` or ``evalkit batch``, the manifest written before
    execution is read; opened by hand in JupyterLab there is none, and the
    inputs are hashed here (without the workbook, which the kernel cannot name).
    """
    from evalkit.outputs import manifest

    recorded = manifest.read(Path(manifest_file).parent) if manifest_file else None
    if recorded is not None and Path(manifest_file).name == manifest.MANIFEST:
        inputs, versions = recorded["inputs"], recorded["versions"]
        note = "与本附件同目录的 manifest.json 还记录了各输出文件的哈希值；用 evalkit verify 可重新运行并逐字节核对。"
    else:
        inputs, versions = manifest.inputs_of(ev.project, None), manifest.versions()
        note = "本附件不是由 evalkit run / batch 生成的，未记录工作簿与输出文件的哈希值。"
    rows = [(_ROLE_NAMES.get(i["role"], i["role"]), i["path"], i["sha256"]) for i in inputs]
    html = macros().provenance_section(_heading(ev, "provenance", "附：数据来源与版本").split("、", 1)[1],
                                       rows, sorted(versions.items()), note)
    return Section("provenance", "数据来源与版本", str(html))


def _evaluation_html(ev: Evaluation) -> str:
    """An evaluation typed at the end of a notebook cell: overview, score summary and checks, as in the appendix."""
    return "".join(s.html for s in (stylesheet(), overview(ev), summary(ev), checks(ev)))


display.register("evaluation", _evaluation_html)
